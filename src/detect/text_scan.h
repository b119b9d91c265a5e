// Byte-level helpers for the scanner: the SIMD skip loop and the character
// normaliser (full-width forms, odd spaces and dashes, zero-width characters,
// Chinese numerals) that maps a few original bytes to one ASCII character.
#ifndef PIIVAULT_DETECT_TEXT_SCAN_H_
#define PIIVAULT_DETECT_TEXT_SCAN_H_

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <utility>
#include <vector>

namespace piivault::internal {

// ASCII characters that can begin a candidate segment: letters, digits, and
// + ( * _ . - % (every character an extractor may look back over, such as
// an e-mail local part's, must be one, or where a segment starts would
// depend on text further left).
constexpr bool IsSegmentStart(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '+' || c == '(' ||
         c == '*' || c == '_' || c == '.' || c == '-' || c == '%';
}

// Index of the first byte at or after `i` that the ASCII pass looks at: an
// ASCII segment start (IsSegmentStart) or ':' (labels), or a full-width
// digit, letter, ＠, ：, （, ＋, ＊, －, ．, ／ (lead byte 0xEF), or a BOM; other
// ASCII ([ ] " ! ...) and full-width punctuation such as ，！？ are skipped.
// Returns n if there is none. SSE2 on x86-64, scalar elsewhere.
size_t NextInteresting(const uint8_t* p, size_t n, size_t i);

// The boundaries of the keyword windows around a value (§1.4).
//
// LastNumberByte: the largest q in [lo, to) where an ASCII digit, a '*' (a
// masked digit: redacted text scanned again keeps its windows), or the last
// byte of a full-width digit ０-９ (EF BC 90-99, whose first two bytes may
// lie before lo), sits; SIZE_MAX if there is none.
size_t LastNumberByte(const uint8_t* p, size_t lo, size_t to);
// FirstWindowStop: the smallest q in [from, to) (to <= n) where a digit, a
// '*', a line feed, ',' ';', a full-width digit ，；, or 。、 begins; `to` if
// none.
size_t FirstWindowStop(const uint8_t* p, size_t n, size_t from, size_t to);
// Does such a stop begin at q (q < n)? (What FirstWindowStop tests at each
// position; a value is often followed by one, leaving its window empty.)
inline bool WindowStopAt(const uint8_t* p, size_t n, size_t q) {
  const uint8_t b = p[q];
  if ((b >= '0' && b <= '9') || b == '*' || b == '\n' || b == ',' || b == ';') return true;
  if (b == 0xEF && q + 2 < n && p[q + 1] == 0xBC) {
    const uint8_t c = p[q + 2];
    return (c >= 0x90 && c <= 0x99) || c == 0x8C || c == 0x9B;  // digits ， ；
  }
  return b == 0xE3 && q + 2 < n && p[q + 1] == 0x80 && (p[q + 2] == 0x82 || p[q + 2] == 0x81);  // 。 、
}

// A chat timestamp in its canonical form at p[i]: "YYYY-MM-DD hh:mm" or
// "YYYY-MM-DD hh:mm:ss", not followed by a digit. Returns where it ends, or
// 0 if the text is not that (other forms, such as "2024-2-5 9:05", are for
// the caller's general parse). Checks 16 bytes at once; needs i + 16 < n.
size_t CanonicalTimestampEnd(const uint8_t* p, size_t n, size_t i);

// The first position at or after q that is not an ASCII digit (or n), 16
// bytes at a time.
size_t DigitRunEnd(const uint8_t* p, size_t n, size_t q);

enum class NormKind : uint8_t { kStop, kChar, kZeroWidth };

struct NormChar {
  NormKind kind = NormKind::kStop;
  char c = 0;       // the ASCII character (kChar); ' ' for any space, '\n' for a line break
  uint8_t len = 1;  // bytes consumed
  bool numeral = false;  // came from a Chinese numeral
};

// NormAt for the characters its inline part does not answer.
NormChar NormAtGeneral(const uint8_t* p, size_t n, size_t i, bool numerals);

// The 13 Chinese numerals (UTF-8 bytes as an integer) by a perfect hash into
// 16 slots, with the digit each stands for: one compare, no chain of
// branches a text's characters would make unpredictable.
struct ChineseNumeralTable {
  static constexpr uint32_t kMultiplier = 0x3248C975;
  static constexpr uint32_t Slot(uint32_t c) { return (c * kMultiplier) >> 28; }
  uint32_t chars[16] = {};
  char digits[16] = {};
  constexpr ChineseNumeralTable() {
    constexpr std::pair<uint32_t, char> kNumerals[] = {
        {0xE4B880, '1'}, {0xE5B9BA, '1'}, {0xE4BA8C, '2'}, {0xE4B8A4, '2'}, {0xE4B889, '3'},  // 一 幺 二 两 三
        {0xE59B9B, '4'}, {0xE4BA94, '5'}, {0xE585AD, '6'}, {0xE4B883, '7'}, {0xE585AB, '8'},  // 四 五 六 七 八
        {0xE4B99D, '9'}, {0xE99BB6, '0'}, {0xE38087, '0'}};                                   // 九 零 〇
    for (const auto& [c, d] : kNumerals) {
      chars[Slot(c)] = c;
      digits[Slot(c)] = d;
    }
  }
};
inline constexpr ChineseNumeralTable kChineseNumeralTable;

// The digit a Chinese numeral (one of ChineseNumerals()) at p[i] stands
// for, or 0.
inline char ChineseNumeralDigit(const uint8_t* p, size_t n, size_t i) {
  if (i + 3 > n) return 0;
  const uint32_t c = uint32_t{p[i]} << 16 | uint32_t{p[i + 1]} << 8 | p[i + 2];
  const uint32_t slot = ChineseNumeralTable::Slot(c);
  return kChineseNumeralTable.chars[slot] == c ? kChineseNumeralTable.digits[slot] : 0;
}

// Whether a Chinese numeral (one of ChineseNumerals()) starts at p[i].
inline bool IsChineseNumeral(const uint8_t* p, size_t n, size_t i) { return ChineseNumeralDigit(p, n, i) != 0; }

// Normalises the character at p[i] (n = total length). Chinese numerals map
// to digits only when `numerals` is set. Invalid UTF-8 yields kStop. The
// commonest characters are answered here, inline: printable ASCII, the
// full-width forms of ASCII punctuation, digits and capitals (，：０-９
// Ａ-Ｚ), and Han characters (lead byte E4-E9: a numeral or nothing).
inline NormChar NormAt(const uint8_t* p, size_t n, size_t i, bool numerals) {
  const uint8_t b = p[i];
  NormChar r;
  if (b > 0x20 && b < 0x7F) {
    r.kind = NormKind::kChar;
    r.c = static_cast<char>(b);
    return r;
  }
  if (b >= 0xE4 && b <= 0xE9) {
    const char digit = numerals ? ChineseNumeralDigit(p, n, i) : 0;
    if (digit != 0) {
      r.kind = NormKind::kChar;
      r.c = digit;
      r.len = 3;
      r.numeral = true;
    }
    return r;  // kStop otherwise
  }
  if (b == 0xEF && i + 2 < n && p[i + 1] == 0xBC && p[i + 2] >= 0x81 && p[i + 2] <= 0xBF) {  // U+FF01..FF3F
    r.kind = NormKind::kChar;
    r.c = static_cast<char>(p[i + 2] - 0x81 + 0x21);
    r.len = 3;
    return r;
  }
  return NormAtGeneral(p, n, i, numerals);
}

// NormAt(p, n, i, false).kind == NormKind::kStop, answered at once for the
// commonest case, a CJK character (lead byte E4-E9: no full-width form,
// space or dash begins with those, and numerals are off).
inline bool IsStopChar(const uint8_t* p, size_t n, size_t i) {
  if (p[i] >= 0xE4 && p[i] <= 0xE9) return true;
  return NormAt(p, n, i, false).kind == NormKind::kStop;
}

// The Chinese numerals NormAt maps to digits (一..九 零 〇 两 幺), as UTF-8.
const std::vector<std::string>& ChineseNumerals();

// a[0, n) == b[0, n) for the short strings the scanner compares (labels,
// keywords, dates): two overlapping word loads each, no call.
inline bool ShortBytesEqual(const void* a, const void* b, size_t n) {
  const auto* x = static_cast<const uint8_t*>(a);
  const auto* y = static_cast<const uint8_t*>(b);
  auto Same = [](const uint8_t* s, const uint8_t* t, auto word) {
    decltype(word) u, v;
    std::memcpy(&u, s, sizeof u);
    std::memcpy(&v, t, sizeof v);
    return u == v;
  };
  if (n >= 8 && n <= 16) return Same(x, y, uint64_t{}) && Same(x + n - 8, y + n - 8, uint64_t{});
  if (n >= 4 && n < 8) return Same(x, y, uint32_t{}) && Same(x + n - 4, y + n - 4, uint32_t{});
  if (n < 4) {
    for (size_t i = 0; i < n; ++i) {
      if (x[i] != y[i]) return false;
    }
    return true;
  }
  return std::memcmp(a, b, n) == 0;
}

// Start of the UTF-8 character containing byte i (at most 3 steps back).
inline size_t CharStart(const uint8_t* p, size_t i) {
  // Back over up to three continuation bytes (10xxxxxx), unrolled: hot
  // enough in the keyword windows and boundary checks.
  if (i == 0 || (p[i] & 0xC0) != 0x80) return i;
  if (i == 1 || (p[i - 1] & 0xC0) != 0x80) return i - 1;
  if (i == 2 || (p[i - 2] & 0xC0) != 0x80) return i - 2;
  return i - 3;
}

// Start of the character before position i (i > 0).
inline size_t PrevCharStart(const uint8_t* p, size_t i) { return CharStart(p, i - 1); }

}  // namespace piivault::internal

#endif  // PIIVAULT_DETECT_TEXT_SCAN_H_
