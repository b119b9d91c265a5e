// Pattern lists as sets (surnames, terminators, stop words) answer exactly as
// a scan of the list would: membership, and "text starts with an entry".
#include <random>
#include <string>
#include <vector>

#include "detect/pattern_set.h"
#include "gtest/gtest.h"

namespace piivault::internal {
namespace {

Pattern WithList(const std::vector<std::string>& items) {
  Pattern p;
  p.SetList("other", {"电话"});
  p.SetList("terminators", items);
  return p;
}

bool NaivePrefix(const std::vector<std::string>& items, const std::string& text) {
  for (const std::string& item : items) {
    if (text.compare(0, item.size(), item) == 0 && item.size() <= text.size()) return true;
  }
  return false;
}

TEST(PatternListsTest, PrefixAndMembershipEqualAScan) {
  const std::vector<std::string> pieces = {"电话", "的", "手机", "，", "先生", "女士", "a", "ab", "号", "\xE7", "\x94",
                                           "张", "欧阳", " "};
  std::mt19937 rng(31);
  auto Random = [&](int max_pieces) {
    std::string s;
    const int count = std::uniform_int_distribution<int>(0, max_pieces)(rng);
    for (int i = 0; i < count; ++i) s += pieces[std::uniform_int_distribution<size_t>(0, pieces.size() - 1)(rng)];
    return s;
  };
  for (int trial = 0; trial < 400; ++trial) {
    std::vector<std::string> items;
    const int count = std::uniform_int_distribution<int>(0, 6)(rng);
    for (int i = 0; i < count; ++i) {
      std::string item = Random(2);
      if (!item.empty() || trial % 50 == 0) items.push_back(item);  // now and then an empty entry
    }
    const Pattern p = WithList(items);
    for (int t = 0; t < 40; ++t) {
      const std::string text = Random(4);
      ASSERT_EQ(p.ListedPrefix("terminators", text), NaivePrefix(items, text)) << trial;
      ASSERT_EQ(p.InList("terminators", text), std::find(items.begin(), items.end(), text) != items.end()) << trial;
    }
    EXPECT_FALSE(p.ListedPrefix("no_such_list", "电话"));
  }
}

}  // namespace
}  // namespace piivault::internal
