// A cheap necessary condition for "one of these keywords starts in [lo, hi)":
// two of its leading bytes (ASCII case-folded) occur there. Patterns that are
// reported only next to a keyword (dates of birth, QQ numbers, device IDs)
// ask it before the exact keyword matcher: most of their candidates (every
// timestamp in a chat export) have no such keyword nearby, and this answers
// that in a few SIMD compares per 16 bytes instead of a table lookup per byte.
#ifndef PIIVAULT_DETECT_KEYWORD_PREFILTER_H_
#define PIIVAULT_DETECT_KEYWORD_PREFILTER_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace piivault::internal {

class KeywordPrefilter {
 public:
  // More distinct prefixes than this and the filter costs more than it saves.
  static constexpr size_t kMaxPrefixes = 24;

  // `keywords` are lower-cased (as in pattern files). usable() is false if
  // there are none or too many distinct prefixes.
  explicit KeywordPrefilter(const std::vector<std::string>& keywords);

  bool usable() const { return usable_; }

  // False only if no keyword can start at a position in [lo, hi) of the
  // n-byte buffer p (hi <= n).
  bool MayStartIn(const uint8_t* p, size_t n, size_t lo, size_t hi) const;

 private:
  struct Prefix {
    uint8_t offset;  // where the two bytes sit in the keyword (0 or 1)
    uint8_t b[2];
  };
  bool ScalarAt(const uint8_t* p, size_t n, size_t q) const;
#if defined(__x86_64__)
  bool Avx2(const uint8_t* p, size_t n, size_t* q, size_t hi) const;
#endif
  std::vector<Prefix> prefixes_;
  bool usable_ = false;
};

}  // namespace piivault::internal

#endif  // PIIVAULT_DETECT_KEYWORD_PREFILTER_H_
