// Tests of the C ABI (include/piivault/piivault.h): every entry point, its
// error paths (NULL pointers, bad options, bad policies, wrong vault key, call
// order), the exception firewall, and differential checks against the C++ API
// the C ABI wraps (same findings, same redacted bytes, same scrubbed image).
#include "piivault/piivault.h"

#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstddef>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <new>
#include <sstream>
#include <stdexcept>
#include <thread>
#include <string>
#include <string_view>
#include <vector>

#include "capi/internal.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "piivault/detector.h"
#include "piivault/image.h"
#include "piivault/redactor.h"
#include "piivault/vault.h"

namespace {

using ::testing::HasSubstr;
using ::testing::Not;

constexpr char kText[] = "客户手机号13812345678，身份证11010519491231002X";

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string Transcript() { return ReadFile(PIIVAULT_SOURCE_DIR "/examples/transcript.txt"); }

std::string LastError() { return piivault_last_error(); }

class TempDir {
 public:
  TempDir() {
    const char* base = std::getenv("TMPDIR");
    std::string tmpl = std::string(base ? base : "/tmp") + "/piivault-capi-XXXXXX";
    if (char* p = mkdtemp(tmpl.data()); p != nullptr) path_ = p;
  }
  ~TempDir() {
    std::error_code ec;
    if (!path_.empty()) std::filesystem::remove_all(path_, ec);
  }
  std::string Sub(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

// Owning wrappers so a failed ASSERT does not leak under LeakSanitizer.
struct DetectorPtr {
  piivault_detector* p = nullptr;
  ~DetectorPtr() { piivault_detector_free(p); }
};
struct RedactorPtr {
  piivault_redactor* p = nullptr;
  ~RedactorPtr() { piivault_redactor_free(p); }
};
struct RedactorOptionsPtr {
  piivault_redactor_options* p = nullptr;
  ~RedactorOptionsPtr() { piivault_redactor_options_free(p); }
};
struct DetectorOptionsPtr {
  piivault_detector_options* p = nullptr;
  ~DetectorOptionsPtr() { piivault_detector_options_free(p); }
};
struct StreamPtr {
  piivault_redact_stream* p = nullptr;
  ~StreamPtr() { piivault_redact_stream_free(p); }
};
struct VaultPtr {
  piivault_vault* p = nullptr;
  ~VaultPtr() { piivault_vault_close(p); }
};
struct Buffer {
  char* p = nullptr;
  size_t len = 0;
  ~Buffer() { piivault_buffer_free(p); }
  std::string str() const { return std::string(p, len); }
};

// ---- Version, codes, errors ------------------------------------------------

TEST(CApiVersion, LibraryMatchesHeader) {
  EXPECT_STREQ(piivault_version(), PIIVAULT_VERSION_STRING);
  EXPECT_EQ(piivault_version_number(), PIIVAULT_VERSION_NUMBER);
  EXPECT_EQ(piivault_abi_version(), PIIVAULT_ABI_VERSION);
  EXPECT_EQ(PIIVAULT_VERSION_NUMBER, PIIVAULT_VERSION_MAJOR * 10000 +
                                         PIIVAULT_VERSION_MINOR * 100 + PIIVAULT_VERSION_PATCH);
}

// The structs' layouts are frozen (piivault.h): FFI bindings hard-code them.
// These are the LP64 (x86-64, AArch64 Linux) values; a change here is an ABI
// break and needs a _v2 struct instead.
TEST(CApiAbi, StructLayoutsAreFrozen) {
  static_assert(sizeof(void*) == 8 && sizeof(size_t) == 8, "LP64 layouts below");
  EXPECT_EQ(sizeof(piivault_finding), 64u);
  EXPECT_EQ(offsetof(piivault_finding, begin), 8u);
  EXPECT_EQ(offsetof(piivault_finding, end), 16u);
  EXPECT_EQ(offsetof(piivault_finding, confidence), 24u);
  EXPECT_EQ(offsetof(piivault_finding, normalized), 32u);
  EXPECT_EQ(offsetof(piivault_finding, normalized_len), 40u);
  EXPECT_EQ(offsetof(piivault_finding, validated_by), 48u);
  EXPECT_EQ(offsetof(piivault_finding, masked_as), 56u);
  EXPECT_EQ(sizeof(piivault_redaction_report), 72u);
  EXPECT_EQ(offsetof(piivault_redaction_report, by_operator), 24u);
  // v2 = v1's fields at v1's offsets, then the new ones.
  EXPECT_EQ(sizeof(piivault_redaction_report_v2), 80u);
  EXPECT_EQ(offsetof(piivault_redaction_report_v2, below_threshold), 8u);
  EXPECT_EQ(offsetof(piivault_redaction_report_v2, allow_listed), 16u);
  EXPECT_EQ(offsetof(piivault_redaction_report_v2, by_operator), 24u);
  EXPECT_EQ(offsetof(piivault_redaction_report_v2, numbering_capped), 72u);
  EXPECT_EQ(sizeof(piivault_detokenized), 56u);
  EXPECT_EQ(offsetof(piivault_detokenized, message), 8u);
  EXPECT_EQ(offsetof(piivault_detokenized, value), 32u);
  EXPECT_EQ(offsetof(piivault_detokenized, value_len), 40u);
  EXPECT_EQ(offsetof(piivault_detokenized, rule), 48u);
  EXPECT_EQ(sizeof(piivault_restore_report), 24u);
  EXPECT_EQ(sizeof(piivault_image_item), 40u);
  EXPECT_EQ(sizeof(piivault_image_finding), 32u);
  EXPECT_EQ(offsetof(piivault_image_finding, confidence), 16u);
  EXPECT_EQ(sizeof(piivault_image_report), 40u);
  EXPECT_EQ(PIIVAULT_SCRUB_REDACT_TEXT, 4u);
  // The numbers FFI bindings copy.
  EXPECT_EQ(PIIVAULT_OPERATOR_COUNT, 6);
  EXPECT_EQ(PIIVAULT_SCRUB_KEEP_COPYRIGHT, 1u);
  EXPECT_EQ(PIIVAULT_SCRUB_KEEP_CAPTURE_SETTINGS, 2u);
  EXPECT_EQ(PIIVAULT_VAULT_IGNORE_ENV, 1u);
  EXPECT_EQ(PIIVAULT_RESTORE_JSON, 1u);
}

TEST(CApiStatus, NamesMatchAbslCodes) {
  for (int code = 0; code <= 16; ++code) {
    std::string expected =
        absl::StatusCodeToString(static_cast<absl::StatusCode>(code));
    // absl spells them "INVALID_ARGUMENT" etc.
    EXPECT_EQ(piivault_status_name(code), expected) << code;
  }
  EXPECT_STREQ(piivault_status_name(-1), "UNKNOWN_CODE");
  EXPECT_STREQ(piivault_status_name(17), "UNKNOWN_CODE");
}

TEST(CApiStatus, LastErrorIsResetBySuccessAndIsPerThread) {
  DetectorOptionsPtr options;
  ASSERT_EQ(piivault_detector_options_create(&options.p), PIIVAULT_OK);
  EXPECT_EQ(piivault_detector_options_set_min_confidence(options.p, 2.0f),
            PIIVAULT_INVALID_ARGUMENT);
  EXPECT_THAT(LastError(), HasSubstr("min_confidence"));
  std::string other_thread;
  std::thread([&] { other_thread = piivault_last_error(); }).join();
  EXPECT_EQ(other_thread, "");
  EXPECT_EQ(piivault_detector_options_set_min_confidence(options.p, 0.7f), PIIVAULT_OK);
  EXPECT_EQ(LastError(), "");
}

TEST(CApiGuard, ExceptionsBecomeStatusCodes) {
  using piivault::capi::Guard;
  EXPECT_EQ(Guard([]() -> absl::Status { throw std::bad_alloc(); }),
            PIIVAULT_RESOURCE_EXHAUSTED);
  EXPECT_THAT(LastError(), HasSubstr("out of memory"));
  EXPECT_EQ(Guard([]() -> absl::Status { throw std::runtime_error("13812345678"); }),
            PIIVAULT_INTERNAL);
  // what() is never reported: it could quote data.
  EXPECT_THAT(LastError(), Not(HasSubstr("13812345678")));
  EXPECT_EQ(Guard([]() -> absl::Status { throw 42; }), PIIVAULT_INTERNAL);
  EXPECT_EQ(Guard([]() -> absl::Status { return absl::DataLossError("x"); }),
            PIIVAULT_DATA_LOSS);
  EXPECT_EQ(LastError(), "x");
  EXPECT_EQ(Guard([]() -> absl::Status { return absl::OkStatus(); }), PIIVAULT_OK);
  EXPECT_EQ(LastError(), "");
}

TEST(CApiGuard, LongMessagesAreCutOnACharacterBoundary) {
  std::string message;
  while (message.size() < 3000) message += "错误";
  EXPECT_EQ(piivault::capi::SetLastError(absl::InternalError(message)), PIIVAULT_INTERNAL);
  std::string got = LastError();
  EXPECT_LT(got.size(), 1024u);
  EXPECT_GT(got.size(), 1000u);
  EXPECT_EQ(got.size() % 3, 0u);  // whole 3-byte characters only
  EXPECT_EQ(message.compare(0, got.size(), got), 0);
}

TEST(CApiBuffers, FreeFunctionsAcceptNull) {
  piivault_buffer_free(nullptr);
  piivault_findings_free(nullptr);
  piivault_tokens_free(nullptr);
  piivault_detokenized_free(nullptr);
  piivault_detector_free(nullptr);
  piivault_detector_options_free(nullptr);
  piivault_redactor_free(nullptr);
  piivault_redactor_options_free(nullptr);
  piivault_redact_stream_free(nullptr);
  piivault_vault_close(nullptr);
}

TEST(CApiBuffers, BlockWriterLaysOutHeadThenStrings) {
  piivault::capi::BlockWriter block(2 * sizeof(const char*));
  block.Reserve("ab");
  block.Reserve("");
  ASSERT_TRUE(block.Allocate());
  auto* head = static_cast<const char**>(block.head());
  EXPECT_EQ(head[0], nullptr);  // zeroed
  head[0] = block.Copy("ab");
  head[1] = block.Copy("");
  EXPECT_STREQ(head[0], "ab");
  EXPECT_STREQ(head[1], "");
  EXPECT_EQ(head[1], head[0] + 3);
  piivault::capi::FreeBlock(block.Release());
}

// ---- Detector --------------------------------------------------------------

TEST(CApiDetector, OptionsRejectNullAndBadValues) {
  EXPECT_EQ(piivault_detector_options_create(nullptr), PIIVAULT_INVALID_ARGUMENT);
  EXPECT_THAT(LastError(), HasSubstr("out is NULL"));
  EXPECT_EQ(piivault_detector_options_set_builtin_patterns(nullptr, 1),
            PIIVAULT_INVALID_ARGUMENT);
  EXPECT_EQ(piivault_detector_options_add_pattern_file(nullptr, "x"), PIIVAULT_INVALID_ARGUMENT);
  EXPECT_EQ(piivault_detector_options_add_type(nullptr, "EMAIL"), PIIVAULT_INVALID_ARGUMENT);
  EXPECT_EQ(piivault_detector_options_set_min_confidence(nullptr, 0.5f),
            PIIVAULT_INVALID_ARGUMENT);
  EXPECT_EQ(piivault_detector_options_set_max_input_bytes(nullptr, 1), PIIVAULT_INVALID_ARGUMENT);

  DetectorOptionsPtr options;
  ASSERT_EQ(piivault_detector_options_create(&options.p), PIIVAULT_OK);
  EXPECT_EQ(piivault_detector_options_add_pattern_file(options.p, nullptr),
            PIIVAULT_INVALID_ARGUMENT);
  EXPECT_EQ(piivault_detector_options_add_type(options.p, nullptr), PIIVAULT_INVALID_ARGUMENT);
  EXPECT_EQ(piivault_detector_options_add_type(options.p, "cn_mobile"),
            PIIVAULT_INVALID_ARGUMENT);
  EXPECT_THAT(LastError(), Not(HasSubstr("cn_mobile")));
  EXPECT_EQ(piivault_detector_options_add_type(options.p, "UNKNOWN"), PIIVAULT_INVALID_ARGUMENT);
  EXPECT_EQ(piivault_detector_options_set_min_confidence(options.p, -0.1f),
            PIIVAULT_INVALID_ARGUMENT);
  EXPECT_EQ(piivault_detector_options_set_min_confidence(options.p, std::nanf("")),
            PIIVAULT_INVALID_ARGUMENT);
  EXPECT_EQ(piivault_detector_create(options.p, nullptr), PIIVAULT_INVALID_ARGUMENT);
}

TEST(CApiDetector, MissingAndBadPatternFiles) {
  DetectorOptionsPtr options;
  ASSERT_EQ(piivault_detector_options_create(&options.p), PIIVAULT_OK);
  ASSERT_EQ(piivault_detector_options_add_pattern_file(options.p, "/nonexistent/x.toml"),
            PIIVAULT_OK);
  piivault_detector* detector = reinterpret_cast<piivault_detector*>(0x1);
  EXPECT_EQ(piivault_detector_create(options.p, &detector), PIIVAULT_NOT_FOUND);
  EXPECT_EQ(detector, nullptr);
  EXPECT_NE(LastError(), "");

  TempDir dir;
  const std::string bad = dir.Sub("bad.toml");
  std::ofstream(bad) << "[[pattern]\nname = 13812345678\n";
  DetectorOptionsPtr options2;
  ASSERT_EQ(piivault_detector_options_create(&options2.p), PIIVAULT_OK);
  ASSERT_EQ(piivault_detector_options_add_pattern_file(options2.p, bad.c_str()), PIIVAULT_OK);
  DetectorPtr d;
  EXPECT_EQ(piivault_detector_create(options2.p, &d.p), PIIVAULT_INVALID_ARGUMENT);
  EXPECT_THAT(LastError(), HasSubstr("bad.toml"));
  EXPECT_THAT(LastError(), Not(HasSubstr("13812345678")));
}

TEST(CApiDetector, ScanFindsValuesWithByteOffsets) {
  DetectorPtr d;
  ASSERT_EQ(piivault_detector_create(nullptr, &d.p), PIIVAULT_OK) << LastError();
  piivault_finding* found = nullptr;
  size_t n = 0;
  const std::string text = kText;
  ASSERT_EQ(piivault_detector_scan(d.p, text.data(), text.size(), &found, &n), PIIVAULT_OK);
  ASSERT_EQ(n, 2u);
  EXPECT_STREQ(found[0].type, "CN_MOBILE");
  EXPECT_EQ(text.substr(found[0].begin, found[0].end - found[0].begin), "13812345678");
  EXPECT_STREQ(found[0].normalized, "13812345678");
  EXPECT_EQ(found[0].normalized_len, 11u);
  EXPECT_STREQ(found[0].masked_as, "UNKNOWN");
  EXPECT_GT(found[0].confidence, 0.5f);
  EXPECT_STREQ(found[1].type, "CN_RESIDENT_ID");
  EXPECT_STREQ(found[1].normalized, "11010519491231002X");
  EXPECT_STREQ(found[1].validated_by, "gb11643");
  piivault_findings_free(found);
}

// Differential: the C array is the C++ vector, field for field.
TEST(CApiDetector, ScanEqualsCxxScanOnTheTranscript) {
  DetectorPtr d;
  ASSERT_EQ(piivault_detector_create(nullptr, &d.p), PIIVAULT_OK);
  absl::StatusOr<piivault::Detector> cxx = piivault::Detector::Create({});
  ASSERT_TRUE(cxx.ok());
  const std::string text = Transcript();
  ASSERT_FALSE(text.empty());
  absl::StatusOr<std::vector<piivault::Finding>> want = cxx->Scan(text);
  ASSERT_TRUE(want.ok());
  piivault_finding* found = nullptr;
  size_t n = 0;
  ASSERT_EQ(piivault_detector_scan(d.p, text.data(), text.size(), &found, &n), PIIVAULT_OK);
  ASSERT_EQ(n, want->size());
  ASSERT_GT(n, 10u);
  for (size_t i = 0; i < n; ++i) {
    const piivault::Finding& w = (*want)[i];
    EXPECT_EQ(found[i].type, piivault::EntityTypeName(w.type)) << i;
    EXPECT_EQ(found[i].begin, w.begin) << i;
    EXPECT_EQ(found[i].end, w.end) << i;
    EXPECT_EQ(found[i].confidence, w.confidence) << i;
    EXPECT_EQ(std::string(found[i].normalized, found[i].normalized_len), w.normalized) << i;
    EXPECT_EQ(std::strlen(found[i].normalized), found[i].normalized_len) << i;
    EXPECT_EQ(found[i].validated_by, w.validated_by) << i;
    EXPECT_EQ(found[i].masked_as, piivault::EntityTypeName(w.masked_as)) << i;
  }
  piivault_findings_free(found);
}

TEST(CApiDetector, ScanArgumentErrors) {
  DetectorPtr d;
  ASSERT_EQ(piivault_detector_create(nullptr, &d.p), PIIVAULT_OK);
  piivault_finding* found = nullptr;
  size_t n = 7;
  // Empty input: OK, nothing allocated.
  EXPECT_EQ(piivault_detector_scan(d.p, nullptr, 0, &found, &n), PIIVAULT_OK);
  EXPECT_EQ(found, nullptr);
  EXPECT_EQ(n, 0u);
  EXPECT_EQ(piivault_detector_scan(d.p, "", 0, &found, &n), PIIVAULT_OK);
  EXPECT_EQ(piivault_detector_scan(d.p, nullptr, 5, &found, &n), PIIVAULT_INVALID_ARGUMENT);
  EXPECT_THAT(LastError(), HasSubstr("text is NULL"));
  EXPECT_EQ(piivault_detector_scan(nullptr, "x", 1, &found, &n), PIIVAULT_INVALID_ARGUMENT);
  EXPECT_EQ(piivault_detector_scan(d.p, "x", 1, nullptr, &n), PIIVAULT_INVALID_ARGUMENT);
  EXPECT_EQ(piivault_detector_scan(d.p, "x", 1, &found, nullptr), PIIVAULT_INVALID_ARGUMENT);
}

TEST(CApiDetector, OptionsTakeEffect) {
  DetectorOptionsPtr options;
  ASSERT_EQ(piivault_detector_options_create(&options.p), PIIVAULT_OK);
  ASSERT_EQ(piivault_detector_options_add_type(options.p, "CN_RESIDENT_ID"), PIIVAULT_OK);
  ASSERT_EQ(piivault_detector_options_set_min_confidence(options.p, 0.3f), PIIVAULT_OK);
  ASSERT_EQ(piivault_detector_options_set_max_input_bytes(options.p, 100), PIIVAULT_OK);
  DetectorPtr d;
  ASSERT_EQ(piivault_detector_create(options.p, &d.p), PIIVAULT_OK) << LastError();
  piivault_detector_options_free(options.p);  // copied by create
  options.p = nullptr;
  piivault_finding* found = nullptr;
  size_t n = 0;
  ASSERT_EQ(piivault_detector_scan(d.p, kText, std::strlen(kText), &found, &n), PIIVAULT_OK);
  ASSERT_EQ(n, 1u);
  EXPECT_STREQ(found[0].type, "CN_RESIDENT_ID");
  piivault_findings_free(found);

  // Over max_input_bytes: refused, and the message does not quote the text.
  std::string big;
  while (big.size() <= 100) big += kText;
  EXPECT_EQ(piivault_detector_scan(d.p, big.data(), big.size(), &found, &n),
            PIIVAULT_INVALID_ARGUMENT);
  EXPECT_THAT(LastError(), Not(HasSubstr("13812345678")));
  EXPECT_THAT(LastError(), Not(HasSubstr("11010519491231002X")));
}

TEST(CApiDetector, BuiltinPatternsCanBeSwitchedOffForOwnFiles) {
  DetectorOptionsPtr options;
  ASSERT_EQ(piivault_detector_options_create(&options.p), PIIVAULT_OK);
  ASSERT_EQ(piivault_detector_options_set_builtin_patterns(options.p, 0), PIIVAULT_OK);
  ASSERT_EQ(piivault_detector_options_add_pattern_file(
                options.p, PIIVAULT_SOURCE_DIR "/patterns/phone.toml"),
            PIIVAULT_OK);
  DetectorPtr d;
  const int rc = piivault_detector_create(options.p, &d.p);
  if (rc == PIIVAULT_NOT_FOUND) GTEST_SKIP() << "patterns/phone.toml not present";
  ASSERT_EQ(rc, PIIVAULT_OK) << LastError();
  piivault_finding* found = nullptr;
  size_t n = 0;
  ASSERT_EQ(piivault_detector_scan(d.p, kText, std::strlen(kText), &found, &n), PIIVAULT_OK);
  for (size_t i = 0; i < n; ++i) EXPECT_STRNE(found[i].type, "CN_RESIDENT_ID");
  piivault_findings_free(found);
}

// ---- Redactor --------------------------------------------------------------

class CApiRedactor : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_EQ(piivault_detector_create(nullptr, &detector_.p), PIIVAULT_OK) << LastError();
  }
  DetectorPtr detector_;
};

TEST_F(CApiRedactor, DefaultPolicyMasksAndReports) {
  RedactorPtr r;
  ASSERT_EQ(piivault_redactor_create(detector_.p, nullptr, &r.p), PIIVAULT_OK) << LastError();
  Buffer out;
  piivault_redaction_report report;
  const std::string text = "手机号13812345678";
  ASSERT_EQ(piivault_redact(r.p, text.data(), text.size(), &out.p, &out.len, &report),
            PIIVAULT_OK);
  EXPECT_EQ(out.str(), "手机号138****5678");
  EXPECT_EQ(out.p[out.len], '\0');
  EXPECT_EQ(report.redacted, 1u);
  EXPECT_EQ(report.by_operator[PIIVAULT_OPERATOR_MASK], 1u);
  EXPECT_EQ(report.by_operator[PIIVAULT_OPERATOR_KEEP], 0u);
  EXPECT_EQ(report.below_threshold, 0u);
  // report may be NULL; empty input gives an empty, non-NULL buffer.
  Buffer empty;
  ASSERT_EQ(piivault_redact(r.p, nullptr, 0, &empty.p, &empty.len, nullptr), PIIVAULT_OK);
  ASSERT_NE(empty.p, nullptr);
  EXPECT_EQ(empty.len, 0u);
}

TEST_F(CApiRedactor, EqualsCxxRedactOnTheTranscriptWithEveryExamplePolicy) {
  const std::string text = Transcript();
  for (const char* policy : {"redact-policy.toml", "vault-redact-policy.toml"}) {
    const std::string path = std::string(PIIVAULT_SOURCE_DIR "/examples/") + policy;
    RedactorOptionsPtr options;
    ASSERT_EQ(piivault_redactor_options_create(&options.p), PIIVAULT_OK);
    ASSERT_EQ(piivault_redactor_options_set_policy_file(options.p, path.c_str()), PIIVAULT_OK)
        << LastError();
    // The vault policy tokenizes: swap token for label so no vault is needed
    // (checked separately below).
    absl::StatusOr<piivault::RedactionPolicy> cxx_policy =
        piivault::RedactionPolicy::LoadFile(path);
    ASSERT_TRUE(cxx_policy.ok());
    absl::StatusOr<piivault::Detector> cxx_detector = piivault::Detector::Create({});
    ASSERT_TRUE(cxx_detector.ok());
    absl::StatusOr<piivault::Redactor> cxx =
        piivault::Redactor::Create(*cxx_detector, {.policy = *cxx_policy});
    ASSERT_TRUE(cxx.ok());
    piivault::RedactionReport cxx_report;
    absl::StatusOr<std::string> want = cxx->Redact(text, &cxx_report);

    RedactorPtr r;
    ASSERT_EQ(piivault_redactor_create(detector_.p, options.p, &r.p), PIIVAULT_OK);
    Buffer out;
    piivault_redaction_report report;
    const int rc = piivault_redact(r.p, text.data(), text.size(), &out.p, &out.len, &report);
    if (!want.ok()) {
      EXPECT_EQ(rc, static_cast<int>(want.status().code())) << policy;
      EXPECT_EQ(out.p, nullptr);
      continue;
    }
    ASSERT_EQ(rc, PIIVAULT_OK) << policy << ": " << LastError();
    EXPECT_EQ(out.str(), *want) << policy;
    EXPECT_EQ(report.redacted, cxx_report.Redacted());
    for (int op = 0; op < PIIVAULT_OPERATOR_COUNT; ++op) {
      EXPECT_EQ(report.by_operator[op],
                cxx_report.Total(static_cast<piivault::RedactOperator>(op)));
    }
  }
}

TEST_F(CApiRedactor, PolicyTomlAndItsErrors) {
  RedactorOptionsPtr options;
  ASSERT_EQ(piivault_redactor_options_create(&options.p), PIIVAULT_OK);
  const std::string good = "[defaults]\noperator = \"label\"\n";
  ASSERT_EQ(piivault_redactor_options_set_policy_toml(options.p, good.data(), good.size(),
                                                      nullptr),
            PIIVAULT_OK);
  const std::string bad =
      "[defaults]\noperator = \"label\"\n[allow]\nvalues = [\"13812345678\"]\n"
      "[types.CN_MOBILE]\noperator = \"explode\"\n";
  EXPECT_EQ(piivault_redactor_options_set_policy_toml(options.p, bad.data(), bad.size(),
                                                      "mine.toml"),
            PIIVAULT_INVALID_ARGUMENT);
  EXPECT_THAT(LastError(), HasSubstr("mine.toml:"));
  EXPECT_THAT(LastError(), Not(HasSubstr("13812345678")));
  const std::string syntax = "[defaults\n";
  EXPECT_EQ(piivault_redactor_options_set_policy_toml(options.p, syntax.data(), syntax.size(),
                                                      nullptr),
            PIIVAULT_INVALID_ARGUMENT);
  EXPECT_THAT(LastError(), HasSubstr("<policy>:"));
  EXPECT_EQ(piivault_redactor_options_set_policy_toml(options.p, nullptr, 3, nullptr),
            PIIVAULT_INVALID_ARGUMENT);
  EXPECT_EQ(piivault_redactor_options_set_policy_toml(nullptr, good.data(), good.size(), nullptr),
            PIIVAULT_INVALID_ARGUMENT);

  // A failed set leaves the last good policy in place.
  RedactorPtr r;
  ASSERT_EQ(piivault_redactor_create(detector_.p, options.p, &r.p), PIIVAULT_OK);
  Buffer out;
  const std::string text = "手机号13812345678";
  ASSERT_EQ(piivault_redact(r.p, text.data(), text.size(), &out.p, &out.len, nullptr),
            PIIVAULT_OK);
  EXPECT_EQ(out.str(), "手机号<CN_MOBILE>");
}

TEST_F(CApiRedactor, PolicyFileErrors) {
  RedactorOptionsPtr options;
  ASSERT_EQ(piivault_redactor_options_create(&options.p), PIIVAULT_OK);
  EXPECT_EQ(piivault_redactor_options_set_policy_file(options.p, "/nonexistent/p.toml"),
            PIIVAULT_NOT_FOUND);
  EXPECT_EQ(piivault_redactor_options_set_policy_file(options.p, nullptr),
            PIIVAULT_INVALID_ARGUMENT);
  EXPECT_EQ(piivault_redactor_options_set_policy_file(nullptr, "x"), PIIVAULT_INVALID_ARGUMENT);
  TempDir dir;
  const std::string path = dir.Sub("p.toml");
  std::ofstream(path) << "[defaults]\nmin_confidence = 7\n";
  EXPECT_EQ(piivault_redactor_options_set_policy_file(options.p, path.c_str()),
            PIIVAULT_INVALID_ARGUMENT);
  EXPECT_THAT(LastError(), HasSubstr("p.toml:2"));
}

TEST_F(CApiRedactor, CreateErrors) {
  piivault_redactor* r = nullptr;
  EXPECT_EQ(piivault_redactor_create(nullptr, nullptr, &r), PIIVAULT_INVALID_ARGUMENT);
  EXPECT_EQ(piivault_redactor_create(detector_.p, nullptr, nullptr), PIIVAULT_INVALID_ARGUMENT);
  EXPECT_EQ(piivault_redactor_options_create(nullptr), PIIVAULT_INVALID_ARGUMENT);
  EXPECT_EQ(piivault_redactor_options_set_hash_key_file(nullptr, "k"), PIIVAULT_INVALID_ARGUMENT);
  EXPECT_EQ(piivault_redactor_options_set_vault(nullptr, nullptr, nullptr),
            PIIVAULT_INVALID_ARGUMENT);
  EXPECT_EQ(piivault_redactor_options_set_stream_window_bytes(nullptr, 1),
            PIIVAULT_INVALID_ARGUMENT);

  // hash operator with a missing key file.
  RedactorOptionsPtr options;
  ASSERT_EQ(piivault_redactor_options_create(&options.p), PIIVAULT_OK);
  EXPECT_EQ(piivault_redactor_options_set_hash_key_file(options.p, nullptr),
            PIIVAULT_INVALID_ARGUMENT);
  EXPECT_EQ(piivault_redactor_options_set_stream_window_bytes(options.p, 0),
            PIIVAULT_INVALID_ARGUMENT);
  const std::string hash = "[defaults]\noperator = \"hash\"\n";
  ASSERT_EQ(piivault_redactor_options_set_policy_toml(options.p, hash.data(), hash.size(),
                                                      nullptr),
            PIIVAULT_OK);
  ASSERT_EQ(piivault_redactor_options_set_hash_key_file(options.p, "/nonexistent/key"),
            PIIVAULT_OK);
  EXPECT_NE(piivault_redactor_create(detector_.p, options.p, &r), PIIVAULT_OK);
  EXPECT_EQ(r, nullptr);
  EXPECT_NE(LastError(), "");
}

TEST_F(CApiRedactor, HashOperatorWithAKeyFile) {
  TempDir dir;
  const std::string key = dir.Sub("hash.key");
  std::ofstream(key) << std::string(64, 'a') << "\n";
  ASSERT_EQ(chmod(key.c_str(), 0600), 0);
  RedactorOptionsPtr options;
  ASSERT_EQ(piivault_redactor_options_create(&options.p), PIIVAULT_OK);
  const std::string hash = "[defaults]\noperator = \"hash\"\n";
  ASSERT_EQ(piivault_redactor_options_set_policy_toml(options.p, hash.data(), hash.size(),
                                                      nullptr),
            PIIVAULT_OK);
  ASSERT_EQ(piivault_redactor_options_set_hash_key_file(options.p, key.c_str()), PIIVAULT_OK);
  RedactorPtr r;
  ASSERT_EQ(piivault_redactor_create(detector_.p, options.p, &r.p), PIIVAULT_OK) << LastError();
  Buffer out;
  piivault_redaction_report report;
  ASSERT_EQ(piivault_redact(r.p, kText, std::strlen(kText), &out.p, &out.len, &report),
            PIIVAULT_OK);
  EXPECT_THAT(out.str(), HasSubstr("<CN_MOBILE#"));
  EXPECT_THAT(out.str(), Not(HasSubstr("13812345678")));
  EXPECT_EQ(report.by_operator[PIIVAULT_OPERATOR_HASH], 2u);
}

TEST_F(CApiRedactor, TokenOperatorWithoutVaultFailsPrecondition) {
  RedactorOptionsPtr options;
  ASSERT_EQ(piivault_redactor_options_create(&options.p), PIIVAULT_OK);
  const std::string token = "[defaults]\noperator = \"token\"\n";
  ASSERT_EQ(piivault_redactor_options_set_policy_toml(options.p, token.data(), token.size(),
                                                      nullptr),
            PIIVAULT_OK);
  RedactorPtr r;
  ASSERT_EQ(piivault_redactor_create(detector_.p, options.p, &r.p), PIIVAULT_OK);
  Buffer out;
  out.len = 99;
  EXPECT_EQ(piivault_redact(r.p, kText, std::strlen(kText), &out.p, &out.len, nullptr),
            PIIVAULT_FAILED_PRECONDITION);
  EXPECT_EQ(out.p, nullptr);
  EXPECT_EQ(out.len, 0u);
  EXPECT_THAT(LastError(), Not(HasSubstr("13812345678")));
}

TEST_F(CApiRedactor, RedactArgumentErrors) {
  RedactorPtr r;
  ASSERT_EQ(piivault_redactor_create(detector_.p, nullptr, &r.p), PIIVAULT_OK);
  Buffer out;
  EXPECT_EQ(piivault_redact(nullptr, "x", 1, &out.p, &out.len, nullptr),
            PIIVAULT_INVALID_ARGUMENT);
  EXPECT_EQ(piivault_redact(r.p, nullptr, 1, &out.p, &out.len, nullptr),
            PIIVAULT_INVALID_ARGUMENT);
  EXPECT_EQ(piivault_redact(r.p, "x", 1, nullptr, &out.len, nullptr), PIIVAULT_INVALID_ARGUMENT);
  EXPECT_EQ(piivault_redact(r.p, "x", 1, &out.p, nullptr, nullptr), PIIVAULT_INVALID_ARGUMENT);
}

TEST_F(CApiRedactor, JsonRecordRedactsOnlyTheFields) {
  RedactorPtr r;
  ASSERT_EQ(piivault_redactor_create(detector_.p, nullptr, &r.p), PIIVAULT_OK);
  const std::string record =
      R"({"id":"13812345678","text":"手机号13812345678","n":[{"t":"邮箱 ana@example.org"}]})";
  const char* fields[] = {"text", "n[].t"};
  Buffer out;
  piivault_redaction_report report;
  ASSERT_EQ(piivault_redact_json_record(r.p, record.data(), record.size(), fields, 2, &out.p,
                                        &out.len, &report),
            PIIVAULT_OK)
      << LastError();
  EXPECT_THAT(out.str(), HasSubstr(R"("id":"13812345678")"));  // not a listed field
  EXPECT_THAT(out.str(), HasSubstr(R"("text":"手机号138****5678")"));
  EXPECT_THAT(out.str(), Not(HasSubstr("ana@example.org")));
  EXPECT_EQ(report.redacted, 2u);

  // No fields: the record comes back unchanged.
  Buffer same;
  ASSERT_EQ(piivault_redact_json_record(r.p, record.data(), record.size(), nullptr, 0, &same.p,
                                        &same.len, nullptr),
            PIIVAULT_OK);
  EXPECT_EQ(same.str(), record);

  const std::string broken = R"({"text":"13812345678")";
  Buffer bad;
  EXPECT_EQ(piivault_redact_json_record(r.p, broken.data(), broken.size(), fields, 1, &bad.p,
                                        &bad.len, nullptr),
            PIIVAULT_INVALID_ARGUMENT);
  EXPECT_THAT(LastError(), Not(HasSubstr("13812345678")));
  const char* bad_path[] = {"text..x"};
  EXPECT_EQ(piivault_redact_json_record(r.p, record.data(), record.size(), bad_path, 1, &bad.p,
                                        &bad.len, nullptr),
            PIIVAULT_INVALID_ARGUMENT);
  const char* null_path[] = {nullptr};
  EXPECT_EQ(piivault_redact_json_record(r.p, record.data(), record.size(), null_path, 1, &bad.p,
                                        &bad.len, nullptr),
            PIIVAULT_INVALID_ARGUMENT);
  EXPECT_EQ(piivault_redact_json_record(r.p, record.data(), record.size(), nullptr, 1, &bad.p,
                                        &bad.len, nullptr),
            PIIVAULT_INVALID_ARGUMENT);
  EXPECT_EQ(piivault_redact_json_record(nullptr, record.data(), record.size(), fields, 1, &bad.p,
                                        &bad.len, nullptr),
            PIIVAULT_INVALID_ARGUMENT);
  EXPECT_EQ(piivault_redact_json_record(r.p, nullptr, 4, fields, 1, &bad.p, &bad.len, nullptr),
            PIIVAULT_INVALID_ARGUMENT);
  EXPECT_EQ(piivault_redact_json_record(r.p, record.data(), record.size(), fields, 1, nullptr,
                                        &bad.len, nullptr),
            PIIVAULT_INVALID_ARGUMENT);
  EXPECT_EQ(bad.p, nullptr);
}

// Differential: every line of examples/transcript.jsonl as the C++ API does it.
TEST_F(CApiRedactor, JsonRecordEqualsCxxOnTheExampleJsonLines) {
  RedactorPtr r;
  ASSERT_EQ(piivault_redactor_create(detector_.p, nullptr, &r.p), PIIVAULT_OK);
  absl::StatusOr<piivault::Detector> cxx_detector = piivault::Detector::Create({});
  ASSERT_TRUE(cxx_detector.ok());
  absl::StatusOr<piivault::Redactor> cxx = piivault::Redactor::Create(*cxx_detector, {});
  ASSERT_TRUE(cxx.ok());
  std::istringstream lines(ReadFile(PIIVAULT_SOURCE_DIR "/examples/transcript.jsonl"));
  const char* fields[] = {"text", "meta.agent_note"};
  int n = 0;
  for (std::string line; std::getline(lines, line); ++n) {
    absl::StatusOr<std::string> want =
        cxx->RedactJsonRecord(line, {"text", "meta.agent_note"}, nullptr);
    ASSERT_TRUE(want.ok()) << n;
    Buffer out;
    ASSERT_EQ(piivault_redact_json_record(r.p, line.data(), line.size(), fields, 2, &out.p,
                                          &out.len, nullptr),
              PIIVAULT_OK);
    EXPECT_EQ(out.str(), *want) << n;
  }
  EXPECT_GE(n, 5);
}

// One detector and one redactor handle shared by several threads (the
// header promises it); every thread gets the single-threaded result.
TEST_F(CApiRedactor, HandlesAreSharedAcrossThreads) {
  RedactorPtr r;
  ASSERT_EQ(piivault_redactor_create(detector_.p, nullptr, &r.p), PIIVAULT_OK);
  const std::string text = Transcript();
  Buffer want;
  ASSERT_EQ(piivault_redact(r.p, text.data(), text.size(), &want.p, &want.len, nullptr),
            PIIVAULT_OK);
  std::atomic<int> mismatches{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 10; ++i) {
        Buffer out;
        if (piivault_redact(r.p, text.data(), text.size(), &out.p, &out.len, nullptr) !=
                PIIVAULT_OK ||
            out.str() != want.str()) {
          ++mismatches;
        }
        piivault_finding* found = nullptr;
        size_t n = 0;
        if (piivault_detector_scan(detector_.p, text.data(), text.size(), &found, &n) !=
                PIIVAULT_OK ||
            n == 0) {
          ++mismatches;
        }
        piivault_findings_free(found);
      }
    });
  }
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(mismatches.load(), 0);
}

