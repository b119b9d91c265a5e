// File: piivault/redactor.h
//
// Replaces the personal data a Detector finds according to a policy: per
// entity type one operator (mask, label, hash, token, drop, keep) and a
// confidence threshold, plus an allow-list and a deny-list. Works on whole
// buffers, on streams fed in chunks of any size, and on JSON Lines records.
//
//   absl::StatusOr<piivault::Detector> detector = piivault::Detector::Create({});
//   absl::StatusOr<piivault::Redactor> redactor =
//       piivault::Redactor::Create(*detector, {});       // default policy: mask
//   piivault::RedactionReport report;
//   absl::StatusOr<std::string> out =
//       redactor->Redact("手机号13812345678", &report);    // "手机号138****5678"
//
//   // Streaming: output is byte-identical to Redact() for every chunking.
//   piivault::RedactStream stream(*redactor);
//   std::string sink;
//   for (std::string_view chunk : chunks) {
//     if (absl::Status s = stream.Write(chunk, &sink); !s.ok()) return s;
//   }
//   if (absl::Status s = stream.Finish(&sink); !s.ok()) return s;
//
// Policy file format (TOML; the default policy is examples/redact-policy.toml,
// compiled into the library):
//
//   [defaults]
//   operator = "mask"          # mask | label | hash | token | drop | keep
//   min_confidence = 0.5       # findings below this are left untouched
//   label_style = "angle"      # "angle": <CN_MOBILE>   "chinese": [手机号]
//   numbered_labels = false    # true: <CN_MOBILE_1>, <CN_MOBILE_2> per distinct
//                              # value within a document (a JSONL record, or a
//                              # whole plain-text stream)
//   max_numbered_values = 100000  # per document, all types together; once
//                              # reached, values not yet numbered get the plain
//                              # label (<CN_MOBILE>) and are counted in the
//                              # report's numbering_capped. Bounds memory: a
//                              # number costs ~40 bytes (a 128-bit hash of the
//                              # value is kept, never the value).
//   settle_passes = 0          # 0..8. After a pass that changed the text, redact
//                              # its output again, up to this many more times,
//                              # until a pass changes nothing: the output is then
//                              # a fixed point, so redacting it again changes
//                              # nothing, by construction. A document (a JSONL
//                              # record, a text, a whole stream) whose last
//                              # allowed pass still changed something is counted
//                              # in the report's `unsettled`. Values found only by
//                              # a later pass get plain (unnumbered) labels.
//                              # Costs a second scan of every changed document.
//   [types.CN_RESIDENT_ID]     # any EntityTypeName
//   operator = "token"
//   min_confidence = 0.8
//   label = "<身份证>"          # optional: the exact label text (numbered: the
//                              # number goes before a closing > or ] if present)
//   [allow]
//   values = ["4008123123"]    # never redacted: compared with the finding's
//                              # canonical value and with its raw text
//   [deny]
//   terms = ["天穹计划"]         # literal terms always redacted, as type CUSTOM
//
// Unknown keys, operators and type names are errors: Parse() returns
// kInvalidArgument naming the file and line. MASKED findings (values that were
// already masked, e.g. 138****5678) are always kept as they are, whatever the
// policy says: that is what makes redaction idempotent.
//
// Operators:
//   mask   pii-formats.md §13 conventions, in place, one '*' per hidden
//          character, separators kept: 110105********002X, 138****5678,
//          622202*********2345, 张*, 北京市海淀区****. One mask per type.
//   label  <CN_MOBILE> / [手机号], optionally numbered.
//   hash   <CN_MOBILE#...32 letters...>: keyed BLAKE2b (libsodium
//          crypto_generichash) of the type and canonical value under a secret
//          key read from RedactorOptions::hash_key_file. Never unkeyed. The
//          letters are from g..v so a hash never looks like hex or digits.
//   token  the value goes to a Tokenizer (the vault) and its token replaces it;
//          without a tokenizer Redact fails with kFailedPrecondition
//          "no vault configured".
//   drop   the value is removed.
//   keep   the value stays.
#ifndef PIIVAULT_REDACTOR_H_
#define PIIVAULT_REDACTOR_H_

