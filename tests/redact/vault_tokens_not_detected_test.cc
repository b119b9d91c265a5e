// Vault tokens must never be mistaken for real data by the detector.
//
// Format-preserving tokens (CN_RESIDENT_ID, BANK_CARD, CN_USCC) keep the
// length and charset of the value they replace, so a redacted transcript is
// full of 18-digit and 16..19-digit strings next to "身份证号" / "卡号" /
// "统一社会信用代码". The token format makes them invalid by construction
// (ID: region 00xxxx, month 00, wrong GB 11643 check; card: leading 0, fails
// Luhn; USCC: region 00xxxx, letter at position 9, wrong GB 32100 check). This
// test creates many real tokens through a real vault, embeds them in Chinese
// sentences with the strongest context keywords, and checks the real Detector
// reports none of them as data. Random tokens (tok_<tag>_<base32>) of every
// field get the same treatment.
#include <stdlib.h>

#include <filesystem>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "piivault/detector.h"
#include "piivault/entity_type.h"
#include "piivault/vault.h"
#include "redact/test_util.h"

namespace piivault {
namespace {

using redact_test::TheDetector;

constexpr char kFpePolicy[] = R"(
version = 1
[fields.CN_RESIDENT_ID]
mode = "format_preserving"
[fields.BANK_CARD]
mode = "format_preserving"
[fields.CN_USCC]
mode = "format_preserving"
)";

// Real-looking values to tokenise (the token shape depends on the value only
// through its length for cards).
std::string RandomDigits(std::mt19937_64& rng, size_t n, char first) {
  std::string s(1, first);
  while (s.size() < n) s.push_back(static_cast<char>('0' + rng() % 10));
  return s;
}

// Independent check-character implementations (GB 11643, Luhn, GB 32100) to
// build valid values for the positive control.
char Gb11643Check(const std::string& first17) {
  static constexpr int kW[17] = {7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2};
  int sum = 0;
  for (int i = 0; i < 17; ++i) sum += (first17[i] - '0') * kW[i];
  return "10X98765432"[sum % 11];
}
char LuhnCheckDigit(const std::string& payload) {
  int sum = 0;
  bool dbl = true;  // the digit left of the check digit is doubled
  for (size_t i = payload.size(); i-- > 0;) {
    int v = payload[i] - '0';
    if (dbl && (v *= 2) > 9) v -= 9;
    sum += v;
    dbl = !dbl;
  }
  return static_cast<char>('0' + (10 - sum % 10) % 10);
}
char UsccCheck(const std::string& first17) {
  static constexpr char kAlphabet[] = "0123456789ABCDEFGHJKLMNPQRTUWXY";
  static constexpr int kW[17] = {1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28};
  int sum = 0;
  for (int i = 0; i < 17; ++i)
    sum += static_cast<int>(std::string_view(kAlphabet).find(first17[i])) * kW[i];
  return kAlphabet[(31 - sum % 31) % 31];
}

struct Embedded {
  std::string token;
  EntityType field;
  std::string sentence;
  size_t begin;  // byte offset of the token in the sentence
};

// Sentences putting the token right after the field's strongest keywords,
// in different punctuation and spacing styles.
std::vector<Embedded> Embed(const std::string& token, EntityType field) {
  std::vector<std::string_view> keywords;
  switch (field) {
    case EntityType::kCnResidentId:
      keywords = {"身份证号", "身份证号码", "公民身份号码", "证件号"};
      break;
    case EntityType::kBankCard:
      keywords = {"卡号", "银行卡号", "银行账号", "借记卡"};
      break;
    case EntityType::kCnUscc:
      keywords = {"统一社会信用代码", "信用代码", "营业执照号"};
      break;
    default:
      keywords = {"编号", "号码", "身份证号", "卡号", "统一社会信用代码"};
      break;
  }
  std::vector<Embedded> out;
  for (std::string_view kw : keywords) {
    const std::string k(kw);
    const std::string prefixes[] = {"客户：我的" + k + "是", k + "：", "请核对" + k + " ",
                                    "（" + k + "）"};
    for (const std::string& p : prefixes) {
      Embedded e{token, field, "", 0};
      e.sentence = p;
      e.begin = e.sentence.size();
      e.sentence += token;
      e.sentence += "，谢谢。";
      out.push_back(std::move(e));
    }
  }
  return out;
}

// Findings that overlap [begin, begin + size) of the sentence.
std::vector<Finding> Overlapping(const std::vector<Finding>& found, size_t begin, size_t size) {
  std::vector<Finding> out;
  for (const Finding& f : found)
    if (f.begin < begin + size && begin < f.end) out.push_back(f);
  return out;
}

std::string Describe(const Embedded& e, const Finding& f) {
  return absl::StrCat("token field ", std::string(EntityTypeName(e.field)), " reported as ",
                      std::string(EntityTypeName(f.type)), " (validated_by ",
                      std::string(f.validated_by), ", confidence ", f.confidence, ", bytes ",
                      f.begin, "..", f.end, ") in: ", e.sentence);
}

bool ReportedAs(const Embedded& e, size_t size, EntityType type) {
  absl::StatusOr<std::vector<Finding>> found = TheDetector().Scan(e.sentence);
  if (!found.ok()) return false;
  for (const Finding& f : Overlapping(*found, e.begin, size))
    if (f.type == type) return true;
  return false;
}

// Positive control: the same sentences with VALID values are reported as the
// real type, so the negative tests below can fail.
TEST(VaultTokensNotDetected, ValidValuesInTheSameSentencesAreDetected) {
  std::mt19937_64 rng(11);
  for (int i = 0; i < 20; ++i) {
    std::string id = "110105" + std::to_string(1950 + i) + "0" + std::to_string(1 + i % 9) + "1" +
                     std::to_string(i % 10) + RandomDigits(rng, 3, '0');
    id.push_back(Gb11643Check(id));
    std::string card = RandomDigits(rng, 18, '6');
    card.replace(0, 6, "622202");
    card.push_back(LuhnCheckDigit(card));
    std::string uscc = "91110105MA" + RandomDigits(rng, 7, '0');
    uscc.push_back(UsccCheck(uscc));
    for (const auto& [value, type] : {std::pair{id, EntityType::kCnResidentId},
                                      std::pair{card, EntityType::kBankCard},
                                      std::pair{uscc, EntityType::kCnUscc}}) {
      size_t detected = 0, cases = 0;
      for (const Embedded& e : Embed(value, type)) {
        ++cases;
        if (ReportedAs(e, value.size(), type)) ++detected;
      }
      // Nearly every phrasing must find the valid value.
      EXPECT_GE(detected * 10, cases * 9)
          << EntityTypeName(type) << " (" << value.size() << " chars): " << detected << "/" << cases;
    }
  }
}

TEST(VaultTokensNotDetected, FormatPreservingTokensAreNeverRealData) {
  redact_test::TestVault tv(kFpePolicy);
  ASSERT_TRUE(tv.vault.has_value());
  std::mt19937_64 rng(20261129);
  constexpr size_t kPerField = 300;
  std::vector<std::pair<EntityType, std::vector<std::string>>> batches;
  {
    std::vector<std::string> ids, cards, usccs;
    for (size_t i = 0; i < kPerField; ++i) {
      ids.push_back(RandomDigits(rng, 17, '1') + (i % 11 == 0 ? "X" : "7"));
      // Card lengths 14..19, including the common 16 and 19.
      cards.push_back(RandomDigits(rng, 14 + i % 6, '6'));
      usccs.push_back("91" + RandomDigits(rng, 6, '1') + "MA" + RandomDigits(rng, 7, '0') + "Y");
    }
    batches.emplace_back(EntityType::kCnResidentId, std::move(ids));
    batches.emplace_back(EntityType::kBankCard, std::move(cards));
    batches.emplace_back(EntityType::kCnUscc, std::move(usccs));
  }
  size_t sentences = 0;
  std::vector<std::string> failures;
  std::map<EntityType, size_t> reported_by_type;
  for (const auto& [field, values] : batches) {
    ASSERT_EQ(tv.vault->ModeFor(field), TokenMode::kFormatPreserving);
    std::vector<std::string_view> views(values.begin(), values.end());
    absl::StatusOr<std::vector<std::string>> tokens = tv.vault->Tokenize(field, views);
    ASSERT_TRUE(tokens.ok()) << tokens.status();
    ASSERT_EQ(tokens->size(), values.size());
    for (size_t i = 0; i < tokens->size(); ++i) {
      const std::string& token = (*tokens)[i];
      // The token keeps the value's length and is digits (+ X / USCC letters).
      ASSERT_EQ(token.size(), values[i].size());
      ASSERT_NE(token, values[i]);
      ASSERT_TRUE(LooksLikeToken(token));
      // Alone, and in every keyword sentence.
      std::vector<Embedded> cases = Embed(token, field);
      cases.push_back({token, field, token, 0});
      for (const Embedded& e : cases) {
        absl::StatusOr<std::vector<Finding>> found = TheDetector().Scan(e.sentence);
        ASSERT_TRUE(found.ok()) << found.status();
        ++sentences;
        // An FPE token is not data of any kind: nothing may be reported on it.
        for (const Finding& f : Overlapping(*found, e.begin, token.size())) {
          ++reported_by_type[f.type];
          if (failures.size() < 20) failures.push_back(Describe(e, f));
        }
      }
    }
  }
  EXPECT_GT(sentences, 3 * kPerField * 10);
  for (const auto& [type, n] : reported_by_type)
    ADD_FAILURE() << n << " findings of type " << EntityTypeName(type) << " on FPE tokens";
  for (const std::string& f : failures) ADD_FAILURE() << f;
}

TEST(VaultTokensNotDetected, RandomTokensOfEveryFieldAreNeverTheirField) {
  redact_test::TestVault tv("version = 1\n");
  ASSERT_TRUE(tv.vault.has_value());
  std::mt19937_64 rng(7);
  constexpr size_t kPerField = 40;
  size_t fields = 0, sentences = 0;
  std::vector<std::string> failures;
  std::map<std::pair<EntityType, EntityType>, size_t> reported;  // (token field, finding type)
  for (EntityType field : AllEntityTypes()) {
    if (field == EntityType::kUnknown) continue;
    ASSERT_EQ(tv.vault->ModeFor(field), TokenMode::kRandom);
    std::vector<std::string> values;
    for (size_t i = 0; i < kPerField; ++i) values.push_back(RandomDigits(rng, 18, '3'));
    std::vector<std::string_view> views(values.begin(), values.end());
    absl::StatusOr<std::vector<std::string>> tokens = tv.vault->Tokenize(field, views);
    ASSERT_TRUE(tokens.ok()) << EntityTypeName(field) << ": " << tokens.status();
    ++fields;
    for (const std::string& token : *tokens) {
      ASSERT_EQ(token.rfind(absl::StrCat("tok_", std::string(TokenTypeTag(field)), "_"), 0), 0u);
      std::vector<Embedded> cases = Embed(token, field);
      cases.push_back({token, field, token, 0});
      cases.push_back({token, field, absl::StrCat("联系方式 ", token, " 已脱敏"), 13});
      for (const Embedded& e : cases) {
        ASSERT_EQ(e.sentence.compare(e.begin, token.size(), token), 0);
        absl::StatusOr<std::vector<Finding>> found = TheDetector().Scan(e.sentence);
        ASSERT_TRUE(found.ok()) << found.status();
        ++sentences;
        // A random token is 128 random bits in base32 behind a type tag: it
        // must not be reported as any kind of personal data.
        for (const Finding& f : Overlapping(*found, e.begin, token.size())) {
          ++reported[{field, f.type}];
          if (failures.size() < 20) failures.push_back(Describe(e, f));
        }
      }
    }
  }
  EXPECT_GE(fields, 30u);
  EXPECT_GT(sentences, fields * kPerField * 10);
  for (const auto& [types, n] : reported)
    ADD_FAILURE() << n << " findings of type " << EntityTypeName(types.second)
                  << " on random tokens of field " << EntityTypeName(types.first);
  for (const std::string& f : failures) ADD_FAILURE() << f;
}

}  // namespace
}  // namespace piivault