// Handles may be freed in any order: the stream keeps the redactor, the
// redactor keeps the detector.
TEST_F(CApiRedactor, StreamOutlivesItsRedactorAndDetector) {
  RedactorPtr r;
  ASSERT_EQ(piivault_redactor_create(detector_.p, nullptr, &r.p), PIIVAULT_OK);
  StreamPtr s;
  ASSERT_EQ(piivault_redact_stream_create(r.p, 1, &s.p), PIIVAULT_OK);
  piivault_redactor_free(r.p);
  r.p = nullptr;
  piivault_detector_free(detector_.p);
  detector_.p = nullptr;
  Buffer a, b;
  ASSERT_EQ(piivault_redact_stream_write(s.p, kText, std::strlen(kText), &a.p, &a.len),
            PIIVAULT_OK);
  ASSERT_NE(a.p, nullptr);
  ASSERT_EQ(piivault_redact_stream_finish(s.p, &b.p, &b.len, nullptr), PIIVAULT_OK);
  EXPECT_EQ(a.str() + b.str(), "客户手机号138****5678，身份证110105********002X");
}

// Property: the streamed output equals piivault_redact for every chunking
// (small windows so many window boundaries fall inside values).
TEST_F(CApiRedactor, StreamEqualsWholeBufferForEveryChunking) {
  RedactorOptionsPtr options;
  ASSERT_EQ(piivault_redactor_options_create(&options.p), PIIVAULT_OK);
  ASSERT_EQ(piivault_redactor_options_set_stream_window_bytes(options.p, 97), PIIVAULT_OK);
  RedactorPtr r;
  ASSERT_EQ(piivault_redactor_create(detector_.p, options.p, &r.p), PIIVAULT_OK);
  const std::string text = Transcript();
  Buffer whole;
  piivault_redaction_report whole_report;
  ASSERT_EQ(piivault_redact(r.p, text.data(), text.size(), &whole.p, &whole.len, &whole_report),
            PIIVAULT_OK);
  ASSERT_NE(whole.str(), text);
  for (size_t chunk : {size_t{1}, size_t{7}, size_t{300}, text.size()}) {
    for (int threads : {1, 2}) {
      StreamPtr s;
      ASSERT_EQ(piivault_redact_stream_create(r.p, threads, &s.p), PIIVAULT_OK);
      std::string got;
      for (size_t at = 0; at < text.size(); at += chunk) {
        Buffer part;
        const size_t n = std::min(chunk, text.size() - at);
        ASSERT_EQ(piivault_redact_stream_write(s.p, text.data() + at, n, &part.p, &part.len),
                  PIIVAULT_OK);
        got += part.str();
      }
      Buffer tail;
      piivault_redaction_report report;
      ASSERT_EQ(piivault_redact_stream_finish(s.p, &tail.p, &tail.len, &report), PIIVAULT_OK);
      got += tail.str();
      EXPECT_EQ(got, whole.str()) << "chunk " << chunk << " threads " << threads;
      EXPECT_EQ(report.redacted, whole_report.redacted);
      for (int op = 0; op < PIIVAULT_OPERATOR_COUNT; ++op) {
        EXPECT_EQ(report.by_operator[op], whole_report.by_operator[op]);
      }
    }
  }
}

