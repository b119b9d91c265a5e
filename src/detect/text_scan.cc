#include "detect/text_scan.h"

#include <cstdint>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace piivault::internal {

namespace {

// Full-width characters worth stopping at: （）＊＋－．／０-９：(EF BC 88-9A
// without ，), ＠Ａ-Ｚ (EF BC A0-BA), ａ-ｚ (EF BD 81-9A), and the BOM. The
// rest of the block (，！？ and other punctuation) is skipped.
inline bool FullWidthInteresting(uint8_t b1, uint8_t b2) {
  if (b1 == 0xBC) return (b2 >= 0x88 && b2 <= 0x9A && b2 != 0x8C) || (b2 >= 0xA0 && b2 <= 0xBA);
  if (b1 == 0xBD) return b2 >= 0x81 && b2 <= 0x9A;
  if (b1 == 0xBB) return b2 == 0xBF;
  return false;
}

inline bool IsAsciiDigit(uint8_t b) { return b >= '0' && b <= '9'; }

#if defined(__SSE2__)
// Bytes of v in [lo, hi] (unsigned), as a 0xFF/0x00 mask.
inline __m128i InRange(__m128i v, uint8_t lo, uint8_t hi) {
  return _mm_and_si128(_mm_cmpeq_epi8(_mm_max_epu8(v, _mm_set1_epi8(static_cast<char>(lo))), v),
                       _mm_cmpeq_epi8(_mm_min_epu8(v, _mm_set1_epi8(static_cast<char>(hi))), v));
}
inline __m128i Eq(__m128i v, uint8_t b) { return _mm_cmpeq_epi8(v, _mm_set1_epi8(static_cast<char>(b))); }
inline __m128i Load(const uint8_t* p) { return _mm_loadu_si128(reinterpret_cast<const __m128i*>(p)); }
#endif

}  // namespace

size_t LastNumberByte(const uint8_t* p, size_t lo, size_t to) {
  size_t e = to;
#if defined(__SSE2__)
  // Sixteen positions [e - 16, e) per step; the loads reach back two more
  // bytes for the lead of a full-width digit.
  while (e > lo && e >= 18) {
    const size_t s = e - 16;
    const __m128i v = Load(p + s);
    const __m128i full = _mm_and_si128(InRange(v, 0x90, 0x99),
                                       _mm_and_si128(Eq(Load(p + s - 1), 0xBC), Eq(Load(p + s - 2), 0xEF)));
    uint32_t m = static_cast<uint32_t>(
        _mm_movemask_epi8(_mm_or_si128(_mm_or_si128(InRange(v, '0', '9'), Eq(v, '*')), full)));
    if (s < lo) m &= ~((uint32_t{1} << (lo - s)) - 1);
    if (m != 0) return s + 31 - static_cast<size_t>(__builtin_clz(m));
    if (s <= lo) return SIZE_MAX;
    e = s;
  }
#endif
  for (size_t q = e; q > lo;) {
    --q;
    if (IsAsciiDigit(p[q]) || p[q] == '*') return q;
    if (p[q] >= 0x90 && p[q] <= 0x99 && q >= 2 && p[q - 1] == 0xBC && p[q - 2] == 0xEF) return q;
  }
  return SIZE_MAX;
}

