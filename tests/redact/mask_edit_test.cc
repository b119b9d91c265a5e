// MaskEdit (the edit the redactor applies for the mask operator, computed
// without building the whole masked value for most types) against its
// definition: MaskValue, then the bytes that differ widened to whole UTF-8
// characters. Property test over every entity type and generated values with
// ASCII, full-width and Chinese-numeral digits, letters, separators, spaces,
// '*', extensions, and invalid UTF-8.
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "gtest/gtest.h"
#include "piivault/entity_type.h"
#include "redact/mask.h"

namespace piivault {
namespace {

struct Edit {
  bool changes = false;
  size_t pre = 0, suf = 0;
  std::string replacement;
};

// The definition: the whole mask, then the differing bytes.
Edit Reference(EntityType type, std::string_view raw) {
  Edit e;
  std::string masked = redact_internal::MaskValue(type, raw, "");
  if (masked == raw) return e;
  size_t pre = 0;
  while (pre < raw.size() && pre < masked.size() && raw[pre] == masked[pre]) ++pre;
  while (pre > 0 && pre < raw.size() && (static_cast<unsigned char>(raw[pre]) & 0xC0) == 0x80) --pre;
  size_t suf = 0;
  while (suf < raw.size() - pre && suf < masked.size() - pre &&
         raw[raw.size() - 1 - suf] == masked[masked.size() - 1 - suf])
    ++suf;
  while (suf > 0 && (static_cast<unsigned char>(raw[raw.size() - suf]) & 0xC0) == 0x80) --suf;
  e.changes = true;
  e.pre = pre;
  e.suf = suf;
  e.replacement = masked.substr(pre, masked.size() - pre - suf);
  return e;
}

Edit Actual(EntityType type, std::string_view raw) {
  Edit e;
  e.changes = redact_internal::MaskEdit(type, raw, "", &e.pre, &e.suf, &e.replacement);
  if (!e.changes) e = Edit{};
  return e;
}

void ExpectSame(EntityType type, std::string_view raw) {
  const Edit want = Reference(type, raw), got = Actual(type, raw);
  ASSERT_EQ(got.changes, want.changes) << EntityTypeName(type) << " " << raw;
  ASSERT_EQ(got.pre, want.pre) << EntityTypeName(type) << " " << raw;
  ASSERT_EQ(got.suf, want.suf) << EntityTypeName(type) << " " << raw;
  ASSERT_EQ(got.replacement, want.replacement) << EntityTypeName(type) << " " << raw;
}

TEST(MaskEdit, KnownValues) {
  size_t pre = 0, suf = 0;
  std::string rep;
  ASSERT_TRUE(redact_internal::MaskEdit(EntityType::kCnMobile, "13812345678", "", &pre, &suf, &rep));
  EXPECT_EQ(pre, 3u);
  EXPECT_EQ(suf, 4u);
  EXPECT_EQ(rep, "****");
  ASSERT_TRUE(redact_internal::MaskEdit(EntityType::kCnMobile, "一三八 幺二三四 五六七八", "", &pre, &suf, &rep));
  EXPECT_EQ(rep, "****");
  EXPECT_EQ(pre, std::string_view("一三八 ").size());
  ASSERT_TRUE(redact_internal::MaskEdit(EntityType::kBankCard, "6222 0252 6018 1590 832", "", &pre, &suf,
                                        &rep));
  EXPECT_EQ(rep, "** **** ***");  // "6222 02** **** ***0 832"
  // Already masked in the hidden part: nothing changes (keep).
  EXPECT_FALSE(redact_internal::MaskEdit(EntityType::kCnMobile, "138****5678", "", &pre, &suf, &rep));
  // A public legal-person USCC stays as it is.
  EXPECT_FALSE(redact_internal::MaskEdit(EntityType::kCnUscc, "91110000600037341L", "", &pre, &suf, &rep));
  ExpectSame(EntityType::kCnUscc, "92310115MAC6WR1L0A");
  ExpectSame(EntityType::kCnLandline, "010-62345678转8021");
  ExpectSame(EntityType::kEmail, "wang.jianguo@example.com");
  ExpectSame(EntityType::kPersonName, "王建国");
  ExpectSame(EntityType::kAddress, "北京市海淀区中关村大街27号");
}

// Random values from pieces that matter to the masks, for every type.
TEST(MaskEdit, EqualsMaskValueThenDiff) {
  const std::vector<std::string> pieces = {
      "0", "1", "2", "3", "5", "7", "9", "9", "2", "X", "x", "a", "Z", "*", "*", " ", "-", ".", ":", "@",
      "１", "３", "８", "Ａ", "ｚ", "一", "三", "幺", "两", "零", "〇", "玖", "×", "①", "⑴", "　",
      "转", "分机", "ext", "市", "区", "号", "·", "王", "中", "😀", "\xC2\xA0", "\xFF", "\x80",
      "\xE4\xB8", "+86 ", "@example.com", "\n"};
  std::vector<EntityType> types(AllEntityTypes().begin(), AllEntityTypes().end());
  types.push_back(EntityType::kUnknown);
  ASSERT_GT(types.size(), 20u);
  std::mt19937_64 rng(11);
  size_t changed = 0;
  for (int i = 0; i < 4000; ++i) {
    std::string raw;
    const int n = 1 + static_cast<int>(rng() % 24);
    for (int k = 0; k < n; ++k) raw += pieces[rng() % pieces.size()];
    for (EntityType type : types) {
      ExpectSame(type, raw);
      if (HasFailure()) return;
      changed += Actual(type, raw).changes;
    }
  }
  EXPECT_GT(changed, 10000u);  // most values change under most masks
}

}  // namespace
}  // namespace piivault
