// Pattern files (patterns/*.toml, see patterns/README.md) parsed into the
// immutable recogniser table the scanner runs.
#ifndef PIIVAULT_DETECT_PATTERN_SET_H_
#define PIIVAULT_DETECT_PATTERN_SET_H_

#include <cstddef>
#include <cstdint>
#include <iterator>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/status/statusor.h"
#include "detect/shape_matcher.h"
#include "piivault/entity_type.h"

namespace re2 {
class RE2;
}

namespace piivault::internal {

// How candidates for a pattern are cut out of the text (see patterns/README.md).
enum class Extractor {
  kDigits,         // digit runs with separators, full-width digits, Chinese numerals, '*'
  kToken,          // [A-Za-z0-9_-] tokens (full-width letters normalised)
  kEmail,          // around '@'
  kColonHex,       // hex runs with ':' (IPv6, MAC)
  kDecimalPair,    // "39.9042, 116.4074"
  kCnDate,         // 1990年3月7日
  kPlate,          // 京A·12345
  kAnchorName,     // value after 姓名： etc.
  kAnchorAddress,  // value after 收货地址： etc.
};

struct Keyword {
  std::string text;  // ASCII letters lower-cased
  float weight = 0;
  uint32_t id = 0;   // index into the detector's keyword table (set by the engine)
};

struct Pattern;

// What a validator says about a candidate value.
struct Verdict {
  bool ok = false;
  float adjust = 0;            // added to the pattern's base confidence
  bool needs_context = false;  // report only with a positive keyword
  std::string_view validated_by = {};  // overrides the default
};

// `value` is the canonical candidate (after capture group, strip, upper-case).
// May rewrite *normalized (e.g. dates to YYYY-MM-DD).
using ValidatorFn = Verdict (*)(std::string_view value, const Pattern& pattern,
                                std::string* normalized);

struct Pattern {
  std::string id;
  std::string family;
  std::string file;  // for messages
  int line = 0;
  EntityType type = EntityType::kUnknown;
  EntityType masked_as = EntityType::kUnknown;
  Extractor extractor = Extractor::kDigits;
  bool value_raw = false;  // kDigits: match the text with separators kept
  std::shared_ptr<const re2::RE2> regex;
  // The same regex as a DFA, when it is in ShapeMatcher's subset (all the
  // shipped ones are): candidates are rejected without RE2's per-call setup,
  // and RE2 runs only to take a capturing group from an accepted value.
  std::optional<ShapeMatcher> shape;
  std::string validator_name;
  ValidatorFn validator = nullptr;
  std::string_view validated_by;  // static storage
  float confidence = 0.5f;
  bool requires_context = false;
  size_t min_length = 1;
  size_t max_length = 64;
  std::string separators = " -\n";
  // Whether separator c may join groups: `separators` as one bit per
  // allowed character (the hot loops ask per group; see SeparatorBit).
  bool Separates(char c) const { return (separator_bits & SeparatorBit(c)) != 0; }
  static constexpr uint8_t SeparatorBit(char c) {
    switch (c) {
      case ' ': return 1;
      case '-': return 2;
      case '.': return 4;
      case '/': return 8;
      case '(': return 16;
      case ')': return 32;
      case '\n': return 64;
      default: return 0;
    }
  }
  uint8_t separator_bits = 1 | 2 | 64;  // set from `separators` when the file is parsed
  size_t max_separators = 4;
  bool uppercase = false;
  std::string strip;
  bool extension = false;
  bool allow_all_digits = false;  // kToken: also try tokens without letters
  int priority = 0;
  std::vector<Keyword> positive;
  std::vector<Keyword> negative;
  std::vector<Keyword> negative_after;  // only looked up after the value ("元")
  // The same weights by keyword id (the detector numbers every keyword of
  // every pattern; 0 where this pattern has none), so scoring a value costs
  // a lookup per keyword found near it, not per keyword of the pattern.
  std::vector<float> positive_by_id, negative_by_id, negative_after_by_id;
  // Index of this pattern's positive-keyword prefilter in the detector (set
  // by the engine for requires_context patterns), or -1.
  int positive_prefilter = -1;
  std::vector<std::string> anchors;
  // Labels written directly before the value, without a colon (我叫, 寄到).
  std::vector<std::string> bare_anchors;
  // A list as a set, for membership tests (surnames: hundreds), with the
  // distinct lengths of its entries (for prefix tests).
  struct ListSet {
    // Entries of up to 7 bytes (surnames, issuer prefixes, region codes:
    // nearly all) as one integer each, bytes and length: a lookup hashes an
    // integer, not a string. Longer entries as strings.
    // The short ones in an open-addressing table (multiplicative hash, a
    // power of two at least twice their number; 0, which no entry packs to,
    // is an empty slot): a lookup is a multiply and a load or two.
    std::vector<uint64_t> short_slots = std::vector<uint64_t>(8, 0);
    int short_shift = 61;  // 64 - log2(short_slots.size())
    size_t short_count = 0;
    absl::flat_hash_set<std::string> long_items;
    std::vector<size_t> lengths;
    // A filter on the entries' first bytes: bit Key(s, k) of starts[k - 1]
    // is set for an entry s whose first k bytes (k = min(size, 3)) are
    // those; a text that sets none of its three keys starts with no entry.
    uint64_t starts[3][16] = {};
    bool has_empty = false;  // "" is an entry (a prefix of everything)
    static uint32_t Key(std::string_view s, size_t k);  // 0..1023
    // Key's hash, a byte at a time (HasPrefixOf extends one hash to k = 1..3).
    static uint32_t KeyStep(uint32_t h, uint8_t byte) { return h * 0x9E3779B1u + byte + 1; }
    static uint32_t KeyBit(uint32_t h) { return (h * 0x9E3779B1u) >> 22; }
    void Add(std::string item);
    // Whether `text` is an entry. (Inline: names and surnames ask it per
    // candidate.)
    bool Contains(std::string_view text) const {
      if (text.empty()) return has_empty;
      if (text.size() <= kPackedMax) return ContainsShort(Packed(text));
      return ContainsLong(text);
    }
    // Whether `text` starts with an entry.
    bool HasPrefixOf(std::string_view text) const;
    // The short-entry table: an entry of up to kPackedMax bytes as its bytes
    // (byte i at bits 8i; a byte at a time, not a memcpy call of a variable
    // length) and its length at bit 56, never 0.
    static constexpr size_t kPackedMax = 7;
    static uint64_t Packed(std::string_view s) {
      uint64_t v = 0;
      for (size_t i = 0; i < s.size(); ++i) v |= uint64_t{static_cast<uint8_t>(s[i])} << (8 * i);
      return v | uint64_t{s.size()} << 56;
    }
    size_t ShortSlot(uint64_t packed) const {
      return static_cast<size_t>((packed * 0x9E3779B97F4A7C15ull) >> short_shift);
    }
    bool ContainsShort(uint64_t packed) const {
      const size_t mask = short_slots.size() - 1;
      for (size_t at = ShortSlot(packed);; at = (at + 1) & mask) {
        if (short_slots[at] == packed) return true;
        if (short_slots[at] == 0) return false;
      }
    }
    void InsertShort(uint64_t packed);
    bool ContainsLong(std::string_view text) const;
  };
  // Named lists (surnames, bins, terminators), in the order of the file, as
  // written and as sets; a pattern has a few, so a name is found by
  // comparing, not hashing; the ones asked about per candidate are also
  // found by number (KnownList below).
  struct NamedList {
    std::string name;
    std::vector<std::string> items;
    ListSet set;
  };
  std::vector<NamedList> lists;
  // The lists the scanner and the validators ask about per candidate, by
  // number instead of by name: an index into `lists`, or -1 (kept by
  // SetList).
  enum class KnownList : uint8_t { kSurnames, kCompoundSurnames, kStopwords, kTerminators, kBins, kProvinces };
  static constexpr std::string_view kKnownListNames[] = {"surnames", "compound_surnames", "stopwords",
                                                         "terminators", "bins",    "provinces"};
  int8_t known_lists[std::size(kKnownListNames)] = {-1, -1, -1, -1, -1, -1};
  const ListSet* FindListSet(KnownList k) const {
    const int i = known_lists[static_cast<size_t>(k)];
    return i < 0 ? nullptr : &lists[static_cast<size_t>(i)].set;
  }
  bool InList(KnownList k, std::string_view value) const {
    const ListSet* set = FindListSet(k);
    return set != nullptr && set->Contains(value);
  }
  bool ListedPrefix(KnownList k, std::string_view text) const {
    const ListSet* set = FindListSet(k);
    return set != nullptr && set->HasPrefixOf(text);
  }
  std::vector<std::string> match_examples;
  std::vector<std::string> no_match_examples;

  // The bytes a finding of this pattern can span in the original text.
  size_t MaxSpanBytes() const;
  // Adds (or replaces) list `name`.
  void SetList(std::string name, std::vector<std::string> items);
  const std::vector<std::string>* List(std::string_view name) const;
  // Whether list `name` exists and holds `value`.
  bool InList(std::string_view name, std::string_view value) const;
  // Whether list `name` exists and holds an entry that `text` starts with.
  bool ListedPrefix(std::string_view name, std::string_view text) const;
  // List `name` as a set, or nullptr (to look it up once for many tests).
  const ListSet* FindListSet(std::string_view name) const;
};

struct PatternFile {
  std::string name;    // file name (built-ins) or path
  std::string family;
  std::vector<Pattern> patterns;
};

// Parses one file. kInvalidArgument names `name` and the line on any error.
absl::StatusOr<PatternFile> ParsePatternFile(std::string_view name, std::string_view contents);

// The files compiled into the library, parsed.
absl::StatusOr<std::vector<PatternFile>> LoadBuiltinPatternFiles();

// Registered validator names, for messages and tests.
ValidatorFn FindValidator(std::string_view name);

}  // namespace piivault::internal

#endif  // PIIVAULT_DETECT_PATTERN_SET_H_
