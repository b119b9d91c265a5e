// ShapeMatcher: an exact, anchored full-match engine for the small regex
// subset the pattern files use, so the detector can reject candidates without
// paying RE2's per-call setup (issue #2).
//
// Compile() parses the regex with RE2's syntax rules (UTF-8 mode, Perl
// classes, the options pattern_set.cc uses), builds the Glushkov position
// automaton over bytes (bounded repetition unrolled, character classes over
// code points expanded into UTF-8 byte sequences exactly as RE2's compiler
// expands them) and determinises it into a byte-class DFA. FullMatch() is then
// one table load per input byte, no allocation, no locks.
//
// Exactness contract: for every regex Compile() accepts and every byte string
// `v` (valid UTF-8 or not), FullMatch(v) == re2::RE2::FullMatch(v, regex).
// tests/detect/shape_matcher_test.cc and fuzz/shape_matcher_fuzzer.cc check it
// against RE2 differentially.
//
// Supported: literals (UTF-8 included), `.`, `(?s)` / `(?-s)` (also scoped
// `(?s:...)`), character classes `[...]` / `[^...]` with ranges and the
// escapes below, `\d \D \s \S \w \W`, escaped punctuation, `\a \f \n \r \t \v`,
// `\xHH`, groups `(...)` and `(?:...)`, `|`, `*`, `+`, `?`, `{m}`, `{m,}`,
// `{m,n}` and their non-greedy `?` forms (greediness never changes whether a
// full match exists).
// Unsupported (kUnimplemented, the caller keeps RE2): anchors and
// assertions (^ $ \A \z \b \B), case folding and other flags ((?i) (?m) (?U)),
// named groups, \p{..}, [[:alpha:]], \Q..\E, \C, octal and \x{...} escapes, a
// literal `{` that is not a repetition, and automata past the size limits
// (kMaxPositions positions, kMaxStates DFA states).
//
// Capturing groups: FullMatch() ignores them. MatchFirstCapture() also
// reports the first (lowest-numbered) capturing group that matched a non-empty
// substring, exactly as RE2::Match(..., ANCHOR_BOTH, ...) reports it, for the
// regexes where that can be computed exactly without backtracking
// (captures_supported()): no capturing group inside a repetition that can
// match more than once, and no `*` / `+` / `{m,}` whose body can match empty.
// (Always for a regex without groups: the value itself, when it matches.)
// It runs a reverse DFA over the value (which positions can still finish the
// match), then walks forward taking at each byte the highest-priority
// position that can (leftmost-first = Perl backtracking order). For the other
// regexes it answers kUseRe2.
#ifndef PIIVAULT_DETECT_SHAPE_MATCHER_H_
#define PIIVAULT_DETECT_SHAPE_MATCHER_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"

namespace piivault::internal {

class ShapeMatcher {
 public:
  // Limits on what Compile() builds; past them it returns kUnimplemented.
  static constexpr int kMaxPositions = 1024;  // byte positions after unrolling
  static constexpr int kMaxStates = 4096;     // DFA states
  static constexpr size_t kMaxTableEntries = size_t{1} << 18;  // states * byte classes

  // Compiles `regex` (RE2 syntax, RE2's default UTF-8 options). Returns
  // kUnimplemented for syntax outside the supported subset or an automaton
  // past the limits, kInvalidArgument for a regex RE2 rejects as malformed
  // (unbalanced parentheses, unterminated class, bad range, repetition
  // without argument or stacked, counts over 1000, trailing backslash).
  // Messages give byte offsets into the regex, never matched values.
  static absl::StatusOr<ShapeMatcher> Compile(std::string_view regex);

  // True iff re2::RE2::FullMatch(value, regex) is true. Allocation-free.
  bool FullMatch(std::string_view value) const {
    const Automaton& a = *automaton_;
    const uint32_t* const table = a.table.data();
    if (value.size() < a.min_len || value.size() > a.max_len) return false;
    uint32_t s = a.start;
    for (const char ch : value) {
      s = table[s + a.byte_class[static_cast<unsigned char>(ch)]];
      if (s == 0) return false;  // dead state
    }
    return s >= a.accept_from;
  }