// numbering_capped (C++ RedactionReport) reaches C callers through the _v2
// report, from all three report-returning calls; the v1 calls still write
// exactly sizeof(piivault_redaction_report) bytes.
TEST_F(CApiRedactor, V2ReportCarriesNumberingCapped) {
  RedactorOptionsPtr options;
  ASSERT_EQ(piivault_redactor_options_create(&options.p), PIIVAULT_OK);
  const std::string policy =
      "[defaults]\noperator = \"label\"\nnumbered_labels = true\nmax_numbered_values = 1\n";
  ASSERT_EQ(piivault_redactor_options_set_policy_toml(options.p, policy.data(), policy.size(),
                                                      nullptr),
            PIIVAULT_OK)
      << LastError();
  RedactorPtr r;
  ASSERT_EQ(piivault_redactor_create(detector_.p, options.p, &r.p), PIIVAULT_OK) << LastError();
  // Three distinct numbers: the first is numbered, the other two are capped.
  const std::string text = "手机13812345678，备用13912345678，家里15012345678";
  const std::string want = "手机<CN_MOBILE_1>，备用<CN_MOBILE>，家里<CN_MOBILE>";

  piivault_redaction_report_v2 v2;
  std::memset(&v2, 0xAB, sizeof v2);
  Buffer out;
  ASSERT_EQ(piivault_redact_v2(r.p, text.data(), text.size(), &out.p, &out.len, &v2), PIIVAULT_OK)
      << LastError();
  EXPECT_EQ(out.str(), want);
  EXPECT_EQ(v2.numbering_capped, 2u);
  EXPECT_EQ(v2.redacted, 3u);
  EXPECT_EQ(v2.by_operator[PIIVAULT_OPERATOR_LABEL], 3u);
  EXPECT_EQ(v2.below_threshold, 0u);
  EXPECT_EQ(v2.allow_listed, 0u);

  // The v1 call fills its 72 bytes and not one byte more.
  struct {
    piivault_redaction_report report;
    uint64_t canary;
  } v1;
  std::memset(&v1, 0xAB, sizeof v1);
  Buffer out1;
  ASSERT_EQ(piivault_redact(r.p, text.data(), text.size(), &out1.p, &out1.len, &v1.report),
            PIIVAULT_OK);
  EXPECT_EQ(out1.str(), want);
  EXPECT_EQ(v1.report.redacted, 3u);
  EXPECT_EQ(v1.canary, 0xABABABABABABABABu);

  const std::string record = "{\"text\":\"" + text + "\"}";
  const char* fields[] = {"text"};
  std::memset(&v2, 0xAB, sizeof v2);
  Buffer rec;
  ASSERT_EQ(piivault_redact_json_record_v2(r.p, record.data(), record.size(), fields, 1, &rec.p,
                                           &rec.len, &v2),
            PIIVAULT_OK)
      << LastError();
  EXPECT_EQ(rec.str(), "{\"text\":\"" + want + "\"}");
  EXPECT_EQ(v2.numbering_capped, 2u);
  EXPECT_EQ(v2.redacted, 3u);
  // Errors leave the report unchanged, as for v1.
  std::memset(&v2, 0xAB, sizeof v2);
  Buffer bad;
  EXPECT_EQ(piivault_redact_json_record_v2(r.p, "{", 1, fields, 1, &bad.p, &bad.len, &v2),
            PIIVAULT_INVALID_ARGUMENT);
  EXPECT_EQ(v2.numbering_capped, 0xABABABABABABABABu);

  StreamPtr s;
  ASSERT_EQ(piivault_redact_stream_create(r.p, 1, &s.p), PIIVAULT_OK);
  Buffer a, b;
  ASSERT_EQ(piivault_redact_stream_write(s.p, text.data(), text.size(), &a.p, &a.len),
            PIIVAULT_OK);
  std::memset(&v2, 0xAB, sizeof v2);
  ASSERT_EQ(piivault_redact_stream_finish_v2(s.p, &b.p, &b.len, &v2), PIIVAULT_OK)
      << LastError();
  EXPECT_EQ(a.str() + b.str(), want);
  EXPECT_EQ(v2.numbering_capped, 2u);
  EXPECT_EQ(v2.redacted, 3u);
  // report may be NULL.
  StreamPtr s2;
  ASSERT_EQ(piivault_redact_stream_create(r.p, 1, &s2.p), PIIVAULT_OK);
  Buffer c;
  ASSERT_EQ(piivault_redact_stream_finish_v2(s2.p, &c.p, &c.len, nullptr), PIIVAULT_OK);
}

