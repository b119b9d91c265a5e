// The scanner's shortcuts must not change what it finds:
// - KeywordPrefilter never says "no keyword here" when one starts there, and
//   its SIMD form, its per-position masks and its sweeping Cursor answer
//   exactly as a byte loop;
// - the keyword-window boundaries found 16 bytes at a time equal a byte loop;
// - the fast paths for whole-segment shapes (Scanner::Timestamp,
//   Scanner::DigitsOnly) find exactly what the general path finds.
#include <algorithm>
#include <cctype>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "detect/checksum.h"
#include "detect/keyword_prefilter.h"
#include "detect/text_scan.h"
#include "gtest/gtest.h"
#include "piivault/detector.h"

namespace piivault {
namespace {

std::string Lower(std::string s) {
  for (char& c : s) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c | 0x20);
  }
  return s;
}

TEST(KeywordPrefilterTest, NeverMissesAKeyword) {
  const std::vector<std::string> keywords = {"出生日期", "生日", "出生", "诞辰", "dob", "birthday", "csrq"};
  internal::KeywordPrefilter filter(keywords);
  ASSERT_TRUE(filter.usable());
  const std::vector<std::string> pieces = {"出生", "日期", "生", "日", "诞辰", "DOB", "dOb", "Birthday", "csRQ", "cs",
                                           "客服", "您好", "2024", " ", "\n", "，", "db", "bir", "\xE7", "\x94"};
  std::mt19937 rng(5);
  for (int trial = 0; trial < 3000; ++trial) {
    std::string text;
    const int count = std::uniform_int_distribution<int>(0, 30)(rng);
    for (int i = 0; i < count; ++i) text += pieces[std::uniform_int_distribution<size_t>(0, pieces.size() - 1)(rng)];
    const auto* p = reinterpret_cast<const uint8_t*>(text.data());
    const std::string lower = Lower(text);
    for (int r = 0; r < 8; ++r) {
      size_t lo = std::uniform_int_distribution<size_t>(0, text.size())(rng);
      size_t hi = std::uniform_int_distribution<size_t>(lo, text.size())(rng);
      bool present = false;
      for (const std::string& k : keywords) {
        for (size_t at = lower.find(k); at != std::string::npos; at = lower.find(k, at + 1)) {
          present |= at >= lo && at < hi;
        }
      }
      if (present) {
        EXPECT_TRUE(filter.MayStartIn(p, text.size(), lo, hi)) << trial << " [" << lo << "," << hi << ")";
      }
    }
  }
}

TEST(KeywordPrefilterTest, SaysNoOnPlainText) {
  internal::KeywordPrefilter filter({"出生日期", "生日", "dob"});
  const std::string text = "[2024-02-15 17:18:00] 客服：您好，很高兴为您服务，请问有什么可以帮您？";
  EXPECT_FALSE(filter.MayStartIn(reinterpret_cast<const uint8_t*>(text.data()), text.size(), 0, text.size()));
}

TEST(KeywordPrefilterTest, UnusableWithTooManyPrefixes) {
  std::vector<std::string> many;
  for (char c = 'a'; c <= 'z'; ++c) many.push_back(std::string(1, c) + "x");
  EXPECT_FALSE(internal::KeywordPrefilter(many).usable());
  EXPECT_FALSE(internal::KeywordPrefilter({}).usable());
  // Up to 32 when asked for (four tables at one offset), never more; and
  // never more tables than four (one ASCII prefix needs a table of its own).
  std::vector<std::string> wide;
  for (uint8_t b = 0x80; wide.size() < 33; ++b) wide.push_back({'\xE4', '\xB8', static_cast<char>(b)});
  EXPECT_FALSE(internal::KeywordPrefilter(wide, internal::KeywordPrefilter::kMaxSimdPrefixes).usable());
  wide.pop_back();
  EXPECT_TRUE(internal::KeywordPrefilter(wide, internal::KeywordPrefilter::kMaxSimdPrefixes).usable());
  EXPECT_FALSE(internal::KeywordPrefilter(wide).usable());
  wide.back() = "qq";
  EXPECT_FALSE(internal::KeywordPrefilter(wide, internal::KeywordPrefilter::kMaxSimdPrefixes).usable());
}