size_t FirstWindowStop(const uint8_t* p, size_t n, size_t from, size_t to) {
  size_t q = from;
#if defined(__SSE2__)
  while (q < to && q + 18 <= n) {
    const __m128i v0 = Load(p + q), v1 = Load(p + q + 1), v2 = Load(p + q + 2);
    __m128i stop = _mm_or_si128(_mm_or_si128(InRange(v0, '0', '9'), Eq(v0, '\n')), _mm_or_si128(Eq(v0, ','), Eq(v0, ';')));
    stop = _mm_or_si128(stop, Eq(v0, '*'));
    const __m128i full = _mm_and_si128(_mm_and_si128(Eq(v0, 0xEF), Eq(v1, 0xBC)),
                                       _mm_or_si128(InRange(v2, 0x90, 0x99), _mm_or_si128(Eq(v2, 0x8C), Eq(v2, 0x9B))));
    const __m128i ideo = _mm_and_si128(_mm_and_si128(Eq(v0, 0xE3), Eq(v1, 0x80)), _mm_or_si128(Eq(v2, 0x82), Eq(v2, 0x81)));
    stop = _mm_or_si128(stop, _mm_or_si128(full, ideo));
    const uint32_t m = static_cast<uint32_t>(_mm_movemask_epi8(stop));
    if (m != 0) {
      const size_t at = q + static_cast<size_t>(__builtin_ctz(m));
      return at < to ? at : to;
    }
    q += 16;
  }
#endif
  for (; q < to; ++q) {
    if (WindowStopAt(p, n, q)) return q;
  }
  return to;
}

namespace {

// The ASCII bytes NextInteresting stops at, as a bit set.
struct AsciiStops {
  uint64_t bits[2] = {};
  constexpr AsciiStops() {
    for (int b = 0; b < 128; ++b) {
      if (IsSegmentStart(static_cast<char>(b)) || b == ':') bits[b >> 6] |= uint64_t{1} << (b & 63);
    }
  }
  // b < 0x80.
  bool Has(uint8_t b) const { return (bits[b >> 6] >> (b & 63)) & 1; }
};
constexpr AsciiStops kAsciiStops;

// Whether NextInteresting stops at k, which its SIMD filter marked (an
// ASCII byte above 0x20, or 0xEF).
inline bool StopsAt(const uint8_t* p, size_t n, size_t k) {
  if (p[k] < 0x80) return kAsciiStops.Has(p[k]);
  return k + 2 >= n || FullWidthInteresting(p[k + 1], p[k + 2]);
}

}  // namespace

size_t NextInteresting(const uint8_t* p, size_t n, size_t i) {
  // In ASCII stretches (timestamps, numbers) the next byte usually is one.
  if (i < n && p[i] < 0x80 && kAsciiStops.Has(p[i])) return i;
#if defined(__SSE2__)
  const __m128i space = _mm_set1_epi8(0x20);
  const __m128i ef = _mm_set1_epi8(static_cast<char>(0xEF));
  while (i + 64 <= n) {
    // Four vectors per iteration: most 64-byte blocks of Chinese text have
    // nothing to look at.
    __m128i a = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + i));
    __m128i b = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + i + 16));
    __m128i c = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + i + 32));
    __m128i d = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + i + 48));
    // Signed compare: bytes 0x21..0x7F are > 0x20; bytes >= 0x80 are negative.
    __m128i ma = _mm_or_si128(_mm_cmpgt_epi8(a, space), _mm_cmpeq_epi8(a, ef));
    __m128i mb = _mm_or_si128(_mm_cmpgt_epi8(b, space), _mm_cmpeq_epi8(b, ef));
    __m128i mc = _mm_or_si128(_mm_cmpgt_epi8(c, space), _mm_cmpeq_epi8(c, ef));
    __m128i md = _mm_or_si128(_mm_cmpgt_epi8(d, space), _mm_cmpeq_epi8(d, ef));
    __m128i any = _mm_or_si128(_mm_or_si128(ma, mb), _mm_or_si128(mc, md));
    if (_mm_movemask_epi8(any) != 0) {
      uint64_t m = static_cast<uint64_t>(static_cast<uint16_t>(_mm_movemask_epi8(ma))) |
                   (static_cast<uint64_t>(static_cast<uint16_t>(_mm_movemask_epi8(mb))) << 16) |
                   (static_cast<uint64_t>(static_cast<uint16_t>(_mm_movemask_epi8(mc))) << 32) |
                   (static_cast<uint64_t>(static_cast<uint16_t>(_mm_movemask_epi8(md))) << 48);
      while (m != 0) {
        size_t k = i + static_cast<size_t>(__builtin_ctzll(m));
        if (StopsAt(p, n, k)) return k;
        m &= m - 1;
      }
    }
    i += 64;
  }
  // The rest 16 bytes at a time (a short text is nothing but this).
  while (i + 16 <= n) {
    const __m128i a = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + i));
    uint32_t m = static_cast<uint32_t>(_mm_movemask_epi8(_mm_or_si128(_mm_cmpgt_epi8(a, space), _mm_cmpeq_epi8(a, ef))));
    while (m != 0) {
      size_t k = i + static_cast<size_t>(__builtin_ctz(m));
      if (StopsAt(p, n, k)) return k;
      m &= m - 1;
    }
    i += 16;
  }
