// An address after a label ends where the next address label begins (an
// anchor and a colon: "Addr:", "收货地址:", "地址："), and at an e-mail
// address's '@': the label is not part of it, and neither is the next
// label's value or the e-mail address. Otherwise the window (80 characters)
// runs into a value whose mask is shorter ("****", "a***@"), and a second
// redaction pass reads further (the JSON record fuzzer's masked_boundary_10
// and _12).
#include <string>
#include <vector>

#include "detect/detector_test_util.h"
#include "gtest/gtest.h"
#include "piivault/detector.h"

namespace piivault {
namespace {

std::vector<std::string> Addresses(const std::string& text) {
  absl::StatusOr<std::vector<Finding>> found = test::BuiltinDetector().Scan(text);
  EXPECT_TRUE(found.ok()) << found.status();
  std::vector<std::string> out;
  if (!found.ok()) return out;
  for (const Finding& f : *found) {
    if (f.type == EntityType::kAddress) out.push_back(text.substr(f.begin, f.end - f.begin));
  }
  return out;
}

TEST(AddressWindow, TwoLabelledAddressesAreTwoValues) {
  const std::string first = "浙江省杭州市西湖区文三路90号", second = "上海市浦东新区世纪大道100号";
  for (const std::string between : {"Addr:", " 收货地址:", "地址：", "地址:", " Address:"}) {
    const std::string text = "地址:" + first + between + second;
    EXPECT_EQ(Addresses(text), (std::vector<std::string>{first, second})) << text;
  }
}

// What the first label's value is cannot depend on what follows the next
// label (a second pass sees it masked, and shorter).
TEST(AddressWindow, ValueDoesNotDependOnTheNextLabelsValue) {
  for (const std::string after : {"****", "****新村", "0:11藏0100:]0客.户:0::4A津0100新村小区路", "浙江省杭州市西湖区文三路90号"}) {
    const std::string text = "Addr:11藏0客户:08180:]0客户:0::4Addr:" + after;
    for (const std::string& v : Addresses(text)) {
      EXPECT_NE(v.rfind("11藏0", 0), 0u) << text << " -> " << v;  // nothing from the first label
    }
  }
}

TEST(AddressWindow, EndsAtAnEmailAddress) {
  // Masked, the local part is shorter: the window must not reach past it.
  for (const std::string local : {"aaaaaaa110aaaaaaiaaa", "a***", "x"}) {
    const std::string text = "Addr:0" + local + "@example.com 新村小区3号楼";
    EXPECT_EQ(Addresses(text), std::vector<std::string>{}) << text;
  }
  // An '@' that is no e-mail address's (Chinese text on a side) ends nothing.
  EXPECT_EQ(Addresses("地址:浙江省杭州市西湖区文三路90号@张三"),
            std::vector<std::string>{"浙江省杭州市西湖区文三路90号@张三"});
  EXPECT_EQ(Addresses("地址:浙江省杭州市西湖区文三路90号a@b.cn"),
            std::vector<std::string>{"浙江省杭州市西湖区文三路90号a"});
}

}  // namespace
}  // namespace piivault
