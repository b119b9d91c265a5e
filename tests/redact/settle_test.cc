// settle_passes: a redactor whose one pass is not idempotent is made so by
// redacting its output again until a pass changes nothing. A toy scanner
// makes the mechanics exact: it finds every "ab", and the label it is
// replaced with is "a", so "a^n b^n" needs n passes to settle ("aabb" ->
// "aab" -> "aa"). The real detector's cases are in detector_e2e_test.cc.
#include <atomic>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "piivault/redactor.h"

namespace piivault {
namespace {

std::vector<Finding> FindAb(std::string_view text) {
  std::vector<Finding> out;
  for (size_t i = text.find("ab"); i != std::string_view::npos; i = text.find("ab", i + 2)) {
    Finding f;
    f.type = EntityType::kCustom;
    f.begin = i;
    f.end = i + 2;
    f.confidence = 1.0f;
    f.normalized = "ab";
    out.push_back(f);
  }
  return out;
}

Redactor MakeAbRedactor(uint32_t settle_passes, size_t window = size_t{256} << 10) {
  RedactorOptions o;
  o.policy.default_operator = RedactOperator::kLabel;
  o.policy.rules[EntityType::kCustom] = TypeRule{RedactOperator::kLabel, 0.0f, "a"};
  o.policy.settle_passes = settle_passes;
  o.stream_window_bytes = window;
  absl::StatusOr<Redactor> r = Redactor::CreateWithScanner(
      [](std::string_view t) -> absl::StatusOr<std::vector<Finding>> { return FindAb(t); },
      /*max_finding_bytes=*/2, /*context_window_bytes=*/0, std::move(o));
  EXPECT_TRUE(r.ok()) << r.status();
  return *std::move(r);
}

std::string Nested(int n) { return std::string(n, 'a') + std::string(n, 'b'); }

std::string MustRedact(const Redactor& r, std::string_view text, RedactionReport* report) {
  absl::StatusOr<std::string> out = r.Redact(text, report);
  EXPECT_TRUE(out.ok()) << out.status();
  return out.ok() ? *out : "";
}

std::string MustStream(const Redactor& r, std::string_view text, int threads, std::mt19937* rng,
                       RedactionReport* report) {
  RedactStream stream(r, threads);
  std::string out;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t n = std::min(text.size() - pos, size_t{1} + (*rng)() % 9);
    EXPECT_TRUE(stream.Write(text.substr(pos, n), &out).ok());
    pos += n;
  }
  EXPECT_TRUE(stream.Finish(&out).ok());
  EXPECT_LE(stream.peak_buffered_bytes(), stream.max_buffered_bytes());
  if (report != nullptr) report->Merge(stream.report());
  return out;
}

TEST(Settle, OnePassIsNotAFixedPointOfTheToyScanner) {
  RedactionReport report;
  EXPECT_EQ(MustRedact(MakeAbRedactor(0), "aabb", &report), "aab");
  EXPECT_EQ(report.settled, 0u);
  EXPECT_EQ(report.unsettled, 0u) << "(without settle_passes nothing is claimed)";
}

TEST(Settle, PassesRunUntilOneChangesNothing) {
  for (int n = 1; n <= 5; ++n) {
    for (uint32_t passes = 0; passes <= 6; ++passes) {
      SCOPED_TRACE(testing::Message() << "a^" << n << " b^" << n << ", settle_passes " << passes);
      RedactionReport report;
      const std::string out = MustRedact(MakeAbRedactor(passes), Nested(n), &report);
      // Pass k leaves a^n b^(n-k); passes + 1 passes run at most.
      const int run = std::min<int>(n, static_cast<int>(passes) + 1);
      EXPECT_EQ(out, std::string(n, 'a') + std::string(n - run, 'b'));
      EXPECT_EQ(report.Total(RedactOperator::kLabel), static_cast<uint64_t>(run));
      EXPECT_EQ(report.settled, static_cast<uint64_t>(run - 1));
      // Unsettled: the last allowed pass ran and changed the text (it cannot
      // know that its output is a fixed point without one more pass).
      const bool last_ran_and_changed = passes > 0 && n >= static_cast<int>(passes) + 1;
      EXPECT_EQ(report.unsettled, last_ran_and_changed ? 1u : 0u);
    }
  }
}

TEST(Settle, SettledOutputIsAFixedPointForRandomTexts) {
  std::mt19937 rng(7);
  const Redactor settling = MakeAbRedactor(kMaxSettlePasses);
  const Redactor one_pass = MakeAbRedactor(0);
  for (int i = 0; i < 2000; ++i) {
    std::string text;
    const size_t len = rng() % 40;
    for (size_t j = 0; j < len; ++j) text += "abx"[rng() % 3];
    RedactionReport report;
    const std::string out = MustRedact(settling, text, &report);
    if (report.unsettled != 0) continue;  // deeper than kMaxSettlePasses: not claimed
    EXPECT_EQ(MustRedact(settling, out, nullptr), out) << text;
    EXPECT_EQ(MustRedact(one_pass, out, nullptr), out) << text;
    EXPECT_EQ(out.find("ab"), std::string::npos) << text;
  }
}

TEST(Settle, StreamEqualsWholeBufferForEveryChunkingWindowAndThreadCount) {
  std::mt19937 rng(11);
  std::string text;
  for (int i = 0; i < 300; ++i) text += "x" + Nested(1 + static_cast<int>(rng() % 4)) + "yb";
  for (uint32_t passes : {0u, 1u, 3u, 5u}) {
    const std::string whole_out = [&] {
      RedactionReport whole_report;
      return MustRedact(MakeAbRedactor(passes), text, &whole_report);
    }();
    for (size_t window : {size_t{1}, size_t{3}, size_t{17}, size_t{4096}}) {
      const Redactor r = MakeAbRedactor(passes, window);
      for (int threads : {1, 2, 3}) {
        SCOPED_TRACE(testing::Message() << "passes " << passes << " window " << window << " threads " << threads);
        RedactionReport report;
        EXPECT_EQ(MustStream(r, text, threads, &rng, &report), whole_out);
        // The stream is one document: settled or not as a whole.
        RedactionReport whole;
        MustRedact(MakeAbRedactor(passes), text, &whole);
        EXPECT_EQ(report.unsettled, whole.unsettled);
        EXPECT_EQ(report.Total(RedactOperator::kLabel), whole.Total(RedactOperator::kLabel));
        EXPECT_EQ(report.settled, whole.settled);
      }
    }
  }
}

// A later pass of a stream rescans only the windows whose bytes the
// previous pass changed: elsewhere the previous pass found only what it
// kept, and so would this one. With one change near the start of a long
// text, three more passes cost a few windows, not three more scans.
TEST(Settle, LaterStreamPassesRescanOnlyWhatThePreviousPassChangedWithAnyThreadCount) {
  const std::string text = "xaabb" + std::string(100000, 'x') + "ab";
  for (int threads : {1, 2}) {
    SCOPED_TRACE(testing::Message() << threads << " threads");
    size_t scanned[2] = {0, 0};
    std::string outs[2];
    for (int settle = 0; settle < 2; ++settle) {
      RedactorOptions o;
      o.policy.default_operator = RedactOperator::kLabel;
      o.policy.rules[EntityType::kCustom] = TypeRule{RedactOperator::kLabel, 0.0f, "a"};
      o.policy.settle_passes = settle == 0 ? 0 : 3;
      o.stream_window_bytes = 1024;
      auto bytes = std::make_shared<std::atomic<size_t>>(0);
      absl::StatusOr<Redactor> r = Redactor::CreateWithScanner(
          [bytes](std::string_view t) -> absl::StatusOr<std::vector<Finding>> {
            *bytes += t.size();
            return FindAb(t);
          },
          2, 0, std::move(o));
      ASSERT_TRUE(r.ok()) << r.status();
      std::mt19937 rng(3);
      RedactionReport report;
      outs[settle] = MustStream(*r, text, threads, &rng, &report);
      scanned[settle] = bytes->load();
      EXPECT_EQ(report.unsettled, 0u);
    }
    EXPECT_EQ(outs[0], "xaab" + std::string(100000, 'x') + "a");
    EXPECT_EQ(outs[1], "xaa" + std::string(100000, 'x') + "a");
    EXPECT_GE(scanned[0], text.size());
    // Pass 2 rescans the windows around both changes, pass 3 those around
    // the one it made, pass 4 nothing (each window: 1024 bytes + margins).
    EXPECT_LT(scanned[1], scanned[0] + 3 * 2 * 1100) << scanned[0];
  }
}

TEST(Settle, JsonRecordsSettleEachRecordAndKeepOtherFields) {
  const Redactor r = MakeAbRedactor(3);
  RedactionReport report;
  absl::StatusOr<std::string> out =
      r.RedactJsonRecord(R"({"text":"aabb","other":"aabb","m":[{"c":"aaabbb"}]})", {"text", "m[].c"}, &report);
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_EQ(*out, R"({"text":"aa","other":"aabb","m":[{"c":"aaa"}]})");
  EXPECT_EQ(report.unsettled, 0u);
  EXPECT_EQ(report.settled, 3u);  // "aab" -> "aa"; "aaabb" -> "aaab" -> "aaa"
  // A record that needs more passes than allowed is counted, and its output
  // is the last pass's.
  RedactionReport short_report;
  out = MakeAbRedactor(1).RedactJsonRecord(R"({"text":"aaabbb"})", {"text"}, &short_report);
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_EQ(*out, R"({"text":"aaab"})");
  EXPECT_EQ(short_report.unsettled, 1u);
  // A record the first pass leaves alone gets no second pass (and is not
  // counted), and the reused output buffer keeps what it held.
  std::string buffer = "prefix\n";
  RedactionReport clean;
  ASSERT_TRUE(r.RedactJsonRecord(R"({"text":"xyz"})", {"text"}, &clean, &buffer).ok());
  EXPECT_EQ(buffer, "prefix\n{\"text\":\"xyz\"}");
  EXPECT_EQ(clean.unsettled + clean.settled, 0u);
}

TEST(Settle, PolicyFileKeyIsParsedAndBounded) {
  absl::StatusOr<RedactionPolicy> p = RedactionPolicy::Parse("[defaults]\nsettle_passes = 2\n", "p.toml");
  ASSERT_TRUE(p.ok()) << p.status();
  EXPECT_EQ(p->settle_passes, 2u);
  EXPECT_EQ(RedactionPolicy::Default().settle_passes, 0u);
  for (const char* bad : {"[defaults]\nsettle_passes = -1\n", "[defaults]\nsettle_passes = 9\n",
                          "[defaults]\nsettle_passes = \"2\"\n", "[defaults]\nsettle_passes = 1.5\n"}) {
    absl::StatusOr<RedactionPolicy> q = RedactionPolicy::Parse(bad, "p.toml");
    ASSERT_FALSE(q.ok()) << bad;
    EXPECT_EQ(q.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_NE(q.status().message().find("p.toml:2:"), std::string_view::npos) << q.status();
    EXPECT_NE(q.status().message().find("settle_passes"), std::string_view::npos) << q.status();
  }
  // A policy built by hand is checked when the redactor is made.
  RedactorOptions o;
  o.policy.settle_passes = kMaxSettlePasses + 1;
  absl::StatusOr<Redactor> r = Redactor::CreateWithScanner(
      [](std::string_view t) -> absl::StatusOr<std::vector<Finding>> { return FindAb(t); }, 2, 0, o);
  EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(Settle, ReportJsonNamesTheNewCounts) {
  RedactionReport report;
  MustRedact(MakeAbRedactor(1), "aaabbb", &report);
  const std::string json = report.ToJson();
  EXPECT_NE(json.find("\"settled\":1"), std::string::npos) << json;
  EXPECT_NE(json.find("\"unsettled\":1"), std::string::npos) << json;
}

}  // namespace
}  // namespace piivault
