#include "vault/policy.h"

#include <sodium.h>

#include <algorithm>

#include <toml++/toml.h>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "vault/token_codec.h"

namespace piivault {

namespace {
constexpr std::string_view kDefaultPolicy = R"(# piivault vault policy (written by `piivault vault init`).
#
# Rules map field x purpose x principal to a decision: plaintext, masked,
# last4 or deny. They are tried in order; the first match decides; anything
# no rule matches is denied. Principals: "*" (anyone; always audited), a
# principal name, or "role:<name>" with the role defined under [roles].
# require_consent = true: the subject must have granted consent for the
# purpose (piivault vault consent), and values without a subject are denied.
version = 1

[roles]
# kyc = ["svc-kyc", "alice"]   # then principals = ["role:kyc"]

# Token mode per field: random (default), deterministic (same value -> same
# token; linkable), format_preserving (CN_RESIDENT_ID, BANK_CARD, CN_USCC).
# ttl_seconds / ttl_days: values older than this cannot be read and are purged.
[fields.CN_RESIDENT_ID]
mode = "random"

[fields.BANK_CARD]
mode = "random"

[fields.CN_MOBILE]
mode = "random"

[[rules]]
name = "resident-id-identity"
fields = ["CN_RESIDENT_ID"]
purposes = ["identity_verification", "enterprise_claim", "trademark_notarization"]
principals = ["*"]
decision = "plaintext"

[[rules]]
name = "bank-card-payment"
fields = ["BANK_CARD"]
purposes = ["rebate_payment", "settlement"]
principals = ["*"]
decision = "plaintext"

[[rules]]
name = "mobile-service"
fields = ["CN_MOBILE"]
purposes = ["customer_service", "account_security"]
principals = ["*"]
decision = "plaintext"

[[rules]]
name = "marketing-with-consent"
fields = ["CN_MOBILE", "EMAIL"]
purposes = ["marketing"]
principals = ["*"]
decision = "plaintext"
require_consent = true
)";
}  // namespace

std::string_view DefaultPolicyToml() { return kDefaultPolicy; }

std::string_view DisclosureName(Disclosure d) {
  switch (d) {
    case Disclosure::kDeny: return "deny";
    case Disclosure::kMasked: return "masked";
    case Disclosure::kLast4: return "last4";
    case Disclosure::kPlaintext: return "plaintext";
  }
  return "deny";
}

std::optional<Disclosure> ParseDisclosure(std::string_view name) {
  for (Disclosure d : {Disclosure::kDeny, Disclosure::kMasked, Disclosure::kLast4,
                       Disclosure::kPlaintext})
    if (DisclosureName(d) == name) return d;
  return std::nullopt;
}

std::string_view TokenModeName(TokenMode m) {
  switch (m) {
    case TokenMode::kRandom: return "random";
    case TokenMode::kDeterministic: return "deterministic";
    case TokenMode::kFormatPreserving: return "format_preserving";
  }
  return "random";
}