// settle_passes reaches C callers through the policy, and its counts
// through the _v3 report. A deny-list term whose label recreates it ("ab"
// labelled "a": "aaabbb" -> "aaabb" -> "aaab" -> "aaa") needs three passes.
TEST_F(CApiRedactor, V3ReportCarriesSettleCounts) {
  EXPECT_EQ(offsetof(piivault_redaction_report_v3, numbering_capped), 72u);
  EXPECT_EQ(offsetof(piivault_redaction_report_v3, settled), 80u);
  EXPECT_EQ(offsetof(piivault_redaction_report_v3, unsettled), 88u);
  EXPECT_EQ(sizeof(piivault_redaction_report_v3), 96u);
  for (int passes : {1, 3}) {
    SCOPED_TRACE(passes);
    RedactorOptionsPtr options;
    ASSERT_EQ(piivault_redactor_options_create(&options.p), PIIVAULT_OK);
    const std::string policy = "[defaults]\nsettle_passes = " + std::to_string(passes) +
                               "\n[types.CUSTOM]\noperator = \"label\"\nlabel = \"a\"\n[deny]\nterms = [\"ab\"]\n";
    ASSERT_EQ(piivault_redactor_options_set_policy_toml(options.p, policy.data(), policy.size(), nullptr),
              PIIVAULT_OK)
        << LastError();
    RedactorPtr r;
    ASSERT_EQ(piivault_redactor_create(detector_.p, options.p, &r.p), PIIVAULT_OK) << LastError();
    const std::string text = "aaabbb";
    const std::string want = passes == 1 ? "aaab" : "aaa";
    const uint64_t settled = passes == 1 ? 1 : 2, unsettled = passes == 1 ? 1 : 0;

    piivault_redaction_report_v3 v3;
    std::memset(&v3, 0xAB, sizeof v3);
    Buffer out;
    ASSERT_EQ(piivault_redact_v3(r.p, text.data(), text.size(), &out.p, &out.len, &v3), PIIVAULT_OK)
        << LastError();
    EXPECT_EQ(out.str(), want);
    EXPECT_EQ(v3.settled, settled);
    EXPECT_EQ(v3.unsettled, unsettled);
    EXPECT_EQ(v3.redacted, settled + 1);
    EXPECT_EQ(v3.numbering_capped, 0u);

    const char* fields[] = {"text"};
    const std::string record = "{\"text\":\"" + text + "\"}";
    std::memset(&v3, 0xAB, sizeof v3);
    Buffer rec;
    ASSERT_EQ(piivault_redact_json_record_v3(r.p, record.data(), record.size(), fields, 1, &rec.p,
                                             &rec.len, &v3),
              PIIVAULT_OK)
        << LastError();
    EXPECT_EQ(rec.str(), "{\"text\":\"" + want + "\"}");
    EXPECT_EQ(v3.settled, settled);
    EXPECT_EQ(v3.unsettled, unsettled);

    StreamPtr st;
    ASSERT_EQ(piivault_redact_stream_create(r.p, 2, &st.p), PIIVAULT_OK);
    Buffer a, b;
    ASSERT_EQ(piivault_redact_stream_write(st.p, text.data(), text.size(), &a.p, &a.len), PIIVAULT_OK);
    std::memset(&v3, 0xAB, sizeof v3);
    ASSERT_EQ(piivault_redact_stream_finish_v3(st.p, &b.p, &b.len, &v3), PIIVAULT_OK) << LastError();
    EXPECT_EQ(a.str() + b.str(), want);
    EXPECT_EQ(v3.settled, settled);
    EXPECT_EQ(v3.unsettled, unsettled);
  }
}

