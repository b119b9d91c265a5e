// The scanner's shortcuts must not change what it finds:
// - KeywordPrefilter never says "no keyword here" when one starts there;
// - the timestamp fast path (Scanner::Timestamp) finds exactly what the
//   general path finds for the same text.
#include <random>
#include <string>
#include <vector>

#include "detect/keyword_prefilter.h"
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
}

// The fast path takes "YYYY-MM-DD hh:mm[:ss]" only when a space (or ']'/')'
// and spaces) and then a Chinese character follow; a tab instead of the
// space after the time sends the same text down the general path, at the
// same offsets.
TEST(TimestampFastPathTest, SameFindingsAsGeneralPath) {
  absl::StatusOr<Detector> detector = Detector::Create({});
  ASSERT_TRUE(detector.ok()) << detector.status();
  const std::vector<std::string> before = {"", "[", "出生日期：", "生日 ", "DOB ", "有效期至", "订单", "abc", "1", "x.",
                                           "13812345678 ", "QQ ", "A"};
  const std::vector<std::string> after = {"客服", "出生", "您好，生日", "电话13812345678"};
  std::mt19937 rng(11);
  int compared = 0;
  for (int trial = 0; trial < 4000; ++trial) {
    auto Pick = [&](const std::vector<std::string>& v) { return v[std::uniform_int_distribution<size_t>(0, v.size() - 1)(rng)]; };
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
    std::string prefix = Pick(before);
    std::string suffix = Pick(after);
    std::string fast = prefix + ts + closer + " " + suffix;
    std::string general = prefix + ts + closer + "\t" + suffix;
    absl::StatusOr<std::vector<Finding>> a = detector->Scan(fast);
    absl::StatusOr<std::vector<Finding>> b = detector->Scan(general);
    ASSERT_TRUE(a.ok() && b.ok());
    ASSERT_EQ(a->size(), b->size()) << fast;
    for (size_t i = 0; i < a->size(); ++i) {
      EXPECT_EQ((*a)[i].type, (*b)[i].type) << fast;
      EXPECT_EQ((*a)[i].begin, (*b)[i].begin) << fast;
      EXPECT_EQ((*a)[i].end, (*b)[i].end) << fast;
      EXPECT_EQ((*a)[i].normalized, (*b)[i].normalized) << fast;
      EXPECT_FLOAT_EQ((*a)[i].confidence, (*b)[i].confidence) << fast;
    }
    compared += static_cast<int>(a->size());
  }
  EXPECT_GT(compared, 500);  // the comparison saw dates of birth, phones, ...
}

}  // namespace
}  // namespace piivault
