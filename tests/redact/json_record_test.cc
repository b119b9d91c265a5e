// JSON Lines records: only the named string fields change, replacements are
// escaped correctly, offsets refer to decoded text.
#include <cstdio>
#include <cstring>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "absl/strings/str_format.h"
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

// Property (differential against the plain-text path): whatever mix of raw
// bytes and escapes (a u-escape for any character, surrogate pairs, the short
// escapes) a field is written with, decoding the redacted field gives exactly
// Redact() of the decoded field, and every byte outside the field is kept.
TEST(JsonRecord, EscapedFieldsRedactLikeTheirDecodedText) {
  std::mt19937_64 rng(20261129);
  const std::vector<std::string> pieces = {
      "手机", "13812345678", "卡号", "6222021234567890123", "身份证", "11010519491231002X",
      "姓名：王小明", "，", " ", "\n", "\t", "\"", "\\", "/", "😀", "ｔｅｓｔ", "138****5678", "a", "9"};
  for (RedactOperator op : {RedactOperator::kMask, RedactOperator::kLabel, RedactOperator::kDrop}) {
    RedactionPolicy policy;
    policy.default_operator = op;
    Redactor r = MakeFake(policy);
    for (int iter = 0; iter < 300; ++iter) {
      std::string text;
      for (int k = static_cast<int>(rng() % 12); k >= 0; --k) text += pieces[rng() % pieces.size()];
      // Encode: each character raw (escaped where JSON requires) or as \u.
      const int style = static_cast<int>(rng() % 3);  // 0 raw, 1 all \u, 2 mixed
      std::string body;
      for (size_t i = 0; i < text.size();) {
        const unsigned char c = static_cast<unsigned char>(text[i]);
        size_t n = c < 0x80 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
        std::string_view ch(text.data() + i, n);
        i += n;
        if (style == 0 || (style == 2 && rng() % 2 == 0)) {
          body += redact_internal::JsonEscape(ch);
          continue;
        }
        uint32_t cp = n == 1 ? c : n == 2 ? c & 0x1F : n == 3 ? c & 0x0F : c & 0x07;
        for (size_t k = 1; k < n; ++k) cp = (cp << 6) | (static_cast<unsigned char>(ch[k]) & 0x3F);
        char buf[16];
        if (cp >= 0x10000) {
          std::snprintf(buf, sizeof buf, "\\u%04x\\u%04x", 0xD800 + ((cp - 0x10000) >> 10),
                        0xDC00 + ((cp - 0x10000) & 0x3FF));
        } else {
          std::snprintf(buf, sizeof buf, rng() % 2 ? "\\u%04x" : "\\u%04X", cp);
        }
        body += buf;
      }
      const std::string head = R"({"id":7,"note":"手机13812345678","text":")";
      // Every other record has an exponent, which only the simdjson route
      // takes: the escapes are then found without the strict walker's marks.
      const std::string tail = iter % 2 == 0 ? R"(","z":[1,2]})" : R"(","z":[1e2,2]})";
      const std::string record = head + body + tail;
      RedactionReport json_report, text_report;
      std::string out = "previous record\n";  // the appending overload keeps what was there
      ASSERT_TRUE(r.RedactJsonRecord(record, {"text"}, &json_report, &out).ok()) << record;
      ASSERT_EQ(out.rfind("previous record\n" + head, 0), 0u) << out;
      ASSERT_GE(out.size(), 16 + head.size() + tail.size());
      ASSERT_EQ(out.substr(out.size() - tail.size()), tail) << out;
      const std::string field = out.substr(16 + head.size(), out.size() - 16 - head.size() - tail.size());
      absl::StatusOr<std::string> decoded = redact_internal::DecodeJsonStringForTest(field);
      ASSERT_TRUE(decoded.ok()) << decoded.status() << " " << out;
      absl::StatusOr<std::string> want = r.Redact(text, &text_report);
      ASSERT_TRUE(want.ok());
      EXPECT_EQ(*decoded, *want) << "record " << record << "\noutput " << out;
      EXPECT_EQ(json_report.ToJson(), text_report.ToJson());
      // The StatusOr form gives the same bytes.
      absl::StatusOr<std::string> plain = r.RedactJsonRecord(record, {"text"}, nullptr);
      ASSERT_TRUE(plain.ok());
      EXPECT_EQ("previous record\n" + *plain, out);
    }
  }
}

