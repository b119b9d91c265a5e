#include "detect/keyword_prefilter.h"

#include <algorithm>

#if defined(__x86_64__)
#include <immintrin.h>
#endif

namespace piivault::internal {

namespace {

inline uint8_t Fold(uint8_t c) { return (c >= 'A' && c <= 'Z') ? static_cast<uint8_t>(c | 0x20) : c; }

}  // namespace

KeywordPrefilter::KeywordPrefilter(const std::vector<std::string>& keywords) {
  for (const std::string& k : keywords) {
    if (k.size() < 2) return;  // cannot filter on fewer than two bytes
    Prefix pre{};
    // The two bytes compared: the first two of an ASCII keyword; the last two
    // of a leading 3-byte character (its lead byte, E4..E9 for most Han
    // characters, tells almost nothing).
    const bool wide = static_cast<uint8_t>(k[0]) >= 0xE0 && k.size() >= 3;
    pre.offset = wide ? 1 : 0;
    pre.b[0] = Fold(static_cast<uint8_t>(k[pre.offset]));
    pre.b[1] = Fold(static_cast<uint8_t>(k[pre.offset + 1]));
    bool seen = std::any_of(prefixes_.begin(), prefixes_.end(), [&](const Prefix& q) {
      return q.offset == pre.offset && q.b[0] == pre.b[0] && q.b[1] == pre.b[1];
    });
    if (!seen) prefixes_.push_back(pre);
  }
  usable_ = !prefixes_.empty() && prefixes_.size() <= kMaxPrefixes;
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

// 32 start positions per step; `q` returns where it stopped.
__attribute__((target("avx2"))) bool KeywordPrefilter::Avx2(const uint8_t* p, size_t n, size_t* q_io,
                                                            size_t hi) const {
  size_t q = *q_io;
  const size_t np = prefixes_.size();
  // Loads read p[q .. q+34): stay inside the buffer.
  for (; q < hi && q + 34 <= n; q += 32) {
    const __m256i v0 = FoldAvx2(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(p + q)));
    const __m256i v1 = FoldAvx2(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(p + q + 1)));
    const __m256i v2 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p + q + 2));
    __m256i any = _mm256_setzero_si256();
    for (size_t i = 0; i < np; ++i) {
      const Prefix& pre = prefixes_[i];
      const __m256i x = _mm256_set1_epi8(static_cast<char>(pre.b[0]));
      const __m256i y = _mm256_set1_epi8(static_cast<char>(pre.b[1]));
      __m256i m = pre.offset == 0 ? _mm256_and_si256(_mm256_cmpeq_epi8(v0, x), _mm256_cmpeq_epi8(v1, y))
                                  : _mm256_and_si256(_mm256_cmpeq_epi8(v1, x), _mm256_cmpeq_epi8(v2, y));
      any = _mm256_or_si256(any, m);
    }
    uint32_t mask = static_cast<uint32_t>(_mm256_movemask_epi8(any));
    if (hi - q < 32) mask &= (uint32_t{1} << (hi - q)) - 1;
    if (mask != 0) return true;
  }
  *q_io = q;
  return false;
}
#endif

bool KeywordPrefilter::MayStartIn(const uint8_t* p, size_t n, size_t lo, size_t hi) const {
  if (!usable_) return true;
  size_t q = lo;
#if defined(__x86_64__)
  static const bool kHaveAvx2 = __builtin_cpu_supports("avx2");
  if (kHaveAvx2 && Avx2(p, n, &q, hi)) return true;
#endif
  for (; q < hi; ++q) {
    if (ScalarAt(p, n, q)) return true;
  }
  return false;
}

}  // namespace piivault::internal
