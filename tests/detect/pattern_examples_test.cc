// Walks every example in every built-in pattern file: `match` texts must yield
// a finding of the pattern's type, `no_match` texts must not.
#include <string>
#include <vector>

#include "detect/detector_test_util.h"
#include "detect/pattern_set.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "piivault/detector.h"

namespace piivault {
namespace {

using internal::PatternFile;

const Detector& SharedDetector() {
  return test::BuiltinDetector();
}

bool HasType(const std::vector<Finding>& found, EntityType type) {
  for (const Finding& f : found) {
    if (f.type == type) return true;
  }
  return false;
}

std::string Describe(const std::vector<Finding>& found) {
  std::string out;
  for (const Finding& f : found) {
    out += std::string(EntityTypeName(f.type)) + "[" + std::to_string(f.begin) + "," +
           std::to_string(f.end) + ") " + f.normalized + " " + std::to_string(f.confidence) + "; ";
  }
  return out;
}

TEST(PatternFiles, BuiltinsParse) {
  absl::StatusOr<std::vector<PatternFile>> files = internal::LoadBuiltinPatternFiles();
  ASSERT_TRUE(files.ok()) << files.status();
  EXPECT_GE(files->size(), 10u);
  size_t patterns = 0;
  for (const PatternFile& f : *files) patterns += f.patterns.size();
  EXPECT_GE(patterns, 30u);
}

TEST(PatternFiles, EveryExampleBehaves) {
  absl::StatusOr<std::vector<PatternFile>> files = internal::LoadBuiltinPatternFiles();
  ASSERT_TRUE(files.ok()) << files.status();
  size_t walked = 0;
  for (const PatternFile& f : *files) {
    for (const internal::Pattern& p : f.patterns) {
      EXPECT_FALSE(p.match_examples.empty()) << f.name << ": " << p.id << " has no match examples";
      EXPECT_FALSE(p.no_match_examples.empty()) << f.name << ": " << p.id << " has no no_match examples";
      for (const std::string& text : p.match_examples) {
        absl::StatusOr<std::vector<Finding>> found = SharedDetector().Scan(text);
        ASSERT_TRUE(found.ok());
        EXPECT_TRUE(HasType(*found, p.type))
            << f.name << ":" << p.line << " " << p.id << " should match: " << text << "  got: " << Describe(*found);
        ++walked;
      }
      for (const std::string& text : p.no_match_examples) {
        absl::StatusOr<std::vector<Finding>> found = SharedDetector().Scan(text);
        ASSERT_TRUE(found.ok());
        EXPECT_FALSE(HasType(*found, p.type))
            << f.name << ":" << p.line << " " << p.id << " should not match: " << text << "  got: " << Describe(*found);
        ++walked;
      }
    }
  }
  EXPECT_GT(walked, 200u);
}

}  // namespace
}  // namespace piivault