// Random text of pieces that hit and miss the prefixes, long enough for the
// 32-byte SIMD steps.
std::string RandomPieces(std::mt19937& rng, const std::vector<std::string>& pieces, int max_count) {
  std::string text;
  const int count = std::uniform_int_distribution<int>(0, max_count)(rng);
  for (int i = 0; i < count; ++i) text += pieces[std::uniform_int_distribution<size_t>(0, pieces.size() - 1)(rng)];
  return text;
}

// The first position in [lo, hi) where two leading bytes of a keyword occur
// (the last two bytes of a leading 3-byte character), ASCII case-folded
// (`lower`: the text in lower case).
size_t ReferenceFirstMaybe(const std::vector<std::string>& keywords, const std::string& lower, size_t lo, size_t hi) {
  for (size_t q = lo; q < hi; ++q) {
    for (const std::string& k : keywords) {
      const size_t off = static_cast<uint8_t>(k[0]) >= 0xE0 && k.size() >= 3 ? 1 : 0;
      if (q + off + 2 <= lower.size() && lower.compare(q + off, 2, k, off, 2) == 0) return q;
    }
  }
  return hi;
}

// With shared first bytes (the scanner's Han filter: label tails and Chinese
// numerals), the masks pass every position the exact filter passes, and few
// others.
TEST(KeywordPrefilterTest, SharedFirstBytesPassASuperset) {
  const std::vector<std::string> chars = {"为", "人", "到", "叫", "名", "址", "年", "往", "是", "纬", "经", "一",
                                          "幺", "二", "两", "三", "四", "五", "六", "七", "八", "九", "零", "〇"};
  const internal::KeywordPrefilter exact(chars, internal::KeywordPrefilter::kMaxSimdPrefixes);
  const internal::KeywordPrefilter shared(chars, internal::KeywordPrefilter::kMaxSimdPrefixes,
                                          /*share_first_byte=*/true);
  ASSERT_TRUE(exact.usable());
  ASSERT_TRUE(shared.usable());
  const std::vector<std::string> pieces = {"为", "人", "到", "叫", "名", "址", "年", "经", "一", "两", "〇", "零",
                                           "您好", "客服：", "请问", "下单", "不", "上", "个", "中", "2024", " ",
                                           "\xE4\xB8", "\xB8\x80", "，"};
  std::mt19937 rng(41);
  size_t extra = 0, passed = 0;
  for (int trial = 0; trial < 1500; ++trial) {
    const std::string text = RandomPieces(rng, pieces, 200);
    const auto* p = reinterpret_cast<const uint8_t*>(text.data());
    std::vector<uint32_t> a((text.size() + 31) / 32 + 1), b(a.size());
    exact.MayStartMasks(p, text.size(), 0, text.size(), a.data());
    shared.MayStartMasks(p, text.size(), 0, text.size(), b.data());
    for (size_t j = 0; j * 32 < text.size(); ++j) {
      ASSERT_EQ(a[j] & ~b[j], 0u) << trial << " block " << j;  // nothing the exact filter passes is missed
      extra += static_cast<size_t>(__builtin_popcount(b[j] & ~a[j]));
      passed += static_cast<size_t>(__builtin_popcount(a[j]));
    }
  }
  EXPECT_GT(passed, 1000u);
  EXPECT_LT(extra, passed);  // a superset, not every position
}

class KeywordPrefilterSets : public ::testing::TestWithParam<std::vector<std::string>> {};

// 20 prefixes (two eight-bit tables per offset), a smaller set (one table
// per offset), and 32 at one offset (four tables: the scanner's Han filter
// of label tails and Chinese numerals).
INSTANTIATE_TEST_SUITE_P(Sizes, KeywordPrefilterSets,
                         ::testing::Values(std::vector<std::string>{"出生日期", "生日", "诞辰", "dob", "birthday",
                                                                    "csrq", "qq", "扣扣", "企鹅", "微信", "wechat",
                                                                    "wx", "vx", "设备", "imei", "idfa", "oaid",
                                                                    "安卓", "手机", "号码"},
                                           std::vector<std::string>{"出生日期", "生日", "dob", "qq", "手机"},
                                           std::vector<std::string>{"为", "人", "到", "叫", "名", "址", "年", "往",
                                                                    "是", "纬", "经", "一", "幺", "二", "两", "三",
                                                                    "四", "五", "六", "七", "八", "九", "零", "〇",
                                                                    "的", "了", "在", "有", "我", "他", "这", "中"}));