#endif
  for (; i < n; ++i) {
    if ((p[i] > 0x20 && p[i] < 0x80) || p[i] == 0xEF) {
      if (StopsAt(p, n, i)) return i;
    }
  }
  return n;
}

size_t DigitRunEnd(const uint8_t* p, size_t n, size_t q) {
#if defined(__SSE2__)
  while (q + 16 <= n) {
    const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + q));
    const __m128i t = _mm_sub_epi8(v, _mm_set1_epi8('0'));
    const uint32_t stop = ~static_cast<uint32_t>(_mm_movemask_epi8(_mm_cmpeq_epi8(_mm_min_epu8(t, _mm_set1_epi8(9)), t))) & 0xFFFF;
    if (stop != 0) return q + static_cast<size_t>(__builtin_ctz(stop));
    q += 16;
  }
#endif
  while (q < n && p[q] >= '0' && p[q] <= '9') ++q;
  return q;
}

size_t CanonicalTimestampEnd(const uint8_t* p, size_t n, size_t i) {
  if (i + 16 >= n) return 0;
  // Digits at 0-3 5-6 8-9 11-12 14-15; '-' at 4 and 7, ' ' at 10, ':' at 13.
  constexpr uint32_t kDigitBits = 0xDB6F;  // 1101 1011 0110 1111
  constexpr uint32_t kSepBits = 0x2490;    // bits 4, 7, 10, 13
  uint32_t digits = 0, seps = 0;
#if defined(__SSE2__)
  const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + i));
  const __m128i t = _mm_sub_epi8(v, _mm_set1_epi8('0'));
  digits = static_cast<uint32_t>(_mm_movemask_epi8(_mm_cmpeq_epi8(_mm_min_epu8(t, _mm_set1_epi8(9)), t)));
  const __m128i shape = _mm_setr_epi8(0, 0, 0, 0, '-', 0, 0, '-', 0, 0, ' ', 0, 0, ':', 0, 0);
  seps = static_cast<uint32_t>(_mm_movemask_epi8(_mm_cmpeq_epi8(v, shape)));
#else
  for (int k = 0; k < 16; ++k) {
    const uint8_t b = p[i + k];
    if (b >= '0' && b <= '9') digits |= 1u << k;
    if (b == (k == 4 || k == 7 ? '-' : k == 10 ? ' ' : k == 13 ? ':' : 0x100)) seps |= 1u << k;
  }
#endif
  if ((digits & 0xFFFF) != kDigitBits || (seps & kSepBits) != kSepBits) return 0;
  auto Digit = [&](size_t k) { return k < n && p[k] >= '0' && p[k] <= '9'; };
  size_t q = i + 16;
  if (Digit(q)) return 0;
  if (p[q] == ':') {
    if (!Digit(q + 1) || !Digit(q + 2) || Digit(q + 3)) return 0;
    q += 3;
  }
  return q;
}

