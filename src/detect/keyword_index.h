// Every context keyword of every pattern, and where they occur in a window of
// text. When every keyword is well-formed UTF-8 (the built-in ones are), one
// automaton over bytes (Aho-Corasick, ASCII letters folded, byte classes)
// walks the window: a table load per byte, and work only where a keyword
// ends. Otherwise the window is walked a character at a time (not a byte:
// most of it is Chinese) and each character is tested against a filter on the
// keywords' first characters -- one bit per BMP code point for keywords that
// begin with a non-ASCII character, one bit per byte pair for those that
// begin with ASCII -- and, after a non-ASCII first character, a filter on the
// bytes that follow it, so only a likely keyword costs a comparison. Both
// find the same occurrences (tests/detect/keyword_index_test.cc).
#ifndef PIIVAULT_DETECT_KEYWORD_INDEX_H_
#define PIIVAULT_DETECT_KEYWORD_INDEX_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>


namespace piivault::internal {

class KeywordIndex {
 public:
  // `keywords` (ids are their indexes) are at least 2 bytes; ASCII letters in
  // them are lower case and match either case in the text. `automaton`:
  // false keeps the character walk whatever the keywords (tests compare the
  // two).
  explicit KeywordIndex(std::vector<std::string> keywords, bool automaton = true);

  // The automaton's table is at most this many 4-byte entries (8 MB; the
  // built-in keywords need about 0.2 M).
  static constexpr size_t kMaxTableEntries = size_t{1} << 21;
  KeywordIndex() = default;

  size_t size() const { return texts_.size(); }
  const std::string& text(uint32_t id) const { return texts_[id]; }

  // Appends the id of every keyword occurrence that lies wholly in p[lo, hi)
  // and starts at a character (not a UTF-8 continuation byte), in no
  // particular order (an id once per occurrence). Reads only p[lo, hi).
  void FindIn(const uint8_t* p, size_t lo, size_t hi, std::vector<uint32_t>* ids) const {
    if (lo < hi) FindInWindow(p, lo, hi, ids);  // (an empty window costs no call: often the one after a value)
  }

  // Whether FindIn runs the automaton (every keyword well-formed UTF-8) or
  // the character walk. For tests.
  bool uses_automaton() const { return !delta_.empty(); }

 private:
  void BuildAutomaton();
  void FindInWindow(const uint8_t* p, size_t lo, size_t hi, std::vector<uint32_t>* ids) const;
  void TryAt(const uint8_t* p, size_t q, size_t hi, uint32_t key, std::vector<uint32_t>* ids) const;

  std::vector<std::string> texts_;
  // Bit k of code_points_: a keyword begins with the non-ASCII BMP character
  // U+k. Bit (b0 << 8 | b1) of ascii_pairs_: one begins with ASCII bytes b0 b1
  // (lower case).
  std::vector<uint64_t> code_points_ = std::vector<uint64_t>(1024, 0);
  std::vector<uint64_t> ascii_pairs_ = std::vector<uint64_t>(1024, 0);
  // After a non-ASCII first character (code point cp) of `len` bytes at q,
  // the next one or two bytes: bit SecondKey(cp, p[q + len]) of one_after_
  // when that byte is ASCII, bit SecondKey(cp, p[q + len], p[q + len + 1]) of
  // two_after_ otherwise (ASCII case-folded; hashed, so a superset). A
  // keyword of one character sets its first character's bit in single_.
  std::vector<uint64_t> one_after_ = std::vector<uint64_t>(1024, 0);
  std::vector<uint64_t> two_after_ = std::vector<uint64_t>(1024, 0);
  std::vector<uint64_t> single_ = std::vector<uint64_t>(1024, 0);
  bool MayFollow(const uint8_t* p, size_t after, size_t hi, uint32_t cp) const;
  // Keywords that begin with a 4-byte character (rare): tried at every one.
  bool any_astral_ = false;
  // Keyword ids by first-character key (code point, or 0x10000 + pair), as
  // sorted (key, id) pairs.
  std::vector<std::pair<uint32_t, uint32_t>> by_key_;
  // Where a key's ids begin in by_key_, found without hashing: the key's
  // rank among the set bits of its bitmap (set bits in the words before,
  // plus those below it in its word) indexes *_first_, whose next entry is
  // where they end. Keywords filed under no first character are
  // [astral_first_, by_key_.size()).
  std::vector<uint32_t> cp_rank_, ascii_rank_;
  std::vector<uint32_t> cp_first_, ascii_first_;
  uint32_t astral_first_ = 0;
  // Whether keyword id has ASCII letters (compared case-folded); the others
  // are compared bytewise.
  std::vector<uint8_t> folds_;

  // The keywords as one automaton (Aho-Corasick over bytes, ASCII letters
  // folded): a table load per byte of the window, and a keyword costs only
  // where one ends. Built when every keyword is well-formed UTF-8: then an
  // occurrence starts at a character (a keyword's first byte is no
  // continuation byte) and the automaton finds exactly what the walk finds.
  // delta_[row + cls_[byte]] for the state whose row starts at `row`
  // (state s: s * classes_): the next state's row. Keywords end in the states
  // whose rows are at or past ends_from_; state t's are
  // out_ids_[out_first_[t], out_first_[t + 1]).
  std::vector<uint32_t> delta_;
  size_t ends_from_ = 0;
  uint32_t classes_ = 0;
  uint8_t cls_[256] = {};
  std::vector<uint32_t> out_first_;
  std::vector<uint32_t> out_ids_;
};

}  // namespace piivault::internal

#endif  // PIIVAULT_DETECT_KEYWORD_INDEX_H_
