// Operators, thresholds, allow/deny lists, idempotence and reports, with
// injected findings so the results do not depend on the detector's quality.
#include "piivault/redactor.h"

#include <sys/stat.h>

#include <cctype>
#include <fstream>
#include <map>
#include <mutex>
#include <random>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "common/redaction_label.h"
#include "piivault/vault.h"
#include "redact/mask.h"
#include "redact/test_util.h"

namespace piivault {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

RedactionPolicy PolicyWith(RedactOperator op) {
  RedactionPolicy p;
  p.default_operator = op;
  p.default_min_confidence = 0.5f;
  return p;
}

Redactor MakeFake(RedactionPolicy policy, std::shared_ptr<Tokenizer> tok = nullptr,
                  std::string key_file = "") {
  RedactorOptions o;
  o.policy = std::move(policy);
  o.tokenizer = std::move(tok);
  o.hash_key_file = std::move(key_file);
  absl::StatusOr<Redactor> r = Redactor::CreateWithScanner(
      redact_test::FakeScanOr, redact_test::kFakeMaxFinding, redact_test::kFakeContext, std::move(o));
  EXPECT_TRUE(r.ok()) << r.status();
  return *std::move(r);
}

std::string MustRedact(const Redactor& r, std::string_view text, RedactionReport* report = nullptr) {
  absl::StatusOr<std::string> out = r.Redact(text, report);
  EXPECT_TRUE(out.ok()) << out.status();
  return out.ok() ? *out : "";
}

TEST(Mask, ChineseConventionsPerType) {
  using redact_internal::MaskValue;
  EXPECT_EQ(MaskValue(EntityType::kCnResidentId, "11010519491231002X", ""), "110105********002X");
  EXPECT_EQ(MaskValue(EntityType::kCnResidentId, "110101491231002", ""), "110101******002");
  EXPECT_EQ(MaskValue(EntityType::kCnMobile, "13812345678", ""), "138****5678");
  EXPECT_EQ(MaskValue(EntityType::kCnMobile, "138 1234 5678", ""), "138 **** 5678");
  EXPECT_EQ(MaskValue(EntityType::kCnMobile, "+86 13812345678", ""), "+86 138****5678");
  EXPECT_EQ(MaskValue(EntityType::kCnMobile, "１３８１２３４５６７８", ""), "１３８****５６７８");
  EXPECT_EQ(MaskValue(EntityType::kCnMobile, "一三八 幺二三四 五六七八", ""), "一三八 **** 五六七八");
  EXPECT_EQ(MaskValue(EntityType::kBankCard, "6222021234567892345", ""), "622202*********2345");
  EXPECT_EQ(MaskValue(EntityType::kBankCard, "6222 0252 6018 1590 832", ""), "6222 02** **** ***0 832");
  EXPECT_EQ(MaskValue(EntityType::kBankCard, "6222021234561234", ""), "622202******1234");
  EXPECT_EQ(MaskValue(EntityType::kPersonName, "张三", ""), "张*");
  EXPECT_EQ(MaskValue(EntityType::kPersonName, "王建国", ""), "王**");
  EXPECT_EQ(MaskValue(EntityType::kPersonName, "买买提·艾力", ""), "买**·**");
  EXPECT_EQ(MaskValue(EntityType::kCnLandline, "010-62345678", ""), "010-****5678");
  EXPECT_EQ(MaskValue(EntityType::kCnLandline, "0755-83456789", ""), "0755-****6789");
  EXPECT_EQ(MaskValue(EntityType::kCnLandline, "010-62345678转8021", ""), "010-****5678转8021");
  EXPECT_EQ(MaskValue(EntityType::kCnPassport, "E12345678", ""), "E1*****78");
  EXPECT_EQ(MaskValue(EntityType::kCnPlate, "京A·12345", ""), "京A·***45");
  EXPECT_EQ(MaskValue(EntityType::kEmail, "wang.jianguo@example.com", ""), "w***@example.com");
  EXPECT_EQ(MaskValue(EntityType::kIpv4, "203.0.113.45", ""), "203.0.113.*");
  // IPv6 keeps the first four groups of the expanded address: a compressed
  // one's groups after "::" are the last ones (they used to be kept whole
  // when fewer than four colons were written).
  EXPECT_EQ(MaskValue(EntityType::kIpv6, "2001:db8:85a3:0:8a2e:370:7334:1", ""), "2001:db8:85a3:0:*:*:*:*");
  EXPECT_EQ(MaskValue(EntityType::kIpv6, "2001:db8::1", ""), "2001:db8::*");
  EXPECT_EQ(MaskValue(EntityType::kIpv6, "::1", ""), "::*");
  EXPECT_EQ(MaskValue(EntityType::kIpv6, "fe80::", ""), "fe80::");
  EXPECT_EQ(MaskValue(EntityType::kIpv6, "fe80::1ff:fe23:4567:890a", ""), "fe80::*:*:*:*");
  EXPECT_EQ(MaskValue(EntityType::kIpv6, "2001:db8:85a3::8a2e:370:7334", ""), "2001:db8:85a3::*:*:*");
  EXPECT_EQ(MaskValue(EntityType::kIpv6, "2001:db8:1:2:3::", ""), "2001:db8:1:2:*::");
  EXPECT_EQ(MaskValue(EntityType::kIpv6, "1::21.94.11.5", ""), "1::*");
  EXPECT_EQ(MaskValue(EntityType::kIpv6, "::ffff:192.0.2.128", ""), "::*:*");
  EXPECT_EQ(MaskValue(EntityType::kIpv6, "2001\xEF\xBC\x9A" "db8::1", ""), "2001\xEF\xBC\x9A" "db8::*");
  EXPECT_EQ(MaskValue(EntityType::kMacAddress, "3C:22:FB:12:34:56", ""), "3C:22:FB:**:**:**");
  EXPECT_EQ(MaskValue(EntityType::kImei, "861234001234567", ""), "86123400*******");
  EXPECT_EQ(MaskValue(EntityType::kAddress, "北京市海淀区中关村大街27号1101室", ""), "北京市海淀区****");
  EXPECT_EQ(MaskValue(EntityType::kAddress, "浙江省杭州市西湖区文三路90号", ""), "浙江省杭州市西湖区****");
  EXPECT_EQ(MaskValue(EntityType::kDateOfBirth, "1990-03-07", ""), "1990-**-**");
  EXPECT_EQ(MaskValue(EntityType::kCnUscc, "91110108MA01ABCD5T", ""), "91110108MA01ABCD5T");
  EXPECT_EQ(MaskValue(EntityType::kCnUscc, "92330106MA2H4XYZ2F", ""), "92330106********2F");
  EXPECT_EQ(MaskValue(EntityType::kGeoCoord, "39.904211,116.407395", ""), "39.90****,116.40****");
  EXPECT_EQ(MaskValue(EntityType::kMasked, "138****5678", ""), "138****5678");
  EXPECT_EQ(MaskValue(EntityType::kCustom, "天穹计划", ""), "****");
}

// A spoken date of birth is masked whole but for its year: 十 is a numeral
// too (it used to stay, showing the month and the day's tens: 十月*十*日,
// and a second pass then masked the year).
TEST(Mask, SpokenDateOfBirthHidesMonthAndDay) {
  using redact_internal::MaskValue;
  EXPECT_EQ(MaskValue(EntityType::kDateOfBirth, "一九六二年十月二十一日", ""), "一九六二年*月***日");
  EXPECT_EQ(MaskValue(EntityType::kDateOfBirth, "一九四九年十月十日", ""), "一九四九年*月*日");
  EXPECT_EQ(MaskValue(EntityType::kDateOfBirth, "1962年10月21日", ""), "1962年**月**日");
  EXPECT_EQ(MaskValue(EntityType::kDateOfBirth, "一九六二年*月***日", ""), "一九六二年*月***日");
}

TEST(Mask, IsAFixedPoint) {
  // Masking a masked value changes nothing: the basis of idempotence.
  using redact_internal::MaskValue;
  for (auto [type, v] : std::vector<std::pair<EntityType, std::string>>{
           {EntityType::kCnResidentId, "11010519491231002X"}, {EntityType::kCnMobile, "13812345678"},
           {EntityType::kBankCard, "6222021234567892345"}, {EntityType::kPersonName, "王建国"},
           {EntityType::kAddress, "北京市海淀区中关村大街27号"}, {EntityType::kEmail, "a.b@c.com"}}) {
    std::string once = MaskValue(type, v, "");
    EXPECT_EQ(MaskValue(type, once, ""), once) << EntityTypeName(type);
  }
}

// Every label the label operator writes in a built-in style is recognised
// as one (the detector leaves out keywords and values inside labels on a
// second pass), and nothing else is.
TEST(Labels, BuiltinStylesAreRecognised) {
  for (EntityType t : AllEntityTypes()) {
    for (LabelStyle style : {LabelStyle::kAngle, LabelStyle::kChinese}) {
      for (int number : {0, 1, 12, 100000}) {
        const std::string label = redact_internal::MakeLabel(t, TypeRule{}, style, number);
        const std::string text = "前" + label + "后";
        EXPECT_EQ(internal::BuiltinLabelEnd(text, 3), 3 + label.size()) << label;
      }
    }
  }
  const std::string hash = "<CN_MOBILE#" + std::string(32, 'k') + ">";
  EXPECT_EQ(internal::BuiltinLabelEnd(hash, 0), hash.size());
  for (std::string_view not_label : {"<CN_MOBILE#kkk>", "<cn_mobile>", "<CN_MOBILE", "<CN_MOBILE_>", "<CN_MOBILEX>", "<>", "[手机]",
                                     "[2024-02-15 17:18:00]", "<b>", "[手机号", "<CN_MOBILE_2x>"}) {
    EXPECT_EQ(internal::BuiltinLabelEnd(not_label, 0), 0u) << not_label;
  }
}

// So is every label a policy spells out, numbered or not, and nothing that
// merely begins like one.
TEST(Labels, CustomLabelsAreRecognised) {
  for (std::string label : {"<身份证>", "[身份证]", "【身份证】", "ID", "**PII**"}) {
    TypeRule rule;
    rule.label = label;
    for (int number : {0, 1, 12, 100000}) {
      const std::string written = redact_internal::MakeLabel(EntityType::kCnResidentId, rule, LabelStyle::kAngle, number);
      const std::string text = "前" + written + "后";
      EXPECT_EQ(internal::CustomLabelEnd(text, 3, label), 3 + written.size()) << written;
      EXPECT_EQ(text.find(internal::CustomLabelStem(label)), 3u) << written;
    }
  }
  EXPECT_EQ(redact_internal::MakeLabel(EntityType::kCnResidentId, TypeRule{RedactOperator::kLabel, 0.5f, "<身份证>"},
                                       LabelStyle::kAngle, 2),
            "<身份证_2>");
  EXPECT_EQ(internal::NumberedCustomLabel("[身份证]", 3), "[身份证3]");
  EXPECT_EQ(internal::NumberedCustomLabel("ID", 3), "ID_3");
  for (std::string_view not_label : {"<身份证", "<身份证_>", "<身份证_0>", "<身份证2>", "<身份", "[身份证_2]"}) {
    EXPECT_EQ(internal::CustomLabelEnd(not_label, 0, "<身份证>"), 0u) << not_label;
  }
}

// The vault's random tokens are recognised whatever their type's tag
// ("ipv6" holds a digit), and nothing of another shape.
TEST(Labels, VaultTokensAreRecognised) {
  for (EntityType t : AllEntityTypes()) {
    const std::string token = "tok_" + std::string(TokenTypeTag(t)) + "_" + std::string(13, 'a') + "2345672345zz";
    ASSERT_EQ(token.size(), 4 + TokenTypeTag(t).size() + 1 + 25u) << token;
    const std::string full = token + "q";  // 26 base32 characters
    const std::string text = "前" + full + "_后";
    EXPECT_EQ(internal::VaultTokenEnd(text, 3), 3 + full.size()) << full;
  }
  for (std::string_view not_token : {"tok_mob_abc", "tok_mob_" "aaaaaaaaaaaaaaaaaaaaaaaaa1", "tok__aaaaaaaaaaaaaaaaaaaaaaaaaa",
                                     "TOK_mob_aaaaaaaaaaaaaaaaaaaaaaaaaa", "tok_mobile_aaaaaaaaaaaaaaaaaaaaaaaaaa"}) {
    EXPECT_EQ(internal::VaultTokenEnd(not_token, 0), 0u) << not_token;
  }
}

TEST(Redactor, MasksWithDefaultPolicy) {
  Redactor r = MakeFake(RedactionPolicy::Default());
  RedactionReport report;
  EXPECT_EQ(MustRedact(r, "手机号13812345678，身份证号11010519491231002X", &report),
            "手机号138****5678，身份证号110105********002X");
  EXPECT_EQ(report.Total(EntityType::kCnMobile), 1u);
  EXPECT_EQ(report.Total(RedactOperator::kMask), 2u);
}

TEST(Mask, AsciiFastPathEqualsTheGeneralPath) {
  // Values made only of ASCII take a byte-wise path. Appending a character
  // that is neither significant nor a space ("中") forces the general
  // (decoding) path and must change nothing but that character itself:
  // kept as it is, or '*' when the value has no significant character.
  using redact_internal::MaskValue;
  std::mt19937_64 rng(8);
  const std::string alphabet = "0123456789Xx*AbZz -./+()\t\n#@";
  const EntityType types[] = {EntityType::kCnResidentId, EntityType::kCnPassport,
                              EntityType::kCnUscc,       EntityType::kCnBusinessRegNo,
                              EntityType::kBankCard,     EntityType::kCnMobile,
                              EntityType::kCnPlate,      EntityType::kImei,
                              EntityType::kMacAddress,   EntityType::kDateOfBirth,
                              EntityType::kQq,           EntityType::kCnAccountPermit};
  for (int trial = 0; trial < 20000; ++trial) {
    std::string v;
    const size_t len = rng() % 24;
    for (size_t i = 0; i < len; ++i) v.push_back(alphabet[rng() % alphabet.size()]);
    if (trial % 3 == 0)  // mostly digits, like real values
      for (char& c : v) c = rng() % 5 ? static_cast<char>('0' + rng() % 10) : c;
    bool any_sig = false;
    for (char c : v) any_sig |= c == '*' || std::isalnum(static_cast<unsigned char>(c));
    for (EntityType t : types) {
      std::string fast = MaskValue(t, v, "");
      std::string general = MaskValue(t, v + "中", "");
      // (A USCC that is not an individual business's 92... code is public:
      // returned as it is, suffix included.)
      const std::string suffix = any_sig || t == EntityType::kCnUscc ? "中" : "*";
      ASSERT_EQ(general, fast + suffix) << EntityTypeName(t) << " [" << v << "]";
    }
  }
}

TEST(Redactor, LabelsAngleChineseAndNumbered) {
  RedactionPolicy p = PolicyWith(RedactOperator::kLabel);
  EXPECT_EQ(MustRedact(MakeFake(p), "手机13812345678"), "手机<CN_MOBILE>");
  p.label_style = LabelStyle::kChinese;
  EXPECT_EQ(MustRedact(MakeFake(p), "手机13812345678，身份证11010519491231002X"),
            "手机[手机号]，身份证[身份证号]");
  p.label_style = LabelStyle::kAngle;
  p.numbered_labels = true;
  EXPECT_EQ(MustRedact(MakeFake(p), "手机13812345678，13900001111，138 1234 5678"),
            "手机<CN_MOBILE_1>，<CN_MOBILE_2>，<CN_MOBILE_1>");
  p.rules[EntityType::kCnMobile] = {RedactOperator::kLabel, 0.5f, "<电话>"};
  EXPECT_EQ(MustRedact(MakeFake(p), "手机13812345678，13900001111"), "手机<电话_1>，<电话_2>");
}

TEST(Redactor, NumberedLabelsAreCappedPerDocument) {
  RedactionPolicy p = PolicyWith(RedactOperator::kLabel);
  p.numbered_labels = true;
  p.max_numbered_values = 2;  // all types together
  RedactionReport report;
  EXPECT_EQ(MustRedact(MakeFake(p),
                       "13812345678，11010519491231002X，13900001111，13812345678，13700002222，"
                       "11010519491231002X，13900001111",
                       &report),
            "<CN_MOBILE_1>，<CN_RESIDENT_ID_1>，<CN_MOBILE>，<CN_MOBILE_1>，<CN_MOBILE>，"
            "<CN_RESIDENT_ID_1>，<CN_MOBILE>");
  EXPECT_EQ(report.numbering_capped, 3u);
  EXPECT_EQ(report.Total(RedactOperator::kLabel), 7u);
  EXPECT_NE(report.ToJson().find("\"numbering_capped\":3"), std::string::npos);
}

TEST(Redactor, DropAndKeep) {
  RedactionPolicy p = PolicyWith(RedactOperator::kDrop);
  p.rules[EntityType::kCnResidentId] = {RedactOperator::kKeep, 0.5f, ""};
  RedactionReport report;
  EXPECT_EQ(MustRedact(MakeFake(p), "手机13812345678 身份证11010519491231002X", &report),
            "手机 身份证11010519491231002X");
  EXPECT_EQ(report.Total(RedactOperator::kDrop), 1u);
  EXPECT_EQ(report.Total(RedactOperator::kKeep), 1u);
  EXPECT_EQ(report.Redacted(), 1u);
}

std::string WriteKeyFile(const std::string& name, const std::string& content, mode_t mode) {
  std::string path = std::string(PIIVAULT_BINARY_DIR) + "/" + name;
  std::ofstream(path, std::ios::binary | std::ios::trunc) << content;
  ::chmod(path.c_str(), mode);
  return path;
}

TEST(Redactor, HashIsKeyedStableAndLettersOnly) {
  std::string k1 = WriteKeyFile("redact_test_k1", std::string(64, 'a') + "\n", 0600);
  std::string k2 = WriteKeyFile("redact_test_k2", std::string(64, 'b') + "\n", 0600);
  RedactionPolicy p = PolicyWith(RedactOperator::kHash);
  std::string a = MustRedact(MakeFake(p, nullptr, k1), "手机13812345678");
  std::string a2 = MustRedact(MakeFake(p, nullptr, k1), "手机 138-1234-5678");
  std::string b = MustRedact(MakeFake(p, nullptr, k2), "手机13812345678");
  EXPECT_THAT(a, HasSubstr("<CN_MOBILE#"));
  EXPECT_EQ(a.substr(6), a2.substr(7));  // same canonical value -> same hash
  EXPECT_NE(a, b);                       // different key -> different hash
  std::string body = a.substr(a.find('#') + 1);
  body.pop_back();
  EXPECT_EQ(body.size(), 32u);
  for (char c : body) EXPECT_TRUE(c >= 'g' && c <= 'v') << a;
}

TEST(Redactor, HashNeedsAPrivateKeyFile) {
  RedactorOptions o;
  o.policy = PolicyWith(RedactOperator::kHash);
  auto r = Redactor::CreateWithScanner(redact_test::FakeScanOr, 40, 24, o);
  EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument);
  o.hash_key_file = WriteKeyFile("redact_test_k3", std::string(64, 'c'), 0644);
  r = Redactor::CreateWithScanner(redact_test::FakeScanOr, 40, 24, o);
  EXPECT_EQ(r.status().code(), absl::StatusCode::kPermissionDenied);
  o.hash_key_file = WriteKeyFile("redact_test_k4", "short", 0600);
  r = Redactor::CreateWithScanner(redact_test::FakeScanOr, 40, 24, o);
  EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument);
}