#include <array>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "piivault/detector.h"
#include "piivault/entity_type.h"

namespace piivault {

enum class RedactOperator : uint8_t { kKeep, kMask, kLabel, kHash, kToken, kDrop };
inline constexpr int kRedactOperatorCount = 6;

// "keep", "mask", "label", "hash", "token", "drop".
std::string_view RedactOperatorName(RedactOperator op);

enum class LabelStyle : uint8_t {
  kAngle,    // <CN_MOBILE>, <CN_MOBILE_1>
  kChinese,  // [手机号], [手机号1]
};

struct TypeRule {
  RedactOperator op = RedactOperator::kMask;
  float min_confidence = 0.5f;
  std::string label = {};  // empty: derived from label_style
};

// The most passes RedactionPolicy::settle_passes may ask for.
inline constexpr uint32_t kMaxSettlePasses = 8;

// A redaction policy. A plain value type; build one by hand or Parse() a file.
struct RedactionPolicy {
  RedactOperator default_operator = RedactOperator::kMask;
  float default_min_confidence = 0.5f;
  LabelStyle label_style = LabelStyle::kAngle;
  bool numbered_labels = false;
  // Distinct values numbered per document (see the format above), >= 1.
  uint32_t max_numbered_values = 100000;
  // More passes after one that changed the text (see the format above), 0..8.
  uint32_t settle_passes = 0;
  std::map<EntityType, TypeRule> rules = {};  // types not listed use the defaults
  std::vector<std::string> allow_list = {};
  std::vector<std::string> deny_list = {};

  // The rule in force for `type` (MASKED always resolves to keep).
  TypeRule RuleFor(EntityType type) const;
  // The lowest threshold of any rule: create the Detector with at most this
  // DetectorOptions::min_confidence, or lower thresholds cannot take effect.
  float LowestMinConfidence() const;

  // Parses the TOML format above. kInvalidArgument with "<source_name>:<line>:"
  // for syntax errors, unknown keys, operators or types, bad thresholds.
  static absl::StatusOr<RedactionPolicy> Parse(std::string_view toml,
                                               std::string_view source_name);
  // Reads and parses a file (kNotFound if missing).
  static absl::StatusOr<RedactionPolicy> LoadFile(const std::string& path);
  // The compiled-in default policy (identical to examples/redact-policy.toml).
  static const RedactionPolicy& Default();
  static std::string_view DefaultPolicyText();
};

// Counts per type and operator. Never holds a value.
struct RedactionReport {
  // counts[type][op]: findings of `type` handled by `op` (keep included).
  std::map<EntityType, std::array<uint64_t, kRedactOperatorCount>> counts = {};
  uint64_t below_threshold = 0;  // findings left because of min_confidence
  uint64_t allow_listed = 0;     // findings left because of the allow-list
  // Labels written without a number because their document had already
  // numbered max_numbered_values distinct values.
  uint64_t numbering_capped = 0;
  // settle_passes: findings that a later pass redacted (also in `counts`,
  // under their operator), and documents whose last allowed pass still
  // changed something (their output may change if redacted again).
  uint64_t settled = 0;
  uint64_t unsettled = 0;