TEST_F(CApiRedactor, StreamCallOrderAndArgumentErrors) {
  RedactorPtr r;
  ASSERT_EQ(piivault_redactor_create(detector_.p, nullptr, &r.p), PIIVAULT_OK);
  piivault_redact_stream* bad = nullptr;
  EXPECT_EQ(piivault_redact_stream_create(r.p, 0, &bad), PIIVAULT_INVALID_ARGUMENT);
  EXPECT_EQ(piivault_redact_stream_create(r.p, 100000, &bad), PIIVAULT_INVALID_ARGUMENT);
  EXPECT_EQ(piivault_redact_stream_create(nullptr, 1, &bad), PIIVAULT_INVALID_ARGUMENT);
  EXPECT_EQ(piivault_redact_stream_create(r.p, 1, nullptr), PIIVAULT_INVALID_ARGUMENT);
  EXPECT_EQ(bad, nullptr);

  StreamPtr s;
  ASSERT_EQ(piivault_redact_stream_create(r.p, 1, &s.p), PIIVAULT_OK);
  Buffer out;
  EXPECT_EQ(piivault_redact_stream_write(nullptr, "x", 1, &out.p, &out.len),
            PIIVAULT_INVALID_ARGUMENT);
  EXPECT_EQ(piivault_redact_stream_write(s.p, nullptr, 1, &out.p, &out.len),
            PIIVAULT_INVALID_ARGUMENT);
  EXPECT_EQ(piivault_redact_stream_write(s.p, "x", 1, nullptr, &out.len),
            PIIVAULT_INVALID_ARGUMENT);
  EXPECT_EQ(piivault_redact_stream_finish(nullptr, &out.p, &out.len, nullptr),
            PIIVAULT_INVALID_ARGUMENT);
  EXPECT_EQ(piivault_redact_stream_finish(s.p, &out.p, nullptr, nullptr),
            PIIVAULT_INVALID_ARGUMENT);
  {
    Buffer part;
    ASSERT_EQ(piivault_redact_stream_write(s.p, nullptr, 0, &part.p, &part.len), PIIVAULT_OK);
    EXPECT_EQ(part.len, 0u);
    ASSERT_NE(part.p, nullptr);
  }
  ASSERT_EQ(piivault_redact_stream_finish(s.p, &out.p, &out.len, nullptr), PIIVAULT_OK);
  Buffer again;
  EXPECT_EQ(piivault_redact_stream_write(s.p, "x", 1, &again.p, &again.len),
            PIIVAULT_FAILED_PRECONDITION);
  EXPECT_THAT(LastError(), HasSubstr("finished"));
  EXPECT_EQ(piivault_redact_stream_finish(s.p, &again.p, &again.len, nullptr),
            PIIVAULT_FAILED_PRECONDITION);
}

TEST_F(CApiRedactor, StreamThatFailedStaysFailed) {
  RedactorOptionsPtr options;
  ASSERT_EQ(piivault_redactor_options_create(&options.p), PIIVAULT_OK);
  const std::string token = "[defaults]\noperator = \"token\"\n";
  ASSERT_EQ(piivault_redactor_options_set_policy_toml(options.p, token.data(), token.size(),
                                                      nullptr),
            PIIVAULT_OK);
  ASSERT_EQ(piivault_redactor_options_set_stream_window_bytes(options.p, 16), PIIVAULT_OK);
  RedactorPtr r;
  ASSERT_EQ(piivault_redactor_create(detector_.p, options.p, &r.p), PIIVAULT_OK);
  StreamPtr s;
  ASSERT_EQ(piivault_redact_stream_create(r.p, 1, &s.p), PIIVAULT_OK);
  // No vault: the first window holding a value fails, at a write or at finish.
  const std::string text = Transcript();
  int rc = PIIVAULT_OK;
  for (size_t at = 0; at < text.size() && rc == PIIVAULT_OK; at += 512) {
    Buffer part;
    rc = piivault_redact_stream_write(s.p, text.data() + at, std::min<size_t>(512, text.size() - at),
                                      &part.p, &part.len);
  }
  Buffer tail;
  if (rc == PIIVAULT_OK) rc = piivault_redact_stream_finish(s.p, &tail.p, &tail.len, nullptr);
  EXPECT_EQ(rc, PIIVAULT_FAILED_PRECONDITION);
  EXPECT_EQ(piivault_redact_stream_write(s.p, "x", 1, &tail.p, &tail.len),
            PIIVAULT_FAILED_PRECONDITION);
  EXPECT_THAT(LastError(), HasSubstr("failed earlier"));
}

