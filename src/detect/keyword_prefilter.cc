#include "detect/keyword_prefilter.h"

#include <algorithm>
#include <cstring>

#if defined(__x86_64__)
#include <immintrin.h>
#endif

namespace piivault::internal {

namespace {

inline uint8_t Fold(uint8_t c) { return (c >= 'A' && c <= 'Z') ? static_cast<uint8_t>(c | 0x20) : c; }

// Tables of eight prefixes the SIMD form holds (Blocks<N0, N1>, N0 + N1 <= 4).
constexpr size_t kMaxTables = 4;

}  // namespace

KeywordPrefilter::KeywordPrefilter(const std::vector<std::string>& keywords, size_t max_prefixes,
                                   bool share_first_byte) {
  for (const std::string& k : keywords) {
    if (k.size() < 2) return;  // cannot filter on fewer than two bytes
    Prefix pre{};
    // The two bytes compared: the first two of an ASCII keyword; the last two
    // of a leading 3-byte character (its lead byte, E4..E9 for most Han
    // characters, tells almost nothing).
    const bool wide = static_cast<uint8_t>(k[0]) >= 0xE0 && k.size() >= 3 && static_cast<uint8_t>(k[1]) >= 0x80 &&
                      static_cast<uint8_t>(k[2]) >= 0x80;
    pre.offset = wide ? 1 : 0;
    pre.b[0] = Fold(static_cast<uint8_t>(k[pre.offset]));
    pre.b[1] = Fold(static_cast<uint8_t>(k[pre.offset + 1]));
    bool seen = std::any_of(prefixes_.begin(), prefixes_.end(), [&](const Prefix& q) {
      return q.offset == pre.offset && q.b[0] == pre.b[0] && q.b[1] == pre.b[1];
    });
    if (!seen) prefixes_.push_back(pre);
  }
  usable_ = !prefixes_.empty() && prefixes_.size() <= std::min(max_prefixes, kMaxSimdPrefixes);
  if (!usable_) return;
  for (uint8_t offset : {0, 1}) {
    size_t bit = 8;
    std::vector<std::pair<uint8_t, size_t>> shared;  // (first byte, table * 8 + bit)
    for (const Prefix& pre : prefixes_) {
      if (pre.offset != offset) continue;
      size_t table, use;
      auto same = std::find_if(shared.begin(), shared.end(), [&](const auto& s) { return s.first == pre.b[0]; });
      if (share_first_byte && same != shared.end()) {
        table = same->second / 8;
        use = same->second % 8;
      } else {
        if (bit == 8) {
          tables_.emplace_back();
          tables_.back().offset = offset;
          bit = 0;
        }
        table = tables_.size() - 1;
        use = bit++;
        shared.emplace_back(pre.b[0], table * 8 + use);
      }
      NibbleTable& t = tables_[table];
      for (int j = 0; j < 2; ++j) {
        t.nib[j][0][pre.b[j] & 15] |= static_cast<uint8_t>(1u << use);
        t.nib[j][1][pre.b[j] >> 4] |= static_cast<uint8_t>(1u << use);
      }
    }
  }
  if (tables_.size() > kMaxTables) {  // e.g. 9 prefixes at one offset and 23 at the other
    usable_ = false;
    tables_.clear();
    return;
  }
  for (size_t i = 0; i < tables_.size(); ++i) {
    for (int j = 0; j < 2; ++j) {
      for (int h = 0; h < 2; ++h) {
        std::memcpy(simd_tables_[i][j][h], tables_[i].nib[j][h], 16);
        std::memcpy(simd_tables_[i][j][h] + 16, tables_[i].nib[j][h], 16);
      }
    }
  }
#if defined(__x86_64__)
  ChooseBlocks();
#endif
}

bool KeywordPrefilter::ScalarAt(const uint8_t* p, size_t n, size_t q) const {
  for (const Prefix& pre : prefixes_) {
    if (q + pre.offset + 2 > n) continue;
    if (Fold(p[q + pre.offset]) == pre.b[0] && Fold(p[q + pre.offset + 1]) == pre.b[1]) return true;
  }
  return false;
}

#if defined(__x86_64__)
// ASCII upper case to lower case, other bytes unchanged (signed compares:
// bytes >= 0x80 are negative, never in 'A'..'Z').
__attribute__((target("avx2"))) static inline __m256i FoldAvx2(__m256i v) {
  const __m256i upper = _mm256_and_si256(_mm256_cmpgt_epi8(v, _mm256_set1_epi8('A' - 1)),
                                         _mm256_cmpgt_epi8(_mm256_set1_epi8('Z' + 1), v));
  return _mm256_or_si256(v, _mm256_and_si256(upper, _mm256_set1_epi8(0x20)));
}

// The bucket bits of nibble table t (low, high) that byte v matches.
__attribute__((target("avx2"))) static inline __m256i Lookup(const __m256i (&t)[2], __m256i v) {
  const __m256i low = _mm256_set1_epi8(0x0F);
  const __m256i lo = _mm256_shuffle_epi8(t[0], _mm256_and_si256(v, low));
  const __m256i hi = _mm256_shuffle_epi8(t[1], _mm256_and_si256(_mm256_srli_epi16(v, 4), low));
  return _mm256_and_si256(lo, hi);
}

// The nibble tables, in both 128-bit lanes (KeywordPrefilter::simd_tables_,
// read as vectors: __m256i may alias any bytes).
struct Tables {
  __m256i t[kMaxTables][2][2];
};
static_assert(sizeof(Tables) == kMaxTables * 2 * 2 * 32);

// Positions q .. q+31 where a prefix matches (loads p[q .. q+34)): tables
// [0, N0) compare bytes 0-1 (ASCII case-folded), tables [N0, N0 + N1) bytes
// 1-2 (their prefixes are bytes >= 0x80, unchanged by folding). Templated so
// the table loop unrolls and the tables stay in registers.
template <int N0, int N1>
__attribute__((target("avx2"))) static inline uint32_t BlockMask(const uint8_t* p, size_t q, const Tables& tab) {
  __m256i any = _mm256_setzero_si256();
  if constexpr (N0 > 0) {
    const __m256i v0 = FoldAvx2(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(p + q)));
    const __m256i v1 = FoldAvx2(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(p + q + 1)));
    for (int i = 0; i < N0; ++i) {
      any = _mm256_or_si256(any, _mm256_and_si256(Lookup(tab.t[i][0], v0), Lookup(tab.t[i][1], v1)));
    }
  }
  if constexpr (N1 > 0) {
    const __m256i v1 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p + q + 1));
    const __m256i v2 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p + q + 2));
    for (int i = N0; i < N0 + N1; ++i) {
      any = _mm256_or_si256(any, _mm256_and_si256(Lookup(tab.t[i][0], v1), Lookup(tab.t[i][1], v2)));
    }
  }
  // A byte with any bucket bit set marks a position.
  return ~static_cast<uint32_t>(_mm256_movemask_epi8(_mm256_cmpeq_epi8(any, _mm256_setzero_si256())));
}

