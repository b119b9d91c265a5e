// Fuzzes streaming redaction with the real Detector: random bytes, a random
// window size and a random chunking. Asserts that
//   * the stream's output equals whole-buffer redaction,
//   * the stream never buffers more than its bound,
//   * no value the detector found (and the policy redacts) appears in the
//     output, unless the same bytes also occur in the input outside every
//     finding (then the output legitimately keeps that other occurrence),
//   * with settle_passes (bit 4 of byte 2): a stream the report calls
//     settled gives a fixed point (redacting its output again changes
//     nothing);
//   * with PIIVAULT_FUZZ_IDEMPOTENT=1: redacting the output again changes
//     nothing (labels here, every finding down to confidence 0).
//
// Input layout: byte 0 picks the window size, byte 1 seeds the chunking,
// byte 2 the thread count (bit 0: 1 or 2), whether labels are numbered
// (bit 1; unnumbered labels let 2 threads plan windows in parallel, numbered
// ones plan serially), their style (bit 2: <CN_MOBILE> or [手机号]) and
// whether the hash operator (<CN_MOBILE#…>) replaces labels (bit 3), and
// whether the policy settles (bit 4: settle_passes = kFuzzSettlePasses); the
// rest is the text.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <string>
#include <string_view>

#include "fuzz_util.h"
#include "piivault/detector.h"
#include "piivault/redactor.h"

namespace {

const piivault::Detector& TheDetector() { return piivault::fuzz::BuiltinDetector(); }

[[noreturn]] void Fail(const char* what) {
  std::fprintf(stderr, "redact_stream fuzzer: %s\n", what);
  std::abort();
}

// mode: bit 0 numbered labels, bit 1 Chinese-style labels, bit 2 the hash
// operator instead of labels, bit 3 settle_passes.
piivault::RedactionPolicy FuzzPolicy(int mode) {
  piivault::RedactionPolicy p;
  p.default_operator = (mode & 4) != 0 ? piivault::RedactOperator::kHash : piivault::RedactOperator::kLabel;
  p.numbered_labels = (mode & 1) != 0;
  p.label_style = (mode & 2) != 0 ? piivault::LabelStyle::kChinese : piivault::LabelStyle::kAngle;
  p.default_min_confidence = 0.0f;
  p.deny_list = {"机密", "ZZTOP"};
  if ((mode & 8) != 0) p.settle_passes = piivault::fuzz::kFuzzSettlePasses;
  return p;
}

piivault::RedactorOptions FuzzOptions(int mode, size_t window) {
  piivault::RedactorOptions o;
  o.policy = FuzzPolicy(mode);
  o.stream_window_bytes = window;
  if ((mode & 4) != 0) o.hash_key_file = piivault::fuzz::HashKeyFile();
  return o;
}

const piivault::Redactor& Whole(int mode) {
  static const piivault::Redactor* r[16] = {};
  if (r[mode] == nullptr) {
    absl::StatusOr<piivault::Redactor> made =
        piivault::Redactor::Create(TheDetector(), FuzzOptions(mode, size_t{1} << 30));
    if (!made.ok()) Fail("create failed");
    r[mode] = new piivault::Redactor(*std::move(made));
  }
  return *r[mode];
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 3 || size > (1 << 16)) return 0;
  const size_t windows[] = {1, 3, 16, 64, 100, 257, 1000, 4096};
  const size_t window = windows[data[0] % 8];
  std::mt19937_64 rng(data[1]);
  const int threads = 1 + (data[2] & 1);
  const int mode = (data[2] >> 1) & 15;  // numbered labels, Chinese style, hash, settle
  const std::string_view text(reinterpret_cast<const char*>(data) + 3, size - 3);
  if (window < 64 && text.size() > 1024) return 0;  // tiny windows rescan a lot (4 KB: ~6 s)

  absl::StatusOr<std::string> expected = Whole(mode).Redact(text, nullptr);
  if (!expected.ok()) Fail("whole-buffer redaction failed");

  absl::StatusOr<piivault::Redactor> r = piivault::Redactor::Create(TheDetector(), FuzzOptions(mode, window));
  if (!r.ok()) Fail("create failed");
  piivault::RedactStream stream(*r, threads);
  std::string out;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t n = 1 + rng() % (rng() % 2 ? 8 : 2048);
    n = std::min(n, text.size() - pos);
    if (!stream.Write(text.substr(pos, n), &out).ok()) Fail("write failed");
    if (stream.buffered_bytes() > stream.max_buffered_bytes()) Fail("buffer over its bound");
    pos += n;
  }
  if (!stream.Finish(&out).ok()) Fail("finish failed");
  if (out != *expected) Fail("stream output differs from whole-buffer output");
  if ((mode & 8) != 0 && stream.report().unsettled == 0) {
    absl::StatusOr<std::string> again = Whole(mode).Redact(out, nullptr);
    if (!again.ok()) Fail("redacting settled output failed");
    piivault::fuzz::CheckUnchanged(out, *again);
  }

  absl::StatusOr<std::vector<piivault::Finding>> found = TheDetector().Scan(text);
  if (!found.ok()) return 0;
  std::string outside(text);
  for (const piivault::Finding& f : *found)
    for (size_t i = f.begin; i < f.end; ++i) outside[i] = '\0';
  for (const piivault::Finding& f : *found) {
    if (f.type == piivault::EntityType::kMasked) continue;
    std::string_view raw = text.substr(f.begin, f.end - f.begin);
    if (raw.size() < 6) continue;
    if (outside.find(raw) != std::string::npos) continue;
    if (out.find(raw) != std::string::npos) Fail("a detected value survived redaction");
  }
  // Redacting the output again changes nothing (issue 3).
  static const bool idempotent = std::getenv("PIIVAULT_FUZZ_IDEMPOTENT") != nullptr;
  if (idempotent) {
    absl::StatusOr<std::string> twice = Whole(mode).Redact(out, nullptr);
    if (!twice.ok()) Fail("second redaction failed");
    piivault::fuzz::CheckUnchanged(out, *twice);
  }
  return 0;
}