// ---- Image -----------------------------------------------------------------

constexpr char kImages[] = PIIVAULT_SHARED_DIR "/testdata/images/";

TEST(CApiImage, FormatSniffing) {
  const std::string jpeg = ReadFile(std::string(kImages) + "jpeg_gps_nikon_DSCN0010.jpg");
  ASSERT_FALSE(jpeg.empty());
  EXPECT_STREQ(piivault_image_format(jpeg.data(), jpeg.size()), "jpeg");
  const std::string png = ReadFile(std::string(kImages) + "png_text_tEXt_ct1n0g04.png");
  EXPECT_STREQ(piivault_image_format(png.data(), png.size()), "png");
  EXPECT_STREQ(piivault_image_format("hello", 5), "unknown");
  EXPECT_STREQ(piivault_image_format(nullptr, 3), "unknown");
}

// Differential: the C ABI returns exactly what ScrubImage returns, for every
// test image and flag combination (errors included).
TEST(CApiImage, ScrubEqualsCxxOnEveryTestImage) {
  int scrubbed = 0;
  for (const auto& entry : std::filesystem::directory_iterator(kImages)) {
    if (entry.path().extension() == ".tsv") continue;
    const std::string bytes = ReadFile(entry.path().string());
    for (uint32_t flags = 0; flags < 4; ++flags) {
      piivault::ScrubOptions options;
      options.keep_copyright = (flags & PIIVAULT_SCRUB_KEEP_COPYRIGHT) != 0;
      options.keep_capture_settings = (flags & PIIVAULT_SCRUB_KEEP_CAPTURE_SETTINGS) != 0;
      absl::StatusOr<std::string> want = piivault::ScrubImage(bytes, options);
      Buffer out;
      const int rc = piivault_image_scrub(bytes.data(), bytes.size(), flags, &out.p, &out.len);
      if (!want.ok()) {
        EXPECT_EQ(rc, static_cast<int>(want.status().code())) << entry.path();
        EXPECT_EQ(out.p, nullptr);
        continue;
      }
      ASSERT_EQ(rc, PIIVAULT_OK) << entry.path() << ": " << LastError();
      EXPECT_TRUE(out.str() == *want) << entry.path();
      ++scrubbed;
    }
  }
  EXPECT_GE(scrubbed, 4 * 15);
}

TEST(CApiImage, ScrubRemovesGps) {
  const std::string jpeg = ReadFile(std::string(kImages) + "jpeg_gps_nikon_DSCN0010.jpg");
  Buffer out;
  ASSERT_EQ(piivault_image_scrub(jpeg.data(), jpeg.size(), 0, &out.p, &out.len), PIIVAULT_OK);
  EXPECT_LT(out.len, jpeg.size());
  absl::StatusOr<piivault::ImageScanner> scanner = piivault::ImageScanner::Create({});
  ASSERT_TRUE(scanner.ok());
  absl::StatusOr<piivault::ImageReport> report = scanner->Scan(out.str());
  ASSERT_TRUE(report.ok());
  EXPECT_TRUE(report->findings.empty());
}

TEST(CApiImage, ScrubErrors) {
  Buffer out;
  EXPECT_EQ(piivault_image_scrub("not an image", 12, 0, &out.p, &out.len),
            PIIVAULT_INVALID_ARGUMENT);
  EXPECT_THAT(LastError(), Not(HasSubstr("not an image")));
  const std::string jpeg = ReadFile(std::string(kImages) + "jpeg_gps_nikon_DSCN0010.jpg");
  EXPECT_EQ(piivault_image_scrub(jpeg.data(), jpeg.size(), 0x4, &out.p, &out.len),
            PIIVAULT_INVALID_ARGUMENT);
  EXPECT_THAT(LastError(), HasSubstr("flag"));
  // Cut inside the Exif segment.
  EXPECT_EQ(piivault_image_scrub(jpeg.data(), 40, 0, &out.p, &out.len), PIIVAULT_DATA_LOSS)
      << LastError();
  EXPECT_THAT(LastError(), HasSubstr("jpeg"));
  EXPECT_EQ(piivault_image_scrub(nullptr, 10, 0, &out.p, &out.len), PIIVAULT_INVALID_ARGUMENT);
  EXPECT_EQ(piivault_image_scrub(jpeg.data(), jpeg.size(), 0, nullptr, &out.len),
            PIIVAULT_INVALID_ARGUMENT);
  EXPECT_EQ(piivault_image_scrub(jpeg.data(), jpeg.size(), 0, &out.p, nullptr),
            PIIVAULT_INVALID_ARGUMENT);
  EXPECT_EQ(out.p, nullptr);
}

struct ScannerPtr {
  piivault_image_scanner* p = nullptr;
  ~ScannerPtr() { piivault_image_scanner_free(p); }
};

// Differential: the C report is the C++ ImageReport, item for item, for every
// test image (errors included).
TEST(CApiImage, ScanEqualsCxxOnEveryTestImage) {
  ScannerPtr scanner;
  ASSERT_EQ(piivault_image_scanner_create(nullptr, &scanner.p), PIIVAULT_OK) << LastError();
  absl::StatusOr<piivault::ImageScanner> cxx = piivault::ImageScanner::Create({});
  ASSERT_TRUE(cxx.ok());
  int scanned = 0;
  size_t total_findings = 0;
  for (const auto& entry : std::filesystem::directory_iterator(kImages)) {
    if (entry.path().extension() == ".tsv") continue;
    const std::string bytes = ReadFile(entry.path().string());
    absl::StatusOr<piivault::ImageReport> want = cxx->Scan(bytes);
    piivault_image_report* report = reinterpret_cast<piivault_image_report*>(0x1);
    const int rc = piivault_image_scan(scanner.p, bytes.data(), bytes.size(), &report);
    if (!want.ok()) {
      EXPECT_EQ(rc, static_cast<int>(want.status().code())) << entry.path();
      EXPECT_EQ(report, nullptr);
      continue;
    }
    ASSERT_EQ(rc, PIIVAULT_OK) << entry.path() << ": " << LastError();
    ++scanned;
    EXPECT_EQ(report->format, piivault::ImageFormatName(want->format)) << entry.path();
    ASSERT_EQ(report->item_count, want->items.size()) << entry.path();
    ASSERT_EQ(report->finding_count, want->findings.size()) << entry.path();
    EXPECT_EQ(report->items == nullptr, want->items.empty());
    for (size_t i = 0; i < report->item_count; ++i) {
      const piivault::MetadataItem& w = want->items[i];
      EXPECT_EQ(report->items[i].location, w.location);
      EXPECT_EQ(report->items[i].name, w.name);
      EXPECT_EQ(report->items[i].offset, w.offset);
      EXPECT_EQ(report->items[i].size, w.size);
      EXPECT_EQ(report->items[i].sensitive_as, piivault::EntityTypeName(w.sensitive_as));
    }
    for (size_t i = 0; i < report->finding_count; ++i) {
      const piivault::ImageFinding& w = want->findings[i];
      EXPECT_EQ(report->findings[i].type, piivault::EntityTypeName(w.type));
      EXPECT_EQ(report->findings[i].item, w.item);
      EXPECT_EQ(report->findings[i].confidence, w.confidence);
      EXPECT_EQ(report->findings[i].validated_by, w.validated_by);
    }
    total_findings += report->finding_count;
    piivault_image_report_free(report);
  }
  EXPECT_GE(scanned, 15);
  EXPECT_GT(total_findings, 10u);
}

TEST(CApiImage, ScannerScrubRedactsTextInPlace) {
  ScannerPtr scanner;
  ASSERT_EQ(piivault_image_scanner_create(nullptr, &scanner.p), PIIVAULT_OK);
  absl::StatusOr<piivault::ImageScanner> cxx = piivault::ImageScanner::Create({});
  ASSERT_TRUE(cxx.ok());
  for (const char* name : {"gif_comments_multi.gif", "png_text_tEXt_ct1n0g04.png",
                           "jpeg_com_gimp_decodable.jpg", "jpeg_gps_nikon_DSCN0010.jpg"}) {
    const std::string bytes = ReadFile(std::string(kImages) + name);
    for (uint32_t flags : {0u, PIIVAULT_SCRUB_REDACT_TEXT,
                           PIIVAULT_SCRUB_REDACT_TEXT | PIIVAULT_SCRUB_KEEP_COPYRIGHT}) {
      piivault::ScrubOptions options;
      options.redact_text_in_place = (flags & PIIVAULT_SCRUB_REDACT_TEXT) != 0;
      options.keep_copyright = (flags & PIIVAULT_SCRUB_KEEP_COPYRIGHT) != 0;
      absl::StatusOr<std::string> want = cxx->Scrub(bytes, options);
      ASSERT_TRUE(want.ok()) << name;
      Buffer out;
      ASSERT_EQ(piivault_image_scanner_scrub(scanner.p, bytes.data(), bytes.size(), flags, &out.p,
                                             &out.len),
                PIIVAULT_OK)
          << name << ": " << LastError();
      EXPECT_TRUE(out.str() == *want) << name << " flags " << flags;
    }
  }
  // The plain scrub has no detector, so it refuses the flag and says why.
  const std::string gif = ReadFile(std::string(kImages) + "gif_comments_multi.gif");
  Buffer out;
  EXPECT_EQ(piivault_image_scrub(gif.data(), gif.size(), PIIVAULT_SCRUB_REDACT_TEXT, &out.p,
                                 &out.len),
            PIIVAULT_INVALID_ARGUMENT);
  EXPECT_THAT(LastError(), HasSubstr("piivault_image_scanner_scrub"));
}

TEST(CApiImage, ScannerErrors) {
  DetectorOptionsPtr options;
  ASSERT_EQ(piivault_detector_options_create(&options.p), PIIVAULT_OK);
  ASSERT_EQ(piivault_detector_options_add_pattern_file(options.p, "/nonexistent.toml"),
            PIIVAULT_OK);
  piivault_image_scanner* bad = nullptr;
  EXPECT_EQ(piivault_image_scanner_create(options.p, &bad), PIIVAULT_NOT_FOUND);
  EXPECT_EQ(bad, nullptr);
  EXPECT_EQ(piivault_image_scanner_create(nullptr, nullptr), PIIVAULT_INVALID_ARGUMENT);

  ScannerPtr scanner;
  ASSERT_EQ(piivault_image_scanner_create(nullptr, &scanner.p), PIIVAULT_OK);
  piivault_image_report* report = nullptr;
  EXPECT_EQ(piivault_image_scan(scanner.p, "13812345678", 11, &report), PIIVAULT_INVALID_ARGUMENT);
  EXPECT_THAT(LastError(), Not(HasSubstr("13812345678")));
  EXPECT_EQ(report, nullptr);
  EXPECT_EQ(piivault_image_scan(nullptr, "x", 1, &report), PIIVAULT_INVALID_ARGUMENT);
  EXPECT_EQ(piivault_image_scan(scanner.p, nullptr, 1, &report), PIIVAULT_INVALID_ARGUMENT);
  EXPECT_EQ(piivault_image_scan(scanner.p, "x", 1, nullptr), PIIVAULT_INVALID_ARGUMENT);
  Buffer out;
  EXPECT_EQ(piivault_image_scanner_scrub(nullptr, "x", 1, 0, &out.p, &out.len),
            PIIVAULT_INVALID_ARGUMENT);
  EXPECT_EQ(piivault_image_scanner_scrub(scanner.p, "x", 1, 0x80, &out.p, &out.len),
            PIIVAULT_INVALID_ARGUMENT);
  EXPECT_EQ(piivault_image_scanner_scrub(scanner.p, "x", 1, 0, nullptr, &out.len),
            PIIVAULT_INVALID_ARGUMENT);
  EXPECT_EQ(piivault_image_scanner_scrub(scanner.p, "not an image", 12, 0, &out.p, &out.len),
            PIIVAULT_INVALID_ARGUMENT);
  EXPECT_EQ(out.p, nullptr);
  piivault_image_scanner_free(nullptr);
  piivault_image_report_free(nullptr);
}

