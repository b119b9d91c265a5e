// Redaction policy (TOML) and the redaction report.
// Debian builds toml++ as a shared library with exceptions: parse() throws
// toml::parse_error, which is caught right here and turned into a status.
#include <toml++/toml.h>

#include <algorithm>
#include <string>

#include "absl/strings/str_cat.h"
#include "common/file_util.h"
#include "piivault/redactor.h"

namespace piivault {
namespace {

constexpr std::string_view kDefaultPolicyText =
#include "redact/default_policy.inc"
    ;

constexpr RedactOperator kAllOperators[] = {RedactOperator::kKeep,  RedactOperator::kMask,
                                            RedactOperator::kLabel, RedactOperator::kHash,
                                            RedactOperator::kToken, RedactOperator::kDrop};

std::optional<RedactOperator> ParseOperator(std::string_view name) {
  for (RedactOperator op : kAllOperators)
    if (RedactOperatorName(op) == name) return op;
  return std::nullopt;
}

class PolicyParser {
 public:
  explicit PolicyParser(std::string_view source) : source_(source) {}

  absl::Status Error(const toml::node& node, std::string_view what) const {
    return Error(node.source().begin.line, what);
  }
  absl::Status Error(uint32_t line, std::string_view what) const {
    return absl::InvalidArgumentError(
        absl::StrCat(std::string(source_), ":", line, ": ", std::string(what)));
  }

  absl::Status ParseOperatorNode(const toml::node& node, RedactOperator* op) const {
    const auto* s = node.as_string();
    if (s == nullptr) return Error(node, "operator must be a string");
    std::optional<RedactOperator> parsed = ParseOperator(s->get());
    if (!parsed)
      return Error(node, absl::StrCat("unknown operator \"", s->get(),
                                      "\" (expected mask, label, hash, token, drop or keep)"));
    *op = *parsed;
    return absl::OkStatus();
  }

  absl::Status ParseConfidence(const toml::node& node, float* out) const {
    double v;
    if (const auto* f = node.as_floating_point()) v = f->get();
    else if (const auto* i = node.as_integer()) v = static_cast<double>(i->get());
    else return Error(node, "min_confidence must be a number");
    if (!(v >= 0.0 && v <= 1.0)) return Error(node, "min_confidence must be between 0 and 1");
    *out = static_cast<float>(v);
    return absl::OkStatus();
  }

  absl::Status ParseStrings(const toml::node& node, std::string_view key,
                            std::vector<std::string>* out) const {
    const auto* arr = node.as_array();
    if (arr == nullptr) return Error(node, absl::StrCat(std::string(key), " must be an array of strings"));
    for (const toml::node& e : *arr) {
      const auto* s = e.as_string();
      if (s == nullptr) return Error(e, absl::StrCat(std::string(key), " must contain only strings"));
      if (s->get().empty()) return Error(e, absl::StrCat(std::string(key), " must not contain empty strings"));
      out->push_back(s->get());
    }
    return absl::OkStatus();
  }

