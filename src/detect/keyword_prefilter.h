// A cheap necessary condition for "one of these keywords starts in [lo, hi)":
// two of its leading bytes (ASCII case-folded) occur there. Patterns that are
// reported only next to a keyword (dates of birth, QQ numbers, device IDs)
// ask it before the exact keyword matcher: most of their candidates (every
// timestamp in a chat export) have no such keyword nearby, and this answers
// that with a few SIMD table lookups per 32 bytes instead of a lookup per byte.
// The tail pass uses one too, to find the last characters of bare labels.
#ifndef PIIVAULT_DETECT_KEYWORD_PREFILTER_H_
#define PIIVAULT_DETECT_KEYWORD_PREFILTER_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace piivault::internal {

class KeywordPrefilter {
 public:
  // More distinct prefixes than this and a keyword filter costs more than it
  // saves (its callers have the exact matcher to fall back on).
  static constexpr size_t kMaxPrefixes = 24;
  // The most the SIMD form holds: four tables of eight (all at one offset).
  static constexpr size_t kMaxSimdPrefixes = 32;

  // `keywords` are lower-cased (as in pattern files). usable() is false if
  // there are none or more than `max_prefixes` (at most kMaxSimdPrefixes)
  // distinct prefixes, or they need more tables than the SIMD form has.
  // With `share_first_byte`, prefixes whose first compared byte is the same
  // share one table bit, so more fit in fewer tables (fewer lookups per 32
  // bytes); the SIMD form then also passes that byte followed by a byte whose
  // two nibbles each occur among the group's second bytes -- a superset, as
  // the callers verify what it passes (the scalar form stays exact).
  explicit KeywordPrefilter(const std::vector<std::string>& keywords, size_t max_prefixes = kMaxPrefixes,
                            bool share_first_byte = false);

  bool usable() const { return usable_; }

  // False only if no keyword can start at a position in [lo, hi) of the
  // n-byte buffer p (hi <= n).
  bool MayStartIn(const uint8_t* p, size_t n, size_t lo, size_t hi) const {
    return FirstMaybe(p, n, lo, hi) < hi;
  }

  // The first position in [lo, hi) where a keyword may start, or hi.
  size_t FirstMaybe(const uint8_t* p, size_t n, size_t lo, size_t hi) const;

  // Every position in [lo, hi) where a keyword may start, as bit masks: bit
  // b of masks[j] stands for position lo + 32 j + b. Fills (hi - lo + 31) / 32
  // masks. For passes that visit every such position (no restart per hit).
  void MayStartMasks(const uint8_t* p, size_t n, size_t lo, size_t hi, uint32_t* masks) const;

  // MayStartIn for a sequence of mostly ascending windows over one buffer:
  // remembers how far it has looked and the first position found, so each
  // byte is swept about once however many windows overlap it (a chat
  // timestamp on every line asks about the text around each one).
  class Cursor {
   public:
    bool MayStartIn(const KeywordPrefilter& f, const uint8_t* p, size_t n, size_t lo, size_t hi);

   private:
    static constexpr size_t kAhead = 256;  // swept past a window, for the next one
    // No keyword can start in [from_, next_); next_ < limit_ means one may
    // start at next_; next_ == limit_ means nothing is known from limit_ on.
    size_t from_ = 0, next_ = 0, limit_ = 0;
  };

  // Up to eight prefixes of one offset, one bit each, as nibble tables:
  // byte x matches prefix i's byte j iff bit i is set in both
  // nib[j][0][x & 15] and nib[j][1][x >> 4] (exact with one prefix per bit;
  // a superset for a bit shared by prefixes with the same first byte).
  struct NibbleTable {
    uint8_t offset = 0;
    uint8_t nib[2][2][16] = {};
  };

 private:
  struct Prefix {
    uint8_t offset;  // where the two bytes sit in the keyword (0 or 1)
    uint8_t b[2];
  };
  bool ScalarAt(const uint8_t* p, size_t n, size_t q) const;
#if defined(__x86_64__)
  bool Avx2(const uint8_t* p, size_t n, size_t* q, size_t hi) const;  // *q: the position found
  size_t MasksAvx2(const uint8_t* p, size_t n, size_t lo, size_t hi, uint32_t* masks) const;  // blocks done
  size_t BlocksAvx2(const uint8_t* p, size_t n, size_t lo, size_t hi, bool first, uint32_t* masks) const;
  void ChooseBlocks();
  // The Blocks<N0, N1> instance for this filter's tables, chosen once: a
  // short chat message calls the filter a few times, and choosing cost as
  // much as filtering it.
  void (*blocks_)() = nullptr;
#endif
  std::vector<Prefix> prefixes_;
  std::vector<NibbleTable> tables_;
  // tables_ with each 16-byte table in both halves of a 32-byte row, as the
  // AVX2 kernel reads them (built once, not per call: a short chat message
  // calls the filter a few times).
  alignas(32) uint8_t simd_tables_[4][2][2][32] = {};
  bool usable_ = false;
};

}  // namespace piivault::internal

#endif  // PIIVAULT_DETECT_KEYWORD_PREFILTER_H_