TEST_P(KeywordPrefilterSets, FirstMaybeMasksAndCursorEqualAByteLoop) {
  const std::vector<std::string>& keywords = GetParam();
  internal::KeywordPrefilter filter(keywords, internal::KeywordPrefilter::kMaxSimdPrefixes);
  ASSERT_TRUE(filter.usable());
  const std::vector<std::string> pieces = {"出生", "生", "日", "诞", "QQ", "Qq", "扣", "企鹅", "微", "WeChat", "Wx",
                                           "设备", "IMEI", "id", "OAid", "安", "手机", "号", "2024", " ", "\n",
                                           "，", "您好", "客服：", "\xE7", "\x94\x9F", "b", "c", "叫", "一两",
                                           "年", "〇", "这中", "寄到"};
  std::mt19937 rng(11);
  for (int trial = 0; trial < 1500; ++trial) {
    // Now and then a text long enough for the cursor to refill its chunk of
    // masks many times over.
    const bool long_text = trial % 50 == 0;
    const std::string text = RandomPieces(rng, pieces, long_text ? 3000 : 60);
    const std::string lower = Lower(text);
    const auto* p = reinterpret_cast<const uint8_t*>(text.data());
    internal::KeywordPrefilter::Cursor cursor;
    size_t lo = 0;
    for (int r = 0; r < (long_text ? 400 : 12); ++r) {
      // Mostly ascending windows, now and then one that jumps back.
      if (std::uniform_int_distribution<int>(0, 5)(rng) == 0) {
        lo = std::uniform_int_distribution<size_t>(0, text.size())(rng);
      } else {
        lo = std::min(text.size(), lo + std::uniform_int_distribution<size_t>(0, 40)(rng));
      }
      const size_t hi = std::min(text.size(), lo + std::uniform_int_distribution<size_t>(0, 90)(rng));
      const size_t expected = ReferenceFirstMaybe(keywords, lower, lo, hi);
      ASSERT_EQ(filter.FirstMaybe(p, text.size(), lo, hi), expected) << trial << " [" << lo << "," << hi << ")";
      ASSERT_EQ(cursor.MayStartIn(filter, p, text.size(), lo, hi), expected < hi)
          << trial << " [" << lo << "," << hi << ")";
      // Every position, as masks.
      std::vector<uint32_t> masks((hi - lo + 31) / 32 + 1, 0xDEADBEEF);
      filter.MayStartMasks(p, text.size(), lo, hi, masks.data());
      for (size_t q = lo; q < hi; ++q) {
        const bool bit = (masks[(q - lo) / 32] >> ((q - lo) % 32)) & 1;
        ASSERT_EQ(bit, ReferenceFirstMaybe(keywords, lower, q, q + 1) == q) << trial << " at " << q;
      }
      if ((hi - lo) % 32 != 0) {
        ASSERT_EQ(masks[(hi - lo) / 32] >> ((hi - lo) % 32), 0u) << "bits past hi";
      }
    }
  }
}

// The byte loops the SIMD window boundaries replace (Scanner::Windows).
size_t ReferenceLastNumberByte(const uint8_t* p, size_t lo, size_t to) {
  for (size_t q = to; q > lo;) {
    --q;
    if ((p[q] >= '0' && p[q] <= '9') || p[q] == '*') return q;
    if (p[q] >= 0x90 && p[q] <= 0x99 && q >= 2 && p[q - 1] == 0xBC && p[q - 2] == 0xEF) return q;
  }
  return SIZE_MAX;
}

size_t ReferenceFirstWindowStop(const uint8_t* p, size_t n, size_t from, size_t to) {
  for (size_t q = from; q < to; ++q) {
    const uint8_t b = p[q];
    if ((b >= '0' && b <= '9') || b == '*' || b == '\n' || b == ',' || b == ';') return q;
    if (b == 0xEF && q + 2 < n && p[q + 1] == 0xBC) {
      const uint8_t c = p[q + 2];
      if ((c >= 0x90 && c <= 0x99) || c == 0x8C || c == 0x9B) return q;
    }
    if (b == 0xE3 && q + 2 < n && p[q + 1] == 0x80 && (p[q + 2] == 0x82 || p[q + 2] == 0x81)) return q;
  }
  return to;
}