  absl::Status Parse(const toml::table& root, RedactionPolicy* p) const {
    for (const auto& [key, node] : root) {
      const std::string_view k = key.str();
      const toml::table* t = node.as_table();
      if (k != "defaults" && k != "types" && k != "allow" && k != "deny")
        return Error(key.source().begin.line, absl::StrCat("unknown section [", std::string(k),
                                                           "] (expected defaults, types, allow, deny)"));
      if (t == nullptr) return Error(node, absl::StrCat("[", std::string(k), "] must be a table"));
      if (k == "defaults") {
        for (const auto& [dk, dv] : *t) {
          const std::string_view d = dk.str();
          if (d == "operator") {
            if (absl::Status s = ParseOperatorNode(dv, &p->default_operator); !s.ok()) return s;
          } else if (d == "min_confidence") {
            if (absl::Status s = ParseConfidence(dv, &p->default_min_confidence); !s.ok()) return s;
          } else if (d == "label_style") {
            const auto* s = dv.as_string();
            if (s != nullptr && s->get() == "angle") p->label_style = LabelStyle::kAngle;
            else if (s != nullptr && s->get() == "chinese") p->label_style = LabelStyle::kChinese;
            else return Error(dv, "label_style must be \"angle\" or \"chinese\"");
          } else if (d == "numbered_labels") {
            const auto* b = dv.as_boolean();
            if (b == nullptr) return Error(dv, "numbered_labels must be true or false");
            p->numbered_labels = b->get();
          } else if (d == "max_numbered_values") {
            const auto* n = dv.as_integer();
            if (n == nullptr || n->get() < 1 || n->get() > 100000000)
              return Error(dv, "max_numbered_values must be an integer from 1 to 100000000");
            p->max_numbered_values = static_cast<uint32_t>(n->get());
          } else if (d == "settle_passes") {
            const auto* n = dv.as_integer();
            if (n == nullptr || n->get() < 0 || n->get() > kMaxSettlePasses)
              return Error(dv, absl::StrCat("settle_passes must be an integer from 0 to ", kMaxSettlePasses));
            p->settle_passes = static_cast<uint32_t>(n->get());
          } else {
            return Error(dk.source().begin.line, absl::StrCat("unknown key \"", std::string(d), "\" in [defaults]"));
          }
        }
      } else if (k == "types") {
        for (const auto& [tk, tv] : *t) {
          std::optional<EntityType> type = ParseEntityType(tk.str());
          if (!type)
            return Error(tk.source().begin.line,
                         absl::StrCat("unknown entity type \"", std::string(tk.str()), "\""));
          const toml::table* rt = tv.as_table();
          if (rt == nullptr) return Error(tv, absl::StrCat("[types.", std::string(tk.str()), "] must be a table"));
          TypeRule rule;
          rule.op = p->default_operator;
          rule.min_confidence = p->default_min_confidence;
          bool has_op = false, has_conf = false;
          for (const auto& [rk, rv] : *rt) {
            const std::string_view r = rk.str();
            if (r == "operator") {
              if (absl::Status s = ParseOperatorNode(rv, &rule.op); !s.ok()) return s;
              has_op = true;
            } else if (r == "min_confidence") {
              if (absl::Status s = ParseConfidence(rv, &rule.min_confidence); !s.ok()) return s;
              has_conf = true;
            } else if (r == "label") {
              const auto* s = rv.as_string();
              if (s == nullptr || s->get().empty()) return Error(rv, "label must be a non-empty string");
              rule.label = s->get();
            } else {
              return Error(rk.source().begin.line,
                           absl::StrCat("unknown key \"", std::string(r), "\" in [types.", std::string(tk.str()), "]"));
            }
          }
          // Remember which fields were given so [defaults] order does not matter.
          explicit_op_[static_cast<size_t>(*type)] = has_op;
          explicit_conf_[static_cast<size_t>(*type)] = has_conf;
          p->rules[*type] = rule;
        }
      } else {
        const std::string_view want = k == "allow" ? "values" : "terms";
        for (const auto& [ak, av] : *t) {
          if (ak.str() != want)
            return Error(ak.source().begin.line,
                         absl::StrCat("unknown key \"", std::string(ak.str()), "\" in [", std::string(k), "] (expected ", std::string(want), ")"));
          if (absl::Status s = ParseStrings(av, want, k == "allow" ? &p->allow_list : &p->deny_list);
              !s.ok())
            return s;
        }
      }
    }
    // Rules that did not set a field inherit the final defaults.
    for (auto& [type, rule] : p->rules) {
      if (!explicit_op_[static_cast<size_t>(type)]) rule.op = p->default_operator;
      if (!explicit_conf_[static_cast<size_t>(type)]) rule.min_confidence = p->default_min_confidence;
    }
    return absl::OkStatus();
  }