// ---- Vault -----------------------------------------------------------------

constexpr char kVaultPolicy[] = R"(
version = 1
[roles]
support = ["agent-1"]
[fields.CN_MOBILE]
mode = "deterministic"
[[rules]]
name = "mobile-security"
fields = ["CN_MOBILE"]
purposes = ["account_security"]
principals = ["*"]
decision = "plaintext"
[[rules]]
name = "id-support"
fields = ["CN_RESIDENT_ID", "CN_MOBILE"]
purposes = ["customer_service"]
principals = ["role:support"]
decision = "masked"
[[rules]]
name = "marketing"
fields = ["CN_MOBILE"]
purposes = ["marketing"]
principals = ["*"]
decision = "plaintext"
require_consent = true
)";

class CApiVault : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = tmp_.Sub("vault");
    ASSERT_EQ(piivault_vault_init(dir_.c_str(), kVaultPolicy, std::strlen(kVaultPolicy)),
              PIIVAULT_OK)
        << LastError();
    ASSERT_EQ(piivault_vault_open(dir_.c_str(), nullptr, nullptr, PIIVAULT_VAULT_IGNORE_ENV,
                                  &vault_.p),
              PIIVAULT_OK)
        << LastError();
  }
  std::vector<std::string> Tokenize(const char* type, std::vector<const char*> values,
                                    const char* subject = nullptr) {
    char** tokens = nullptr;
    EXPECT_EQ(piivault_vault_tokenize(vault_.p, type, values.data(), nullptr, values.size(),
                                      subject, "test", &tokens),
              PIIVAULT_OK)
        << LastError();
    std::vector<std::string> out;
    for (size_t i = 0; tokens != nullptr && i < values.size(); ++i) out.emplace_back(tokens[i]);
    piivault_tokens_free(tokens);
    return out;
  }

  TempDir tmp_;
  std::string dir_;
  VaultPtr vault_;
};

TEST_F(CApiVault, TokenizeAndDetokenizeForAnAllowedPurpose) {
  const char* values[] = {"13812345678", "13900001111"};
  const size_t lens[] = {11, 11};
  char** tokens = nullptr;
  ASSERT_EQ(piivault_vault_tokenize(vault_.p, "CN_MOBILE", values, lens, 2, nullptr, "svc",
                                    &tokens),
            PIIVAULT_OK)
      << LastError();
  ASSERT_NE(tokens, nullptr);
  EXPECT_TRUE(piivault::LooksLikeToken(tokens[0])) << tokens[0];
  EXPECT_NE(std::string(tokens[0]), tokens[1]);

  piivault_detokenized* results = nullptr;
  ASSERT_EQ(piivault_vault_detokenize(vault_.p, tokens, nullptr, 2, "account_security", "svc-a",
                                      &results),
            PIIVAULT_OK)
      << LastError();
  for (int i = 0; i < 2; ++i) {
    EXPECT_EQ(results[i].status, PIIVAULT_OK);
    EXPECT_STREQ(results[i].message, "");
    EXPECT_STREQ(results[i].value, values[i]);
    EXPECT_EQ(results[i].value_len, 11u);
    EXPECT_STREQ(results[i].type, "CN_MOBILE");
    EXPECT_STREQ(results[i].form, "plaintext");
    EXPECT_STREQ(results[i].rule, "mobile-security");
  }
  piivault_detokenized_free(results);

  // Masked for support, denied for anyone else: per-token status, no value.
  ASSERT_EQ(piivault_vault_detokenize(vault_.p, tokens, nullptr, 2, "customer_service",
                                      "agent-1", &results),
            PIIVAULT_OK);
  EXPECT_EQ(results[0].status, PIIVAULT_OK);
  EXPECT_STREQ(results[0].form, "masked");
  EXPECT_STREQ(results[0].value, "138****5678");
  piivault_detokenized_free(results);
  ASSERT_EQ(piivault_vault_detokenize(vault_.p, tokens, nullptr, 2, "customer_service",
                                      "intruder", &results),
            PIIVAULT_OK);
  for (int i = 0; i < 2; ++i) {
    EXPECT_EQ(results[i].status, PIIVAULT_PERMISSION_DENIED);
    EXPECT_STREQ(results[i].value, "");
    EXPECT_EQ(results[i].value_len, 0u);
    EXPECT_STREQ(results[i].form, "deny");
    EXPECT_THAT(results[i].message, Not(HasSubstr(values[i])));
    EXPECT_THAT(results[i].message, Not(HasSubstr(tokens[i])));
  }
  piivault_detokenized_free(results);
  piivault_tokens_free(tokens);
}

TEST_F(CApiVault, ConsentGatesARule) {
  std::vector<std::string> tokens = Tokenize("CN_MOBILE", {"13812345678"}, "user-42");
  ASSERT_EQ(tokens.size(), 1u);
  const char* token = tokens[0].c_str();
  piivault_detokenized* results = nullptr;
  ASSERT_EQ(piivault_vault_detokenize(vault_.p, &token, nullptr, 1, "marketing", "svc", &results),
            PIIVAULT_OK);
  EXPECT_EQ(results[0].status, PIIVAULT_PERMISSION_DENIED);
  piivault_detokenized_free(results);
  ASSERT_EQ(piivault_vault_set_consent(vault_.p, "user-42", "marketing", 1, nullptr),
            PIIVAULT_OK);
  ASSERT_EQ(piivault_vault_detokenize(vault_.p, &token, nullptr, 1, "marketing", "svc", &results),
            PIIVAULT_OK);
  EXPECT_EQ(results[0].status, PIIVAULT_OK);
  EXPECT_STREQ(results[0].value, "13812345678");
  piivault_detokenized_free(results);
  EXPECT_EQ(piivault_vault_set_consent(nullptr, "s", "p", 1, nullptr), PIIVAULT_INVALID_ARGUMENT);
  EXPECT_EQ(piivault_vault_set_consent(vault_.p, nullptr, "p", 1, nullptr),
            PIIVAULT_INVALID_ARGUMENT);
  EXPECT_EQ(piivault_vault_set_consent(vault_.p, "s", nullptr, 1, nullptr),
            PIIVAULT_INVALID_ARGUMENT);
}

TEST_F(CApiVault, BadTokensGetPerTokenStatuses) {
  const char* tokens[] = {"not-a-token", "tok_cnmb_aaaaaaaaaaaaaaaaaaaaaaaaaa"};
  piivault_detokenized* results = nullptr;
  ASSERT_EQ(piivault_vault_detokenize(vault_.p, tokens, nullptr, 2, "account_security", "svc",
                                      &results),
            PIIVAULT_OK)
      << LastError();
  EXPECT_EQ(results[0].status, PIIVAULT_INVALID_ARGUMENT);
  EXPECT_NE(results[1].status, PIIVAULT_OK);
  for (int i = 0; i < 2; ++i) {
    EXPECT_STRNE(results[i].message, "");
    EXPECT_THAT(results[i].message, Not(HasSubstr(tokens[i])));
  }
  piivault_detokenized_free(results);
}

TEST_F(CApiVault, WrongKeyIsUnauthenticatedWithoutQuotingTheKey) {
  const std::string wrong(64, 'b');
  piivault_vault* other = nullptr;
  EXPECT_EQ(piivault_vault_open(dir_.c_str(), wrong.c_str(), nullptr, PIIVAULT_VAULT_IGNORE_ENV,
                                &other),
            PIIVAULT_UNAUTHENTICATED);
  EXPECT_EQ(other, nullptr);
  EXPECT_THAT(LastError(), HasSubstr("key"));
  EXPECT_THAT(LastError(), Not(HasSubstr("bbbbbbbb")));
  const std::string malformed = "zz" + std::string(62, 'c');
  EXPECT_NE(piivault_vault_open(dir_.c_str(), malformed.c_str(), nullptr,
                                PIIVAULT_VAULT_IGNORE_ENV, &other),
            PIIVAULT_OK);
  EXPECT_THAT(LastError(), Not(HasSubstr("cccccccc")));
}

// The key sources in order: hex argument, PIIVAULT_MASTER_KEY (unless
// PIIVAULT_VAULT_IGNORE_ENV), key file.
TEST_F(CApiVault, EnvironmentKeyIsUsedUnlessIgnored) {
  const std::string wrong(64, 'd');
  ASSERT_EQ(setenv("PIIVAULT_MASTER_KEY", wrong.c_str(), 1), 0);
  piivault_vault* v = nullptr;
  EXPECT_EQ(piivault_vault_open(dir_.c_str(), nullptr, nullptr, 0, &v), PIIVAULT_UNAUTHENTICATED);
  EXPECT_THAT(LastError(), Not(HasSubstr("dddddddd")));
  EXPECT_EQ(piivault_vault_open(dir_.c_str(), nullptr, nullptr, PIIVAULT_VAULT_IGNORE_ENV, &v),
            PIIVAULT_OK);
  piivault_vault_close(v);
  ASSERT_EQ(unsetenv("PIIVAULT_MASTER_KEY"), 0);
}

// A passphrase-wrapped key file (made with the C++ API at the minimum argon2id
// cost) opens with the right passphrase only.
TEST(CApiVaultPassphrase, WrongPassphraseIsUnauthenticated) {
  TempDir tmp;
  const std::string dir = tmp.Sub("vault");
  ASSERT_TRUE(piivault::Vault::Init({.dir = dir,
                                     .passphrase = "correct horse",
                                     .cost = piivault::PassphraseCost::Minimum()})
                  .ok());
  piivault_vault* v = nullptr;
  EXPECT_EQ(piivault_vault_open(dir.c_str(), nullptr, "wrong horse", PIIVAULT_VAULT_IGNORE_ENV,
                                &v),
            PIIVAULT_UNAUTHENTICATED);
  EXPECT_THAT(LastError(), Not(HasSubstr("horse")));
  EXPECT_EQ(v, nullptr);
  ASSERT_EQ(piivault_vault_open(dir.c_str(), nullptr, "correct horse",
                                PIIVAULT_VAULT_IGNORE_ENV, &v),
            PIIVAULT_OK)
      << LastError();
  piivault_vault_close(v);
}

