// The purpose policy: field x purpose x principal/role -> disclosure.
//
// Format (TOML; see examples/vault-policy.toml):
//   version = 1
//   [roles]
//   kyc = ["svc-kyc", "alice"]
//   [fields.CN_RESIDENT_ID]
//   mode = "random"            # random | deterministic | format_preserving
//   ttl_seconds = 0            # or ttl_days; 0 keeps values forever
//   [[rules]]
//   name = "cnid-identity"
//   fields = ["CN_RESIDENT_ID"]          # "*" = any field
//   purposes = ["identity_verification"] # "*" = any purpose
//   principals = ["*"]                   # names, "role:<name>", or "*"
//   decision = "plaintext"               # plaintext | masked | last4 | deny
//   require_consent = false
// Rules are tried in file order; the first match decides; no match = deny.
#ifndef PIIVAULT_VAULT_POLICY_H_
#define PIIVAULT_VAULT_POLICY_H_

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "piivault/entity_type.h"
#include "piivault/vault.h"

namespace piivault::vault_internal {

struct FieldPolicy {
  TokenMode mode = TokenMode::kRandom;
  int64_t ttl_seconds = 0;
};

struct PolicyRule {
  std::string name;
  std::vector<EntityType> fields;  // empty: any
  std::vector<std::string> purposes;
  std::vector<std::string> principals;
  Disclosure decision = Disclosure::kDeny;
  bool require_consent = false;
};

struct PolicyDecision {
  Disclosure form = Disclosure::kDeny;
  bool require_consent = false;
  std::string rule;  // "" when no rule matched (default deny)
};

class Policy {
 public:
  // kInvalidArgument naming `source` and the line for any error.
  static absl::StatusOr<Policy> Parse(std::string_view toml, std::string_view source);

  PolicyDecision Evaluate(EntityType field, std::string_view purpose,
                          std::string_view principal) const;
  FieldPolicy ForField(EntityType field) const;
  const std::string& hash() const { return hash_; }  // BLAKE2b-256 of the text
  const std::vector<PolicyRule>& rules() const { return rules_; }

 private:
  bool PrincipalMatches(const std::string& pattern, std::string_view principal) const;
  std::map<std::string, std::vector<std::string>, std::less<>> roles_;
  std::map<EntityType, FieldPolicy> fields_;
  std::vector<PolicyRule> rules_;
  std::string hash_;
};

}  // namespace piivault::vault_internal

#endif  // PIIVAULT_VAULT_POLICY_H_