 private:
  std::string_view source_;
  mutable std::array<bool, 256> explicit_op_{};
  mutable std::array<bool, 256> explicit_conf_{};
};

}  // namespace

std::string_view RedactOperatorName(RedactOperator op) {
  switch (op) {
    case RedactOperator::kKeep: return "keep";
    case RedactOperator::kMask: return "mask";
    case RedactOperator::kLabel: return "label";
    case RedactOperator::kHash: return "hash";
    case RedactOperator::kToken: return "token";
    case RedactOperator::kDrop: return "drop";
  }
  return "keep";
}

TypeRule RedactionPolicy::RuleFor(EntityType type) const {
  TypeRule rule;
  auto it = rules.find(type);
  if (it != rules.end()) {
    rule = it->second;
  } else {
    rule.op = default_operator;
    rule.min_confidence = default_min_confidence;
  }
  if (type == EntityType::kMasked) rule.op = RedactOperator::kKeep;
  return rule;
}

float RedactionPolicy::LowestMinConfidence() const {
  float lowest = default_min_confidence;
  for (const auto& [type, rule] : rules) lowest = std::min(lowest, rule.min_confidence);
  return lowest;
}

absl::StatusOr<RedactionPolicy> RedactionPolicy::Parse(std::string_view text,
                                                       std::string_view source_name) {
  toml::table table;
  try {
    table = toml::parse(text, source_name);
  } catch (const toml::parse_error& e) {
    return absl::InvalidArgumentError(absl::StrCat(std::string(source_name), ":",
                                                   e.source().begin.line, ": ",
                                                   std::string(e.description())));
  }
  RedactionPolicy policy;
  PolicyParser parser(source_name);
  if (absl::Status s = parser.Parse(table, &policy); !s.ok()) return s;
  return policy;
}

absl::StatusOr<RedactionPolicy> RedactionPolicy::LoadFile(const std::string& path) {
  absl::StatusOr<std::string> text = internal::ReadFile(path, size_t{16} << 20);
  if (!text.ok()) return text.status();
  return Parse(*text, path);
}

std::string_view RedactionPolicy::DefaultPolicyText() { return kDefaultPolicyText; }

const RedactionPolicy& RedactionPolicy::Default() {
  static const RedactionPolicy* const policy = [] {
    absl::StatusOr<RedactionPolicy> p = Parse(kDefaultPolicyText, "<default policy>");
    // The default policy is tested; a failure here is a build defect.
    if (!p.ok()) std::abort();
    return new RedactionPolicy(*std::move(p));
  }();
  return *policy;
}

void RedactionReport::Add(EntityType type, RedactOperator op, uint64_t n) {
  counts[type][static_cast<size_t>(op)] += n;
}

void RedactionReport::Merge(const RedactionReport& other) {
  for (const auto& [type, ops] : other.counts)
    for (size_t i = 0; i < ops.size(); ++i) counts[type][i] += ops[i];
  below_threshold += other.below_threshold;
  allow_listed += other.allow_listed;
  numbering_capped += other.numbering_capped;
  settled += other.settled;
  unsettled += other.unsettled;
}

uint64_t RedactionReport::Total(EntityType type) const {
  auto it = counts.find(type);
  if (it == counts.end()) return 0;
  uint64_t n = 0;
  for (uint64_t c : it->second) n += c;
  return n;
}

uint64_t RedactionReport::Total(RedactOperator op) const {
  uint64_t n = 0;
  for (const auto& [type, ops] : counts) n += ops[static_cast<size_t>(op)];
  return n;
}

uint64_t RedactionReport::Redacted() const {
  uint64_t n = 0;
  for (RedactOperator op : kAllOperators)
    if (op != RedactOperator::kKeep) n += Total(op);
  return n;
}

std::string RedactionReport::ToJson() const {
  std::string out = "{\"by_type\":{";
  bool first = true;
  for (const auto& [type, ops] : counts) {
    absl::StrAppend(&out, first ? "" : ",", "\"", std::string(EntityTypeName(type)), "\":{");
    first = false;
    bool first_op = true;
    for (RedactOperator op : kAllOperators) {
      uint64_t n = ops[static_cast<size_t>(op)];
      if (n == 0) continue;
      absl::StrAppend(&out, first_op ? "" : ",", "\"", std::string(RedactOperatorName(op)), "\":", n);
      first_op = false;
    }
    out += "}";
  }
  out += "},\"by_operator\":{";
  first = true;
  for (RedactOperator op : kAllOperators) {
    absl::StrAppend(&out, first ? "" : ",", "\"", std::string(RedactOperatorName(op)), "\":", Total(op));
    first = false;
  }
  absl::StrAppend(&out, "},\"below_threshold\":", below_threshold, ",\"allow_listed\":", allow_listed,
                  ",\"numbering_capped\":", numbering_capped, ",\"settled\":", settled,
                  ",\"unsettled\":", unsettled, "}");
  return out;
}

}  // namespace piivault