  enum class CaptureResult {
    kNoMatch,  // FullMatch(value) is false
    kMatch,    // *picked is set
    kUseRe2,   // !captures_supported(), or value longer than kMaxCaptureValue
  };
  static constexpr size_t kMaxCaptureValue = 256;

  // Full match, and the value a caller taking "the first capturing group
  // that matched a non-empty substring, else the whole value" would use:
  // *picked = that group's substring of `value` (by RE2's leftmost-first
  // submatch rules), or `value` itself when no group matched non-empty text
  // (always when the regex has no groups). Allocation-free.
  CaptureResult MatchFirstCapture(std::string_view value, std::string_view* picked) const;
  // The same for a caller that has just seen FullMatch(value) return true:
  // skips the forward pass. (Given a non-matching value it returns kNoMatch
  // all the same.)
  CaptureResult FirstCaptureOfMatch(std::string_view value, std::string_view* picked) const;
  bool captures_supported() const {
    return automaton_->captures == 0 || automaton_->capture != nullptr;
  }

  // Whether the regex has capturing groups.
  bool has_captures() const { return automaton_->captures > 0; }
  int num_captures() const { return automaton_->captures; }
  // Sizes, for tests and benchmarks.
  int num_states() const { return automaton_->states; }
  int num_byte_classes() const { return automaton_->classes; }
  int num_positions() const { return automaton_->positions; }
  size_t min_length() const { return automaton_->min_len; }
  size_t max_length() const { return automaton_->max_len; }  // SIZE_MAX: unbounded

 private:
  // Priority-ordered position automaton for MatchFirstCapture().
  struct CaptureEngine {
    size_t words = 0;                  // 64-bit words per position set
    std::vector<uint32_t> follow_begin;  // per position: range in follow
    std::vector<uint16_t> follow;        // next positions, highest priority first
    std::vector<uint64_t> group_mask;    // per position: groups it lies in (bit g-1)
    std::vector<uint64_t> class_bits;    // per byte class: positions accepting it
    // follow[p] restricted to the positions accepting class c, in the same
    // order: the range [follow_by_class_begin[p * classes + c], ... + 1) of
    // follow_by_class (the forward walk then tests liveness only).
    std::vector<uint32_t> follow_by_class_begin;
    std::vector<uint16_t> follow_by_class;
    std::vector<uint32_t> rtable;        // reverse DFA: state * classes + class -> state
    std::vector<uint64_t> rbits;         // per reverse state: its position set
    uint32_t rstart = 0;
  };

  struct Automaton {
    // Transition table, row-major: state k's row starts at k * classes. Entries
    // are row offsets of the next state (premultiplied), so state 0 (the dead
    // state) has offset 0. Non-accepting states come first: a state accepts
    // iff its offset >= accept_from.
    std::vector<uint32_t> table;
    uint8_t byte_class[256] = {};
    uint32_t start = 0;
    uint32_t accept_from = 0;
    size_t min_len = 0;         // shortest match
    size_t max_len = SIZE_MAX;  // longest match; SIZE_MAX: unbounded
    int classes = 0;
    int states = 0;
    int positions = 0;
    int captures = 0;
    // Null without groups (nothing to search for) or when unsupported.
    std::unique_ptr<const CaptureEngine> capture;
  };

  explicit ShapeMatcher(std::shared_ptr<const Automaton> a) : automaton_(std::move(a)) {}
  // `root` is the parsed tree (a Node, private to shape_matcher.cc); null
  // when the capture engine does not support it or exceeds the limits.
  static std::unique_ptr<const CaptureEngine> BuildCaptureEngine(const void* root,
                                                                 const Automaton& a);

  // Shared and immutable: copies are cheap and safe across threads.
  std::shared_ptr<const Automaton> automaton_;
};

}  // namespace piivault::internal

#endif  // PIIVAULT_DETECT_SHAPE_MATCHER_H_