TEST(JsonRecord, AppendingOverloadAppendsNothingOnError) {
  Redactor r = MakeFake();
  std::string out = "kept";
  EXPECT_EQ(r.RedactJsonRecord(R"({"text":"手机13812345678")", {"text"}, nullptr, &out).code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(out, "kept");
  ASSERT_TRUE(r.RedactJsonRecord(R"({"text":"手机13812345678"})", {"text"}, nullptr, &out).ok());
  EXPECT_EQ(out, R"(kept{"text":"手机138****5678"})");
}

// FieldStrings takes a one-pass route for records it can vouch for and
// simdjson for the rest. Differential property: for every input -- valid
// records, each mutated by random byte edits, and hand-picked edge cases --
// the result (status, error text, ranges) equals the simdjson route's, and
// every record the one-pass route accepts, simdjson accepts.
TEST(JsonRecord, StrictRouteAgreesWithSimdjsonRoute) {
  const std::vector<std::vector<std::string>> field_sets = {
      {"text"}, {"messages[].content"}, {"text", "a.b[]", "t\u00e9"}, {"[].x"}};
  std::vector<std::string> seeds = {
      R"({"id":7,"text":"手机13812345678\n\"x\"\\ \u4e2d\ud83d\ude00","z":[1,-2.5,0,true,false,null]})",
      R"({"messages":[{"role":"user","content":"a\tb"},{"content":5},{"content":"😀"}],"text":""})",
      R"( { "a" : { "b" : [ "x" , "y\/z" , { } , [ ] ] } , "t\u00e9":"v" , "text" : "t" } )",
      R"([{"x":"1"},{"x":["2"]},{"y":"3"},"x"])",
      R"({"text":"a","text":"b","n":-0.125,"m":123456789012345678,"k":1234567890.123456789})",
      R"({"a":{"b":{"c":{"d":{"e":{"f":{"g":{"h":{"text":"deep"}}}}}}}}})",
      R"({"skip":{"a":[1,{"b":[[],{},"x\u00e9",-0.5]}],"c":null},"text":"t","more":[[[[{"k":"v"}]]]]})",
  };
  // Edge cases each route must decide alike (most are for simdjson alone).
  std::vector<std::string> edges = {
      "", " ", "{", "}", "[]", "{}", "\"text\"", "7", "true", "{\"text\":\"a\"} x", "{\"text\":\"a\"}\n",
      "\xEF\xBB\xBF{\"text\":\"a\"}", "{\"text\":\"a\x01\"}", "{\"text\":\"a\x7F\"}",
      R"({"text":"\ud800"})", R"({"text":"\udc00"})", R"({"text":"\ud800\u0041"})",
      R"({"text":"\uD83D\uDE00"})", R"({"text":"\u00zz"})", R"({"text":"\x"})", R"({"text":"\u0000"})",
      R"({"n":1e5,"text":"a"})", R"({"n":1E+5})", R"({"n":-})", R"({"n":01})", R"({"n":1.})",
      R"({"n":.5})", R"({"n":99999999999999999999})", R"({"n":-9223372036854775809})",
      R"({"n":18446744073709551615})", R"({"n":1234567890123456789})", R"({"n":0.1234567890123456789})",
      R"({"n":1e400})", R"({"n":tru})", R"({"n":truex})", R"({"n":nul})", R"({"n":true,})",
      R"({"a":1,})", R"([1,])", R"({"a" 1})", R"({a:1})", R"({"a":1 "b":2})", "{\"a\":\"\xff\"}",
      "{\"a\":\"\xC0\x80\"}", "{\"a\":\"\xED\xA0\x80\"}", "{\"text\":\"\xE4\xB8\"}",
      std::string(65, '[') + std::string(65, ']'), std::string(64, '[') + std::string(64, ']'),
      std::string(1100, '[') + std::string(1100, ']'),
      "{\"text\":\"a\"}\x00", std::string("{\"text\":\"a\0b\"}", 14), "{\"text\":\"a\"}\t\r\n ",
  };
  // The depth limit inside values no path reaches (checked without
  // recursion), below the root and below a path's own objects.
  for (int d : {62, 63, 64, 65}) {
    edges.push_back("{\"a\":" + std::string(d, '[') + std::string(d, ']') + ",\"text\":\"x\"}");
    edges.push_back("{\"a\":" + std::string(d, '[') + "1" + std::string(d, ']') + "}");
    std::string objects = "{\"messages\":[{\"x\":";
    for (int i = 0; i < d; ++i) objects += "{\"k\":";
    objects += "\"v\"" + std::string(d, '}') + ",\"content\":\"c\"}]}";
    edges.push_back(objects);
  }
  std::mt19937_64 rng(7);
  const std::string alphabet = "{}[]\":,\\/ u0123456789abcdefABCDEF-+.eEtrufalsn\x01\x1F\x7F\xFF\xC3\xA9\xE4";
  std::vector<std::string> inputs = edges;
  for (const std::string& seed : seeds) {
    inputs.push_back(seed);
    for (int m = 0; m < 1500; ++m) {
      std::string t = seed;
      for (int e = 1 + static_cast<int>(rng() % 3); e > 0 && !t.empty(); --e) {
        const size_t at = rng() % t.size();
        const char c = alphabet[rng() % alphabet.size()];
        switch (rng() % 3) {
          case 0: t[at] = c; break;
          case 1: t.insert(t.begin() + static_cast<long>(at), c); break;
          default: t.erase(at, 1);
        }
      }
      inputs.push_back(std::move(t));
    }
  }
  size_t strict_accepted = 0, strict_declined = 0;
  for (const std::string& owned : inputs) {
    // In a buffer of its exact size, so that ASan reports a read past the
    // record (a std::string has a readable terminator there).
    const std::unique_ptr<char[]> exact(new char[owned.size()]);
    std::memcpy(exact.get(), owned.data(), owned.size());
    const std::string_view in(exact.get(), owned.size());
    for (const std::vector<std::string>& fields : field_sets) {
      std::vector<redact_internal::StringRange> fast, slow, both;
      const bool strict = redact_internal::StrictFieldStrings(in, fields, &fast);
      const absl::Status simd = redact_internal::SimdjsonFieldStrings(in, fields, &slow);
      const absl::Status combined = redact_internal::FieldStrings(in, fields, &both);
      ASSERT_EQ(combined, simd) << in;  // code and message
      if (strict) {
        ++strict_accepted;
        ASSERT_TRUE(simd.ok()) << "one-pass route accepted what simdjson rejects: " << in;
      } else {
        ++strict_declined;
        EXPECT_TRUE(fast.empty());
      }
      if (!simd.ok()) continue;
      auto same = [](const std::vector<redact_internal::StringRange>& a,
                     const std::vector<redact_internal::StringRange>& b) {
        if (a.size() != b.size()) return false;
        for (size_t i = 0; i < a.size(); ++i)
          if (a[i].begin != b[i].begin || a[i].end != b[i].end || a[i].escaped != b[i].escaped)
            return false;
        return true;
      };
      if (strict) {
        ASSERT_TRUE(same(fast, slow)) << in;
      }
      ASSERT_TRUE(same(both, slow)) << in;
    }
  }
  // Both routes were exercised.
  EXPECT_GT(strict_accepted, 1000u);
  EXPECT_GT(strict_declined, 1000u);
}

