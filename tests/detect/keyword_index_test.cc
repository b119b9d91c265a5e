// KeywordIndex finds exactly the keyword occurrences a byte-by-byte search
// finds: every keyword lying wholly inside the window, starting at a
// character, ASCII letters in either case -- on valid and invalid UTF-8.
#include "detect/keyword_index.h"

#include <algorithm>
#include <random>
#include <string>
#include <vector>

#include "detect/pattern_set.h"
#include "gtest/gtest.h"

namespace piivault::internal {
namespace {

uint8_t Fold(uint8_t c) { return (c >= 'A' && c <= 'Z') ? static_cast<uint8_t>(c | 0x20) : c; }

std::vector<uint32_t> Reference(const std::vector<std::string>& keywords, const std::string& text, size_t lo,
                                size_t hi) {
  std::vector<uint32_t> ids;
  for (size_t q = lo; q < hi; ++q) {
    if ((static_cast<uint8_t>(text[q]) & 0xC0) == 0x80) continue;
    for (uint32_t id = 0; id < keywords.size(); ++id) {
      const std::string& w = keywords[id];
      if (q + w.size() > hi) continue;
      bool eq = true;
      for (size_t t = 0; t < w.size() && eq; ++t) {
        eq = Fold(static_cast<uint8_t>(text[q + t])) == static_cast<uint8_t>(w[t]);
      }
      if (eq) ids.push_back(id);
    }
  }
  std::sort(ids.begin(), ids.end());
  return ids;
}

// Texts made of random `pieces`, random windows: FindIn finds what a byte
// search (Reference) finds.
void ExpectFindsWhatAByteSearchFinds(const KeywordIndex& index, const std::vector<std::string>& keywords,
                                     const std::vector<std::string>& pieces, uint32_t seed) {
  std::mt19937 rng(seed);
  for (int trial = 0; trial < 5000; ++trial) {
    std::string text;
    const int count = std::uniform_int_distribution<int>(0, 25)(rng);
    for (int i = 0; i < count; ++i) text += pieces[std::uniform_int_distribution<size_t>(0, pieces.size() - 1)(rng)];
    const size_t lo = std::uniform_int_distribution<size_t>(0, text.size())(rng);
    const size_t hi = std::uniform_int_distribution<size_t>(lo, text.size())(rng);
    std::vector<uint32_t> found;
    index.FindIn(reinterpret_cast<const uint8_t*>(text.data()), lo, hi, &found);
    std::sort(found.begin(), found.end());
    ASSERT_EQ(found, Reference(keywords, text, lo, hi)) << trial << " [" << lo << "," << hi << ")";
  }
}

TEST(KeywordIndexTest, FindsWhatAByteSearchFinds) {
  const std::vector<std::string> keywords = {"手机",  "手机号", "号码", "电话",   "元", "¥",   "qq",     "tel",
                                             "phone", "imei",   "卡号", "身份证", "dob", "号",  "😀号",   "a\xE6",
                                             "\xE6\x89\x8B\xE6", "出生日期",
                                             "serialnumber", "统一社会信用代码", "统一社会", "sn码", "电x", "卡号z",
                                             "\xC2\xA5\xE6", "号\xE6q"};
  const KeywordIndex index(keywords);
  ASSERT_EQ(index.size(), keywords.size());
  ASSERT_FALSE(index.uses_automaton());  // malformed keywords: the character walk
  const std::vector<std::string> pieces = {"手机", "手", "电", "号", "码", "电话", "元", "¥", "QQ", "Tel", "PHONE", "iMei", "卡",
                                           "身份证", "DoB", "😀", "a", "\xE6", "\x89", "\x8B", "出生日期", "您好",
                                           "：", "1", " ", "\n", "，",
                                           "SerialNumber", "serialNUMBER", "统一社会信用代码", "统一社会", "SN码", "Z", "@",
                                           "X", "¥", "\xE6Q", "q"};
  ExpectFindsWhatAByteSearchFinds(index, keywords, pieces, 21);
}

// Well-formed keywords: FindIn runs the automaton (the test above, with
// malformed ones, runs the character walk). Keywords inside others, ending
// others ("号码" in "手机号码"), sharing their beginnings, in either case;
// windows cut characters at both ends.
TEST(KeywordIndexTest, AutomatonFindsWhatAByteSearchFinds) {
  const std::vector<std::string> keywords = {"手机",   "手机号", "手机号码", "号码",    "机号", "电话",  "元", "¥",
                                             "￥",     "qq",     "qq号",     "tel",     "phone", "imei", "卡号", "身份证",
                                             "证号",   "dob",    "😀号",     "出生日期", "日期",  "serialnumber",
                                             "统一社会信用代码", "统一社会", "社会信用代码", "sn码", "电x", "卡号z", "a1",
                                             "11", "号 码", "\n号"};
  const KeywordIndex index(keywords);
  ASSERT_TRUE(index.uses_automaton());
  const std::vector<std::string> pieces = {"手机", "手", "机", "电", "号", "码", "电话", "元", "¥", "￥", "QQ", "qQ", "Tel",
                                           "PHONE", "iMei", "卡", "身份", "证", "DoB", "😀", "a", "A", "1", "\xE6", "\x89",
                                           "\x8B", "\xF0", "出生日期", "日期", "您好", "：", " ", "\n", "，",
                                           "SerialNumber", "serialNUMBER", "统一社会信用代码", "统一社会", "社会", "SN码",
                                           "Z", "@", "X", "q", "x"};
  ExpectFindsWhatAByteSearchFinds(index, keywords, pieces, 22);
}

// A keyword that is not well-formed UTF-8 (a character cut short) leaves
// the index on the character walk.
TEST(KeywordIndexTest, MalformedKeywordKeepsTheWalk) {
  EXPECT_TRUE(KeywordIndex({"手机", "qq"}).uses_automaton());
  EXPECT_FALSE(KeywordIndex({"手机", "\xE6\x89"}).uses_automaton());
  EXPECT_FALSE(KeywordIndex({"手机", "\x89q"}).uses_automaton());
}

// The built-in keywords: the automaton and the character walk find the same
// occurrences in text made of those keywords (either case, cut short, with
// a stray byte), common characters, digits, '*' and punctuation.
TEST(KeywordIndexTest, BuiltinKeywordsAutomatonMatchesTheWalk) {
  absl::StatusOr<std::vector<PatternFile>> files = LoadBuiltinPatternFiles();
  ASSERT_TRUE(files.ok()) << files.status();
  std::vector<std::string> keywords;
  for (const PatternFile& f : *files) {
    for (const Pattern& p : f.patterns) {
      for (const std::vector<Keyword>* list : {&p.positive, &p.negative, &p.negative_after}) {
        for (const Keyword& k : *list) {
          if (std::find(keywords.begin(), keywords.end(), k.text) == keywords.end()) keywords.push_back(k.text);
        }
      }
    }
  }
  ASSERT_GT(keywords.size(), 100u);
  const KeywordIndex automaton(keywords), walk(keywords, /*automaton=*/false);
  ASSERT_TRUE(automaton.uses_automaton());
  ASSERT_FALSE(walk.uses_automaton());
  std::vector<std::string> pieces = {"的", "是", "我", "您好", "，", "。", "：", ":", " ", "\n", "1", "38", "*", "**",
                                     "-", "@", "#", "\xE6", "\x89", "A", "z"};
  for (const std::string& k : keywords) {
    pieces.push_back(k);
    std::string upper = k;
    for (char& c : upper) c = (c >= 'a' && c <= 'z') ? static_cast<char>(c - 32) : c;
    pieces.push_back(upper);
    pieces.push_back(k.substr(0, k.size() - 1));  // cut short (mid-character for most)
    pieces.push_back(k.substr(0, (static_cast<uint8_t>(k[0]) >= 0xE0 && k.size() > 3) ? 3 : 1));
  }
  std::mt19937 rng(23);
  for (int trial = 0; trial < 4000; ++trial) {
    std::string text;
    const int count = std::uniform_int_distribution<int>(0, 30)(rng);
    for (int i = 0; i < count; ++i) text += pieces[std::uniform_int_distribution<size_t>(0, pieces.size() - 1)(rng)];
    const size_t lo = std::uniform_int_distribution<size_t>(0, text.size())(rng);
    const size_t hi = std::uniform_int_distribution<size_t>(lo, text.size())(rng);
    const auto* p = reinterpret_cast<const uint8_t*>(text.data());
    std::vector<uint32_t> a, w;
    automaton.FindIn(p, lo, hi, &a);
    walk.FindIn(p, lo, hi, &w);
    std::sort(a.begin(), a.end());
    std::sort(w.begin(), w.end());
    ASSERT_EQ(a, w) << trial << " [" << lo << "," << hi << ")";
  }
}

// A keyword set whose table would pass kMaxTableEntries keeps the walk,
// and finds what it should.
TEST(KeywordIndexTest, HugeKeywordSetKeepsTheWalk) {
  std::mt19937 rng(24);
  std::vector<std::string> keywords;
  for (int i = 0; i < 4000; ++i) {
    std::string k;
    for (int c = 0; c < 3; ++c) {
      const uint32_t cp = std::uniform_int_distribution<uint32_t>(0x4E00, 0x9FFF)(rng);
      k += static_cast<char>(0xE0 | (cp >> 12));
      k += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
      k += static_cast<char>(0x80 | (cp & 0x3F));
    }
    keywords.push_back(k);
  }
  const KeywordIndex index(keywords);
  EXPECT_FALSE(index.uses_automaton());
  const std::string text = "您好" + keywords[123] + "，" + keywords[3999];
  std::vector<uint32_t> found;
  index.FindIn(reinterpret_cast<const uint8_t*>(text.data()), 0, text.size(), &found);
  std::sort(found.begin(), found.end());
  EXPECT_EQ(found, Reference(keywords, text, 0, text.size()));
  EXPECT_GE(found.size(), 2u);
}

TEST(KeywordIndexTest, EmptyIndexFindsNothing) {
  const KeywordIndex index(std::vector<std::string>{});
  std::vector<uint32_t> found;
  const std::string text = "手机号13800138000";
  index.FindIn(reinterpret_cast<const uint8_t*>(text.data()), 0, text.size(), &found);
  EXPECT_TRUE(found.empty());
}

}  // namespace
}  // namespace piivault::internal