class FakeTokenizer : public Tokenizer {
 public:
  absl::StatusOr<std::vector<std::string>> TokenizeBatch(
      EntityType type, const std::vector<std::string>& values) override {
    std::lock_guard<std::mutex> lock(mu_);
    std::vector<std::string> out;
    for (const std::string& v : values) {
      auto [it, inserted] = store_.try_emplace(v, "");
      if (inserted) it->second = "tok_test_" + std::string(26, static_cast<char>('a' + store_.size() % 26));
      out.push_back(it->second);
    }
    ++batches_;
    return out;
  }
  int batches() const { return batches_; }

 private:
  std::mutex mu_;
  std::map<std::string, std::string> store_;
  int batches_ = 0;
};

TEST(Redactor, TokenUsesTheTokenizerInOneBatchPerType) {
  auto tok = std::make_shared<FakeTokenizer>();
  Redactor r = MakeFake(PolicyWith(RedactOperator::kToken), tok);
  std::string out = MustRedact(r, "手机13812345678，13900001111，13812345678");
  EXPECT_THAT(out, Not(HasSubstr("1381234")));
  EXPECT_THAT(out, HasSubstr("tok_test_"));
  EXPECT_EQ(tok->batches(), 1);
}

TEST(Redactor, TokenWithoutVaultFailsClearly) {
  Redactor r = MakeFake(PolicyWith(RedactOperator::kToken));
  absl::StatusOr<std::string> out = r.Redact("手机13812345678", nullptr);
  EXPECT_EQ(out.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(std::string(out.status().message()), HasSubstr("no vault configured"));
  EXPECT_THAT(std::string(out.status().message()), Not(HasSubstr("1381234")));
  // Text without findings needs no vault.
  EXPECT_TRUE(r.Redact("你好", nullptr).ok());
}

TEST(Redactor, ThresholdPerType) {
  RedactionPolicy p = PolicyWith(RedactOperator::kMask);
  p.rules[EntityType::kCnMobile] = {RedactOperator::kMask, 0.8f, ""};
  RedactionReport report;
  // No keyword before the second number: fake confidence 0.6 < 0.8.
  std::string text = "手机13812345678 ..................................... 13900001111";
  EXPECT_EQ(MustRedact(MakeFake(p), text, &report),
            "手机138****5678 ..................................... 13900001111");
  EXPECT_EQ(report.below_threshold, 1u);
}

TEST(Redactor, AllowListMatchesCanonicalAndRawValue) {
  RedactionPolicy p = PolicyWith(RedactOperator::kMask);
  p.allow_list = {"13900001111"};
  RedactionReport report;
  EXPECT_EQ(MustRedact(MakeFake(p), "手机13812345678 热线139 0000 1111", &report),
            "手机138****5678 热线139 0000 1111");
  EXPECT_EQ(report.allow_listed, 1u);
}

TEST(Redactor, DenyListTermsAreAlwaysRedacted) {
  RedactionPolicy p = PolicyWith(RedactOperator::kMask);
  p.deny_list = {"天穹计划", "13812"};
  RedactionReport report;
  // The deny term overlaps the mobile number: the union is redacted.
  std::string out = MustRedact(MakeFake(p), "项目天穹计划，手机13812345678", &report);
  EXPECT_EQ(out.find("天穹计划"), std::string::npos) << out;
  EXPECT_EQ(out.find("13812"), std::string::npos) << out;
  EXPECT_EQ(report.Total(EntityType::kCustom), 1u);
}

TEST(Redactor, MaskedFindingsAreKeptWhateverThePolicy) {
  RedactionPolicy p = PolicyWith(RedactOperator::kLabel);
  p.rules[EntityType::kMasked] = {RedactOperator::kLabel, 0.0f, ""};
  RedactionReport report;
  EXPECT_EQ(MustRedact(MakeFake(p), "号码是138****5678吗", &report), "号码是138****5678吗");
  EXPECT_EQ(report.Total(EntityType::kMasked), 1u);
  EXPECT_EQ(report.Redacted(), 0u);
}

TEST(Redactor, IdempotentOnTranscripts) {
  for (RedactOperator op : {RedactOperator::kMask, RedactOperator::kLabel, RedactOperator::kDrop}) {
    RedactionPolicy p = PolicyWith(op);
    p.numbered_labels = true;
    Redactor r = MakeFake(p);
    for (uint64_t seed = 1; seed <= 5; ++seed) {
      std::string text = redact_test::GenerateTranscript(seed, 4000);
      std::string once = MustRedact(r, text);
      RedactionReport second;
      std::string twice = MustRedact(r, once, &second);
      EXPECT_EQ(twice, once) << RedactOperatorName(op) << " seed " << seed;
      EXPECT_EQ(second.Redacted(), 0u) << RedactOperatorName(op) << " seed " << seed;
    }
  }
}

TEST(Redactor, ReportNeverContainsValues) {
  Redactor r = MakeFake(RedactionPolicy::Default());
  RedactionReport report;
  MustRedact(r, "手机13812345678 身份证11010519491231002X 姓名：王建国", &report);
  std::string json = report.ToJson();
  EXPECT_THAT(json, HasSubstr("\"CN_MOBILE\":{\"mask\":1}"));
  EXPECT_THAT(json, HasSubstr("\"PERSON_NAME\""));
  for (std::string_view v : {"1381234", "5678", "王", "0519491231"})
    EXPECT_THAT(json, Not(HasSubstr(std::string(v))));
}

TEST(Redactor, NoFragmentOfARedactedValueRemains) {
  Redactor r = MakeFake(RedactionPolicy::Default());
  for (uint64_t seed = 10; seed < 15; ++seed) {
    std::string text = redact_test::GenerateTranscript(seed, 3000);
    std::string out = MustRedact(r, text);
    for (const Finding& f : redact_test::FakeScan(text)) {
      if (f.type != EntityType::kCnMobile || f.confidence < 0.5f) continue;
      // The middle four digits never survive.
      EXPECT_EQ(out.find(f.normalized), std::string::npos);
      EXPECT_EQ(out.find(f.normalized.substr(3, 4) + f.normalized.substr(7)), std::string::npos);
    }
  }
}

}  // namespace
}  // namespace piivault