// The numeral pass's probe table against NormAt itself, on every ASCII byte
// and every lead byte E0-EF with every pair of following bytes (continuation
// or not), at the end of the buffer and before more text.
// CharStart, unrolled, against the plain loop: every position of short
// strings of lead, continuation and ASCII bytes (runs of up to five
// continuation bytes, at the start too).
TEST(CharStartTest, EqualsAByteLoop) {
  auto reference = [](const uint8_t* p, size_t i) {
    for (size_t k = 0; k < 3 && i > 0 && (p[i] & 0xC0) == 0x80; ++k) --i;
    return i;
  };
  const uint8_t kinds[] = {'a', 0x80, 0xBF, 0xE4, 0xC3, 0xF0};
  std::vector<uint8_t> text(7);
  for (int code = 0; code < 279936; ++code) {  // 6^7
    for (size_t j = 0, c = static_cast<size_t>(code); j < text.size(); ++j, c /= 6) text[j] = kinds[c % 6];
    for (size_t i = 0; i < text.size(); ++i) {
      ASSERT_EQ(internal::CharStart(text.data(), i), reference(text.data(), i)) << code << " at " << i;
    }
  }
}

// NormAt's inline shortcuts (ASCII, full-width ASCII, Han characters) answer
// as NormAtGeneral does: every lead byte with every pair of next bytes, cut
// short or not, numerals on and off.
TEST(NormAtTest, InlinePartEqualsGeneral) {
  auto Same = [](const internal::NormChar& a, const internal::NormChar& b) {
    return a.kind == b.kind && a.c == b.c && a.len == b.len && a.numeral == b.numeral;
  };
  for (int b = 0; b < 256; ++b) {
    const bool multibyte = b >= 0xE0;
    for (int b1 = 0; b1 < (multibyte ? 256 : 1); ++b1) {
      for (int b2 = 0; b2 < (multibyte ? 256 : 1); ++b2) {
        const uint8_t buf[4] = {static_cast<uint8_t>(b), static_cast<uint8_t>(multibyte ? b1 : 0x80),
                                static_cast<uint8_t>(multibyte ? b2 : 0x80), ' '};
        for (size_t n = 1; n <= 4; ++n) {
          for (bool numerals : {false, true}) {
            ASSERT_TRUE(Same(internal::NormAt(buf, n, 0, numerals), internal::NormAtGeneral(buf, n, 0, numerals)))
                << b << " " << b1 << " " << b2 << " n=" << n << " numerals=" << numerals;
          }
        }
      }
    }
  }
}

// The numeral pass enters runs only at the characters IsChineseNumeral
// accepts, found by a filter built from ChineseNumerals(): both, and what
// NormAt (in general) reads as a numeral, must be exactly the spoken digits.
TEST(ChineseNumeralTest, EqualsNormAt) {
  // The spoken digits of pii-formats.md (一..九, 零 and 〇 for 0, 两 for 2,
  // 幺 for 1), written out here independently of the scanner's table.
  const std::vector<std::pair<std::string, char>> spec = {
      {"一", '1'}, {"幺", '1'}, {"二", '2'}, {"两", '2'}, {"三", '3'}, {"四", '4'}, {"五", '5'},
      {"六", '6'}, {"七", '7'}, {"八", '8'}, {"九", '9'}, {"零", '0'}, {"〇", '0'}};
  std::vector<std::string> from_norm;
  for (int b = 0xE0; b <= 0xEF; ++b) {
    for (int b1 = 0x80; b1 <= 0xBF; ++b1) {
      for (int b2 = 0x80; b2 <= 0xBF; ++b2) {
        const uint8_t buf[4] = {static_cast<uint8_t>(b), static_cast<uint8_t>(b1), static_cast<uint8_t>(b2), 'a'};
        const std::string ch(reinterpret_cast<const char*>(buf), 3);
        auto it = std::find_if(spec.begin(), spec.end(), [&](const auto& s) { return s.first == ch; });
        const char want = it == spec.end() ? 0 : it->second;
        const internal::NormChar c = internal::NormAtGeneral(buf, 4, 0, true);
        ASSERT_EQ(c.numeral, want != 0) << b << " " << b1 << " " << b2;
        if (want != 0) {
          ASSERT_EQ(c.c, want) << ch;
        }
        ASSERT_EQ(internal::IsChineseNumeral(buf, 4, 0), want != 0) << b << " " << b1 << " " << b2;
        ASSERT_FALSE(internal::IsChineseNumeral(buf, 2, 0));  // cut short
        if (want != 0) from_norm.push_back(ch);
      }
    }
  }
  std::vector<std::string> listed = internal::ChineseNumerals();
  std::sort(listed.begin(), listed.end());
  std::sort(from_norm.begin(), from_norm.end());
  EXPECT_EQ(listed, from_norm);
  EXPECT_EQ(listed.size(), spec.size());
  // A filter built from them is usable (else the numeral pass would try every position).
  EXPECT_TRUE(internal::KeywordPrefilter(internal::ChineseNumerals()).usable());
}