  void Add(EntityType type, RedactOperator op, uint64_t n = 1);
  void Merge(const RedactionReport& other);
  uint64_t Total(EntityType type) const;
  uint64_t Total(RedactOperator op) const;
  // Findings changed (every operator but keep).
  uint64_t Redacted() const;
  // {"by_type":{...},"by_operator":{...},"below_threshold":N,"allow_listed":N,
  //  "numbering_capped":N,"settled":N,"unsettled":N}
  std::string ToJson() const;
};

// Turns values into tokens (implemented by the vault adapter). Must be safe to
// call from several threads at once.
class Tokenizer {
 public:
  virtual ~Tokenizer() = default;
  // Returns one token per value, in order. Values are canonical (the
  // Finding::normalized form, or the raw text where that is empty).
  virtual absl::StatusOr<std::vector<std::string>> TokenizeBatch(
      EntityType type, const std::vector<std::string>& values) = 0;
};

// What a Redactor runs to find values. Defaults to Detector::Scan; tests and
// custom engines may supply their own (findings sorted, non-overlapping,
// offsets into the given text).
using ScanFunction =
    std::function<absl::StatusOr<std::vector<Finding>>(std::string_view text)>;

struct RedactorOptions {
  RedactionPolicy policy = RedactionPolicy::Default();
  // Secret key for the hash operator: 32..64 raw bytes, or 64..128 hex digits
  // (a trailing newline is ignored). Must not be world-readable. Required
  // when the policy uses hash.
  std::string hash_key_file = {};
  // Used by the token operator; null means "no vault configured".
  std::shared_ptr<Tokenizer> tokenizer = nullptr;
  // Streaming window: each window of this many bytes is scanned with
  // hold-back margins on both sides (see RedactStream). Minimum 1.
  size_t stream_window_bytes = size_t{256} << 10;
};

// Immutable after Create; const methods are thread-safe (given a thread-safe
// Tokenizer).
class Redactor {
 public:
  // REQUIRES: `detector` outlives the Redactor.
  // kInvalidArgument for a bad key file or option, kNotFound for a missing one.
  static absl::StatusOr<Redactor> Create(const Detector& detector,
                                         RedactorOptions options);
  // With a custom scan function. `max_finding_bytes` and `context_window_bytes`
  // play the role of the Detector's (see RedactStream).
  static absl::StatusOr<Redactor> CreateWithScanner(ScanFunction scan,
                                                    size_t max_finding_bytes,
                                                    size_t context_window_bytes,
                                                    RedactorOptions options);

  // Redacts a whole buffer (one document). Texts larger than the detector's
  // input limit are processed in windows, as RedactStream does. `report` may
  // be null; counts are added to it. Errors: kFailedPrecondition (token
  // operator without a vault), tokenizer/detector errors.
  absl::StatusOr<std::string> Redact(std::string_view text, RedactionReport* report) const;

  // Redacts the string values at `fields` in one JSON record (one line of
  // JSON Lines, without its newline). Paths: "text", "meta.note",
  // "messages[].content" ("[]" = every element of an array). Offsets refer to
  // the decoded string; only the replaced spans are re-encoded (escaped as
  // JSON), every other byte of the record is kept. Each record is one document
  // (label numbering restarts). kInvalidArgument for a malformed record
  // (invalid JSON or UTF-8, checked by simdjson; an unpaired \u surrogate).
  absl::StatusOr<std::string> RedactJsonRecord(std::string_view record,
                                               const std::vector<std::string>& fields,
                                               RedactionReport* report) const;
  // The same, appending the redacted record to `*out` (a buffer reused from
  // record to record: no allocation per record). On error nothing is
  // appended.
  absl::Status RedactJsonRecord(std::string_view record, const std::vector<std::string>& fields,
                                RedactionReport* report, std::string* out) const;

  // Checks a JSON Lines field path; kInvalidArgument if malformed.
  static absl::Status ValidateFieldPath(std::string_view path);

  // Hold-back on each side of a streaming window: 2 * (max finding bytes, deny
  // terms included, + context window bytes).
  size_t hold_back_bytes() const;
  const RedactionPolicy& policy() const;

  Redactor(Redactor&&) noexcept;
  Redactor& operator=(Redactor&&) noexcept;
  ~Redactor();

  struct Impl;

 private:
  friend class RedactStream;
  explicit Redactor(std::shared_ptr<const Impl> impl);
  std::shared_ptr<const Impl> impl_;
};

// Streaming redaction of one plain-text document. Input is cut into fixed
// windows of `stream_window_bytes` at absolute offsets 0, W, 2W, ...; window
// k is scanned together with `hold_back_bytes()` of context on each side and
// owns the findings that begin inside it. Because the windows depend only on
// absolute offsets, the output is the same for every chunking of the input,
// and equal to Redact() whenever a finding depends only on the bytes within
// context_window_bytes of it. Memory: with one thread at most window +
// 2 * hold-back bytes of input are buffered, whatever the input size and
// chunk sizes; with more, max_buffered_bytes().
//
// Not thread-safe (one stream per thread); with `threads` > 1, threads - 1
// workers and the caller's thread scan (and, without numbered labels or a
// vault, redact) windows while the caller also takes input and merges output:
// Write() returns output some windows later than with one thread, and
// Finish() the rest; output order and content are unchanged.
class RedactStream {
 public:
  // REQUIRES: `redactor` outlives the stream.
  explicit RedactStream(const Redactor& redactor, int threads = 1);
  ~RedactStream();
  RedactStream(const RedactStream&) = delete;
  RedactStream& operator=(const RedactStream&) = delete;

