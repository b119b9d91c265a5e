// Token restoration: RestoreTokens and the field-scoped JSON Lines variant
// (RestoreJsonLinesTokens) against a real vault in a temp directory.
#include <cstdio>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "piivault/redactor.h"
#include "piivault/vault.h"
#include "redact/redactor_internal.h"
#include "redact/test_util.h"

namespace piivault {
namespace {

// Everything is released in plaintext for purpose "test"; nothing for others.
constexpr char kOpenPolicy[] = R"(
version = 1
[[rules]]
name = "all"
fields = ["*"]
purposes = ["test"]
principals = ["*"]
decision = "plaintext"
)";

class RestoreTest : public ::testing::Test {
 protected:
  redact_test::TestVault tv{kOpenPolicy};
  Vault& vault() { return *tv.vault; }

  std::string Token(EntityType type, std::string_view value) {
    std::vector<std::string_view> values = {value};
    absl::StatusOr<std::vector<std::string>> t = vault().Tokenize(type, values);
    EXPECT_TRUE(t.ok()) << t.status();
    return t.ok() ? (*t)[0] : std::string();
  }

  absl::StatusOr<std::string> Scoped(std::string_view jsonl, const std::vector<std::string>& fields,
                                     RestoreReport* report = nullptr,
                                     std::string_view purpose = "test") {
    return RestoreJsonLinesTokens(jsonl, fields, vault(), purpose, "tester", report);
  }
};

TEST_F(RestoreTest, PlainTextRestoresEveryToken) {
  std::string a = Token(EntityType::kCnMobile, "13812345678");
  RestoreReport report;
  absl::StatusOr<std::string> out =
      RestoreTokens(absl::StrCat("手机", a, "，再说一遍 ", a, "\n"), vault(), "test", "tester", &report);
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_EQ(*out, "手机13812345678，再说一遍 13812345678\n");
  EXPECT_EQ(report.tokens, 2u);
  EXPECT_EQ(report.restored, 2u);
}

TEST_F(RestoreTest, JsonWithoutFieldsFindsTokensRightAfterAnEscape) {
  // `restore --jsonl` without --field scans the raw record: an escape is one
  // character, so "\n<token>" must not read as the run "n<token>", nor
  // "\u4e2d<token>" as "u4e2d<token>".
  std::string a = Token(EntityType::kCnMobile, "13812345678");
  std::string b = Token(EntityType::kEmail, "wang@example.com");
  std::string line = absl::StrCat(R"({"text":"手机\n)", a, R"(\t)", a, R"(\"", "m":"\u4e2d)", b,
                                  R"(\\)", b, R"(\/)", a, R"(\r\n"})");
  RestoreReport report;
  absl::StatusOr<std::string> out =
      RestoreTokens(line, vault(), "test", "tester", &report, /*json_escape=*/true);
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_EQ(*out, R"({"text":"手机\n13812345678\t13812345678\"", "m":"\u4e2dwang@example.com\\)"
                  R"(wang@example.com\/13812345678\r\n"})");
  EXPECT_EQ(report.tokens, 5u);
  EXPECT_EQ(report.restored, 5u);
  // An escaped backslash followed by a letter: the letter is text, and the
  // run "ntok..." is no token (as in the decoded string "\\ntok...").
  std::string escaped_backslash = absl::StrCat(R"({"text":"a\\n)", a, R"("})");
  out = RestoreTokens(escaped_backslash, vault(), "test", "tester", nullptr, /*json_escape=*/true);
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_EQ(*out, escaped_backslash);
}

// Every character of a token may be written as a \u escape (a JSON encoder
// that escapes everything, e.g. ensure_ascii over a mixed string, or a client
// escaping '_'): the token is still found without --field, and replaced as
// whole escape units; other escapes still end a run.
std::string EscapeEach(std::string_view s, size_t from = 0, size_t to = std::string_view::npos) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (i >= from && i < to) {
      char buf[8];
      std::snprintf(buf, sizeof buf, (i % 2) ? "\\u%04x" : "\\u%04X", static_cast<unsigned char>(s[i]));
      out += buf;
    } else {
      out.push_back(s[i]);
    }
  }
  return out;
}

TEST_F(RestoreTest, JsonWithoutFieldsFindsTokensWrittenAsUnicodeEscapes) {
  std::string a = Token(EntityType::kCnMobile, "13812345678");
  std::string b = Token(EntityType::kEmail, "wang@example.com");
  const std::string line =
      absl::StrCat(R"({"text":"手机)", EscapeEach(a), R"(\n)", EscapeEach(b, 3, 9), R"( \u4e2d)",
                   EscapeEach(a, a.size() - 1), R"("})");
  RestoreReport report;
  absl::StatusOr<std::string> out =
      RestoreTokens(line, vault(), "test", "tester", &report, /*json_escape=*/true);
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_EQ(*out, R"({"text":"手机13812345678\nwang@example.com \u4e2d13812345678"})");
  EXPECT_EQ(report.tokens, 3u);
  EXPECT_EQ(report.restored, 3u);
  // An escape that decodes to no token character (here \u0020, a space)
  // still ends the run: neither half is a token.
  const std::string split = absl::StrCat(R"({"text":")", a.substr(0, 6), R"(\u0020)", a.substr(6), R"("})");
  out = RestoreTokens(split, vault(), "test", "tester", nullptr, /*json_escape=*/true);
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_EQ(*out, split);
}