TEST(KeywordWindowTest, BoundariesEqualAByteLoop) {
  const std::vector<std::string> pieces = {"客服", "您好", "号码", "7", "０", "９", "\xEF\xBC", "\xBC\x95", "，",
                                           "；", "。", "、", "：", "\n", ",", ";", "a", "IMEI", " ", "\xE3\x80",
                                           "\x82", "\xEF", "*", "**"};
  std::mt19937 rng(12);
  for (int trial = 0; trial < 4000; ++trial) {
    const std::string text = RandomPieces(rng, pieces, 50);
    const auto* p = reinterpret_cast<const uint8_t*>(text.data());
    const size_t n = text.size();
    const size_t a = std::uniform_int_distribution<size_t>(0, n)(rng);
    const size_t b = std::uniform_int_distribution<size_t>(a, n)(rng);
    ASSERT_EQ(internal::LastNumberByte(p, a, b), ReferenceLastNumberByte(p, a, b)) << trial;
    ASSERT_EQ(internal::FirstWindowStop(p, n, a, b), ReferenceFirstWindowStop(p, n, a, b)) << trial;
  }
}

void ExpectSameFindings(const std::vector<Finding>& a, const std::vector<Finding>& b, const std::string& text) {
  ASSERT_EQ(a.size(), b.size()) << text;
  for (size_t i = 0; i < a.size(); ++i) {
    EXPECT_EQ(a[i].type, b[i].type) << text;
    EXPECT_EQ(a[i].begin, b[i].begin) << text;
    EXPECT_EQ(a[i].end, b[i].end) << text;
    EXPECT_EQ(a[i].normalized, b[i].normalized) << text;
    EXPECT_FLOAT_EQ(a[i].confidence, b[i].confidence) << text;
  }
}

// The fast path takes "YYYY-MM-DD hh:mm[:ss]" only when a space (or ']'/')'
// and spaces) and then a Chinese character follow; a tab instead of the
// space after the time sends the same text down the general path, at the
// same offsets.
// CanonicalTimestampEnd against a byte-by-byte parse of the same two forms,
// on strings over the characters timestamps are made of (so most nearly
// match), at every offset and buffer end.
TEST(CanonicalTimestampTest, EqualsAByteParse) {
  auto Reference = [](const std::string& s, size_t i) -> size_t {
    auto D = [&](size_t k) { return k < s.size() && s[k] >= '0' && s[k] <= '9'; };
    if (i + 16 >= s.size()) return 0;
    for (size_t k : {0, 1, 2, 3, 5, 6, 8, 9, 11, 12, 14, 15}) {
      if (!D(i + k)) return 0;
    }
    if (s[i + 4] != '-' || s[i + 7] != '-' || s[i + 10] != ' ' || s[i + 13] != ':' || D(i + 16)) return 0;
    if (s[i + 16] != ':') return i + 16;
    return D(i + 17) && D(i + 18) && !D(i + 19) ? i + 19 : 0;
  };
  std::mt19937 rng(23);
  const std::string alphabet = "0123456789-: ]x";
  const std::string canonical = "2024-02-15 17:18:00";
  int found = 0;
  for (int trial = 0; trial < 20000; ++trial) {
    std::string s = canonical.substr(0, 16 + rng() % 4) + std::string(rng() % 3, ' ');
    const int flips = static_cast<int>(rng() % 3);
    for (int f = 0; f < flips; ++f) s[rng() % s.size()] = alphabet[rng() % alphabet.size()];
    if (rng() % 2) s = alphabet.substr(rng() % alphabet.size(), 1) + s;
    for (size_t i = 0; i < s.size(); ++i) {
      const size_t got = internal::CanonicalTimestampEnd(reinterpret_cast<const uint8_t*>(s.data()), s.size(), i);
      ASSERT_EQ(got, Reference(s, i)) << s << " at " << i;
      found += got != 0;
    }
  }
  EXPECT_GT(found, 2000);
}

