// JSON Lines records: only the named string fields change, replacements are
// escaped correctly, offsets refer to decoded text.
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "piivault/redactor.h"
#include "redact/redactor_internal.h"
#include "redact/test_util.h"

namespace piivault {
namespace {

using ::testing::HasSubstr;

Redactor MakeFake(RedactionPolicy policy = RedactionPolicy::Default()) {
  RedactorOptions o;
  o.policy = std::move(policy);
  absl::StatusOr<Redactor> r = Redactor::CreateWithScanner(
      redact_test::FakeScanOr, redact_test::kFakeMaxFinding, redact_test::kFakeContext, std::move(o));
  EXPECT_TRUE(r.ok()) << r.status();
  return *std::move(r);
}

std::string Rec(const Redactor& r, std::string_view record, std::vector<std::string> fields = {"text"}) {
  absl::StatusOr<std::string> out = r.RedactJsonRecord(record, fields, nullptr);
  EXPECT_TRUE(out.ok()) << out.status();
  return out.ok() ? *out : "<error>";
}

TEST(JsonRecord, OnlyNamedFieldsChangeAndOtherBytesStay) {
  Redactor r = MakeFake();
  EXPECT_EQ(Rec(r, R"({"id":13812345678, "text":"手机13812345678",  "note" : "手机13812345678"})"),
            R"({"id":13812345678, "text":"手机138****5678",  "note" : "手机13812345678"})");
  EXPECT_EQ(Rec(r, R"({"text":"你好"})"), R"({"text":"你好"})");
}

TEST(JsonRecord, ArrayPaths) {
  Redactor r = MakeFake();
  EXPECT_EQ(Rec(r, R"({"messages":[{"role":"user","content":"手机13812345678"},{"content":"无"},{"content":5}]})",
                {"messages[].content"}),
            R"({"messages":[{"role":"user","content":"手机138****5678"},{"content":"无"},{"content":5}]})");
  EXPECT_EQ(Rec(r, R"({"a":{"b":["手机13812345678","x"]}})", {"a.b[]"}),
            R"({"a":{"b":["手机138****5678","x"]}})");
}

TEST(JsonRecord, EscapesAroundValues) {
  Redactor r = MakeFake();
  // Next to \" and \\ escapes.
  EXPECT_EQ(Rec(r, R"({"text":"\"手机13812345678\"\\"})"), R"({"text":"\"手机138****5678\"\\"})");
  // Value written with \u escapes: offsets are into the decoded string, the
  // escapes outside the value are kept as written.
  EXPECT_EQ(Rec(r, R"({"text":"\u624b\u673a\u0031\u0033\u0038\u0031\u0032\u0033\u0034\u0035\u0036\u0037\u0038!"})"),
            R"({"text":"\u624b\u673a\u0031\u0033\u0038****\u0035\u0036\u0037\u0038!"})");
  // Surrogate pair (emoji) right before the value and full-width text after.
  EXPECT_EQ(Rec(r, R"({"text":"\ud83d\ude00手机13812345678，ｔｅｓｔ"})"),
            R"({"text":"\ud83d\ude00手机138****5678，ｔｅｓｔ"})");
  EXPECT_EQ(Rec(r, R"({"text":"😀手机13812345678😀"})"), R"({"text":"😀手机138****5678😀"})");
  // Key written with escapes still matches the path.
  EXPECT_EQ(Rec(r, R"({"t\u0065xt":"手机13812345678"})"), R"({"t\u0065xt":"手机138****5678"})");
}

TEST(JsonRecord, ReplacementsAreEscaped) {
  RedactionPolicy p;
  p.default_operator = RedactOperator::kLabel;
  p.rules[EntityType::kCnMobile] = {RedactOperator::kLabel, 0.5f, "\"<tel>\"\\\n"};
  Redactor r = MakeFake(p);
  EXPECT_EQ(Rec(r, R"({"text":"手机13812345678"})"), R"({"text":"手机\"<tel>\"\\\n"})");
}

TEST(JsonRecord, MalformedRecordsAreRejected) {
  Redactor r = MakeFake();
  for (std::string_view bad : {R"({"text":"abc")", R"({"text":"a\ud800b"})", "{\"text\":\"\xff\"}",
                               R"({"text":"a"} x)", ""}) {
    absl::StatusOr<std::string> out = r.RedactJsonRecord(bad, {"text"}, nullptr);
    EXPECT_EQ(out.status().code(), absl::StatusCode::kInvalidArgument) << bad;
  }
}

TEST(JsonRecord, FieldPathValidation) {
  EXPECT_TRUE(Redactor::ValidateFieldPath("text").ok());
  EXPECT_TRUE(Redactor::ValidateFieldPath("messages[].content").ok());
  EXPECT_TRUE(Redactor::ValidateFieldPath("[].text").ok());
  EXPECT_FALSE(Redactor::ValidateFieldPath("").ok());
  EXPECT_FALSE(Redactor::ValidateFieldPath("a..b").ok());
  EXPECT_FALSE(Redactor::ValidateFieldPath("a[0]").ok());
}

TEST(JsonRecord, DecodeAndEscapeRoundTrip) {
  std::string s = "a\"b\\c\n\t\x01中😀";
  std::string esc = redact_internal::JsonEscape(s);
  EXPECT_EQ(esc, "a\\\"b\\\\c\\n\\t\\u0001中😀");
  absl::StatusOr<std::string> back = redact_internal::DecodeJsonStringForTest(esc);
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(*back, s);
}

TEST(JsonRecord, NumberingRestartsPerRecord) {
  RedactionPolicy p;
  p.default_operator = RedactOperator::kLabel;
  p.numbered_labels = true;
  Redactor r = MakeFake(p);
  EXPECT_EQ(Rec(r, R"({"a":"手机13812345678","b":"手机13900001111，13812345678"})", {"a", "b"}),
            R"({"a":"手机<CN_MOBILE_1>","b":"手机<CN_MOBILE_2>，<CN_MOBILE_1>"})");
  EXPECT_EQ(Rec(r, R"({"a":"手机13900001111"})", {"a"}), R"({"a":"手机<CN_MOBILE_1>"})");
}

}  // namespace
}  // namespace piivault