// Fills masks[j] for the blocks at lo + 32 j below hi; with `first`, stops
// after the first non-zero mask. Returns the number of blocks done (all of
// them, unless `first` stopped it).
template <int N0, int N1>
__attribute__((target("avx2"))) static size_t Blocks(const uint8_t* p, size_t n, size_t lo, size_t hi,
                                                   const Tables& tab, bool first, uint32_t* masks) {
  size_t j = 0;
  // Records the mask of the block at q (bits past hi cleared); true when a
  // `first` search is done.
  auto Put = [&](size_t q, uint32_t mask) {
    if (hi - q < 32) mask &= (uint32_t{1} << (hi - q)) - 1;
    masks[first ? 0 : j] = mask;
    ++j;
    return first && mask != 0;
  };
  size_t q = lo;
  for (; q < hi && q + 34 <= n; q += 32) {
    if (Put(q, BlockMask<N0, N1>(p, q, tab))) return j;
  }
  // The last bytes of the buffer (a short chat message is nothing else): a
  // copy padded with zeros, which begin no keyword and match no keyword
  // byte, so that a prefix cut by the end matches nothing, as in ScalarAt.
  for (; q < hi; q += 32) {
    alignas(32) uint8_t tail[64] = {};
    std::memcpy(tail, p + q, n - q);
    if (Put(q, BlockMask<N0, N1>(tail, 0, tab))) return j;
  }
  return j;
}

using BlocksFn = size_t (*)(const uint8_t*, size_t, size_t, size_t, const Tables&, bool, uint32_t*);

