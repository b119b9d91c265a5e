// Policy parsing: arbitrary TOML either fails with kInvalidArgument naming the
// source, or yields a policy whose evaluation is total and deterministic.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "vault/policy.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size > 16384) return 0;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  absl::StatusOr<piivault::vault_internal::Policy> p =
      piivault::vault_internal::Policy::Parse(text, "fuzz.toml");
  if (!p.ok()) {
    if (p.status().code() != absl::StatusCode::kInvalidArgument) std::abort();
    if (std::string(p.status().message()).rfind("fuzz.toml", 0) != 0) std::abort();
    return 0;
  }
  if (p->hash().size() != 32) std::abort();
  for (piivault::EntityType t : piivault::AllEntityTypes()) {
    for (const char* purpose : {"identity_verification", "marketing", "settlement", "x"}) {
      for (const char* who : {"alice", "svc-kyc", "*"}) {
        piivault::vault_internal::PolicyDecision a = p->Evaluate(t, purpose, who);
        piivault::vault_internal::PolicyDecision b = p->Evaluate(t, purpose, who);
        if (a.form != b.form || a.rule != b.rule) std::abort();
        if (a.form == piivault::Disclosure::kDeny && a.require_consent) std::abort();
      }
    }
    (void)p->ForField(t);
  }
  return 0;
}
