// An address after a label ends where the next address label begins (an
// anchor and a colon: "Addr:", "收货地址:", "地址："), and at an e-mail
// address's '@': the label is not part of it, and neither is the next
// label's value or the e-mail address. Otherwise the window (80 characters)
// runs into a value whose mask is shorter ("****", "a***@"), and a second
// redaction pass reads further (the JSON record fuzzer's masked_boundary_10,
// _12, _13 and _15).
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

// The redactor's mask of an address keeps its divisions and hides the rest
// behind "****": a label's value that is such a mask ends with it (as one
// that is all mask yields nothing), or a value cut by the window, once
// masked, would let a second pass read further (masked_boundary_13).
TEST(AddressWindow, EndsWithTheAddressMask) {
  for (const std::string after : {"", "路88号3楼", ":4:0::0:5:1(191(1902-4411", "新村5幢"}) {
    const std::string text = "地址:北京市朝阳区****" + after;
    EXPECT_EQ(Addresses(text), std::vector<std::string>{"北京市朝阳区****"}) << text;
  }
  // A fifth '*' is not the mask's (masked_boundary_16).
  EXPECT_EQ(Addresses("地址:北京市朝阳区*****::3"), std::vector<std::string>{"北京市朝阳区****"});
  // Fewer stars, or stars after a street, are no mask of ours: read on.
  EXPECT_EQ(Addresses("地址:北京市朝阳区**路88号3楼"), std::vector<std::string>{"北京市朝阳区**路88号3楼"});
  EXPECT_EQ(Addresses("地址:北京市朝阳区建国路****号3楼"),
            std::vector<std::string>{"北京市朝阳区建国路****号3楼"});
}

// Nor does it run into what may be an IPv6 address (hex digits, colons and
// masked '*' with "::" or five colons): masked, that is shorter
// (masked_boundary_15). Times and ratios are no such run.
TEST(AddressWindow, EndsBeforeAnIpv6Run) {
  for (const std::string run : {"18aa1::4:0:5:0:1912", "18aa1::4:0:*:*:*", "1:2:3:4:5:6", "::1"}) {
    const std::string text = "地址:浙江省杭州市西湖区文三路90号" + run + "小区3幢";
    EXPECT_EQ(Addresses(text), std::vector<std::string>{"浙江省杭州市西湖区文三路90号"}) << text;
  }
  EXPECT_EQ(Addresses("地址:浙江省杭州市西湖区文三路90号10:30到"),
            std::vector<std::string>{"浙江省杭州市西湖区文三路90号10:30到"});
}

// A window (80 characters) that runs out inside a run of ASCII does not cut
// it: the value ends before the run. Masked, a value cut inside
// "a0::4:0:aa1::5:0:1" left "::5:0:1", an address on its own.
TEST(AddressWindow, RunningOutDoesNotCutARun) {
  const std::string label = "地址:浙江省杭州市西湖区文三路90号";
  for (size_t pad = 50; pad < 80; ++pad) {
    const std::string text = label + std::string(pad, 'x') + "我 a0::4:0:aa1::5:0:1 后";
    const std::vector<std::string> found = Addresses(text);
    ASSERT_EQ(found.size(), 1u) << text;
    const std::string& v = found[0];
    // Either the whole run or none of it.
    if (v.find("a0::") != std::string::npos) {
      EXPECT_NE(v.find("a0::4:0:aa1::5:0:1"), std::string::npos) << v;
    } else {
      EXPECT_EQ(v.find("a0"), std::string::npos) << v;
    }
    EXPECT_TRUE(v.back() != ':' && v.back() != '0') << v;
  }
}

}  // namespace
}  // namespace piivault