// Blocks<N0, N1> for every split of at most kMaxTables tables.
template <int N0 = 0, int N1 = 0>
static BlocksFn BlocksFor(size_t n0, size_t n1) {
  if constexpr (N0 + N1 > static_cast<int>(kMaxTables)) {
    return nullptr;
  } else {
    if (n0 == N0 && n1 == N1) return &Blocks<N0, N1>;
    if constexpr (N1 < static_cast<int>(kMaxTables)) {
      if (n0 == N0) return BlocksFor<N0, N1 + 1>(n0, n1);
    }
    if constexpr (N0 < static_cast<int>(kMaxTables)) return BlocksFor<N0 + 1, 0>(n0, n1);
    return nullptr;
  }
}

void KeywordPrefilter::ChooseBlocks() {
  size_t n0 = 0;
  while (n0 < tables_.size() && tables_[n0].offset == 0) ++n0;
  blocks_ = reinterpret_cast<void (*)()>(BlocksFor(n0, tables_.size() - n0));
}

__attribute__((target("avx2"))) size_t KeywordPrefilter::BlocksAvx2(const uint8_t* p, size_t n, size_t lo, size_t hi,
                                                                    bool first, uint32_t* masks) const {
  static_assert(sizeof(simd_tables_) == sizeof(Tables));
  if (blocks_ == nullptr) return 0;
  const Tables& tab = *reinterpret_cast<const Tables*>(simd_tables_);
  return reinterpret_cast<BlocksFn>(blocks_)(p, n, lo, hi, tab, first, masks);
}

// 32 start positions per step; `q` returns where it stopped.
bool KeywordPrefilter::Avx2(const uint8_t* p, size_t n, size_t* q_io, size_t hi) const {
  uint32_t mask = 0;
  const size_t blocks = BlocksAvx2(p, n, *q_io, hi, /*first=*/true, &mask);
  if (blocks > 0 && mask != 0) {
    *q_io += 32 * (blocks - 1) + static_cast<size_t>(__builtin_ctz(mask));
    return true;
  }
  *q_io += 32 * blocks;
  return false;
}

size_t KeywordPrefilter::MasksAvx2(const uint8_t* p, size_t n, size_t lo, size_t hi, uint32_t* masks) const {
  return BlocksAvx2(p, n, lo, hi, /*first=*/false, masks);
}
#endif

size_t KeywordPrefilter::FirstMaybe(const uint8_t* p, size_t n, size_t lo, size_t hi) const {
  if (!usable_) return lo < hi ? lo : hi;
  size_t q = lo;
#if defined(__x86_64__)
  static const bool kHaveAvx2 = __builtin_cpu_supports("avx2");
  if (kHaveAvx2 && Avx2(p, n, &q, hi)) return q;
#endif
  for (; q < hi; ++q) {
    if (ScalarAt(p, n, q)) return q;
  }
  return hi;
}

void KeywordPrefilter::MayStartMasks(const uint8_t* p, size_t n, size_t lo, size_t hi, uint32_t* masks) const {
  size_t j = 0;
#if defined(__x86_64__)
  static const bool kHaveAvx2 = __builtin_cpu_supports("avx2");
  if (kHaveAvx2 && usable_) j = MasksAvx2(p, n, lo, hi, masks);
#endif
  for (size_t q = lo + 32 * j; q < hi; q += 32, ++j) {
    uint32_t mask = 0;
    for (size_t b = 0; b < 32 && q + b < hi; ++b) {
      if (!usable_ || ScalarAt(p, n, q + b)) mask |= uint32_t{1} << b;
    }
    masks[j] = mask;
  }
}

bool KeywordPrefilter::Cursor::MayStartIn(const KeywordPrefilter& f, const uint8_t* p, size_t n, size_t lo,
                                          size_t hi) {
  if (lo >= hi) return false;
  bool fresh = false;
  if (lo < from_ || (next_ < limit_ && next_ < lo) || lo > limit_) {
    // Behind what is known, past a known position, or beyond a gap: start
    // afresh at lo.
    from_ = next_ = limit_ = lo;
    fresh = true;
  }
  if (next_ < limit_) return next_ < hi;  // next_ >= lo here
  if (hi <= limit_) return false;         // [lo, hi) lies in the empty stretch
  // Sweep on from limit_ (>= lo), a little past hi; after a fresh start only
  // to the end of hi's block (a first window may well be the only one).
  const size_t to = std::min(n, fresh ? lo + (hi - lo + 31) / 32 * 32 : std::max(hi, limit_ + kAhead));
  const size_t found = f.FirstMaybe(p, n, limit_, to);
  if (found < to) {
    next_ = found;
    limit_ = found + 1;
  } else {
    next_ = limit_ = to;
  }
  return next_ < hi && next_ < limit_;
}

}  // namespace piivault::internal
