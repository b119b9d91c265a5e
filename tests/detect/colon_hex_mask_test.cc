// A run of hex digits and colons glued to a masked character ('*') on
// either side is no IPv6 address: what the mask hid may have been part of
// it. Otherwise masking a neighbour (an address cut by its window in the
// middle of the run, "…a0::4:" -> "****") leaves "0:aa1::4:0:5:0:1924",
// which a second redaction pass would mask (the JSON record fuzzer's
// masked_boundary_8, _9 and _11).
#include <string>
#include <vector>

#include "detect/detector_test_util.h"
#include "gtest/gtest.h"
#include "piivault/detector.h"

namespace piivault {
namespace {

bool HasIpv6(const std::string& text) {
  absl::StatusOr<std::vector<Finding>> found = test::BuiltinDetector().Scan(text);
  EXPECT_TRUE(found.ok()) << found.status();
  if (!found.ok()) return false;
  for (const Finding& f : *found) {
    if (f.type == EntityType::kIpv6) return true;
  }
  return false;
}

TEST(ColonHexMask, RunGluedToAMaskIsNoAddress) {
  for (const std::string run : {"0:aa1::4:0:5:0:1924", "aa1::4:0:5:0:1924", ":aa1::4:0:5:0:1924", ":4:0::0:5:1",
                                "1111111110::4:0:50:11", "2001:db8::1"}) {
    EXPECT_FALSE(HasIpv6("前****" + run + " 后")) << run;
    EXPECT_FALSE(HasIpv6("前 " + run + "*")) << run;
  }
}

// A double colon right after a mask starts a run as after a word
// ("18:*::4:…", ScanCovering's test, keeps its IPv6 candidate). Nothing
// changes away from masks: a word or a label before the run.
TEST(ColonHexMask, WordsAndLabelsStillGlue) {
  EXPECT_TRUE(HasIpv6("IPv6:2001:db8::1"));
  EXPECT_TRUE(HasIpv6("ip 2001:db8::1"));
  EXPECT_TRUE(HasIpv6("x0:aa1::4:0:5:0:1924 后"));  // glued to a word: starts at the colon
  EXPECT_TRUE(HasIpv6("****x:2001:db8::1"));         // a word between the mask and the run
  EXPECT_TRUE(HasIpv6("18:*::4:0:5:1:1902 后"));
}

}  // namespace
}  // namespace piivault
