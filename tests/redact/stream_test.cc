// Streaming: output equals whole-buffer redaction for every chunking and
// window size, memory stays bounded, nothing leaks at chunk boundaries.
#include <fstream>
#include <random>
#include <sstream>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "piivault/redactor.h"
#include "redact/test_util.h"

namespace piivault {
namespace {

std::string ReadFileOrDie(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  EXPECT_TRUE(in.good()) << path;
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

Redactor MakeFake(size_t window, RedactionPolicy policy = RedactionPolicy::Default()) {
  RedactorOptions o;
  o.policy = std::move(policy);
  o.stream_window_bytes = window;
  absl::StatusOr<Redactor> r = Redactor::CreateWithScanner(
      redact_test::FakeScanOr, redact_test::kFakeMaxFinding, redact_test::kFakeContext, std::move(o));
  EXPECT_TRUE(r.ok()) << r.status();
  return *std::move(r);
}

std::string Stream(const Redactor& r, const std::vector<std::string_view>& chunks, int threads = 1,
                   RedactionReport* report = nullptr) {
  RedactStream s(r, threads);
  std::string out;
  for (std::string_view c : chunks) {
    absl::Status st = s.Write(c, &out);
    EXPECT_TRUE(st.ok()) << st;
    EXPECT_LE(s.buffered_bytes(), s.max_buffered_bytes());
  }
  absl::Status st = s.Finish(&out);
  EXPECT_TRUE(st.ok()) << st;
  if (report != nullptr) *report = s.report();
  return out;
}

std::vector<std::string> Corpus() {
  std::vector<std::string> texts = {ReadFileOrDie(std::string(PIIVAULT_SOURCE_DIR) + "/examples/transcript.txt"),
                                    "", "1", "手机13812345678"};
  for (uint64_t seed = 1; seed <= 6; ++seed)
    texts.push_back(redact_test::GenerateTranscript(seed, 2000 + seed * 1500, seed % 2 == 0));
  return texts;
}

TEST(RedactStream, EqualsWholeBufferForRandomChunkingsAndWindows) {
  std::mt19937_64 rng(20260314);
  RedactionPolicy numbered = RedactionPolicy::Default();
  numbered.default_operator = RedactOperator::kLabel;
  numbered.rules.clear();
  numbered.numbered_labels = true;
  RedactionPolicy capped = numbered;
  capped.max_numbered_values = 5;
  for (const RedactionPolicy& policy : {RedactionPolicy::Default(), numbered, capped}) {
    Redactor whole = MakeFake(size_t{1} << 20, policy);
    for (const std::string& text : Corpus()) {
      RedactionReport whole_report;
      absl::StatusOr<std::string> expected = whole.Redact(text, &whole_report);
      ASSERT_TRUE(expected.ok());
      for (size_t window : {size_t{1}, size_t{7}, size_t{64}, size_t{333}, size_t{4096}}) {
        // Tiny windows rescan everything hundreds of times: keep them to small texts.
        if (window < 64 && text.size() > 4000) continue;
        Redactor r = MakeFake(window, policy);
        for (int trial = 0; trial < 3; ++trial) {
          RedactionReport report;
          std::string got = Stream(r, redact_test::RandomChunks(text, rng, 700), 1 + trial % 2, &report);
          ASSERT_EQ(got, *expected) << "window " << window << " trial " << trial << " size " << text.size();
          EXPECT_EQ(report.ToJson(), whole_report.ToJson());
        }
      }
    }
  }
}

// A scanner whose findings depend on where the scanned text starts (each
// finding is widened by text.size() % 5 bytes on both sides): neighbouring
// windows disagree about the values near their shared margin, so parallel
// workers' assumptions about where the previous window ended are often wrong
// and the stream must fall back to merging those windows serially. The
// output must still be identical for every thread count and chunking. (Such
// a scanner breaks the stream's premise, findings that depend only on nearby
// bytes, so equality with Redact() is not expected here.)
absl::StatusOr<std::vector<Finding>> ShiftyScan(std::string_view t) {
  std::vector<Finding> found = redact_test::FakeScan(t);
  const size_t widen = t.size() % 5;
  std::vector<Finding> out;
  for (Finding& f : found) {
    f.begin = f.begin >= widen ? f.begin - widen : 0;
    f.end = std::min(t.size(), f.end + widen);
    if (!out.empty() && f.begin < out.back().end) f.begin = out.back().end;
    if (f.begin >= f.end) continue;
    f.normalized.clear();
    out.push_back(std::move(f));
  }
  return out;
}

TEST(RedactStream, DisagreeingWindowsGiveTheSameOutputForEveryThreadCount) {
  std::mt19937_64 rng(77);
  RedactionPolicy label = RedactionPolicy::Default();
  label.default_operator = RedactOperator::kLabel;
  label.rules.clear();
  RedactionPolicy numbered = label;
  numbered.numbered_labels = true;
  for (const RedactionPolicy& policy : {RedactionPolicy::Default(), label, numbered}) {
    for (size_t window : {size_t{1}, size_t{5}, size_t{31}, size_t{64}, size_t{500}}) {
      RedactorOptions o;
      o.policy = policy;
      o.stream_window_bytes = window;
      absl::StatusOr<Redactor> r = Redactor::CreateWithScanner(
          ShiftyScan, redact_test::kFakeMaxFinding + 4, redact_test::kFakeContext, std::move(o));
      ASSERT_TRUE(r.ok()) << r.status();
      std::string text = redact_test::GenerateTranscript(window, window < 64 ? 1500 : 6000);
      std::string one = Stream(*r, redact_test::RandomChunks(text, rng, 500), 1);
      for (int threads : {2, 3, 4}) {
        EXPECT_EQ(Stream(*r, redact_test::RandomChunks(text, rng, 900), threads), one)
            << "window " << window << " threads " << threads;
      }
    }
  }
}

TEST(RedactStream, OneByteChunks) {
  Redactor whole = MakeFake(size_t{1} << 20);
  Redactor r = MakeFake(100);
  std::string text = redact_test::GenerateTranscript(99, 6000);
  std::vector<std::string_view> ones;
  for (size_t i = 0; i < text.size(); ++i) ones.push_back(std::string_view(text).substr(i, 1));
  EXPECT_EQ(Stream(r, ones), *whole.Redact(text, nullptr));
}

TEST(RedactStream, ValueSplitAcrossChunksNeverLeaks) {
  Redactor r = MakeFake(16);
  std::string text = "客户：手机号13812345678，谢谢";
  for (size_t cut = 0; cut <= text.size(); ++cut) {
    RedactStream s(r);
    std::string out;
    ASSERT_TRUE(s.Write(std::string_view(text).substr(0, cut), &out).ok());
    // Nothing of the number may have been emitted before the value is complete.
    EXPECT_EQ(out.find("1234"), std::string::npos) << cut;
    ASSERT_TRUE(s.Write(std::string_view(text).substr(cut), &out).ok());
    ASSERT_TRUE(s.Finish(&out).ok());
    EXPECT_EQ(out, "客户：手机号138****5678，谢谢");
  }
}

TEST(RedactStream, LargeInputHasBoundedMemory) {
  // ~16 MB through the stream in mixed chunk sizes: the internal buffer never
  // exceeds (2 * threads + 1) * (window + 2 * hold-back), and the result is
  // identical.
  std::string block = redact_test::GenerateTranscript(7, 1 << 20);
  Redactor whole = MakeFake(size_t{1} << 30);
  Redactor r = MakeFake(size_t{64} << 10);
  std::string expected_block = *whole.Redact(block, nullptr);
  RedactStream s(r, 2);
  std::mt19937_64 rng(5);
  std::string out;
  size_t checked = 0;
  bool same = true;
  for (int rep = 0; rep < 16; ++rep) {
    for (std::string_view c : redact_test::RandomChunks(block, rng, 300000)) {
      ASSERT_TRUE(s.Write(c, &out).ok());
      ASSERT_LE(s.buffered_bytes(), s.max_buffered_bytes());
    }
    // Compare and drop what has been produced so far, so the test itself stays small.
    while (out.size() - checked >= expected_block.size()) {
      same &= out.compare(checked, expected_block.size(), expected_block) == 0;
      checked += expected_block.size();
    }
    out.erase(0, checked);
    checked = 0;
  }
  ASSERT_TRUE(s.Finish(&out).ok());
  EXPECT_TRUE(same);
  EXPECT_EQ(out, expected_block);
  EXPECT_EQ(s.bytes_in(), 16 * block.size());
  EXPECT_LE(s.peak_buffered_bytes(), s.max_buffered_bytes());
  EXPECT_LE(s.max_buffered_bytes(), 5 * ((size_t{64} << 10) + 2 * r.hold_back_bytes()));
}

// A scanner cheap enough for gigabytes even under ASan: 11 digits right after
// "tel:" are a CN_MOBILE (found with find(), i.e. memchr for the rare 't').
absl::StatusOr<std::vector<Finding>> MarkerScan(std::string_view t) {
  static constexpr std::string_view kMarker = "tel:";
  std::vector<Finding> out;
  for (size_t p = t.find(kMarker); p != std::string_view::npos; p = t.find(kMarker, p + 1)) {
    size_t b = p + kMarker.size(), e = b;
    while (e < t.size() && e - b < 11 && redact_test::IsDigit(t[e])) ++e;
    if (e - b != 11) continue;
    Finding f;
    f.type = EntityType::kCnMobile;
    f.begin = b;
    f.end = e;
    f.confidence = 0.9f;
    f.normalized = std::string(t.substr(b, 11));
    out.push_back(std::move(f));
  }
  return out;
}

TEST(RedactStream, OneGigabyteWithFlatMemory) {
  // 1 GiB through the stream (2 threads, random chunk sizes from 1 byte to
  // 600 KB): the bytes held inside the stream never exceed its bound,
  // (2 * threads + 1) * (window + 2 * hold-back) (~1.3 MB here), whatever has gone
  // through, and the output is exactly the whole-buffer redaction of each
  // block. The test keeps only one block of output at a time itself.
  std::string block;
  std::mt19937_64 rng(11);
  while (block.size() < (size_t{1} << 20) - 256) {
    if (rng() % 4 == 0)
      block += "客户：tel:" + redact_test::RandomDigits(rng, 11, '1') + "，谢谢\n";
    else
      block += "客服：好的，请稍等，正在为您查询物流信息。\n";
  }
  RedactorOptions o;
  o.stream_window_bytes = size_t{256} << 10;
  absl::StatusOr<Redactor> r = Redactor::CreateWithScanner(MarkerScan, 11, 4, o);
  ASSERT_TRUE(r.ok()) << r.status();
  absl::StatusOr<std::string> expected_block = r->Redact(block, nullptr);
  ASSERT_TRUE(expected_block.ok());
  ASSERT_NE(*expected_block, block);
  RedactStream s(*r, 2);
  std::string out;
  const size_t blocks = size_t{1} << 30 >> 20;  // 1 GiB of 1 MiB blocks
  size_t matched = 0;
  for (size_t i = 0; i < blocks; ++i) {
    for (std::string_view c : redact_test::RandomChunks(block, rng, 600000)) {
      ASSERT_TRUE(s.Write(c, &out).ok());
    }
    ASSERT_LE(s.buffered_bytes(), s.max_buffered_bytes());
    size_t at = 0;
    while (out.size() - at >= expected_block->size()) {
      ASSERT_EQ(out.compare(at, expected_block->size(), *expected_block), 0) << "block " << matched;
      at += expected_block->size();
      ++matched;
    }
    out.erase(0, at);
  }
  ASSERT_TRUE(s.Finish(&out).ok());
  ASSERT_EQ(out.size() % expected_block->size(), 0u);
  for (size_t at = 0; at < out.size(); at += expected_block->size(), ++matched)
    ASSERT_EQ(out.compare(at, expected_block->size(), *expected_block), 0) << "block " << matched;
  EXPECT_EQ(matched, blocks);
  EXPECT_EQ(s.bytes_in(), blocks * block.size());
  EXPECT_LE(s.peak_buffered_bytes(), s.max_buffered_bytes());
  EXPECT_LE(s.max_buffered_bytes(), 5 * ((size_t{256} << 10) + 2 * r->hold_back_bytes()));
  EXPECT_GT(s.report().Total(RedactOperator::kMask), blocks * 1000);
}

TEST(RedactStream, NumberedLabelMemoryIsBoundedByTheCap) {
  // A plain-text stream is one document: without a cap every distinct value
  // would be remembered until Finish. 60000 distinct mobiles, cap 1000: the
  // first 1000 are numbered, the rest get the plain label, and the stream
  // never remembers more than 1000 values.
  RedactionPolicy p = RedactionPolicy::Default();
  p.default_operator = RedactOperator::kLabel;
  p.rules.clear();
  p.numbered_labels = true;
  p.max_numbered_values = 1000;
  Redactor r = MakeFake(size_t{16} << 10, p);
  RedactStream s(r);
  std::string out, line;
  uint64_t plain = 0, numbered = 0;
  for (int i = 0; i < 60000; ++i) {
    line = "手机" + std::to_string(13000000000LL + i * 7919LL) + "\n";
    ASSERT_TRUE(s.Write(line, &out).ok());
    ASSERT_LE(s.numbered_values(), 1000u);
    if (out.size() > (1 << 16)) {
      for (size_t pos = 0; (pos = out.find("<CN_MOBILE", pos)) != std::string::npos; ++pos)
        ++(out[pos + 10] == '>' ? plain : numbered);
      out.clear();  // (drops a label cut at the end at most: counted below)
    }
  }
  ASSERT_TRUE(s.Finish(&out).ok());
  for (size_t pos = 0; (pos = out.find("<CN_MOBILE", pos)) != std::string::npos; ++pos)
    ++(out[pos + 10] == '>' ? plain : numbered);
  EXPECT_EQ(s.numbered_values(), 1000u);
  EXPECT_EQ(s.report().numbering_capped, 59000u);
  EXPECT_EQ(s.report().Total(RedactOperator::kLabel), 60000u);
  EXPECT_GE(numbered + plain, 59990u);
  EXPECT_LE(numbered, 1000u);
}

TEST(RedactStream, WriteAfterFinishFails) {
  Redactor r = MakeFake(64);
  RedactStream s(r);
  std::string out;
  ASSERT_TRUE(s.Finish(&out).ok());
  EXPECT_FALSE(s.Write("x", &out).ok());
}

TEST(RedactStream, TokenErrorsPropagate) {
  RedactionPolicy p;
  p.default_operator = RedactOperator::kToken;
  Redactor r = MakeFake(64, p);
  for (int threads : {1, 2}) {  // 2: the error comes from a worker's plan
    RedactStream s(r, threads);
    std::string out;
    absl::Status st = s.Write(redact_test::GenerateTranscript(3, 2000), &out);
    if (st.ok()) st = s.Finish(&out);
    EXPECT_EQ(st.code(), absl::StatusCode::kFailedPrecondition) << threads;
    EXPECT_FALSE(s.Write("x", &out).ok());  // unusable after the error
  }
}

// A scanner that fails on any text holding "BOOM": with several windows in
// flight, the error of the one that holds it reaches the caller -- never
// output past it -- and the stream is unusable afterwards.
absl::StatusOr<std::vector<Finding>> FailingScan(std::string_view t) {
  if (t.find("BOOM") != std::string_view::npos) return absl::DataLossError("scan failed");
  return redact_test::FakeScan(t);
}

TEST(RedactStream, ScanErrorsInFlightPropagate) {
  RedactorOptions o;
  o.stream_window_bytes = 256;
  absl::StatusOr<Redactor> r = Redactor::CreateWithScanner(FailingScan, redact_test::kFakeMaxFinding,
                                                           redact_test::kFakeContext, std::move(o));
  ASSERT_TRUE(r.ok()) << r.status();
  const std::string before = redact_test::GenerateTranscript(5, 20000);
  const std::string text = before + "BOOM" + redact_test::GenerateTranscript(6, 20000);
  std::mt19937_64 rng(3);
  for (int threads : {1, 2, 4}) {
    RedactStream s(*r, threads);
    std::string out;
    absl::Status st;
    for (std::string_view c : redact_test::RandomChunks(text, rng, 3000)) {
      st = s.Write(c, &out);
      if (!st.ok()) break;
    }
    if (st.ok()) st = s.Finish(&out);
    EXPECT_EQ(st.code(), absl::StatusCode::kDataLoss) << threads;
    // Output stops before the window that failed (so before the marker).
    EXPECT_LE(out.size(), before.size() + 64) << threads;
    EXPECT_FALSE(s.Write("x", &out).ok());
  }
}

TEST(RedactStream, DestroyedWithWindowsInFlight) {
  // Windows still being scanned when the stream goes away (no Finish): the
  // destructor waits for the running ones and drops the queued ones.
  Redactor r = MakeFake(128);
  const std::string text = redact_test::GenerateTranscript(9, 200000);
  for (int threads : {2, 3}) {
    for (size_t cut : {size_t{1000}, size_t{50000}, text.size()}) {
      RedactStream s(r, threads);
      std::string out;
      ASSERT_TRUE(s.Write(std::string_view(text).substr(0, cut), &out).ok());
      EXPECT_LE(s.buffered_bytes(), s.max_buffered_bytes());
    }
  }
}

}  // namespace
}  // namespace piivault
