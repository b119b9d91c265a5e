// Shared helpers for the vault tests: temp directories and vault set-up.
#ifndef PIIVAULT_TESTS_VAULT_VAULT_TEST_UTIL_H_
#define PIIVAULT_TESTS_VAULT_VAULT_TEST_UTIL_H_

#include <stdlib.h>
#include <unistd.h>

#include <filesystem>
#include <string>

#include "gtest/gtest.h"
#include "piivault/vault.h"

namespace piivault::testing_util {

class TempDir {
 public:
  TempDir() {
    const char* base = std::getenv("TMPDIR");
    std::string tmpl = std::string(base ? base : "/tmp") + "/piivault-vault-XXXXXX";
    char* p = mkdtemp(tmpl.data());
    if (p != nullptr) path_ = p;
  }
  ~TempDir() {
    std::error_code ec;
    if (!path_.empty()) std::filesystem::remove_all(path_, ec);
  }
  const std::string& path() const { return path_; }
  std::string Sub(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

// A policy exercising every mode and decision.
inline constexpr char kTestPolicy[] = R"(
version = 1
[roles]
support = ["agent-1", "agent-2"]
[fields.CN_MOBILE]
mode = "deterministic"
[fields.CN_RESIDENT_ID]
mode = "random"
[fields.BANK_CARD]
mode = "format_preserving"
[fields.CN_USCC]
mode = "format_preserving"
[fields.EMAIL]
ttl_seconds = 100
[[rules]]
name = "id-verify"
fields = ["CN_RESIDENT_ID"]
purposes = ["identity_verification"]
principals = ["*"]
decision = "plaintext"
[[rules]]
name = "id-support-masked"
fields = ["CN_RESIDENT_ID", "BANK_CARD", "CN_MOBILE"]
purposes = ["customer_service"]
principals = ["role:support"]
decision = "masked"
[[rules]]
name = "card-last4"
fields = ["BANK_CARD"]
purposes = ["receipt"]
principals = ["*"]
decision = "last4"
[[rules]]
name = "card-pay"
fields = ["BANK_CARD", "CN_USCC"]
purposes = ["settlement"]
principals = ["svc-pay"]
decision = "plaintext"
[[rules]]
name = "mobile-service"
fields = ["CN_MOBILE", "EMAIL"]
purposes = ["account_security"]
principals = ["*"]
decision = "plaintext"
[[rules]]
name = "marketing"
fields = ["CN_MOBILE", "EMAIL"]
purposes = ["marketing"]
principals = ["*"]
decision = "plaintext"
require_consent = true
[[rules]]
name = "deny-audit-export"
fields = ["*"]
purposes = ["export"]
principals = ["*"]
decision = "deny"
)";

}  // namespace piivault::testing_util

#endif  // PIIVAULT_TESTS_VAULT_VAULT_TEST_UTIL_H_
