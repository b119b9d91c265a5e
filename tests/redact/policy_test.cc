// Policy parsing: the shipped default, every section, and errors naming file:line.
#include <fstream>
#include <sstream>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "piivault/redactor.h"

namespace piivault {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;

TEST(Policy, DefaultIsTheShippedExampleFile) {
  std::ifstream in(std::string(PIIVAULT_SOURCE_DIR) + "/examples/redact-policy.toml", std::ios::binary);
  ASSERT_TRUE(in.good());
  std::stringstream ss;
  ss << in.rdbuf();
  EXPECT_EQ(ss.str(), RedactionPolicy::DefaultPolicyText());
  const RedactionPolicy& p = RedactionPolicy::Default();
  EXPECT_EQ(p.default_operator, RedactOperator::kMask);
  EXPECT_EQ(p.RuleFor(EntityType::kMasked).op, RedactOperator::kKeep);
  EXPECT_FLOAT_EQ(p.RuleFor(EntityType::kPersonName).min_confidence, 0.6f);
  EXPECT_EQ(p.RuleFor(EntityType::kCnMobile).op, RedactOperator::kMask);
  EXPECT_EQ(p.RuleFor(EntityType::kCustom).op, RedactOperator::kLabel);
}

TEST(Policy, ParsesEverySection) {
  absl::StatusOr<RedactionPolicy> p = RedactionPolicy::Parse(R"(
[types.CN_RESIDENT_ID]
operator = "token"
min_confidence = 0.8
[defaults]
operator = "label"
min_confidence = 0.7
label_style = "chinese"
numbered_labels = true
max_numbered_values = 7
[types.CN_MOBILE]
label = "<电话>"
[allow]
values = ["4008123123"]
[deny]
terms = ["天穹计划", "X-42"]
)", "p.toml");
  ASSERT_TRUE(p.ok()) << p.status();
  EXPECT_EQ(p->default_operator, RedactOperator::kLabel);
  EXPECT_EQ(p->label_style, LabelStyle::kChinese);
  EXPECT_TRUE(p->numbered_labels);
  EXPECT_EQ(p->max_numbered_values, 7u);
  EXPECT_EQ(p->RuleFor(EntityType::kCnResidentId).op, RedactOperator::kToken);
  EXPECT_FLOAT_EQ(p->RuleFor(EntityType::kCnResidentId).min_confidence, 0.8f);
  // Fields a rule does not set come from [defaults], wherever [defaults] is.
  EXPECT_EQ(p->RuleFor(EntityType::kCnMobile).op, RedactOperator::kLabel);
  EXPECT_FLOAT_EQ(p->RuleFor(EntityType::kCnMobile).min_confidence, 0.7f);
  EXPECT_EQ(p->RuleFor(EntityType::kCnMobile).label, "<电话>");
  EXPECT_EQ(p->RuleFor(EntityType::kEmail).op, RedactOperator::kLabel);
  EXPECT_EQ(p->allow_list, std::vector<std::string>{"4008123123"});
  EXPECT_EQ(p->deny_list.size(), 2u);
  EXPECT_FLOAT_EQ(p->LowestMinConfidence(), 0.7f);
}

struct BadCase {
  const char* text;
  int line;
  const char* message;
};

TEST(Policy, ErrorsNameFileAndLine) {
  const BadCase cases[] = {
      {"[defaults]\noperator = \"blur\"\n", 2, "unknown operator"},
      {"[defaults]\n\nmin_confidence = 1.5\n", 3, "between 0 and 1"},
      {"[types.NOT_A_TYPE]\noperator = \"mask\"\n", 1, "unknown entity type"},
      {"[types.CN_MOBILE]\nop = \"mask\"\n", 2, "unknown key"},
      {"[defaults]\noperator = \"mask\"\n[defaults\n", 3, ""},
      {"[allow]\nvalues = [1, 2]\n", 2, "only strings"},
      {"[deny]\nterms = [\"\"]\n", 2, "empty"},
      {"[extra]\nx = 1\n", 1, "unknown section"},
      {"[defaults]\nlabel_style = \"fancy\"\n", 2, "label_style"},
      {"[defaults]\nnumbered_labels = \"yes\"\n", 2, "numbered_labels"},
      {"[defaults]\nmax_numbered_values = 0\n", 2, "max_numbered_values"},
      {"[defaults]\n\nmax_numbered_values = \"many\"\n", 3, "max_numbered_values"},
      {"[types.CN_MOBILE]\nlabel = \"\"\n", 2, "label"},
  };
  for (const BadCase& c : cases) {
    absl::StatusOr<RedactionPolicy> p = RedactionPolicy::Parse(c.text, "bad.toml");
    ASSERT_FALSE(p.ok()) << c.text;
    EXPECT_EQ(p.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_THAT(std::string(p.status().message()),
                StartsWith("bad.toml:" + std::to_string(c.line) + ":"))
        << c.text;
    EXPECT_THAT(std::string(p.status().message()), HasSubstr(c.message)) << c.text;
  }
}

TEST(Policy, AllowAndDenyValuesAreNotQuotedInErrors) {
  absl::StatusOr<RedactionPolicy> p =
      RedactionPolicy::Parse("[allow]\nvalues = [\"13812345678\", 5]\n", "bad.toml");
  ASSERT_FALSE(p.ok());
  EXPECT_THAT(std::string(p.status().message()), ::testing::Not(HasSubstr("13812345678")));
}

TEST(Policy, LoadFileMissing) {
  EXPECT_EQ(RedactionPolicy::LoadFile("/nonexistent/policy.toml").status().code(),
            absl::StatusCode::kNotFound);
}

}  // namespace
}  // namespace piivault