TEST_F(RestoreTest, JsonlFieldsOnlyTheNamedFieldsChange) {
  std::string a = Token(EntityType::kCnMobile, "13812345678");
  std::string b = Token(EntityType::kEmail, "wang@example.com");
  // Odd spacing, key order and an unrelated escape: all kept byte for byte.
  std::string line = absl::StrCat(
      R"({ "id" : ")", a, R"(", "text":"手机)", a, R"(\u4e2d", "note": ")", b, R"(",)",
      R"( "messages":[{"role":"user","content":"邮箱 )", b, R"("},{"content":")", a, R"( ok"}],)",
      R"( "meta":{"text":")", a, R"("}})");
  std::string expected = absl::StrCat(
      R"({ "id" : ")", a, R"(", "text":"手机13812345678\u4e2d", "note": ")", b, R"(",)",
      R"( "messages":[{"role":"user","content":"邮箱 wang@example.com"},)",
      R"({"content":"13812345678 ok"}],)", R"( "meta":{"text":")", a, R"("}})");
  RestoreReport report;
  absl::StatusOr<std::string> out =
      Scoped(line + "\n\n" + line, {"text", "messages[].content"}, &report);
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_EQ(*out, expected + "\n\n" + expected);  // blank line and missing final newline kept
  EXPECT_EQ(report.tokens, 6u);
  EXPECT_EQ(report.restored, 6u);

  // Only meta.text: the top-level text keeps its token.
  out = Scoped(line, {"meta.text"});
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_NE(out->find(absl::StrCat(R"("meta":{"text":"13812345678"})")), std::string::npos) << *out;
  EXPECT_NE(out->find(absl::StrCat(R"("text":"手机)", a)), std::string::npos) << *out;
}

TEST_F(RestoreTest, JsonlFieldsTokenNextToAnEscapeAndValuesAreEscaped) {
  // A name holding JSON-special characters, restored inside a string.
  std::string name = "王\"小\\明\n";
  std::string t = Token(EntityType::kPersonName, name);
  std::string m = Token(EntityType::kCnMobile, "13912345678");
  std::string line = absl::StrCat(R"({"text":"姓名)", t, R"(\n)", m, R"(\t"})");
  absl::StatusOr<std::string> out = Scoped(line, {"text"});
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_EQ(*out, R"({"text":"姓名王\"小\\明\n\n13912345678\t"})");
  // Decoding the result gives back the text with the values in place.
  std::string body = out->substr(9, out->size() - 11);
  absl::StatusOr<std::string> decoded = redact_internal::DecodeJsonStringForTest(body);
  ASSERT_TRUE(decoded.ok()) << decoded.status();
  EXPECT_EQ(*decoded, absl::StrCat("姓名", name, "\n13912345678\t"));
}

TEST_F(RestoreTest, JsonlFieldsRefusedTokensStay) {
  std::string a = Token(EntityType::kCnMobile, "13812345678");
  std::string line = absl::StrCat(R"({"text":")", a, R"("})");
  RestoreReport report;
  absl::StatusOr<std::string> out = Scoped(line, {"text"}, &report, "marketing");
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_EQ(*out, line);
  EXPECT_EQ(report.refused, 1u);
  EXPECT_EQ(report.restored, 0u);
}

TEST_F(RestoreTest, JsonlFieldsMalformedRecordNamesTheLine) {
  std::string a = Token(EntityType::kCnMobile, "13812345678");
  std::string good = absl::StrCat(R"({"text":")", a, R"("})");
  RestoreReport report;
  absl::StatusOr<std::string> out = Scoped(good + "\n" + good + "\n{\"text\":\"x\n", {"text"}, &report);
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(out.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(std::string(out.status().message()).rfind("line 3:", 0), 0u) << out.status();
  EXPECT_EQ(report.tokens, 0u);  // nothing was looked up
  // Invalid UTF-8 inside a record is malformed too.
  EXPECT_FALSE(Scoped("{\"text\":\"\xff\"}", {"text"}).ok());
  // Bad paths are rejected.
  EXPECT_EQ(Scoped(good, {"a[0]"}).status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(Scoped(good, {}).status().code(), absl::StatusCode::kInvalidArgument);
}

TEST_F(RestoreTest, JsonlFieldsRoundTripWithRedact) {
  // Redact with the token operator through a fake scanner, then restore the
  // same field: the records come back exactly as they were.
  RedactorOptions o;
  o.policy.default_operator = RedactOperator::kToken;
  o.policy.rules.clear();
  o.tokenizer = MakeVaultTokenizer(std::shared_ptr<Vault>(&vault(), [](Vault*) {}), "tester");
  absl::StatusOr<Redactor> r = Redactor::CreateWithScanner(
      redact_test::FakeScanOr, redact_test::kFakeMaxFinding, redact_test::kFakeContext, std::move(o));
  ASSERT_TRUE(r.ok()) << r.status();
  std::mt19937_64 rng(3);
  std::string original, redacted;
  for (int i = 0; i < 40; ++i) {
    std::string text = absl::StrCat("客户：手机号", redact_test::RandomDigits(rng, 11, '1'),
                                    i % 3 == 0 ? "\\n卡号 " : "，身份证号",
                                    redact_test::RandomDigits(rng, i % 3 == 0 ? 16 : 17, '6'),
                                    i % 3 == 0 ? "" : "X", " \\\"好\\\"");
    std::string rec = absl::StrCat(R"({"id":)", i, R"(,"text":")", text, R"(","copy":")", text, R"("})");
    absl::StatusOr<std::string> red = r->RedactJsonRecord(rec, {"text"}, nullptr);
    ASSERT_TRUE(red.ok()) << red.status();
    ASSERT_NE(*red, rec);
    original += rec + "\n";
    redacted += *red + "\n";
  }
  RestoreReport report;
  absl::StatusOr<std::string> back = Scoped(redacted, {"text"}, &report);
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(*back, original);
  EXPECT_EQ(report.refused, 0u);
  EXPECT_GE(report.restored, 80u);
}

}  // namespace
}  // namespace piivault
