// Internals shared by the redactor, the stream and the JSON record code.
#ifndef PIIVAULT_REDACT_REDACTOR_INTERNAL_H_
#define PIIVAULT_REDACT_REDACTOR_INTERNAL_H_

#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/status/statusor.h"
#include "piivault/redactor.h"

namespace piivault {
namespace redact_internal {

// One replacement of text[begin, end) (offsets into the scanned text).
struct Edit {
  size_t begin = 0;
  size_t end = 0;
  std::string replacement;
};

// Per-document state: the numbers given to distinct values by numbered
// labels, keyed by a 128-bit hash (BLAKE2b) of type and canonical value, so
// that no value is held. At most policy.max_numbered_values entries.
struct DocState {
  absl::flat_hash_map<std::pair<uint64_t, uint64_t>, uint32_t> numbers;
  absl::flat_hash_map<uint16_t, uint32_t> next;
  // Bytes held by `numbers` (for tests of the bound).
  size_t MemoryBytes() const {
    return numbers.capacity() * (sizeof(std::pair<uint64_t, uint64_t>) + sizeof(uint32_t) + 1);
  }
};

// Marks a finding that had to be clipped at a window boundary; it is fully
// masked whatever the operator (never leak a fragment).
inline constexpr std::string_view kFragment = "window-fragment";

// Whether any of `edits` (offsets into `text`) writes something other than
// what it replaces.
bool ChangesText(std::string_view text, const std::vector<Edit>& edits);

// Applies sorted, non-overlapping edits to text[from, to) (offsets relative to
// `text`) and appends the result to *out.
void ApplyEdits(std::string_view text, size_t from, size_t to, const std::vector<Edit>& edits,
                std::string* out);

// ApplyEdits that also appends to *changed the output range each edit that
// changes the text wrote, as offsets from `base` (the output offset of
// out->size() on entry). An edit that writes nothing leaves an empty range.
void ApplyEditsNoting(std::string_view text, size_t from, size_t to, const std::vector<Edit>& edits,
                      std::string* out, uint64_t base, std::vector<std::pair<uint64_t, uint64_t>>* changed);

// JSON string helpers (json_record.cc).
std::string JsonEscape(std::string_view s);
// Appends JsonEscape(s) to *out.
void AppendJsonEscaped(std::string_view s, std::string* out);
absl::StatusOr<std::string> DecodeJsonStringForTest(std::string_view raw);

// The body of one JSON string value in a record (offsets into the record).
struct StringRange {
  size_t begin = 0;      // first byte after the opening quote
  size_t end = 0;        // the closing quote
  bool escaped = false;  // the body holds at least one backslash escape
};
// Validates `record` (grammar and UTF-8, as simdjson does) and lists the
// string values at `fields` (Redactor::RedactJsonRecord paths), in record
// order.
// kInvalidArgument for a malformed record or path.
absl::Status FieldStrings(std::string_view record, const std::vector<std::string>& fields,
                          std::vector<StringRange>* ranges);
// The two ways FieldStrings decides, exposed for the differential test.
// StrictFieldStrings: one pass over a record it can vouch for (a strict
// subset of JSON: object/array root, depth <= 64, no exponents, <= 19-digit
// numbers, paired surrogates); false (ranges cleared) when it cannot, which
// includes every malformed record. Every record it accepts, simdjson accepts,
// with the same ranges. SimdjsonFieldStrings: simdjson validates (and words
// the error), then the Scanner lists the strings.
bool StrictFieldStrings(std::string_view record, const std::vector<std::string>& fields,
                        std::vector<StringRange>* ranges);
absl::Status SimdjsonFieldStrings(std::string_view record, const std::vector<std::string>& fields,
                                  std::vector<StringRange>* ranges);
// The four hex digits at raw[i, i + 4) (a \uXXXX escape's), or false.
bool Hex4(std::string_view raw, size_t i, uint32_t* v);
// Decodes a JSON string body; unit_start (if not null) gets, for each decoded
// byte, the offset in `raw` of the escape or byte it came from, plus a final
// entry raw.size().
absl::Status DecodeJsonString(std::string_view raw, std::string* out,
                              std::vector<uint32_t>* unit_start);

}  // namespace redact_internal

struct Redactor::Impl {
  ScanFunction scan;
  size_t max_finding_bytes = 0;
  size_t context_bytes = 0;
  size_t hold_back = 0;
  size_t window_bytes = 0;
  size_t single_scan_limit = size_t{256} << 20;
  // Plan() decides each window without state from earlier ones (no numbered
  // labels, no vault): stream workers may plan and render windows in parallel.
  bool order_independent = false;
  RedactionPolicy policy;
  std::array<TypeRule, 256> rules;  // by EntityType value
  absl::flat_hash_set<std::string> allow;
  std::vector<std::string> deny;
  std::shared_ptr<Tokenizer> tokenizer;
  // The hash key in sodium_malloc memory (shared with the later passes);
  // hash_key is null when no key file was given.
  std::shared_ptr<uint8_t> hash_key_owner;
  const uint8_t* hash_key = nullptr;
  size_t hash_key_size = 0;
  // settle_passes: the redactor that runs on this one's output when it
  // changed the text (null when no pass is left). A later pass counts in
  // the report only what it changes (its keeps and thresholds were counted by
  // the first), numbers no labels, and, when it is the last allowed and
  // still changes something, counts the document as unsettled.
  std::shared_ptr<const Impl> next_pass;
  bool later_pass = false;

  // Counts `op` on a finding of `type` in the report, as this pass should.
  void Count(RedactionReport* report, EntityType type, RedactOperator op) const {
    if (!later_pass) {
      report->Add(type, op);
    } else if (op != RedactOperator::kKeep) {
      report->Add(type, op);
      ++report->settled;
    }
  }

  // Detector findings plus deny-list terms, sorted and non-overlapping,
  // offsets relative to `text`.
  absl::StatusOr<std::vector<Finding>> FindAll(std::string_view text) const;

  // Decides what to do with each finding; appends the edits (offsets relative
  // to `text`). Findings must be sorted, non-overlapping, inside `text`.
  absl::Status Plan(std::string_view text, const std::vector<Finding>& findings,
                    redact_internal::DocState* doc, RedactionReport* report,
                    std::vector<redact_internal::Edit>* edits) const;

  // One pass over a whole text, then the later passes while they change it.
  absl::StatusOr<std::string> RedactWhole(std::string_view text, RedactionReport* report) const;
  // One pass over the fields of one JSON record, appended to *out (see
  // Redactor::RedactJsonRecord); nothing is appended on error.
  absl::Status RedactRecordOnce(std::string_view record, const std::vector<std::string>& fields,
                                RedactionReport* report, std::string* out) const;
};

}  // namespace piivault

#endif  // PIIVAULT_REDACT_REDACTOR_INTERNAL_H_
