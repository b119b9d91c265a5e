// The keyword window before a value stops at the previous number, but not
// at a digit inside a word ("IMEI1:" is a label): a masked '*' there counts
// as the digit it hid. Otherwise masking a word with a digit in it (a plate
// "宁e1eeet" -> "宁e***et") moves the window's start, and a second
// redaction pass judges the value after it with other keywords (the JSON
// record fuzzer's masked_boundary_23).
#include <string>
#include <vector>

#include "detect/detector_test_util.h"
#include "gtest/gtest.h"
#include "piivault/detector.h"

namespace piivault {
namespace {

std::vector<EntityType> Types(const std::string& text, size_t from) {
  absl::StatusOr<std::vector<Finding>> found = test::BuiltinDetector().Scan(text);
  EXPECT_TRUE(found.ok()) << found.status();
  std::vector<EntityType> out;
  if (!found.ok()) return out;
  for (const Finding& f : *found) {
    if (f.begin >= from) out.push_back(f.type);
  }
  return out;
}

TEST(KeywordWindowMask, AMaskedDigitInAWordIsStillALabelsDigit) {
  const std::string value = "((469051949123100";
  for (const std::string label : {"身份证宁e1eeet", "身份证宁e***et", "身份证宁e*eeet"}) {
    const std::string text = label + value;
    EXPECT_EQ(Types(text, label.size()), Types("身份证宁e1eeet" + value, label.size())) << text;
  }
}

}  // namespace
}  // namespace piivault