  // Consumes `chunk` (any size, 0 included) and appends whatever redacted
  // output is final to `*out`. After an error the stream is unusable.
  absl::Status Write(std::string_view chunk, std::string* out);
  // Flushes the rest. REQUIRES: called once, after the last Write.
  absl::Status Finish(std::string* out);

  const RedactionReport& report() const;
  uint64_t bytes_in() const;
  // Input bytes held right now, and the most ever held.
  size_t buffered_bytes() const;
  size_t peak_buffered_bytes() const;
  // The bound buffered_bytes() never exceeds: window + 2 * hold-back with one
  // thread; (2 * threads + 1) * (window + 2 * hold-back) with more (each window
  // in flight holds its own copy of the bytes it scans).
  size_t max_buffered_bytes() const;
  // Distinct values given a number so far by numbered labels (the stream is
  // one document); never more than the policy's max_numbered_values.
  size_t numbered_values() const;

 private:
  struct State;
  static std::unique_ptr<State> MakeState(const Redactor::Impl* impl, int threads);
  std::unique_ptr<State> state_;
};

class Vault;  // piivault/vault.h

// A Tokenizer backed by the vault: each batch is one Vault::Tokenize
// transaction per type. `principal` is recorded in the vault's audit log.
std::shared_ptr<Tokenizer> MakeVaultTokenizer(std::shared_ptr<Vault> vault,
                                              std::string principal = "piivault-redact");

// Counts from RestoreTokens; never values or tokens.
struct RestoreReport {
  uint64_t tokens = 0;    // tokens found in the text
  uint64_t restored = 0;  // replaced by what the policy allows (plaintext, masked, last4)
  uint64_t refused = 0;   // left as they were
  std::map<absl::StatusCode, uint64_t> refused_by_reason = {};
  void Merge(const RestoreReport& other);
};

// Finds vault tokens in `text` (tok_<type>_<26 base32>, and format-preserving
// tokens, as recognised by LooksLikeToken) and replaces each with the form the
// vault's purpose policy releases for (purpose, principal). Refused tokens
// stay as they are and are counted. One Detokenize batch (and audit rows) per
// call. Errors only when the batch could not run (I/O, audit write failed).
// `json_escape`: the text is JSON (Lines) and tokens sit inside JSON strings,
// so released values are escaped as JSON string content.
absl::StatusOr<std::string> RestoreTokens(std::string_view text, Vault& vault,
                                          std::string_view purpose, std::string_view principal,
                                          RestoreReport* report, bool json_escape = false);

// JSON Lines, field-scoped: restores tokens only inside the string values at
// `fields` (paths as for Redactor::RedactJsonRecord: "text", "meta.note",
// "messages[].content") of each record of `jsonl` (one or more lines; blank
// lines are copied). Every other byte of every record is kept as it was,
// tokens elsewhere included. Tokens are looked for in the decoded strings (so
// "\ntok_..." is found) and released values are escaped as JSON string
// content. One Detokenize batch per call. kInvalidArgument "line N: ..." (N
// counted from 1 within `jsonl`) for a malformed record or path; nothing is
// restored and no audit row is written then.
absl::StatusOr<std::string> RestoreJsonLinesTokens(std::string_view jsonl,
                                                   const std::vector<std::string>& fields,
                                                   Vault& vault, std::string_view purpose,
                                                   std::string_view principal,
                                                   RestoreReport* report);

}  // namespace piivault

#endif  // PIIVAULT_REDACTOR_H_
