#include "detect/pattern_set.h"

#include <algorithm>
#include <cstring>
#include <optional>
#include <string>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "detect/builtin_patterns.h"
#include "detect/text_scan.h"
#include "re2/re2.h"
#include "toml++/toml.h"

namespace piivault::internal {
namespace {

absl::Status Bad(std::string_view file, int line, std::string_view what) {
  return absl::InvalidArgumentError(
      absl::StrCat(std::string(file), ":", line, ": ", std::string(what)));
}

int LineOf(const toml::node& n) { return static_cast<int>(n.source().begin.line); }

absl::StatusOr<Extractor> ParseExtractor(std::string_view s) {
  static constexpr std::pair<std::string_view, Extractor> kNames[] = {
      {"digits", Extractor::kDigits},         {"token", Extractor::kToken},
      {"email", Extractor::kEmail},           {"colon_hex", Extractor::kColonHex},
      {"decimal_pair", Extractor::kDecimalPair}, {"cn_date", Extractor::kCnDate},
      {"plate", Extractor::kPlate},           {"anchor_name", Extractor::kAnchorName},
      {"anchor_address", Extractor::kAnchorAddress},
  };
  for (const auto& [n, e] : kNames) {
    if (n == s) return e;
  }
  return absl::InvalidArgumentError("unknown extractor");
}

// Reads a string field; error if present with another type.
absl::Status GetString(const toml::table& t, std::string_view key, std::string_view file,
                       int line, std::string* out, bool required) {
  const toml::node* n = t.get(key);
  if (n == nullptr) {
    if (required) return Bad(file, line, absl::StrCat("missing required key '", std::string(key), "'"));
    return absl::OkStatus();
  }
  if (!n->is_string()) return Bad(file, LineOf(*n), absl::StrCat("'", std::string(key), "' must be a string"));
  *out = n->as_string()->get();
  return absl::OkStatus();
}

absl::Status GetStringArray(const toml::table& t, std::string_view key, std::string_view file,
                            std::vector<std::string>* out) {
  const toml::node* n = t.get(key);
  if (n == nullptr) return absl::OkStatus();
  const toml::array* a = n->as_array();
  if (a == nullptr) return Bad(file, LineOf(*n), absl::StrCat("'", std::string(key), "' must be an array of strings"));
  for (const toml::node& e : *a) {
    if (!e.is_string()) return Bad(file, LineOf(e), absl::StrCat("'", std::string(key), "' must contain only strings"));
    out->push_back(e.as_string()->get());
  }
  return absl::OkStatus();
}

absl::Status GetNumber(const toml::table& t, std::string_view key, std::string_view file,
                       double* out, double lo, double hi) {
  const toml::node* n = t.get(key);
  if (n == nullptr) return absl::OkStatus();
  double v;
  if (n->is_floating_point()) {
    v = n->as_floating_point()->get();
  } else if (n->is_integer()) {
    v = static_cast<double>(n->as_integer()->get());
  } else {
    return Bad(file, LineOf(*n), absl::StrCat("'", std::string(key), "' must be a number"));
  }
  if (!(v >= lo && v <= hi)) {
    return Bad(file, LineOf(*n), absl::StrCat("'", std::string(key), "' out of range [", lo, ", ", hi, "]"));
  }
  *out = v;
  return absl::OkStatus();
}

absl::Status GetBool(const toml::table& t, std::string_view key, std::string_view file, bool* out) {
  const toml::node* n = t.get(key);
  if (n == nullptr) return absl::OkStatus();
  if (!n->is_boolean()) return Bad(file, LineOf(*n), absl::StrCat("'", std::string(key), "' must be true or false"));
  *out = n->as_boolean()->get();
  return absl::OkStatus();
}

absl::Status GetKeywords(const toml::table& t, std::string_view key, std::string_view file,
                         std::vector<Keyword>* out) {
  const toml::node* n = t.get(key);
  if (n == nullptr) return absl::OkStatus();
  const toml::table* kw = n->as_table();
  if (kw == nullptr) return Bad(file, LineOf(*n), absl::StrCat("'", std::string(key), "' must be a table of keyword = weight"));
  for (auto&& [k, v] : *kw) {
    double w;
    if (v.is_floating_point()) {
      w = v.as_floating_point()->get();
    } else if (v.is_integer()) {
      w = static_cast<double>(v.as_integer()->get());
    } else {
      return Bad(file, LineOf(v), "keyword weight must be a number");
    }
    if (!(w > 0 && w <= 1)) return Bad(file, LineOf(v), "keyword weight must be in (0, 1]");
    if (k.str().empty()) return Bad(file, LineOf(v), "empty keyword");
    out->push_back({absl::AsciiStrToLower(std::string(k.str())), static_cast<float>(w)});
  }
  // Longest first: when one keyword contains another, the longer is the better cue.
  std::sort(out->begin(), out->end(),
            [](const Keyword& a, const Keyword& b) { return a.text.size() > b.text.size(); });
  return absl::OkStatus();
}

constexpr std::string_view kPatternKeys[] = {
    "id", "type", "extractor", "value", "regex", "validator", "confidence",
    "requires_context", "min_length", "max_length", "separators", "max_separators",
    "uppercase", "strip", "extension", "allow_all_digits", "priority", "masked_as", "anchors", "bare_anchors", "positive",
    "negative", "negative_after", "lists", "match", "no_match", "description"};

absl::StatusOr<Pattern> ParsePattern(const toml::table& t, std::string_view file,
                                     std::string_view family, int line) {
  Pattern p;
  p.file = std::string(file);
  p.family = std::string(family);
  p.line = line;
  for (auto&& [k, v] : t) {
    if (std::find(std::begin(kPatternKeys), std::end(kPatternKeys), k.str()) == std::end(kPatternKeys)) {
      return Bad(file, LineOf(v), absl::StrCat("unknown key '", std::string(k.str()), "'"));
    }
  }
  PIIVAULT_RETURN_IF_ERROR(GetString(t, "id", file, line, &p.id, true));
  std::string s;
  PIIVAULT_RETURN_IF_ERROR(GetString(t, "type", file, line, &s, true));
  std::optional<EntityType> type = ParseEntityType(s);
  if (!type) return Bad(file, LineOf(*t.get("type")), "unknown entity type");
  p.type = *type;
  s.clear();
  PIIVAULT_RETURN_IF_ERROR(GetString(t, "masked_as", file, line, &s, false));
  if (!s.empty()) {
    std::optional<EntityType> m = ParseEntityType(s);
    if (!m) return Bad(file, LineOf(*t.get("masked_as")), "unknown masked_as type");
    p.masked_as = *m;
  }
  if (p.type == EntityType::kMasked && p.masked_as == EntityType::kUnknown) {
    return Bad(file, line, "type MASKED needs masked_as");
  }
  s.clear();
  PIIVAULT_RETURN_IF_ERROR(GetString(t, "extractor", file, line, &s, true));
  absl::StatusOr<Extractor> ex = ParseExtractor(s);
  if (!ex.ok()) return Bad(file, LineOf(*t.get("extractor")), absl::StrCat("unknown extractor '", s, "'"));
  p.extractor = *ex;
  s = "digits";
  PIIVAULT_RETURN_IF_ERROR(GetString(t, "value", file, line, &s, false));
  if (s != "digits" && s != "raw") return Bad(file, LineOf(*t.get("value")), "value must be \"digits\" or \"raw\"");
  p.value_raw = s == "raw";
  std::string regex;
  PIIVAULT_RETURN_IF_ERROR(GetString(t, "regex", file, line, &regex, true));
  RE2::Options opts;
  opts.set_log_errors(false);
  // Candidates are short; 1 MiB per pattern keeps ~50 patterns well under
  // the detector's 64 MB budget even with full DFA caches.
  opts.set_max_mem(int64_t{1} << 20);
  auto re = std::make_shared<RE2>(regex, opts);
  if (!re->ok()) {
    return Bad(file, LineOf(*t.get("regex")), absl::StrCat("bad regex: ", re->error()));
  }
  p.regex = std::move(re);
  // Outside the subset (kUnimplemented) or past its limits, RE2 alone
  // decides; RE2 has accepted the regex, so there is nothing to report.
  if (absl::StatusOr<ShapeMatcher> shape = ShapeMatcher::Compile(regex); shape.ok()) p.shape = *std::move(shape);
  p.validator_name = "none";
  PIIVAULT_RETURN_IF_ERROR(GetString(t, "validator", file, line, &p.validator_name, false));
  p.validator = FindValidator(p.validator_name);
  if (p.validator == nullptr) {
    return Bad(file, LineOf(*t.get("validator")), absl::StrCat("unknown validator '", p.validator_name, "'"));
  }
  double d = p.confidence;
  PIIVAULT_RETURN_IF_ERROR(GetNumber(t, "confidence", file, &d, 0, 1));
  p.confidence = static_cast<float>(d);
  PIIVAULT_RETURN_IF_ERROR(GetBool(t, "requires_context", file, &p.requires_context));
  d = static_cast<double>(p.min_length);
  PIIVAULT_RETURN_IF_ERROR(GetNumber(t, "min_length", file, &d, 1, 256));
  p.min_length = static_cast<size_t>(d);
  d = static_cast<double>(p.max_length);
  PIIVAULT_RETURN_IF_ERROR(GetNumber(t, "max_length", file, &d, 1, 256));
  p.max_length = static_cast<size_t>(d);
  if (p.min_length > p.max_length) return Bad(file, line, "min_length > max_length");
  // Digit runs default to " -\n"; other extractors join nothing by default.
  if (p.extractor != Extractor::kDigits) p.separators.clear();
  PIIVAULT_RETURN_IF_ERROR(GetString(t, "separators", file, line, &p.separators, false));
  p.separator_bits = 0;
  for (char c : p.separators) {
    if (Pattern::SeparatorBit(c) == 0) {
      return Bad(file, LineOf(*t.get("separators")), "separators may only contain space, '-', '.', '/', '(', ')' and newline");
    }
    p.separator_bits |= Pattern::SeparatorBit(c);
  }
  d = static_cast<double>(p.max_separators);
  PIIVAULT_RETURN_IF_ERROR(GetNumber(t, "max_separators", file, &d, 0, 16));
  p.max_separators = static_cast<size_t>(d);
  PIIVAULT_RETURN_IF_ERROR(GetBool(t, "uppercase", file, &p.uppercase));
  PIIVAULT_RETURN_IF_ERROR(GetString(t, "strip", file, line, &p.strip, false));
  PIIVAULT_RETURN_IF_ERROR(GetBool(t, "extension", file, &p.extension));
  PIIVAULT_RETURN_IF_ERROR(GetBool(t, "allow_all_digits", file, &p.allow_all_digits));
  d = 0;
  PIIVAULT_RETURN_IF_ERROR(GetNumber(t, "priority", file, &d, -100, 100));
  p.priority = static_cast<int>(d);
  PIIVAULT_RETURN_IF_ERROR(GetStringArray(t, "anchors", file, &p.anchors));
  if ((p.extractor == Extractor::kAnchorName || p.extractor == Extractor::kAnchorAddress) &&
      p.anchors.empty()) {
    return Bad(file, line, "anchor extractors need a non-empty 'anchors' list");
  }
  PIIVAULT_RETURN_IF_ERROR(GetStringArray(t, "bare_anchors", file, &p.bare_anchors));
  if (!p.bare_anchors.empty() && p.extractor != Extractor::kAnchorName &&
      p.extractor != Extractor::kAnchorAddress) {
    return Bad(file, line, "'bare_anchors' needs an anchor extractor");
  }
  for (const std::string& a : p.bare_anchors) {
    // The scanner finds bare anchors by their last character, which must be
    // a 3-byte UTF-8 character (a CJK ideograph).
    const size_t n = a.size();
    if (n < 6 || static_cast<uint8_t>(a[n - 3]) < 0xE0 || static_cast<uint8_t>(a[n - 3]) > 0xEF) {
      return Bad(file, line, "a bare anchor must be at least two CJK characters and end with one");
    }
  }
  PIIVAULT_RETURN_IF_ERROR(GetKeywords(t, "positive", file, &p.positive));
  PIIVAULT_RETURN_IF_ERROR(GetKeywords(t, "negative", file, &p.negative));
  PIIVAULT_RETURN_IF_ERROR(GetKeywords(t, "negative_after", file, &p.negative_after));
  if (p.requires_context && p.positive.empty() && p.anchors.empty()) {
    return Bad(file, line, "requires_context without positive keywords");
  }
  if (const toml::node* n = t.get("lists")) {
    const toml::table* lt = n->as_table();
    if (lt == nullptr) return Bad(file, LineOf(*n), "'lists' must be a table of string arrays");
    for (auto&& [k, v] : *lt) {
      std::vector<std::string> items;
      PIIVAULT_RETURN_IF_ERROR(GetStringArray(*lt, k.str(), file, &items));
      p.SetList(std::string(k.str()), std::move(items));
    }
  }
  PIIVAULT_RETURN_IF_ERROR(GetStringArray(t, "match", file, &p.match_examples));
  PIIVAULT_RETURN_IF_ERROR(GetStringArray(t, "no_match", file, &p.no_match_examples));
  if (p.extractor == Extractor::kPlate && p.List("provinces") == nullptr) {
    return Bad(file, line, "plate extractor needs lists.provinces");
  }
  return p;
}

}  // namespace

size_t Pattern::MaxSpanBytes() const {
  // A normalised character comes from at most 3 bytes (full-width forms,
  // Chinese numerals, U+3000), and the normaliser lets at most one zero-width
  // character (3 bytes) precede it.
  size_t chars = max_length + max_separators;
  size_t bytes = chars * 6;
  if (extension) bytes += 6 /*分机*/ + 1 + 5 * 6;
  return bytes;
}

namespace {

// The list named `name`, or nullptr.
const Pattern::NamedList* Named(const std::vector<Pattern::NamedList>& lists, std::string_view name) {
  // (Asked per candidate by some validators: sizes first, then the bytes
  // without a memcmp call.)
  for (const Pattern::NamedList& l : lists) {
    if (l.name.size() == name.size() && ShortBytesEqual(l.name.data(), name.data(), name.size())) return &l;
  }
  return nullptr;
}

}  // namespace

void Pattern::SetList(std::string name, std::vector<std::string> items) {
  ListSet set;
  for (const std::string& item : items) set.Add(item);
  for (NamedList& l : lists) {
    if (l.name == name) {
      l.items = std::move(items);
      l.set = std::move(set);
      return;
    }
  }
  for (size_t k = 0; k < std::size(kKnownListNames); ++k) {
    if (name == kKnownListNames[k] && lists.size() < 128) known_lists[k] = static_cast<int8_t>(lists.size());
  }
  lists.push_back({std::move(name), std::move(items), std::move(set)});
}

const std::vector<std::string>* Pattern::List(std::string_view name) const {
  const NamedList* l = Named(lists, name);
  return l == nullptr ? nullptr : &l->items;
}

bool Pattern::InList(std::string_view name, std::string_view value) const {
  const ListSet* set = FindListSet(name);
  return set != nullptr && set->Contains(value);
}

const Pattern::ListSet* Pattern::FindListSet(std::string_view name) const {
  const NamedList* l = Named(lists, name);
  return l == nullptr ? nullptr : &l->set;
}

bool Pattern::ListedPrefix(std::string_view name, std::string_view text) const {
  const ListSet* set = FindListSet(name);
  return set != nullptr && set->HasPrefixOf(text);
}

uint32_t Pattern::ListSet::Key(std::string_view s, size_t k) {
  uint32_t h = 0;
  for (size_t i = 0; i < k; ++i) h = KeyStep(h, static_cast<uint8_t>(s[i]));
  return KeyBit(h);
}

void Pattern::ListSet::Add(std::string item) {
  if (item.empty()) {
    has_empty = true;
  } else {
    const size_t k = std::min<size_t>(item.size(), 3);
    const uint32_t bit = Key(item, k);
    starts[k - 1][bit >> 6] |= uint64_t{1} << (bit & 63);
  }
  if (std::find(lengths.begin(), lengths.end(), item.size()) == lengths.end()) lengths.push_back(item.size());
  if (item.empty()) {
    // has_empty answers for it (Packed("") is 0, an empty slot).
  } else if (item.size() <= kPackedMax) {
    InsertShort(Packed(item));
  } else {
    long_items.insert(std::move(item));
  }
}

void Pattern::ListSet::InsertShort(uint64_t packed) {
  if (ContainsShort(packed)) return;
  if (2 * (short_count + 1) > short_slots.size()) {
    std::vector<uint64_t> old(2 * short_slots.size(), 0);
    old.swap(short_slots);
    --short_shift;
    for (uint64_t v : old) {
      if (v == 0) continue;
      size_t at = ShortSlot(v);
      while (short_slots[at] != 0) at = (at + 1) & (short_slots.size() - 1);
      short_slots[at] = v;
    }
  }
  size_t at = ShortSlot(packed);
  while (short_slots[at] != 0) at = (at + 1) & (short_slots.size() - 1);
  short_slots[at] = packed;
  ++short_count;
}

bool Pattern::ListSet::ContainsLong(std::string_view text) const {
  return long_items.contains(absl::string_view(text.data(), text.size()));
}

bool Pattern::ListSet::HasPrefixOf(std::string_view text) const {
  if (has_empty) return true;
  // Key(text, k) for k = 1..3, each hash extending the last (Key's hash, one
  // step at a time, unrolled: a name or an address label asks this at every
  // character it reads).
  if (text.empty()) return false;
  auto Has = [this](size_t k, uint32_t h) {
    const uint32_t bit = KeyBit(h);
    return ((starts[k][bit >> 6] >> (bit & 63)) & 1) != 0;
  };
  uint32_t h = KeyStep(0, static_cast<uint8_t>(text[0]));
  bool maybe = Has(0, h);
  if (!maybe && text.size() >= 2) {
    h = KeyStep(h, static_cast<uint8_t>(text[1]));
    maybe = Has(1, h);
    if (!maybe && text.size() >= 3) maybe = Has(2, KeyStep(h, static_cast<uint8_t>(text[2])));
  }
  if (!maybe) return false;
  for (size_t len : lengths) {
    if (len <= text.size() && Contains(text.substr(0, len))) return true;
  }
  return false;
}

absl::StatusOr<PatternFile> ParsePatternFile(std::string_view name, std::string_view contents) {
  toml::table root;
  try {
    root = toml::parse(contents, name);
  } catch (const toml::parse_error& e) {
    return Bad(name, static_cast<int>(e.source().begin.line),
               absl::StrCat("TOML syntax: ", std::string(e.description())));
  } catch (...) {
    return Bad(name, 0, "unreadable pattern file");
  }
  PatternFile out;
  out.name = std::string(name);
  for (auto&& [k, v] : root) {
    if (k.str() != "family" && k.str() != "pattern" && k.str() != "description") {
      return Bad(name, LineOf(v), absl::StrCat("unknown top-level key '", std::string(k.str()), "'"));
    }
  }
  PIIVAULT_RETURN_IF_ERROR(GetString(root, "family", name, 1, &out.family, true));
  const toml::node* pats = root.get("pattern");
  if (pats == nullptr || !pats->is_array_of_tables()) {
    return Bad(name, pats ? LineOf(*pats) : 1, "expected one or more [[pattern]] tables");
  }
  for (const toml::node& n : *pats->as_array()) {
    PIIVAULT_ASSIGN_OR_RETURN(Pattern p, ParsePattern(*n.as_table(), name, out.family, LineOf(n)));
    for (const Pattern& q : out.patterns) {
      if (q.id == p.id) return Bad(name, p.line, absl::StrCat("duplicate pattern id '", p.id, "'"));
    }
    out.patterns.push_back(std::move(p));
  }
  return out;
}

absl::StatusOr<std::vector<PatternFile>> LoadBuiltinPatternFiles() {
  std::vector<PatternFile> files;
  for (size_t i = 0; i < kBuiltinPatternFilesCount; ++i) {
    const EmbeddedFile& f = kBuiltinPatternFiles[i];
    PIIVAULT_ASSIGN_OR_RETURN(PatternFile pf, ParsePatternFile(f.name, f.contents));
    files.push_back(std::move(pf));
  }
  return files;
}

}  // namespace piivault::internal
