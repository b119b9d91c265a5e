// Check-character arithmetic; see checksum.h and ../shared/pii-formats.md
// §2.1 (MOD 11-2), §3.1 (GB 32100), §3.2 (GB 11714), §3.3 (MOD 11,10),
// §4.2 (Luhn), §9.4 (IMEI) and §9.5 (MEID).
#include "detect/checksum.h"

#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>

namespace piivault::internal {
namespace {

constexpr bool IsDigit(char c) { return c >= '0' && c <= '9'; }

constexpr bool AllDigits(std::string_view s) {
  for (char c : s) {
    if (!IsDigit(c)) return false;
  }
  return true;
}

// GB 32100 alphabet value of `c` (0-30), or -1. I, O, S, V, Z are excluded.
constexpr int UsccValue(char c) {
  if (IsDigit(c)) return c - '0';
  constexpr std::string_view kLetters = "ABCDEFGHJKLMNPQRTUWXY";
  for (size_t i = 0; i < kLetters.size(); ++i) {
    if (kLetters[i] == c) return static_cast<int>(10 + i);
  }
  return -1;
}

constexpr char kUsccAlphabet[] = "0123456789ABCDEFGHJKLMNPQRTUWXY";
static_assert(sizeof(kUsccAlphabet) == 32);

// Hex digit value for upper-case hex, or -1.
constexpr int HexValue(char c) {
  if (IsDigit(c)) return c - '0';
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Luhn sum in base `radix` over `digits` (values already decoded), where the
// rightmost element has doubling parity `double_rightmost`.
template <typename ValueFn>
int LuhnSum(std::string_view s, int radix, bool double_rightmost,
            ValueFn value) {
  int sum = 0;
  bool dbl = double_rightmost;
  for (size_t i = s.size(); i-- > 0;) {
    int v = value(s[i]);
    if (dbl) {
      v *= 2;
      // Add the base-`radix` digits of the product (product < 2 * radix).
      if (v >= radix) v = v - radix + 1;
    }
    sum += v;
    dbl = !dbl;
  }
  return sum;
}

}  // namespace

// The check-character sums below run over every 18-digit run a scan meets
// (order numbers, IDs, cards are each tried as several identifiers): one
// pass, the validity of each character folded into a flag instead of a
// branch or a search per character.

char ResidentIdCheckChar(std::string_view first17) {
  if (first17.size() != 17) return '\0';
  static constexpr uint8_t kWeights[17] = {7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2};
  unsigned sum = 0;
  bool bad = false;
#pragma GCC unroll 17
  for (size_t i = 0; i < 17; ++i) {
    const unsigned d = static_cast<unsigned>(static_cast<unsigned char>(first17[i])) - '0';
    bad |= d > 9;
    sum += d * kWeights[i];
  }
  if (bad) return '\0';
  static constexpr char kCheck[] = "10X98765432";
  return kCheck[sum % 11];
}

bool ResidentIdChecksumValid(std::string_view id18) {
  if (id18.size() != 18) return false;
  const char check = ResidentIdCheckChar(id18.substr(0, 17));
  return check != '\0' && check == id18[17];
}

namespace {

// UsccValue for every byte (-1 outside the alphabet), for the check sum.
constexpr std::array<int8_t, 256> kUsccValues = [] {
  std::array<int8_t, 256> t{};
  for (size_t c = 0; c < t.size(); ++c) t[c] = static_cast<int8_t>(UsccValue(static_cast<char>(c)));
  return t;
}();

}  // namespace

char UsccCheckChar(std::string_view first17) {
  if (first17.size() != 17) return '\0';
  static constexpr uint8_t kWeights[17] = {1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28};
  int sum = 0;
  int bad = 0;
#pragma GCC unroll 17
  for (size_t i = 0; i < 17; ++i) {
    const int v = kUsccValues[static_cast<unsigned char>(first17[i])];
    bad |= v;  // negative (sign bit set) for a character outside the alphabet
    sum += v * kWeights[i];
  }
  if (bad < 0) return '\0';
  const int c = (31 - sum % 31) % 31;
  return kUsccAlphabet[c];
}

bool UsccChecksumValid(std::string_view uscc18) {
  if (uscc18.size() != 18) return false;
  const char check = UsccCheckChar(uscc18.substr(0, 17));
  return check != '\0' && check == uscc18[17];
}

char OrgCodeCheckChar(std::string_view first8) {
  if (first8.size() != 8) return '\0';
  static constexpr std::array<int, 8> kWeights = {3, 7, 9, 10, 5, 8, 4, 2};
  int sum = 0;
  for (size_t i = 0; i < 8; ++i) {
    const char c = first8[i];
    int v;
    if (IsDigit(c)) {
      v = c - '0';
    } else if (c >= 'A' && c <= 'Z') {
      v = c - 'A' + 10;
    } else {
      return '\0';
    }
    sum += v * kWeights[i];
  }
  const int c = 11 - sum % 11;
  if (c == 10) return 'X';
  if (c == 11) return '0';
  return static_cast<char>('0' + c);
}

bool OrgCodeChecksumValid(std::string_view code9) {
  if (code9.size() != 9) return false;
  const char check = OrgCodeCheckChar(code9.substr(0, 8));
  return check != '\0' && check == code9[8];
}

bool Iso7064Mod11_10Valid(std::string_view digits) {
  if (digits.size() < 2 || !AllDigits(digits)) return false;
  int p = 10;
  for (size_t i = 0; i + 1 < digits.size(); ++i) {
    int s = (p + (digits[i] - '0')) % 10;
    if (s == 0) s = 10;
    p = (2 * s) % 11;
  }
  return (p + (digits.back() - '0')) % 10 == 1;
}

bool LuhnValid(std::string_view digits) {
  // Decimal only, so a doubled digit's digit sum is a table lookup: no
  // branch per digit (every card-length number a scan meets comes here);
  // two digits a step (the right one as is, the left one doubled).
  static constexpr uint8_t kDoubled[16] = {0, 2, 4, 6, 8, 1, 3, 5, 7, 9, 0, 0, 0, 0, 0, 0};
  if (digits.empty()) return false;
  const auto* s = reinterpret_cast<const unsigned char*>(digits.data());
  unsigned sum = 0;
  bool bad = false;
  size_t k = digits.size();
  for (; k >= 2; k -= 2) {
    const unsigned d = static_cast<unsigned>(s[k - 1]) - '0';
    const unsigned e = static_cast<unsigned>(s[k - 2]) - '0';
    bad |= (d > 9) | (e > 9);
    sum += d + kDoubled[e & 15];
  }
  if (k == 1) {
    const unsigned d = static_cast<unsigned>(s[0]) - '0';
    bad |= d > 9;
    sum += d;
  }
  return !bad && sum % 10 == 0;
}

bool ImeiValid(std::string_view digits15) {
  return digits15.size() == 15 && LuhnValid(digits15);
}

char MeidHexCheckChar(std::string_view hex14) {
  if (hex14.size() != 14) return '\0';
  for (char c : hex14) {
    if (HexValue(c) < 0) return '\0';
  }
  // The check digit will sit to the right, so the rightmost body digit is
  // doubled.
  const int sum = LuhnSum(hex14, 16, /*double_rightmost=*/true, HexValue);
  return "0123456789ABCDEF"[(16 - sum % 16) % 16];
}

bool MeidHexValid(std::string_view hex15) {
  if (hex15.size() != 15) return false;
  const char check = MeidHexCheckChar(hex15.substr(0, 14));
  return check != '\0' && check == hex15[14];
}

}  // namespace piivault::internal
