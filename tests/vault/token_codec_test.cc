#include "vault/token_codec.h"

#include <random>
#include <set>
#include <string>

#include "gtest/gtest.h"
#include "piivault/vault.h"

namespace piivault::vault_internal {
namespace {

TEST(Base32, RoundTripsRandomIdsAndRejectsNonCanonical) {
  std::mt19937_64 rng(7);
  for (int i = 0; i < 2000; ++i) {
    TokenId id;
    for (auto& b : id) b = static_cast<uint8_t>(rng());
    const std::string s = Base32Encode16(id);
    ASSERT_EQ(s.size(), 26u);
    std::optional<TokenId> back = Base32Decode16(s);
    ASSERT_TRUE(back.has_value());
    EXPECT_EQ(*back, id);
    // The last char carries 3 data bits + 2 zero bits: setting a pad bit is refused.
    std::string bad = s;
    const char* alphabet = "abcdefghijklmnopqrstuvwxyz234567";
    int v = static_cast<int>(std::string(alphabet).find(bad[25]));
    bad[25] = alphabet[v | 1];
    if (bad != s) {
      EXPECT_FALSE(Base32Decode16(bad).has_value());
    }
  }
  EXPECT_FALSE(Base32Decode16("ABCDEFGHIJKLMNOPQRSTUVWXYZ").has_value());  // upper case
  EXPECT_FALSE(Base32Decode16("aaaaaaaaaaaaaaaaaaaaaaaaa").has_value());   // 25 chars
  EXPECT_FALSE(Base32Decode16("aaaaaaaaaaaaaaaaaaaaaaaaa1").has_value());  // '1' not in alphabet
}

TEST(Tokens, EveryTypeHasAUniqueTag) {
  std::set<std::string_view> tags;
  for (EntityType t : AllEntityTypes()) {
    std::string_view tag = TokenTypeTag(t);
    EXPECT_NE(tag, "unk") << EntityTypeName(t);
    EXPECT_TRUE(tags.insert(tag).second) << tag;
    EXPECT_EQ(FieldFromTag(tag), t);
    TokenId id{};
    id[3] = 7;
    absl::StatusOr<ParsedToken> p = ParseToken(FormatRandomToken(t, id));
    ASSERT_TRUE(p.ok());
    EXPECT_EQ(p->field, t);
    EXPECT_EQ(p->id, id);
  }
}

// pii-formats.md §12.1 / §12.2 / §12.5 vectors for the check arithmetic.
TEST(Checksums, AgreeWithSpecVectors) {
  for (const char* id : {"11010519491231002X", "320102199003074835", "510104200111307767",
                         "330106198510090023", "440305201002283456", "650102197906151210"}) {
    EXPECT_EQ(Gb11643CheckChar(std::string_view(id, 17)), id[17]) << id;
  }
  for (const char* id : {"320102199003074935", "320102199003074830", "320102199003074385"}) {
    EXPECT_NE(Gb11643CheckChar(std::string_view(id, 17)), id[17]) << id;
  }
  for (const char* c : {"91110108MA01ABCD5T", "91440300MA5F0000X1", "92330106MA2CD3E42F",
                        "12100000400012342E", "51320102MJ000000XK", "93510104MA6C000095",
                        "Y1330100MA2A0000XN"}) {
    EXPECT_EQ(UsccCheckChar(std::string_view(c, 17)), c[17]) << c;
  }
  EXPECT_NE(UsccCheckChar("91110108MA011BCD5"), 'T');
  for (const char* c : {"6222025260181590832", "6217000166131860911", "6225886281948214",
                        "6259658657975439"}) {
    EXPECT_TRUE(LuhnValid(c)) << c;
  }
  EXPECT_FALSE(LuhnValid("6225886281948219"));
}

TEST(Tokens, FormatPreservingShapes) {
  for (int i = 0; i < 500; ++i) {
    const std::string id = MakeFpeToken(EntityType::kCnResidentId, "11010519491231002X");
    ASSERT_TRUE(IsFpeToken(EntityType::kCnResidentId, id)) << id;
    EXPECT_EQ(id.substr(0, 2), "00");
    EXPECT_EQ(id.substr(10, 2), "00");
    const std::string card = MakeFpeToken(EntityType::kBankCard, "6225-8862-8194-8214");
    EXPECT_EQ(card.size(), 16u);
    EXPECT_FALSE(LuhnValid(card));
    const std::string uscc = MakeFpeToken(EntityType::kCnUscc, "91110108MA01ABCD5T");
    EXPECT_TRUE(IsFpeToken(EntityType::kCnUscc, uscc)) << uscc;
    EXPECT_EQ(card[0], '0');
    EXPECT_TRUE(IsFpeToken(EntityType::kBankCard, card)) << card;
    absl::StatusOr<ParsedToken> p = ParseToken(id);
    ASSERT_TRUE(p.ok());
    EXPECT_TRUE(p->format_preserving);
    EXPECT_EQ(p->id, FpeTokenId(id));
  }
  // Real values are never taken for tokens.
  EXPECT_FALSE(LooksLikeToken("11010519491231002X"));
  EXPECT_FALSE(LooksLikeToken("6222025260181590832"));
  EXPECT_FALSE(LooksLikeToken("91110108MA01ABCD5T"));
  // Not even a real-looking value with a wrong check character (a typo).
  EXPECT_FALSE(LooksLikeToken("320102199003074830"));
  EXPECT_FALSE(LooksLikeToken("81000019920731005X"));
  EXPECT_FALSE(LooksLikeToken("6222025260281590832"));
  EXPECT_FALSE(LooksLikeToken("91110108MA01ABCD5U"));
  EXPECT_FALSE(LooksLikeToken("075512345678"));
}

TEST(Mask, FollowsPiiFormatsSection13) {
  EXPECT_EQ(MaskValue(EntityType::kCnResidentId, "11010519491231002X"), "110105********002X");
  EXPECT_EQ(MaskValue(EntityType::kCnResidentId, "110105491231002"), "110105******002");
  EXPECT_EQ(MaskValue(EntityType::kBankCard, "6222021234567892345"), "622202*********2345");
  EXPECT_EQ(MaskValue(EntityType::kCnMobile, "13812348000"), "138****8000");
  EXPECT_EQ(MaskValue(EntityType::kCnLandline, "0755-12343456"), "0755-****3456");
  EXPECT_EQ(MaskValue(EntityType::kCnUscc, "92330106MA2CD3E42F"), "92330106********2F");
  EXPECT_EQ(MaskValue(EntityType::kCnPassport, "EA1234567"), "EA*****67");
  EXPECT_EQ(MaskValue(EntityType::kEmail, "zhang@qq.com"), "z***@qq.com");
  EXPECT_EQ(MaskValue(EntityType::kIpv4, "203.0.113.7"), "203.0.113.*");
  EXPECT_EQ(MaskValue(EntityType::kMacAddress, "3C:22:FB:12:34:56"), "3C:22:FB:**:**:**");
  EXPECT_EQ(MaskValue(EntityType::kImei, "861234007114716"), "86123400*******");
  EXPECT_EQ(MaskValue(EntityType::kPersonName, "张三"), "张*");
  EXPECT_EQ(MaskValue(EntityType::kPersonName, "欧阳娜娜"), "欧***");
  EXPECT_EQ(MaskValue(EntityType::kCnPlate, "京A12345"), "京A·***45");
  EXPECT_EQ(MaskValue(EntityType::kAddress, "浙江省杭州市西湖区文三路90号"), "浙江省杭州市西湖区****");
  EXPECT_EQ(MaskValue(EntityType::kDateOfBirth, "1990-03-07"), "1990-**-**");
  EXPECT_EQ(MaskValue(EntityType::kGeoCoord, "39.904211, 116.407395"), "39.90, 116.40");
  EXPECT_EQ(MaskValue(EntityType::kQq, "12345678"), "12****78");
}

}  // namespace
}  // namespace piivault::vault_internal