TEST_F(CApiVault, InitAndOpenErrors) {
  EXPECT_EQ(piivault_vault_init(dir_.c_str(), nullptr, 0), PIIVAULT_ALREADY_EXISTS);
  EXPECT_EQ(piivault_vault_init(nullptr, nullptr, 0), PIIVAULT_INVALID_ARGUMENT);
  const std::string fresh = tmp_.Sub("fresh");
  EXPECT_EQ(piivault_vault_init(fresh.c_str(), "", 0), PIIVAULT_INVALID_ARGUMENT);
  EXPECT_EQ(piivault_vault_init(fresh.c_str(), nullptr, 5), PIIVAULT_INVALID_ARGUMENT);
  const std::string bad_policy = "version = 1\n[[rules]]\nname = 5\n";
  EXPECT_EQ(piivault_vault_init(fresh.c_str(), bad_policy.data(), bad_policy.size()),
            PIIVAULT_INVALID_ARGUMENT);

  piivault_vault* v = nullptr;
  EXPECT_EQ(piivault_vault_open(tmp_.Sub("none").c_str(), nullptr, nullptr,
                                PIIVAULT_VAULT_IGNORE_ENV, &v),
            PIIVAULT_NOT_FOUND);
  EXPECT_EQ(piivault_vault_open(nullptr, nullptr, nullptr, 0, &v), PIIVAULT_INVALID_ARGUMENT);
  EXPECT_EQ(piivault_vault_open(dir_.c_str(), nullptr, nullptr, 0, nullptr),
            PIIVAULT_INVALID_ARGUMENT);
  EXPECT_EQ(piivault_vault_open(dir_.c_str(), nullptr, nullptr, 0x80, &v),
            PIIVAULT_INVALID_ARGUMENT);
  EXPECT_EQ(v, nullptr);
}

TEST_F(CApiVault, TokenizeErrors) {
  const char* values[] = {"13812345678", ""};
  char** tokens = nullptr;
  EXPECT_EQ(piivault_vault_tokenize(vault_.p, "PHONE", values, nullptr, 1, nullptr, nullptr,
                                    &tokens),
            PIIVAULT_INVALID_ARGUMENT);
  EXPECT_EQ(piivault_vault_tokenize(vault_.p, nullptr, values, nullptr, 1, nullptr, nullptr,
                                    &tokens),
            PIIVAULT_INVALID_ARGUMENT);
  EXPECT_EQ(piivault_vault_tokenize(vault_.p, "CN_MOBILE", values, nullptr, 2, nullptr, nullptr,
                                    &tokens),
            PIIVAULT_INVALID_ARGUMENT);  // empty value: all or none
  EXPECT_THAT(LastError(), Not(HasSubstr("13812345678")));
  EXPECT_EQ(piivault_vault_tokenize(vault_.p, "CN_MOBILE", nullptr, nullptr, 1, nullptr, nullptr,
                                    &tokens),
            PIIVAULT_INVALID_ARGUMENT);
  const char* with_null[] = {nullptr};
  const size_t three[] = {3};
  EXPECT_EQ(piivault_vault_tokenize(vault_.p, "CN_MOBILE", with_null, three, 1, nullptr, nullptr,
                                    &tokens),
            PIIVAULT_INVALID_ARGUMENT);
  EXPECT_EQ(piivault_vault_tokenize(nullptr, "CN_MOBILE", values, nullptr, 1, nullptr, nullptr,
                                    &tokens),
            PIIVAULT_INVALID_ARGUMENT);
  EXPECT_EQ(piivault_vault_tokenize(vault_.p, "CN_MOBILE", values, nullptr, 1, nullptr, nullptr,
                                    nullptr),
            PIIVAULT_INVALID_ARGUMENT);
  EXPECT_EQ(tokens, nullptr);
  // Zero values: OK, nothing allocated.
  EXPECT_EQ(piivault_vault_tokenize(vault_.p, "CN_MOBILE", nullptr, nullptr, 0, nullptr, nullptr,
                                    &tokens),
            PIIVAULT_OK);
  EXPECT_EQ(tokens, nullptr);
}

TEST_F(CApiVault, DetokenizeArgumentErrors) {
  const char* tokens[] = {"x"};
  piivault_detokenized* results = nullptr;
  EXPECT_EQ(piivault_vault_detokenize(vault_.p, tokens, nullptr, 1, nullptr, "p", &results),
            PIIVAULT_INVALID_ARGUMENT);
  EXPECT_EQ(piivault_vault_detokenize(vault_.p, tokens, nullptr, 1, "p", nullptr, &results),
            PIIVAULT_INVALID_ARGUMENT);
  EXPECT_EQ(piivault_vault_detokenize(nullptr, tokens, nullptr, 1, "p", "p", &results),
            PIIVAULT_INVALID_ARGUMENT);
  EXPECT_EQ(piivault_vault_detokenize(vault_.p, nullptr, nullptr, 1, "p", "p", &results),
            PIIVAULT_INVALID_ARGUMENT);
  EXPECT_EQ(piivault_vault_detokenize(vault_.p, tokens, nullptr, 1, "p", "p", nullptr),
            PIIVAULT_INVALID_ARGUMENT);
  EXPECT_EQ(piivault_vault_detokenize(vault_.p, nullptr, nullptr, 0, "p", "p", &results),
            PIIVAULT_OK);
  EXPECT_EQ(results, nullptr);
}

// The token operator through the C ABI; the redactor keeps the vault open
// after the caller closes its handle.
TEST_F(CApiVault, RedactorTokenizesIntoTheVault) {
  DetectorPtr d;
  ASSERT_EQ(piivault_detector_create(nullptr, &d.p), PIIVAULT_OK);
  RedactorOptionsPtr options;
  ASSERT_EQ(piivault_redactor_options_create(&options.p), PIIVAULT_OK);
  const std::string policy = "[types.CN_MOBILE]\noperator = \"token\"\n";
  ASSERT_EQ(piivault_redactor_options_set_policy_toml(options.p, policy.data(), policy.size(),
                                                      nullptr),
            PIIVAULT_OK);
  ASSERT_EQ(piivault_redactor_options_set_vault(options.p, vault_.p, "c-test"), PIIVAULT_OK);
  RedactorPtr r;
  ASSERT_EQ(piivault_redactor_create(d.p, options.p, &r.p), PIIVAULT_OK) << LastError();
  piivault_redactor_options_free(options.p);
  options.p = nullptr;
  piivault_vault_close(vault_.p);
  vault_.p = nullptr;

  Buffer out;
  piivault_redaction_report report;
  ASSERT_EQ(piivault_redact(r.p, kText, std::strlen(kText), &out.p, &out.len, &report),
            PIIVAULT_OK)
      << LastError();
  EXPECT_EQ(report.by_operator[PIIVAULT_OPERATOR_TOKEN], 1u);
  const std::string redacted = out.str();
  EXPECT_THAT(redacted, Not(HasSubstr("13812345678")));
  const size_t at = redacted.find("tok_");
  ASSERT_NE(at, std::string::npos) << redacted;
  const std::string token = redacted.substr(at, redacted.find("，", at) - at);
  piivault_redactor_free(r.p);  // the last user of the vault: closes it
  r.p = nullptr;

  ASSERT_EQ(piivault_vault_open(dir_.c_str(), nullptr, nullptr, PIIVAULT_VAULT_IGNORE_ENV,
                                &vault_.p),
            PIIVAULT_OK);
  const char* tokens[] = {token.c_str()};
  piivault_detokenized* results = nullptr;
  ASSERT_EQ(piivault_vault_detokenize(vault_.p, tokens, nullptr, 1, "account_security", "svc",
                                      &results),
            PIIVAULT_OK);
  EXPECT_EQ(results[0].status, PIIVAULT_OK) << results[0].message;
  EXPECT_STREQ(results[0].value, "13812345678");
  piivault_detokenized_free(results);

  // The whole text back, per purpose.
  Buffer restored;
  piivault_restore_report restore;
  ASSERT_EQ(piivault_vault_restore(vault_.p, redacted.data(), redacted.size(), "account_security",
                                   "svc", 0, &restored.p, &restored.len, &restore),
            PIIVAULT_OK)
      << LastError();
  EXPECT_EQ(restored.str(), "客户手机号13812345678，身份证110105********002X");
  EXPECT_EQ(restore.tokens, 1u);
  EXPECT_EQ(restore.restored, 1u);
  EXPECT_EQ(restore.refused, 0u);
  Buffer refused;
  ASSERT_EQ(piivault_vault_restore(vault_.p, redacted.data(), redacted.size(), "marketing", "svc",
                                   PIIVAULT_RESTORE_JSON, &refused.p, &refused.len, &restore),
            PIIVAULT_OK);
  EXPECT_EQ(refused.str(), redacted);  // no consent: the token stays
  EXPECT_EQ(restore.refused, 1u);
  EXPECT_EQ(restore.restored, 0u);
}

TEST_F(CApiVault, RestoreArgumentErrors) {
  Buffer out;
  EXPECT_EQ(piivault_vault_restore(vault_.p, "x", 1, "p", "q", 0x8, &out.p, &out.len, nullptr),
            PIIVAULT_INVALID_ARGUMENT);
  EXPECT_EQ(piivault_vault_restore(nullptr, "x", 1, "p", "q", 0, &out.p, &out.len, nullptr),
            PIIVAULT_INVALID_ARGUMENT);
  EXPECT_EQ(piivault_vault_restore(vault_.p, nullptr, 1, "p", "q", 0, &out.p, &out.len, nullptr),
            PIIVAULT_INVALID_ARGUMENT);
  EXPECT_EQ(piivault_vault_restore(vault_.p, "x", 1, nullptr, "q", 0, &out.p, &out.len, nullptr),
            PIIVAULT_INVALID_ARGUMENT);
  EXPECT_EQ(piivault_vault_restore(vault_.p, "x", 1, "p", nullptr, 0, &out.p, &out.len, nullptr),
            PIIVAULT_INVALID_ARGUMENT);
  EXPECT_EQ(piivault_vault_restore(vault_.p, "x", 1, "p", "q", 0, nullptr, &out.len, nullptr),
            PIIVAULT_INVALID_ARGUMENT);
  EXPECT_EQ(piivault_vault_restore(vault_.p, "x", 1, "p", "q", 0, &out.p, nullptr, nullptr),
            PIIVAULT_INVALID_ARGUMENT);
  EXPECT_EQ(out.p, nullptr);
  ASSERT_EQ(piivault_vault_restore(vault_.p, nullptr, 0, "p", "q", 0, &out.p, &out.len, nullptr),
            PIIVAULT_OK);
  EXPECT_EQ(out.len, 0u);
}

}  // namespace
