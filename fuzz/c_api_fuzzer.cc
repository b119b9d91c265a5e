// Fuzzes the C ABI (include/piivault/piivault.h) as a C caller would use it.
// Byte 0 picks the operation, byte 1 a chunk size / flags; the rest is input.
//   0: piivault_detector_scan: findings sorted, non-overlapping, in bounds,
//      NUL-terminated strings whose lengths match.
//   1: piivault_redact vs piivault_redact_stream_* with a small window and
//      the chosen chunking: identical bytes and identical report counts.
//   2: piivault_image_scan: items inside the file, findings on items;
//      piivault_image_scrub: the result equals the C++ ScrubImage and
//      scrubbing it again changes nothing.
//   3: piivault_redactor_options_set_policy_toml on the input: an error has a
//      message; an accepted policy gives a redactor that can redact.
// Any status other than OK must come with a non-empty piivault_last_error().
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>

#include "piivault/image.h"
#include "piivault/piivault.h"

namespace {

void Fail(const char* what) {
  std::fprintf(stderr, "c_api fuzzer: %s (last error: %s)\n", what, piivault_last_error());
  std::abort();
}

void CheckError(int rc) {
  if (rc != PIIVAULT_OK && piivault_last_error()[0] == '\0') Fail("error without a message");
}

const piivault_detector* TheDetector() {
  static const piivault_detector* d = [] {
    piivault_detector_options* o = nullptr;
    piivault_detector* det = nullptr;
    if (piivault_detector_options_create(&o) != PIIVAULT_OK ||
        piivault_detector_options_set_min_confidence(o, 0.0f) != PIIVAULT_OK ||
        piivault_detector_create(o, &det) != PIIVAULT_OK) {
      Fail("detector");
    }
    piivault_detector_options_free(o);
    return det;
  }();
  return d;
}

// A label policy with a 64-byte streaming window (many window boundaries).
const piivault_redactor* TheRedactor() {
  static const piivault_redactor* r = [] {
    static const char kPolicy[] =
        "[defaults]\noperator = \"label\"\nmin_confidence = 0.0\nnumbered_labels = true\n"
        "[deny]\nterms = [\"机密\"]\n";
    piivault_redactor_options* o = nullptr;
    piivault_redactor* red = nullptr;
    if (piivault_redactor_options_create(&o) != PIIVAULT_OK ||
        piivault_redactor_options_set_policy_toml(o, kPolicy, sizeof kPolicy - 1, nullptr) !=
            PIIVAULT_OK ||
        piivault_redactor_options_set_stream_window_bytes(o, 64) != PIIVAULT_OK ||
        piivault_redactor_create(TheDetector(), o, &red) != PIIVAULT_OK) {
      Fail("redactor");
    }
    piivault_redactor_options_free(o);
    return red;
  }();
  return r;
}

bool SameReport(const piivault_redaction_report& a, const piivault_redaction_report& b) {
  if (a.redacted != b.redacted || a.below_threshold != b.below_threshold ||
      a.allow_listed != b.allow_listed) {
    return false;
  }
  for (int i = 0; i < PIIVAULT_OPERATOR_COUNT; ++i) {
    if (a.by_operator[i] != b.by_operator[i]) return false;
  }
  return true;
}

void Scan(std::string_view text) {
  piivault_finding* found = nullptr;
  size_t n = 0;
  const int rc = piivault_detector_scan(TheDetector(), text.data(), text.size(), &found, &n);
  CheckError(rc);
  if (rc != PIIVAULT_OK) return;
  if ((n == 0) != (found == nullptr)) Fail("count and array disagree");
  size_t last_end = 0;
  for (size_t i = 0; i < n; ++i) {
    const piivault_finding& f = found[i];
    if (f.begin >= f.end || f.end > text.size()) Fail("finding out of bounds");
    if (f.begin < last_end) Fail("findings overlap or are unsorted");
    last_end = f.end;
    if (f.type == nullptr || f.validated_by == nullptr || f.masked_as == nullptr ||
        f.normalized == nullptr || f.normalized[f.normalized_len] != '\0') {
      Fail("bad strings");
    }
    if (!(f.confidence >= 0.0f && f.confidence <= 1.0f)) Fail("confidence out of range");
  }
  piivault_findings_free(found);
}

void Redact(std::string_view text, size_t chunk) {
  char* whole = nullptr;
  size_t whole_len = 0;
  piivault_redaction_report whole_report;
  const int rc = piivault_redact(TheRedactor(), text.data(), text.size(), &whole, &whole_len,
                                 &whole_report);
  CheckError(rc);
  if (rc != PIIVAULT_OK) Fail("redact failed");

  piivault_redact_stream* stream = nullptr;
  if (piivault_redact_stream_create(TheRedactor(), 1, &stream) != PIIVAULT_OK) Fail("stream");
  std::string streamed;
  for (size_t at = 0; at < text.size(); at += chunk) {
    char* part = nullptr;
    size_t part_len = 0;
    const size_t n = std::min(chunk, text.size() - at);
    if (piivault_redact_stream_write(stream, text.data() + at, n, &part, &part_len) !=
        PIIVAULT_OK) {
      Fail("stream write");
    }
    streamed.append(part, part_len);
    piivault_buffer_free(part);
  }
  char* tail = nullptr;
  size_t tail_len = 0;
  piivault_redaction_report report;
  if (piivault_redact_stream_finish(stream, &tail, &tail_len, &report) != PIIVAULT_OK) {
    Fail("stream finish");
  }
  streamed.append(tail, tail_len);
  piivault_buffer_free(tail);
  piivault_redact_stream_free(stream);
  if (streamed != std::string_view(whole, whole_len)) Fail("stream != whole");
  if (!SameReport(report, whole_report)) Fail("stream report != whole report");
  piivault_buffer_free(whole);
}

const piivault_image_scanner* TheScanner() {
  static const piivault_image_scanner* s = [] {
    piivault_image_scanner* scanner = nullptr;
    if (piivault_image_scanner_create(nullptr, &scanner) != PIIVAULT_OK) Fail("scanner");
    return scanner;
  }();
  return s;
}

// Items lie inside the file; findings point at items.
void ScanImage(std::string_view bytes) {
  piivault_image_report* report = nullptr;
  const int rc = piivault_image_scan(TheScanner(), bytes.data(), bytes.size(), &report);
  CheckError(rc);
  if (rc != PIIVAULT_OK) {
    if (report != nullptr) Fail("report set on failure");
    return;
  }
  for (size_t i = 0; i < report->item_count; ++i) {
    const piivault_image_item& item = report->items[i];
    if (item.offset > bytes.size() || item.size > bytes.size() - item.offset) {
      Fail("item outside the file");
    }
  }
  for (size_t i = 0; i < report->finding_count; ++i) {
    if (report->findings[i].item >= report->item_count) Fail("finding without its item");
  }
  piivault_image_report_free(report);
}

void Scrub(std::string_view bytes, uint32_t flags) {
  ScanImage(bytes);
  char* out = nullptr;
  size_t out_len = 0;
  const int rc = piivault_image_scrub(bytes.data(), bytes.size(), flags, &out, &out_len);
  CheckError(rc);
  piivault::ScrubOptions options;
  options.keep_copyright = (flags & PIIVAULT_SCRUB_KEEP_COPYRIGHT) != 0;
  options.keep_capture_settings = (flags & PIIVAULT_SCRUB_KEEP_CAPTURE_SETTINGS) != 0;
  absl::StatusOr<std::string> want = piivault::ScrubImage(bytes, options);
  if (rc != static_cast<int>(want.status().code())) Fail("C and C++ scrub disagree on status");
  if (rc != PIIVAULT_OK) return;
  if (*want != std::string_view(out, out_len)) Fail("C and C++ scrub disagree on bytes");
  char* again = nullptr;
  size_t again_len = 0;
  if (piivault_image_scrub(out, out_len, flags, &again, &again_len) != PIIVAULT_OK) {
    Fail("scrubbed output does not scrub");
  }
  if (std::string_view(again, again_len) != std::string_view(out, out_len)) {
    Fail("scrub is not idempotent");
  }
  piivault_buffer_free(again);
  piivault_buffer_free(out);
}

void Policy(std::string_view toml) {
  piivault_redactor_options* o = nullptr;
  if (piivault_redactor_options_create(&o) != PIIVAULT_OK) Fail("options");
  const int rc = piivault_redactor_options_set_policy_toml(o, toml.data(), toml.size(), "fuzz");
  CheckError(rc);
  if (rc == PIIVAULT_OK) {
    piivault_redactor* r = nullptr;
    const int created = piivault_redactor_create(TheDetector(), o, &r);
    CheckError(created);  // a hash policy without a key file fails here
    if (created == PIIVAULT_OK) {
      static const char kText[] = "手机号13812345678，邮箱 ana@example.org";
      char* out = nullptr;
      size_t out_len = 0;
      const int redacted = piivault_redact(r, kText, sizeof kText - 1, &out, &out_len, nullptr);
      CheckError(redacted);  // token operator without a vault fails here
      piivault_buffer_free(out);
    }
    piivault_redactor_free(r);
  }
  piivault_redactor_options_free(o);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 2 || size > (1 << 16)) return 0;
  const std::string_view input(reinterpret_cast<const char*>(data) + 2, size - 2);
  switch (data[0] % 4) {
    case 0:
      Scan(input);
      break;
    case 1:
      if (input.size() <= 8192) Redact(input, 1 + data[1] % 97);
      break;
    case 2:
      Scrub(input, data[1] % 4);
      break;
    case 3:
      Policy(input);
      break;
  }
  return 0;
}