// The digit runs of the digits fast path (16 bytes at a time) against a
// byte loop, on strings over digits, separators, line breaks and stops, at
// every position.
TEST(DigitRunTest, EqualsAByteLoop) {
  std::mt19937 rng(29);
  const std::string alphabet = "0123456789 \t-\n\r\r:a\xE4";
  for (int trial = 0; trial < 3000; ++trial) {
    std::string s(rng() % 70, ' ');
    for (char& c : s) c = rng() % 4 == 0 ? alphabet[rng() % alphabet.size()] : static_cast<char>('0' + rng() % 10);
    const auto* p = reinterpret_cast<const uint8_t*>(s.data());
    for (size_t q = 0; q <= s.size(); ++q) {
      size_t d = q;
      while (d < s.size() && p[d] >= '0' && p[d] <= '9') ++d;
      ASSERT_EQ(internal::DigitRunEnd(p, s.size(), q), d) << trial << " " << q;
    }
  }
}

// The skip loop (64, then 16 bytes at a time) against a byte loop, from
// every position of random mixes of Chinese text, full-width punctuation and
// forms, ASCII and control bytes, of every length up to 200.
TEST(NextInterestingTest, EqualsAByteLoop) {
  auto FullWidth = [](uint8_t b1, uint8_t b2) {  // what the scanner looks at (text_scan.h)
    if (b1 == 0xBC) return (b2 >= 0x88 && b2 <= 0x9A && b2 != 0x8C) || (b2 >= 0xA0 && b2 <= 0xBA);
    if (b1 == 0xBD) return b2 >= 0x81 && b2 <= 0x9A;
    return b1 == 0xBB && b2 == 0xBF;
  };
  const std::vector<std::string> pieces = {"您好", "客服", "，", "：", "。", "１", "Ａ", "ｂ", "\xEF\xBB\xBF", "a", "7",
                                           " ", "\n", "\t", "\x01", "\xEF", "\xEF\xBC", "（", "＠", "[", "]", ":",
                                           "%", "_", "\"", "!", "\x7F"};
  std::mt19937 rng(31);
  for (int trial = 0; trial < 400; ++trial) {
    std::string s;
    const size_t len = rng() % 200;
    while (s.size() < len) {
      s += rng() % 3 == 0 ? pieces[rng() % pieces.size()] : "查询";
    }
    const auto* p = reinterpret_cast<const uint8_t*>(s.data());
    for (size_t i = 0; i <= s.size(); ++i) {
      size_t want = s.size();
      for (size_t k = i; k < s.size(); ++k) {
        const bool ascii_stop = p[k] < 0x80 && (std::isalnum(p[k]) || std::strchr("+(*_.-%:", p[k]) != nullptr) && p[k] != 0;
        if (ascii_stop || (p[k] == 0xEF && (k + 2 >= s.size() || FullWidth(p[k + 1], p[k + 2])))) {
          want = k;
          break;
        }
      }
      ASSERT_EQ(internal::NextInteresting(p, s.size(), i), want) << trial << " at " << i;
    }
  }
}

// Text before and after a timestamp in these tests: labels of a date of
// birth, numbers, and letters glued to the date ("出生日期A" makes its left
// boundary fail, a glue keyword such as "qq" lets it pass).
const std::vector<std::string> kBeforeTimestamp = {"", "[", "出生日期：", "生日 ", "DOB ", "有效期至", "订单", "abc", "1",
                                                   "x.", "13812345678 ", "QQ ", "A", "出生日期A", "生日qq", "出生日期：qq"};
const std::vector<std::string> kAfterTimestamp = {"客服", "出生", "您好，生日", "电话13812345678"};

const std::string& PickFrom(std::mt19937& rng, const std::vector<std::string>& v) {
  return v[std::uniform_int_distribution<size_t>(0, v.size() - 1)(rng)];
}