namespace vault_internal {
namespace {

absl::Status Err(std::string_view source, const toml::node& node, std::string_view what) {
  return absl::InvalidArgumentError(absl::StrCat(std::string(source), ":",
                                                 node.source().begin.line, ": ",
                                                 std::string(what)));
}

absl::StatusOr<std::vector<std::string>> StringArray(std::string_view source,
                                                     const toml::node& node,
                                                     std::string_view key) {
  const toml::array* arr = node.as_array();
  if (arr == nullptr) return Err(source, node, absl::StrCat(std::string(key), " must be an array of strings"));
  std::vector<std::string> out;
  for (const toml::node& el : *arr) {
    const auto* s = el.as_string();
    if (s == nullptr) return Err(source, el, absl::StrCat(std::string(key), " must hold strings"));
    if (s->get().empty() || s->get().size() > 256)
      return Err(source, el, absl::StrCat(std::string(key), " entry must be 1..256 bytes"));
    out.push_back(s->get());
  }
  return out;
}

}  // namespace

absl::StatusOr<Policy> Policy::Parse(std::string_view text, std::string_view source) {
  if (text.size() > (1u << 20)) {
    return absl::InvalidArgumentError(
        absl::StrCat(std::string(source), ": policy is ", text.size(), " bytes; limit 1 MiB"));
  }
  // The system toml++ is built with exceptions; they stop here.
  toml::table root;
  try {
    root = toml::parse(text, std::string(source));
  } catch (const toml::parse_error& e) {
    return absl::InvalidArgumentError(absl::StrCat(std::string(source), ":",
                                                   e.source().begin.line, ": ",
                                                   std::string(e.description())));
  }
  Policy p;
  uint8_t h[crypto_generichash_BYTES];
  crypto_generichash(h, sizeof h, reinterpret_cast<const uint8_t*>(text.data()), text.size(),
                     nullptr, 0);
  p.hash_.assign(reinterpret_cast<const char*>(h), sizeof h);

  for (const auto& [k, v] : root) {
    const std::string_view key = k.str();
    if (key == "version") {
      const auto* n = v.as_integer();
      if (n == nullptr || n->get() != 1) return Err(source, v, "version must be 1");
    } else if (key == "roles") {
      const toml::table* t = v.as_table();
      if (t == nullptr) return Err(source, v, "[roles] must be a table");
      for (const auto& [rk, rv] : *t) {
        PIIVAULT_ASSIGN_OR_RETURN(std::vector<std::string> members,
                                  StringArray(source, rv, "role"));
        p.roles_[std::string(rk.str())] = std::move(members);
      }
    } else if (key == "fields") {
      const toml::table* t = v.as_table();
      if (t == nullptr) return Err(source, v, "[fields] must be a table");
      for (const auto& [fk, fv] : *t) {
        std::optional<EntityType> type = ParseEntityType(fk.str());
        if (!type) return Err(source, fv, "unknown field type name");
        const toml::table* ft = fv.as_table();
        if (ft == nullptr) return Err(source, fv, "field entry must be a table");
        FieldPolicy fp;
        for (const auto& [ak, av] : *ft) {
          const std::string_view a = ak.str();
          if (a == "mode") {
            const auto* s = av.as_string();
            if (s == nullptr) return Err(source, av, "mode must be a string");
            if (s->get() == "random") fp.mode = TokenMode::kRandom;
            else if (s->get() == "deterministic") fp.mode = TokenMode::kDeterministic;
            else if (s->get() == "format_preserving") {
              if (!SupportsFormatPreserving(*type))
                return Err(source, av,
                           "format_preserving is only available for CN_RESIDENT_ID, BANK_CARD, CN_USCC");
              fp.mode = TokenMode::kFormatPreserving;
            } else {
              return Err(source, av, "mode must be random, deterministic or format_preserving");
            }
          } else if (a == "ttl_seconds" || a == "ttl_days") {
            const auto* n = av.as_integer();
            if (n == nullptr || n->get() < 0 || n->get() > (int64_t{1} << 40))
              return Err(source, av, "ttl must be a non-negative integer");
            fp.ttl_seconds = a == "ttl_days" ? n->get() * 86400 : n->get();
          } else {
            return Err(source, av, "unknown key in field entry");
          }
        }
        p.fields_[*type] = fp;
      }
    } else if (key == "rules") {
      const toml::array* arr = v.as_array();
      if (arr == nullptr) return Err(source, v, "rules must be an array of tables ([[rules]])");
      for (const toml::node& rn : *arr) {
        const toml::table* rt = rn.as_table();
        if (rt == nullptr) return Err(source, rn, "each rule must be a table");
        PolicyRule rule;
        bool has_decision = false, has_purposes = false, has_principals = false,
             has_fields = false;
        for (const auto& [ak, av] : *rt) {
          const std::string_view a = ak.str();
          if (a == "name") {
            const auto* s = av.as_string();
            if (s == nullptr || s->get().empty() || s->get().size() > 128)
              return Err(source, av, "name must be a string of 1..128 bytes");
            rule.name = s->get();
          } else if (a == "fields") {
            PIIVAULT_ASSIGN_OR_RETURN(std::vector<std::string> names,
                                      StringArray(source, av, "fields"));
            for (const std::string& n : names) {
              if (n == "*") {
                rule.fields.clear();
                break;
              }
              std::optional<EntityType> type = ParseEntityType(n);
              if (!type) return Err(source, av, "unknown field type name in fields");
              rule.fields.push_back(*type);
            }
            has_fields = true;
          } else if (a == "purposes") {
            PIIVAULT_ASSIGN_OR_RETURN(rule.purposes, StringArray(source, av, "purposes"));
            has_purposes = true;
          } else if (a == "principals") {
            PIIVAULT_ASSIGN_OR_RETURN(rule.principals, StringArray(source, av, "principals"));
            has_principals = true;
          } else if (a == "decision") {
            const auto* s = av.as_string();
            std::optional<Disclosure> d;
            if (s != nullptr) d = ParseDisclosure(s->get());
            if (!d) return Err(source, av, "decision must be plaintext, masked, last4 or deny");
            rule.decision = *d;
            has_decision = true;
          } else if (a == "require_consent") {
            const auto* b = av.as_boolean();
            if (b == nullptr) return Err(source, av, "require_consent must be true or false");
            rule.require_consent = b->get();
          } else {
            return Err(source, av, "unknown key in rule");
          }
        }
        if (!has_decision || !has_purposes || !has_principals || !has_fields)
          return Err(source, rn, "a rule needs fields, purposes, principals and decision");
        if (rule.name.empty()) rule.name = absl::StrCat("rule-", p.rules_.size() + 1);
        p.rules_.push_back(std::move(rule));
      }
    } else {
      return Err(source, v, "unknown top-level key");
    }
  }
  for (const PolicyRule& r : p.rules_) {
    for (const std::string& pr : r.principals) {
      if (pr.rfind("role:", 0) == 0 && !p.roles_.contains(pr.substr(5))) {
        return absl::InvalidArgumentError(absl::StrCat(
            std::string(source), ": rule ", r.name, " names an undefined role"));
      }
    }
  }
  return p;
}

bool Policy::PrincipalMatches(const std::string& pattern, std::string_view principal) const {
  if (pattern == "*") return true;
  if (pattern.rfind("role:", 0) == 0) {
    auto it = roles_.find(std::string_view(pattern).substr(5));
    if (it == roles_.end()) return false;
    return std::find(it->second.begin(), it->second.end(), principal) != it->second.end();
  }
  return pattern == principal;
}

PolicyDecision Policy::Evaluate(EntityType field, std::string_view purpose,
                                std::string_view principal) const {
  for (const PolicyRule& r : rules_) {
    if (!r.fields.empty() && std::find(r.fields.begin(), r.fields.end(), field) == r.fields.end())
      continue;
    bool purpose_ok = false;
    for (const std::string& p : r.purposes)
      if (p == "*" || p == purpose) purpose_ok = true;
    if (!purpose_ok) continue;
    bool principal_ok = false;
    for (const std::string& p : r.principals)
      if (PrincipalMatches(p, principal)) principal_ok = true;
    if (!principal_ok) continue;
    return {r.decision, r.require_consent, r.name};
  }
  return {};
}

FieldPolicy Policy::ForField(EntityType field) const {
  auto it = fields_.find(field);
  return it == fields_.end() ? FieldPolicy{} : it->second;
}

}  // namespace vault_internal
}  // namespace piivault