namespace {

bool IsAsciiAlnum(uint8_t c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

// Is the character ending right before p[i] a digit (ASCII 0-9 or a
// full-width ０-９, EF BC 90..99)?
bool IsDigitByteBefore(const uint8_t* p, size_t i) {
  if (p[i - 1] >= '0' && p[i - 1] <= '9') return true;
  return i >= 3 && p[i - 3] == 0xEF && p[i - 2] == 0xBC && p[i - 1] >= 0x90 && p[i - 1] <= 0x99;
}

NormChar Char(char c, uint8_t len) {
  NormChar r;
  r.kind = NormKind::kChar;
  r.c = c;
  r.len = len;
  return r;
}
NormChar Numeral(char c) {
  NormChar r = Char(c, 3);
  r.numeral = true;
  return r;
}
NormChar ZeroWidth(uint8_t len) {
  NormChar r;
  r.kind = NormKind::kZeroWidth;
  r.len = len;
  return r;
}

}  // namespace

NormChar NormAtGeneral(const uint8_t* p, size_t n, size_t i, bool numerals) {
  uint8_t b = p[i];
  if (b < 0x80) {
    if (b > 0x20 && b < 0x7F) return Char(static_cast<char>(b), 1);
    if (b == ' ' || b == '\t') return Char(' ', 1);
    if (b == '\n') return Char('\n', 1);
    if (b == '\r' && i + 1 < n && p[i + 1] == '\n') return Char('\n', 2);
    return NormChar{};
  }
  if (b == 0xC2) {
    if (i + 1 < n && p[i + 1] == 0xA0) return Char(' ', 2);  // NBSP
    return NormChar{};
  }
  if (b == 0xC3) {
    // × typed for the ID check character X (pii-formats.md §1.1): only right
    // after a digit and not before another letter or digit, so 3×4 stays
    // arithmetic.
    if (i + 1 < n && p[i + 1] == 0x97 && i > 0 && IsDigitByteBefore(p, i) &&
        (i + 2 >= n || !IsAsciiAlnum(p[i + 2]))) {
      return Char('X', 2);
    }
    return NormChar{};
  }
  if (b < 0xE2 || b > 0xEF || i + 2 >= n) return NormChar{};
  uint8_t b1 = p[i + 1], b2 = p[i + 2];
  if ((b1 & 0xC0) != 0x80 || (b2 & 0xC0) != 0x80) return NormChar{};
  switch (b) {
    case 0xEF:
      if (b1 == 0xBC && b2 >= 0x81) return Char(static_cast<char>(b2 - 0x81 + 0x21), 3);  // U+FF01..FF3F
      if (b1 == 0xBD && b2 <= 0x9E) return Char(static_cast<char>(b2 - 0x80 + 0x60), 3);  // U+FF40..FF5E
      if (b1 == 0xBB && b2 == 0xBF) return ZeroWidth(3);                                    // U+FEFF
      if (b1 == 0xB9 && (b2 == 0x98 || b2 == 0xA3)) return Char('-', 3);                    // U+FE58, FE63
      return NormChar{};
    case 0xE3:
      if (b1 == 0x80 && b2 == 0x80) return Char(' ', 3);  // U+3000 ideographic space
      break;  // 〇 is a numeral
    case 0xE2:
      if (b1 == 0x80) {
        if (b2 >= 0x90 && b2 <= 0x95) return Char('-', 3);  // U+2010..2015
        if (b2 >= 0x8B && b2 <= 0x8D) return ZeroWidth(3);  // U+200B..200D
        if (b2 <= 0x8A || b2 == 0xAF) return Char(' ', 3);  // U+2000..200A, U+202F
        return NormChar{};
      }
      if (b1 == 0x81 && b2 == 0xA0) return ZeroWidth(3);              // U+2060
      if (b1 == 0x81 && b2 == 0x9F) return Char(' ', 3);              // U+205F
      if (b1 == 0x88 && b2 == 0x92) return Char('-', 3);              // U+2212
      return NormChar{};
    default:
      break;
  }
  if (!numerals) return NormChar{};
  const char digit = ChineseNumeralDigit(p, n, i);
  return digit != 0 ? Numeral(digit) : NormChar{};
}

const std::vector<std::string>& ChineseNumerals() {
  static const auto* const kNumerals = [] {
    auto* v = new std::vector<std::string>;
    for (uint32_t c : kChineseNumeralTable.chars) {
      if (c != 0) v->push_back({static_cast<char>(c >> 16), static_cast<char>(c >> 8), static_cast<char>(c)});
    }
    return v;
  }();
  return *kNumerals;
}

}  // namespace piivault::internal
