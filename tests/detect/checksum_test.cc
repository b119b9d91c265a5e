// Vectors from ../shared/pii-formats.md §2–§9 and §12 (valid and invalid),
// plus property tests of the error-detecting guarantees of each scheme.
#include "detect/checksum.h"

#include <random>
#include <string>
#include <string_view>

#include "gtest/gtest.h"

namespace piivault::internal {
namespace {

// --- GB 11643 (MOD 11-2) ---------------------------------------------------

TEST(ResidentIdChecksumTest, ValidVectors) {
  // §12.1 "valid" rows (checksum-valid; policy differences are the engine's).
  for (std::string_view id :
       {"11010519491231002X", "320102199003074835", "510104200111307767",
        "330106198510090023", "440305201002283456", "650102197906151210",
        "81000019920731005X", "830000198802030027", "110118201506120030",
        "440524188001010014",
        // §2.4 foreigner permanent residence IDs (same MOD 11-2).
        "911840198506120015", "93184019900101002X", "944392197811240032",
        "951250199505050045", "93227619880808015X",
        // §12.1 15→18 conversions.
        "440524198001010013",
        // §12.1: these have a correct check char but fail date/region
        // policy, which is not this layer's job.
        "320102199002304838", "320102202302294832", "190102199003074830",
        "320102210001014833", "919840199001010023", "931840199013010027"}) {
    EXPECT_TRUE(ResidentIdChecksumValid(id)) << id;
    EXPECT_EQ(ResidentIdCheckChar(id.substr(0, 17)), id[17]) << id;
  }
}

TEST(ResidentIdChecksumTest, InvalidVectors) {
  for (std::string_view id :
       {"320102199003074935", "320102199003074830", "320102199003074385",
        "202402151718001234", "93184019900101003X",
        // Malformed: lower-case x, 17 chars, 19 chars, letter in body.
        "11010519491231002x", "11010519491231002", "11010519491231002X0",
        "1101051949123100AX", "", "11010519491231002 "}) {
    EXPECT_FALSE(ResidentIdChecksumValid(id)) << id;
  }
}

TEST(ResidentIdChecksumTest, WorkedExampleAndMalformed) {
  EXPECT_EQ(ResidentIdCheckChar("11010519491231002"), 'X');
  EXPECT_EQ(ResidentIdCheckChar("32010219900307483"), '5');
  EXPECT_EQ(ResidentIdCheckChar("1101051949123100"), '\0');
  EXPECT_EQ(ResidentIdCheckChar("110105194912310020"), '\0');
  EXPECT_EQ(ResidentIdCheckChar("1101051949123100A"), '\0');
  EXPECT_EQ(ResidentIdCheckChar("１1010519491231002"), '\0');  // full-width
}

// --- GB 32100 (USCC) ---------------------------------------------------------

TEST(UsccChecksumTest, ValidVectors) {
  for (std::string_view c :
       {"91110108MA01ABCD5T", "91440300MA5F0000X1", "92330106MA2CD3E42F",
        "12100000400012342E", "51320102MJ000000XK", "93510104MA6C000095",
        "Y1330100MA2A0000XN", "N2440300MA5G000009", "A1110000MA00M0007Q"}) {
    EXPECT_TRUE(UsccChecksumValid(c)) << c;
    EXPECT_EQ(UsccCheckChar(c.substr(0, 17)), c[17]) << c;
  }
}

TEST(UsccChecksumTest, InvalidVectors) {
  for (std::string_view c :
       {"91110108MA011BCD5T", "91110108MA01ABCD5U", "91110108M0A1ABCD5T",
        "91110108MAO1ABCD5T", "9111S108MA01ABCD5T", "91110108MA01ABCD5",
        "91110108ma01abcd5t", "91110108MA01ABCD5TT", ""}) {
    EXPECT_FALSE(UsccChecksumValid(c)) << c;
  }
}

TEST(UsccChecksumTest, ForbiddenLettersAreMalformed) {
  for (char bad : {'I', 'O', 'S', 'V', 'Z', 'a', '-', ' '}) {
    std::string body = "91110108MA01ABCD5";
    body[12] = bad;
    EXPECT_EQ(UsccCheckChar(body), '\0') << bad;
  }
  EXPECT_EQ(UsccCheckChar("91110108MA01ABCD5"), 'T');
}

// --- GB 11714 (organisation code) --------------------------------------------

TEST(OrgCodeChecksumTest, Vectors) {
  for (std::string_view c : {"MA01ABCD5", "400012342", "MA5F0000X",
                             "X00000019", "060000053", "D23456785"}) {
    EXPECT_TRUE(OrgCodeChecksumValid(c)) << c;
    EXPECT_EQ(OrgCodeCheckChar(c.substr(0, 8)), c[8]) << c;
  }
  for (std::string_view c : {"MA01ABCD6", "400012343", "MA5F00000",
                             "X0000001X", "060000058", "MA01ABCD-5",
                             "MA01ABCD", "ma01abcd5", ""}) {
    EXPECT_FALSE(OrgCodeChecksumValid(c)) << c;
  }
  // USCC positions 9-17 embed an organisation code (§3.1).
  EXPECT_EQ(OrgCodeCheckChar("MA5F0000"), 'X');
  EXPECT_EQ(OrgCodeCheckChar("MA01ABC"), '\0');
  EXPECT_EQ(OrgCodeCheckChar("MA01ABC-"), '\0');
}

// --- ISO 7064 MOD 11,10 ------------------------------------------------------

TEST(Iso7064Mod1110Test, Vectors) {
  for (std::string_view n :
       {"110108000123459", "440300001234568", "320100400000136",
        "330106600123455", "100000000000151", "510104700000019",
        "110105491231002"}) {  // §3.3: the legacy ID happens to pass.
    EXPECT_TRUE(Iso7064Mod11_10Valid(n)) << n;
  }
  for (std::string_view n : {"110101000123459", "110108000123450",
                             "110108000124359", "11010800012345X", "", "1",
                             "11010800012345 9"}) {
    EXPECT_FALSE(Iso7064Mod11_10Valid(n)) << n;
  }
}

// --- Luhn, IMEI, MEID ----------------------------------------------------------

TEST(LuhnTest, BankCardVectors) {
  for (std::string_view n :
       {"6222025260181590832", "6217000166131860911", "6228483909960308244",
        "6225886281948214", "6216619935181909371", "6259658657975439",
        "6222622319487574911", "6210981862527601897"}) {
    EXPECT_TRUE(LuhnValid(n)) << n;
  }
  for (std::string_view n :
       {"6222025260281590832", "6225886281948219", "6225882681948214",
        "1708000000000000000", "2024021522001412345", "", "622588628194821a",
        "6225 8862 8194 8214"}) {
    EXPECT_FALSE(LuhnValid(n)) << n;
  }
}

TEST(ImeiTest, Vectors) {
  for (std::string_view n : {"860000005559793", "861234007114716",
                             "350000000497467", "359999005075296",
                             "010000001703428"}) {
    EXPECT_TRUE(ImeiValid(n)) << n;
  }
  for (std::string_view n :
       {"860000005559794", "860000005959793", "860000005595793",
        "350000000497461",
        "86000000555979",     // 14 digits: not a full IMEI (§12.7.4)
        "8600000055597930",   // 16 digits (IMEISV has no check digit)
        "86-123400-711471-6", ""}) {
    EXPECT_FALSE(ImeiValid(n)) << n;
  }
}

TEST(MeidTest, Vectors) {
  for (std::string_view n :
       {"A00000000000014", "A1000012345678B", "A10000AB12CD34C"}) {
    EXPECT_TRUE(MeidHexValid(n)) << n;
    EXPECT_EQ(MeidHexCheckChar(n.substr(0, 14)), n[14]) << n;
  }
  for (std::string_view n : {"A10000AB12CD34D", "a10000ab12cd34c",
                             "A10000AB12CD34", "A10000AB12CD34CC",
                             "G10000AB12CD34C", ""}) {
    EXPECT_FALSE(MeidHexValid(n)) << n;
  }
  EXPECT_EQ(MeidHexCheckChar("A10000AB12CD34"), 'C');
  EXPECT_EQ(MeidHexCheckChar("A10000AB12CD3"), '\0');
  EXPECT_EQ(MeidHexCheckChar("A10000AB12CD3g"), '\0');
}

// --- Properties ----------------------------------------------------------------

std::string RandomDigits(std::mt19937& rng, size_t n) {
  std::uniform_int_distribution<int> d(0, 9);
  std::string s(n, '0');
  for (char& c : s) c = static_cast<char>('0' + d(rng));
  return s;
}

// MOD 11-2 detects every single substitution and every adjacent
// transposition of distinct characters, and a computed check always verifies.
TEST(ChecksumPropertyTest, Mod11_2DetectsSingleErrors) {
  std::mt19937 rng(11643);
  for (int iter = 0; iter < 2000; ++iter) {
    std::string id = RandomDigits(rng, 17);
    id.push_back(ResidentIdCheckChar(id));
    ASSERT_TRUE(ResidentIdChecksumValid(id)) << id;
    for (size_t pos = 0; pos < 17; ++pos) {
      std::string changed = id;
      changed[pos] = static_cast<char>('0' + (changed[pos] - '0' + 1 +
                                              iter % 9) % 10);
      EXPECT_FALSE(ResidentIdChecksumValid(changed)) << changed;
    }
    for (size_t pos = 0; pos + 1 < 18; ++pos) {
      if (id[pos] == id[pos + 1]) continue;
      std::string swapped = id;
      std::swap(swapped[pos], swapped[pos + 1]);
      EXPECT_FALSE(ResidentIdChecksumValid(swapped)) << swapped;
    }
  }
}

TEST(ChecksumPropertyTest, UsccDetectsSingleSubstitutions) {
  constexpr std::string_view kAlphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY";
  std::mt19937 rng(32100);
  std::uniform_int_distribution<size_t> pick(0, kAlphabet.size() - 1);
  for (int iter = 0; iter < 2000; ++iter) {
    std::string code(17, '0');
    for (char& c : code) c = kAlphabet[pick(rng)];
    code.push_back(UsccCheckChar(code));
    ASSERT_TRUE(UsccChecksumValid(code)) << code;
    const size_t pos = iter % 17;
    std::string changed = code;
    while (changed[pos] == code[pos]) changed[pos] = kAlphabet[pick(rng)];
    EXPECT_FALSE(UsccChecksumValid(changed)) << changed;
  }
}

TEST(ChecksumPropertyTest, LuhnDetectsSingleSubstitutions) {
  std::mt19937 rng(7812);
  for (int iter = 0; iter < 2000; ++iter) {
    std::string body = RandomDigits(rng, 15 + iter % 4);
    // Find the check digit by trying all ten: exactly one must verify.
    int valid_count = 0;
    std::string full;
    for (char c = '0'; c <= '9'; ++c) {
      if (LuhnValid(body + c)) {
        ++valid_count;
        full = body + c;
      }
    }
    ASSERT_EQ(valid_count, 1) << body;
    const size_t pos = iter % full.size();
    std::string changed = full;
    changed[pos] = static_cast<char>('0' + (changed[pos] - '0' + 1 +
                                            iter % 9) % 10);
    EXPECT_FALSE(LuhnValid(changed)) << changed;
  }
}

TEST(ChecksumPropertyTest, MeidCheckCharIsUnique) {
  constexpr std::string_view kHex = "0123456789ABCDEF";
  std::mt19937 rng(3);
  std::uniform_int_distribution<size_t> pick(0, 15);
  for (int iter = 0; iter < 1000; ++iter) {
    std::string body(14, '0');
    for (char& c : body) c = kHex[pick(rng)];
    int valid_count = 0;
    for (char c : kHex) valid_count += MeidHexValid(body + c) ? 1 : 0;
    EXPECT_EQ(valid_count, 1) << body;
    EXPECT_TRUE(MeidHexValid(body + MeidHexCheckChar(body))) << body;
  }
}

TEST(ChecksumPropertyTest, Mod11_10CheckDigitIsUnique) {
  std::mt19937 rng(17710);
  for (int iter = 0; iter < 1000; ++iter) {
    const std::string body = RandomDigits(rng, 14);
    int valid_count = 0;
    for (char c = '0'; c <= '9'; ++c) {
      valid_count += Iso7064Mod11_10Valid(body + c) ? 1 : 0;
    }
    EXPECT_EQ(valid_count, 1) << body;
  }
}

}  // namespace
}  // namespace piivault::internal