// The one-pass route checks UTF-8 itself, on its marking pass's loads: it
// must accept exactly what simdjson accepts, whatever the offset of an error
// within the 64-byte blocks, at the end of the record included.
TEST(JsonRecord, StrictRouteUtf8CheckAgreesWithSimdjson) {
  // The first 11 are valid; the rest cover every class of error: lone and
  // surplus continuations, truncated sequences, overlongs, surrogates, code
  // points past 10FFFF, bytes that never occur.
  const std::vector<std::string> pieces = {
      "a", " ", "\xC3\xA9", "\xE4\xB8\xAD", "\xF0\x9F\x98\x80", "\xF4\x8F\xBF\xBF", "\xEF\xBF\xBF",
      "\xED\x9F\xBF", "\xEE\x80\x80", "\xE0\xA0\x80", "\xF0\x90\x80\x80",
      "\x80", "\xBF", "\xC3", "\xE4\xB8", "\xF0\x9F\x98", "\xC0\x80", "\xC1\xBF", "\xE0\x80\x80",
      "\xE0\x9F\xBF", "\xF0\x80\x80\x80", "\xF0\x8F\xBF\xBF", "\xED\xA0\x80", "\xED\xBF\xBF",
      "\xF4\x90\x80\x80", "\xF5\x80\x80\x80", "\xF8\x88\x80\x80\x80", "\xFE", "\xFF"};
  constexpr size_t kValid = 11;
  const std::vector<std::string> fields = {"text"};
  std::mt19937_64 rng(11);
  size_t valid = 0, invalid = 0;
  for (int trial = 0; trial < 20000; ++trial) {
    // Mostly valid pieces: a record holds one error or none, anywhere.
    std::string body;
    for (int k = static_cast<int>(rng() % 48); k > 0; --k)
      body += pieces[rng() % 32 == 0 ? rng() % pieces.size() : rng() % kValid];
    const std::string record =
        "{\"k\":\"" + std::string(rng() % 64, 'x') + "\",\"text\":\"" + body + "\"}";
    const std::unique_ptr<char[]> exact(new char[record.size()]);  // ASan: no byte past the end
    std::memcpy(exact.get(), record.data(), record.size());
    const std::string_view in(exact.get(), record.size());
    std::vector<redact_internal::StringRange> fast, slow;
    const bool strict = redact_internal::StrictFieldStrings(in, fields, &fast);
    const bool want = redact_internal::SimdjsonFieldStrings(in, fields, &slow).ok();
    std::string hex;
    for (unsigned char c : body) hex += absl::StrFormat("%02x", c);
    ASSERT_EQ(strict, want) << hex;
    ++(want ? valid : invalid);
  }
  EXPECT_GT(valid, 2000u);
  EXPECT_GT(invalid, 2000u);
}

}  // namespace
}  // namespace piivault
