// Where an IPv6 candidate starts in a run of hex digits and colons must not
// depend on what comes before a group of more than four hex digits (no
// address holds one): a word, a lone colon, a shorter group.
// Otherwise masking what came before (a '*' in place of a value that ended
// at the run) makes a second redaction pass find an address the first did
// not (the JSON record fuzzer's masked_boundary_8, _9 and _14).
#include <string>
#include <vector>

#include "detect/detector_test_util.h"
#include "gtest/gtest.h"
#include "piivault/detector.h"

namespace piivault {
namespace {

TEST(ColonHexStart, SameAfterAnOverlongGroupWhateverPrecedesIt) {
  const std::string tail = "::4:0:50:11";
  for (const std::string group : {"bbbbb3", "1111111111111111111110"}) {
    for (const std::string before : {"", " ", "x", "r:", "1:", "1110:", "abcd:12:", "新村r:"}) {
      const std::string text = before + group + tail;
      absl::StatusOr<std::vector<Finding>> found = test::BuiltinDetector().Scan(text);
      ASSERT_TRUE(found.ok()) << found.status();
      bool ipv6 = false;
      for (const Finding& f : *found) {
        if (f.type != EntityType::kIpv6) continue;
        EXPECT_EQ(text.substr(f.begin, f.end - f.begin), tail) << text;
        ipv6 = true;
      }
      EXPECT_TRUE(ipv6) << text;
    }
  }
}

// Hex digits or a lone colon right after a masked '*': the mask may have
// hidden a word (the run would start at its colon) or the run's first group,
// so the whole run goes, with any '*' in it (masked_boundary_17:
// "幢室4::5:1:1:0:5:1:1" masked to "****4::5:1:1:0:5:1:1"; _18: "300:5::1…"
// of an IMEI masked to "***:5::1…"; _19). So does "::" right after a mask
// (masked_boundary_43: "aav::4:0:5C0" was skipped, glued through "aav" to a
// '*' further back, and a second pass, where a mask had hidden "aav", took
// the run from "::"); after a word, "::" starts a run as before.
TEST(ColonHexStart, HexOrALoneColonRightAfterAMaskIsNoAddress) {
  for (const std::string run : {"4::5:1:1:0:5:1:1", "bbbbb3::4:0:50:11", "0:aa1::4:0:5:0:1924", "2001:db8::1",
                                ":5::1:0:d:A:8:0", ":bbbbb3::4:0:50:11", "1:11111111*******::4:0:5"}) {
    const std::string text = "前****" + run + " 后";
    absl::StatusOr<std::vector<Finding>> found = test::BuiltinDetector().Scan(text);
    ASSERT_TRUE(found.ok()) << found.status();
    for (const Finding& f : *found) EXPECT_NE(f.type, EntityType::kIpv6) << text;
  }
  for (const std::string text : {"18:*::4:0:5:1:1902 后", "前****::4:0:5C0 后"}) {
    absl::StatusOr<std::vector<Finding>> found = test::BuiltinDetector().Scan(text);
    ASSERT_TRUE(found.ok()) << found.status();
    for (const Finding& f : *found) EXPECT_NE(f.type, EntityType::kIpv6) << text;
  }
  const std::string text = "18:ab::4:0:5:1:1902 后";
  absl::StatusOr<std::vector<Finding>> found = test::BuiltinDetector().Scan(text);
  ASSERT_TRUE(found.ok()) << found.status();
  ASSERT_EQ(found->size(), 1u) << text;
  EXPECT_EQ((*found)[0].type, EntityType::kIpv6);
}

// The rule does not reach into a well-formed address.
TEST(ColonHexStart, WellFormedAddressesKeepTheirStart) {
  for (const std::string v : {"2001:db8::1", "fe80::1:2:3:4", "2001:0DB8:85a3:0000:0000:8a2e:0370:7334"}) {
    for (const std::string before : {"", "IPv6:", "ip "}) {
      const std::string text = before + v;
      absl::StatusOr<std::vector<Finding>> found = test::BuiltinDetector().Scan(text);
      ASSERT_TRUE(found.ok()) << found.status();
      ASSERT_EQ(found->size(), 1u) << text;
      EXPECT_EQ((*found)[0].type, EntityType::kIpv6) << text;
      EXPECT_EQ(text.substr((*found)[0].begin, (*found)[0].end - (*found)[0].begin), v) << text;
    }
  }
}

}  // namespace
}  // namespace piivault