TEST(TimestampFastPathTest, SameFindingsAsGeneralPath) {
  absl::StatusOr<Detector> detector = Detector::Create({});
  ASSERT_TRUE(detector.ok()) << detector.status();
  std::mt19937 rng(11);
  int compared = 0;
  for (int trial = 0; trial < 4000; ++trial) {
    auto Num = [&](int lo, int hi, bool pad) {
      int v = std::uniform_int_distribution<int>(lo, hi)(rng);
      std::string s = std::to_string(v);
      return pad && s.size() < 2 ? "0" + s : s;
    };
    bool pad = std::uniform_int_distribution<int>(0, 3)(rng) != 0;
    std::string ts = Num(1900, 2099, false) + "-" + Num(0, 13, pad) + "-" + Num(0, 32, pad) + " " + Num(0, 23, pad) +
                     ":" + Num(0, 59, true);
    if (rng() % 2) ts += ":" + Num(0, 59, true);
    std::string closer = rng() % 3 == 0 ? "]" : "";
    const std::string& prefix = PickFrom(rng, kBeforeTimestamp);
    const std::string& suffix = PickFrom(rng, kAfterTimestamp);
    std::string fast = prefix + ts + closer + " " + suffix;
    std::string general = prefix + ts + closer + "\t" + suffix;
    absl::StatusOr<std::vector<Finding>> a = detector->Scan(fast);
    absl::StatusOr<std::vector<Finding>> b = detector->Scan(general);
    ASSERT_TRUE(a.ok() && b.ok());
    ExpectSameFindings(*a, *b, fast);
    compared += static_cast<int>(a->size());
  }
  EXPECT_GT(compared, 500);  // the comparison saw dates of birth, phones, ...
}

// A run of Chinese numerals, digits and separators is one run whatever
// character it is entered at and wherever it sits: the numeral pass enters
// at its first numeral, which may follow ASCII digits and a no-break space,
// an ideographic space or a line break (the probes it replaced skipped the
// digits of "3709\u00A0一两二…" when they landed in them, and found the IMEI
// only at some offsets).
TEST(NumeralRunTest, SameFindingsWhereverTheRunSits) {
  absl::StatusOr<Detector> detector = Detector::Create({});
  ASSERT_TRUE(detector.ok()) << detector.status();
  const std::vector<std::string> values = {
      "3709\u00A0一两二五三幺二二二五一",     // IMEI: digits, NBSP, numerals
      "五三八\u00A0841117018653",             // IMEI: numerals, NBSP, digits
      "０７５０\u00A0零六四二一六六九七三七",  // IMEI: full-width digits first
      "138\u3000幺二三四 五六七八",            // mobile: ideographic space
      "一三八 1234\n五六七八",                 // mobile broken by a line break
  };
  for (const std::string& value : values) {
    std::vector<Finding> first;
    for (size_t pad = 0; pad < 40; ++pad) {
      std::string prefix;
      for (size_t i = 0; i < pad; ++i) prefix += i % 3 == 0 ? "好" : "a";
      const std::string text = prefix + "，串号" + value + "。";
      absl::StatusOr<std::vector<Finding>> found = detector->Scan(text);
      ASSERT_TRUE(found.ok());
      ASSERT_EQ(found->size(), 1u) << value << " pad " << pad;
      Finding f = (*found)[0];
      f.begin -= prefix.size();
      f.end -= prefix.size();
      if (pad == 0) {
        first.push_back(f);
        EXPECT_EQ(text.substr(f.begin, f.end - f.begin), value);
        continue;
      }
      EXPECT_EQ(f.type, first[0].type) << value << " pad " << pad;
      EXPECT_EQ(f.begin, first[0].begin) << value << " pad " << pad;
      EXPECT_EQ(f.end, first[0].end) << value << " pad " << pad;
    }
  }
}

// Within one text, a date seen in an earlier timestamp is tried only
// against the patterns whose regex accepted it there (Scanner's timestamp
// memo). Lines of a chat repeat a few dates under different context and left
// boundaries; each must give what the general path gives.
TEST(TimestampFastPathTest, RepeatedDatesSameAsGeneralPath) {
  absl::StatusOr<Detector> detector = Detector::Create({});
  ASSERT_TRUE(detector.ok()) << detector.status();
  const std::vector<std::string> dates = {"1987-06-05", "2024-02-15", "1990-1-2", "2024-02-15"};
  std::mt19937 rng(17);
  int compared = 0;
  for (int trial = 0; trial < 60; ++trial) {
    std::string fast, general;
    for (int line = 0; line < 40; ++line) {
      const std::string& prefix = PickFrom(rng, kBeforeTimestamp);
      const std::string& date = PickFrom(rng, dates);
      const std::string& suffix = PickFrom(rng, kAfterTimestamp);
      const std::string time = rng() % 2 ? " 17:18:00" : " 9:05";
      const std::string closer = rng() % 3 == 0 ? "]" : "";
      fast += prefix + date + time + closer + " " + suffix + "\n";
      general += prefix + date + time + closer + "\t" + suffix + "\n";
    }
    absl::StatusOr<std::vector<Finding>> a = detector->Scan(fast);
    absl::StatusOr<std::vector<Finding>> b = detector->Scan(general);
    ASSERT_TRUE(a.ok() && b.ok());
    ExpectSameFindings(*a, *b, fast);
    compared += static_cast<int>(a->size());
  }
  EXPECT_GT(compared, 300);
}

