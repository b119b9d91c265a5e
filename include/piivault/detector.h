// File: piivault/detector.h
//
// Finds personal data in Chinese (and mixed) text: ID numbers, bank cards,
// phone numbers, licence codes, device IDs, names, addresses and more.
//
//   absl::StatusOr<piivault::Detector> detector = piivault::Detector::Create({});
//   if (!detector.ok()) return detector.status();
//   absl::StatusOr<std::vector<piivault::Finding>> found =
//       detector->Scan("客户手机号13812345678，身份证11010519491231002X");
//   for (const piivault::Finding& f : *found)
//     std::cout << piivault::EntityTypeName(f.type) << " " << f.begin << ".." << f.end;
//
// Offsets are bytes into the caller's buffer, whatever normalisation was
// needed to find a value (full-width digits, separators, line breaks, Chinese
// numerals). Input need not be valid UTF-8.
#ifndef PIIVAULT_DETECTOR_H_
#define PIIVAULT_DETECTOR_H_

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "piivault/entity_type.h"

namespace piivault {

// One piece of personal data found in the text.
struct Finding {
  EntityType type = EntityType::kUnknown;
  size_t begin = 0;  // byte offset of the first byte, into the scanned buffer
  size_t end = 0;    // byte offset one past the last byte
  float confidence = 0;  // 0..1
  // The value in canonical ASCII form: separators removed, full-width and
  // Chinese-numeral digits converted, letters upper-cased where the format is
  // case-insensitive (e.g. "11010519491231002X", "13812345678"). For
  // PERSON_NAME / ADDRESS, the original UTF-8 text. Empty only for a span
  // that covers more than one value (ScanCovering).
  std::string normalized;
  // What validated it, e.g. "gb11643", "luhn", "gb32100", "context"; a
  // string literal with static storage.
  std::string_view validated_by;
  // For type == kMasked: the type the masked value resembles.
  EntityType masked_as = EntityType::kUnknown;
};

struct DetectorOptions {
  // Load the pattern files compiled into the library (patterns/*.toml).
  bool use_builtin_patterns = true;
  // Extra pattern files (same format); a file whose family name matches a
  // built-in one replaces it.
  std::vector<std::string> pattern_files = {};
  // Only report these types; empty means every type the patterns define.
  std::vector<EntityType> types = {};
  // Findings below this confidence are dropped.
  float min_confidence = 0.5f;
  // Scan() rejects larger inputs with kInvalidArgument.
  size_t max_input_bytes = size_t{1} << 30;
};

// The labels a redactor writes in place of values, for ScanCovering of text
// it may have redacted before. A scan reads such a label as what it
// replaced, so that redacting the output again changes nothing: no value
// and no keyword inside it ("MOBILE" in <CN_MOBILE> vouches for nothing),
// and beside a value it is glue, as the value was. The angle style
// (<CN_MOBILE>, <CN_MOBILE_2>, and the hash operator's <CN_MOBILE#…>) is
// always recognised; the rest costs a sweep of the text each, so is asked for.
struct RedactionLabels {
  bool chinese_style = false;  // [手机号], [手机号2]
  bool vault_tokens = false;   // the vault's tokens, tok_mob_<26 base32 letters>
  // Labels a policy spells out ("<身份证>"), and their numbered forms
  // (<身份证_2>; [身份证2], 【身份证2】; ID_2). Empty strings are ignored.
  std::vector<std::string> custom = {};
};

// A compiled set of recognisers. Immutable once created; all const methods
// are safe to call concurrently from many threads on one Detector.
class Detector {
 public:
  // Loads and compiles the patterns. kInvalidArgument for a bad pattern file
  // (the message names the file and line; nothing is half-loaded), kNotFound
  // for a missing file.
  static absl::StatusOr<Detector> Create(const DetectorOptions& options);

  // Returns the findings in `text`, sorted by begin, non-overlapping (where
  // candidates overlap the longer, then more confident, wins).
  // kInvalidArgument if text is larger than options.max_input_bytes.
  absl::StatusOr<std::vector<Finding>> Scan(std::string_view text) const;

  // Scan for redaction. Where candidates overlap, Scan reports the winner
  // only, and masking it would leave the rest of a losing candidate readable
  // (for a second pass to find); here the winner's finding spans every byte
  // of the overlapping candidates (and its `normalized` is then empty).
  // Sorted by begin, non-overlapping; otherwise the same as Scan.
  absl::StatusOr<std::vector<Finding>> ScanCovering(std::string_view text) const;
  // The same, reading `labels` as a redactor's (see RedactionLabels).
  absl::StatusOr<std::vector<Finding>> ScanCovering(std::string_view text, const RedactionLabels& labels) const;

  // The most bytes a single finding can span. Streaming callers hold back
  // this many bytes (plus context) at a chunk boundary.
  size_t max_finding_bytes() const;

  // How many bytes of context on either side of a value can change its
  // confidence (keyword windows).
  size_t context_window_bytes() const;

  Detector(Detector&&) noexcept;
  Detector& operator=(Detector&&) noexcept;
  ~Detector();

 private:
  struct Impl;
  explicit Detector(std::unique_ptr<const Impl> impl);
  absl::StatusOr<std::vector<Finding>> ScanImpl(std::string_view text, bool cover,
                                                const RedactionLabels* labels) const;
  std::unique_ptr<const Impl> impl_;
};

}  // namespace piivault

#endif  // PIIVAULT_DETECTOR_H_