// A run of ASCII digits followed directly by a Chinese character takes the
// fast path; a tab after the digits sends the same value down the general
// path at the same offsets.
TEST(DigitsOnlyFastPathTest, SameFindingsAsGeneralPath) {
  absl::StatusOr<Detector> detector = Detector::Create({});
  ASSERT_TRUE(detector.ok()) << detector.status();
  const std::vector<std::string> before = {"", "手机号", "电话：", "卡号", "银行卡号 ", "身份证", "QQ", "qq号", "订单号",
                                           "验证码", "出生", "x.", "1.", "IMEI", "A", "尾号", "营业执照", "开户许可证",
                                           "统一社会信用代码：", "组织机构代码", "出生于"};
  std::mt19937 rng(13);
  auto Digits = [&](int n) {
    std::string d;
    for (int i = 0; i < n; ++i) d.push_back(static_cast<char>('0' + rng() % 10));
    return d;
  };
  int compared = 0;
  for (int trial = 0; trial < 6000; ++trial) {
    std::string value;
    switch (rng() % 6) {
      case 0: value = "1" + std::string(1, "3456789"[rng() % 7]) + Digits(9); break;
      case 1: {
        std::string body = "110105" + std::to_string(1950 + rng() % 60) + "0" + std::to_string(1 + rng() % 9) + "1" +
                           std::to_string(rng() % 9) + Digits(3);
        value = body + internal::ResidentIdCheckChar(body);
        if (value.back() == 'X') value.back() = '0';
        break;
      }
      case 2: {
        std::string body = "622202" + Digits(12);
        for (char c = '0'; c <= '9'; ++c) {
          if (internal::LuhnValid(body + c)) {
            value = body + c;
            break;
          }
        }
        break;
      }
      case 3: value = std::to_string(1950 + rng() % 60); break;  // 1990年3月7日
      case 4: {
        // All-digit codes found as tokens: a USCC, an organisation code.
        for (int attempt = 0; attempt < 100 && value.empty(); ++attempt) {
          std::string org = Digits(8);
          org += internal::OrgCodeCheckChar(org);
          std::string body = "91110108" + org;
          std::string uscc = body + internal::UsccCheckChar(body);
          std::string pick = rng() % 2 ? uscc : org;
          if (pick.find_first_not_of("0123456789") == std::string::npos) value = pick;
        }
        break;
      }
      default: value = Digits(1 + static_cast<int>(rng() % 21)); break;
    }
    const std::string prefix = before[rng() % before.size()];
    // "，谢谢" and "，" at the end take the fast path with its comma; "，ok"
    // and "，１" do not (what follows the comma continues the segment).
    static const char* const kSuffixes[] = {"年3月7日", "，谢谢", "，", "，ok", "，１", "。"};
    const std::string suffix = kSuffixes[rng() % 6];
    const std::string fast = prefix + value + suffix;
    const std::string general = prefix + value + "\t" + suffix;
    absl::StatusOr<std::vector<Finding>> a = detector->Scan(fast);
    absl::StatusOr<std::vector<Finding>> b = detector->Scan(general);
    ASSERT_TRUE(a.ok() && b.ok());
    if (suffix[0] == '\xE5') {
      // "1990年3月7日" is one date only without the tab; compare the rest.
      std::erase_if(*a, [](const Finding& f) { return f.type == EntityType::kDateOfBirth; });
    }
    ExpectSameFindings(*a, *b, fast);
    compared += static_cast<int>(a->size());
  }
  EXPECT_GT(compared, 1000);
}

}  // namespace
}  // namespace piivault
