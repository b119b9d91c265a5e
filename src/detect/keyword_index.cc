#include "detect/keyword_index.h"

#include <algorithm>
#include <cstring>
#include <utility>

#include "detect/text_scan.h"

namespace piivault::internal {

namespace {

inline uint8_t Fold(uint8_t c) { return (c >= 'A' && c <= 'Z') ? static_cast<uint8_t>(c | 0x20) : c; }
inline bool IsContinuation(uint8_t c) { return (c & 0xC0) == 0x80; }
inline bool Test(const std::vector<uint64_t>& bits, uint32_t k) { return (bits[k >> 6] >> (k & 63)) & 1; }
inline void Set(std::vector<uint64_t>& bits, uint32_t k) { bits[k >> 6] |= uint64_t{1} << (k & 63); }

constexpr uint32_t kAsciiKey = 0x10000;

// A 16-bit hash of a first character's code point and the one or two bytes
// after it (b1 ASCII: b2 = 0x100, so the two kinds never share a value).
inline uint32_t SecondKey(uint32_t cp, uint32_t b1, uint32_t b2 = 0x100) {
  return ((cp * 0x9E3779B1u) ^ (b1 * 0x85EBCA77u) ^ (b2 * 0xC2B2AE3Du)) >> 16;
}

// Bits set in x, inline (__builtin_popcountll is a libgcc call on baseline
// x86-64, which has no POPCNT instruction).
inline uint32_t PopCount(uint64_t x) {
  x = x - ((x >> 1) & 0x5555555555555555ull);
  x = (x & 0x3333333333333333ull) + ((x >> 2) & 0x3333333333333333ull);
  x = (x + (x >> 4)) & 0x0F0F0F0F0F0F0F0Full;
  return static_cast<uint32_t>((x * 0x0101010101010101ull) >> 56);
}

}  // namespace

KeywordIndex::KeywordIndex(std::vector<std::string> keywords, bool automaton) : texts_(std::move(keywords)) {
  for (uint32_t id = 0; id < texts_.size(); ++id) {
    const std::string& k = texts_[id];
    if (k.size() < 2) continue;  // the detector refuses these when loading patterns
    const auto* b = reinterpret_cast<const uint8_t*>(k.data());
    uint32_t key;
    if (b[0] < 0x80) {
      key = kAsciiKey + (uint32_t{Fold(b[0])} << 8 | Fold(b[1]));
      Set(ascii_pairs_, key - kAsciiKey);
    } else if (b[0] >= 0xC0 && b[0] < 0xE0 && IsContinuation(b[1])) {
      key = uint32_t{b[0] & 0x1Fu} << 6 | (b[1] & 0x3Fu);
      Set(code_points_, key);
    } else if (b[0] >= 0xE0 && b[0] < 0xF0 && k.size() >= 3 && IsContinuation(b[1]) && IsContinuation(b[2])) {
      key = uint32_t{b[0] & 0x0Fu} << 12 | uint32_t{b[1] & 0x3Fu} << 6 | (b[2] & 0x3Fu);
      Set(code_points_, key);
    } else {
      // A 4-byte character or bytes that are not UTF-8: tried at every
      // position that starts with a byte >= 0xF0 or is not decodable (rare).
      any_astral_ = true;
      key = UINT32_MAX;
    }
    by_key_.emplace_back(key, id);
    if (key < kAsciiKey) {  // what follows the first character
      const size_t len = b[0] >= 0xE0 ? 3 : 2;
      if (k.size() == len) {
        Set(single_, key);
      } else if (b[len] < 0x80) {
        Set(one_after_, SecondKey(key, Fold(b[len])));
      } else if (k.size() > len + 1) {
        Set(two_after_, SecondKey(key, b[len], Fold(b[len + 1])));
      } else {
        Set(single_, key);  // a stray lead byte after it: compare always
      }
    }
  }
  std::sort(by_key_.begin(), by_key_.end());
  // Ranks and ranges (keys sort code points < 0x10000 + pair < UINT32_MAX).
  auto Ranks = [](const std::vector<uint64_t>& bits, std::vector<uint32_t>* rank) {
    rank->assign(bits.size() + 1, 0);
    for (size_t w = 0; w < bits.size(); ++w) (*rank)[w + 1] = (*rank)[w] + PopCount(bits[w]);
  };
  Ranks(code_points_, &cp_rank_);
  Ranks(ascii_pairs_, &ascii_rank_);
  uint32_t i = 0;
  auto Firsts = [&](uint32_t count, std::vector<uint32_t>* first) {
    first->clear();
    for (uint32_t r = 0; r < count; ++r) {
      first->push_back(i);
      const uint32_t key = by_key_[i].first;
      while (i < by_key_.size() && by_key_[i].first == key) ++i;
    }
    first->push_back(i);
  };
  Firsts(cp_rank_.back(), &cp_first_);
  Firsts(ascii_rank_.back(), &ascii_first_);
  astral_first_ = i;
  for (const std::string& k : texts_) {
    folds_.push_back(std::any_of(k.begin(), k.end(), [](char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }));
  }
  if (automaton) BuildAutomaton();
}

namespace {

// Well-formed UTF-8 (no overlong 2-byte forms, no stray or missing
// continuation bytes; what the walk decodes as one character is one).
bool WellFormed(const std::string& k) {
  const auto* b = reinterpret_cast<const uint8_t*>(k.data());
  for (size_t i = 0; i < k.size();) {
    size_t len;
    if (b[i] < 0x80) {
      len = 1;
    } else if (b[i] >= 0xC2 && b[i] < 0xE0) {
      len = 2;
    } else if (b[i] >= 0xE0 && b[i] < 0xF0) {
      len = 3;
    } else if (b[i] >= 0xF0 && b[i] < 0xF5) {
      len = 4;
    } else {
      return false;
    }
    if (i + len > k.size()) return false;
    for (size_t t = 1; t < len; ++t) {
      if (!IsContinuation(b[i + t])) return false;
    }
    i += len;
  }
  return true;
}

}  // namespace

void KeywordIndex::BuildAutomaton() {
  if (texts_.empty()) return;
  for (const std::string& k : texts_) {
    if (k.size() < 2 || !WellFormed(k)) return;  // the walk handles these as it always has
  }
  // Byte classes: one per byte that occurs in a keyword, 0 for the rest. A
  // text byte is classed as its folded form (a keyword's upper-case letter,
  // which the walk never matches, gets a class no text byte has).
  uint32_t class_of[256] = {};
  uint32_t classes = 1;
  for (const std::string& k : texts_) {
    for (char c : k) {
      if (class_of[static_cast<uint8_t>(c)] == 0) class_of[static_cast<uint8_t>(c)] = classes++;
    }
  }
  // At most one state per keyword byte (and the root): a table past
  // kMaxTableEntries (a custom pattern set with thousands of keywords) is
  // not built, and the walk serves.
  size_t bytes = 0;
  for (const std::string& k : texts_) bytes += k.size();
  if (classes > 256 || (bytes + 1) * classes > kMaxTableEntries) return;
  // The trie (-1: no edge), then failure links and the full transition
  // table in breadth-first order.
  std::vector<int32_t> go(classes, -1);
  std::vector<std::vector<uint32_t>> out(1);
  for (uint32_t id = 0; id < texts_.size(); ++id) {
    uint32_t s = 0;
    for (char c : texts_[id]) {
      const size_t at = size_t{s} * classes + class_of[static_cast<uint8_t>(c)];
      if (go[at] < 0) {
        go[at] = static_cast<int32_t>(out.size());
        out.emplace_back();
        go.resize(go.size() + classes, -1);
      }
      s = static_cast<uint32_t>(go[at]);
    }
    out[s].push_back(id);
  }
  const size_t states = out.size();
  std::vector<uint32_t> delta(states * classes, 0), fail(states, 0), order;
  order.reserve(states);
  for (uint32_t c = 0; c < classes; ++c) {
    if (go[c] >= 0) {
      delta[c] = static_cast<uint32_t>(go[c]);
      order.push_back(delta[c]);
    }
  }
  for (size_t i = 0; i < order.size(); ++i) {
    const uint32_t s = order[i];
    // Occurrences ending here: s's own keywords and those of its failure
    // state (a shorter suffix, done before s).
    out[s].insert(out[s].end(), out[fail[s]].begin(), out[fail[s]].end());
    for (uint32_t c = 0; c < classes; ++c) {
      const int32_t t = go[size_t{s} * classes + c];
      if (t >= 0) {
        fail[t] = delta[size_t{fail[s]} * classes + c];
        delta[size_t{s} * classes + c] = static_cast<uint32_t>(t);
        order.push_back(static_cast<uint32_t>(t));
      } else {
        delta[size_t{s} * classes + c] = delta[size_t{fail[s]} * classes + c];
      }
    }
  }
  // Renumbered so that the states where a keyword ends come last: a row at
  // or past ends_from_ is one (the root, where none ends, stays 0).
  std::vector<uint32_t> renumber(states);
  uint32_t next = 0;
  for (int ends = 0; ends < 2; ++ends) {
    for (size_t t = 0; t < states; ++t) {
      if (out[t].empty() == (ends == 0)) renumber[t] = next++;
    }
    if (ends == 0) ends_from_ = next * classes;
  }
  delta_.resize(delta.size());
  out_first_.assign(states + 1, 0);
  for (size_t t = 0; t < states; ++t) {
    for (uint32_t c = 0; c < classes; ++c) {
      delta_[size_t{renumber[t]} * classes + c] = renumber[delta[t * classes + c]] * classes;
    }
    out_first_[renumber[t] + 1] = static_cast<uint32_t>(out[t].size());
  }
  for (size_t t = 0; t < states; ++t) out_first_[t + 1] += out_first_[t];
  out_ids_.resize(out_first_[states]);
  for (size_t t = 0; t < states; ++t) std::copy(out[t].begin(), out[t].end(), out_ids_.begin() + out_first_[renumber[t]]);
  classes_ = classes;
  for (uint32_t b = 0; b < 256; ++b) cls_[b] = static_cast<uint8_t>(class_of[Fold(static_cast<uint8_t>(b))]);
}

namespace {

inline uint32_t Rank(const std::vector<uint64_t>& bits, const std::vector<uint32_t>& rank, uint32_t k) {
  const uint64_t below = bits[k >> 6] & ((uint64_t{1} << (k & 63)) - 1);
  return rank[k >> 6] + PopCount(below);
}

}  // namespace

void KeywordIndex::TryAt(const uint8_t* p, size_t q, size_t hi, uint32_t key, std::vector<uint32_t>* ids) const {
  // The caller saw key's bit set, so it has a range.
  uint32_t first, last;
  if (key == UINT32_MAX) {
    first = astral_first_;
    last = static_cast<uint32_t>(by_key_.size());
  } else if (key >= kAsciiKey) {
    const uint32_t r = Rank(ascii_pairs_, ascii_rank_, key - kAsciiKey);
    first = ascii_first_[r];
    last = ascii_first_[r + 1];
  } else {
    const uint32_t r = Rank(code_points_, cp_rank_, key);
    first = cp_first_[r];
    last = cp_first_[r + 1];
  }
  for (uint32_t i = first; i < last; ++i) {
    const uint32_t id = by_key_[i].second;
    const std::string& w = texts_[id];
    if (q + w.size() > hi) continue;
    bool eq;
    if (folds_[id]) {
      eq = true;
      for (size_t t = 0; t < w.size() && eq; ++t) eq = Fold(p[q + t]) == static_cast<uint8_t>(w[t]);
    } else {
      eq = ShortBytesEqual(p + q, w.data(), w.size());
    }
    if (eq) ids->push_back(id);
  }
}

// Could a keyword begin with code point cp whose next bytes start at `after`?
inline bool KeywordIndex::MayFollow(const uint8_t* p, size_t after, size_t hi, uint32_t cp) const {
  if (Test(single_, cp)) return true;
  if (after >= hi) return false;
  const uint8_t b1 = p[after];
  if (b1 < 0x80) return Test(one_after_, SecondKey(cp, Fold(b1)));
  return after + 1 < hi && Test(two_after_, SecondKey(cp, b1, Fold(p[after + 1])));
}

void KeywordIndex::FindInWindow(const uint8_t* p, size_t lo, size_t hi, std::vector<uint32_t>* ids) const {
  if (by_key_.empty()) return;
  if (!delta_.empty()) {
    // From the root at lo: an occurrence found starts at lo or later.
    const uint32_t* delta = delta_.data();
    const size_t ends_from = ends_from_;
    size_t row = 0;
    auto Step = [&](uint8_t byte) __attribute__((always_inline)) {
      row = delta[row + cls_[byte]];
      if (row >= ends_from) [[unlikely]] {
        const size_t s = row / classes_;
        for (uint32_t i = out_first_[s]; i < out_first_[s + 1]; ++i) ids->push_back(out_ids_[i]);
      }
    };
    const uint8_t* b = p + lo;
    const uint8_t* const end = p + hi;
    for (; end - b >= 4; b += 4) {  // four bytes a round
      Step(b[0]);
      Step(b[1]);
      Step(b[2]);
      Step(b[3]);
    }
    for (; b < end; ++b) Step(*b);
    return;
  }
  size_t q = lo;
  while (q < hi) {
    const uint8_t b = p[q];
    if (b < 0x80) {
      // ASCII: mostly digits, spaces and punctuation; the pair filter decides.
      if (q + 1 < hi) {
        const uint32_t pair = uint32_t{Fold(b)} << 8 | Fold(p[q + 1]);
        if (Test(ascii_pairs_, pair)) TryAt(p, q, hi, kAsciiKey + pair, ids);
      }
      ++q;
      continue;
    }
    if ((b & 0xF0) == 0xE0) {
      // (Both continuation bytes tested at once: most of a window is
      // 3-byte characters.)
      if (q + 2 < hi && ((p[q + 1] | uint32_t{p[q + 2]} << 8) & 0xC0C0) == 0x8080) {
        const uint32_t cp = uint32_t{b & 0x0Fu} << 12 | uint32_t{p[q + 1] & 0x3Fu} << 6 | (p[q + 2] & 0x3Fu);
        if (Test(code_points_, cp) && MayFollow(p, q + 3, hi, cp)) TryAt(p, q, hi, cp, ids);
        q += 3;  // the next two bytes cannot begin a keyword
        continue;
      }
    } else if (b >= 0xC0 && b < 0xE0) {
      if (q + 1 < hi && IsContinuation(p[q + 1])) {
        const uint32_t cp = uint32_t{b & 0x1Fu} << 6 | (p[q + 1] & 0x3Fu);
        if (Test(code_points_, cp) && MayFollow(p, q + 2, hi, cp)) TryAt(p, q, hi, cp, ids);
        q += 2;
        continue;
      }
    }
    // A continuation byte begins nothing. Anything else (a 4-byte character,
    // a sequence cut by hi, bytes that are not UTF-8) is tried against the
    // rare keywords filed under no first character.
    if (!IsContinuation(b) && any_astral_) TryAt(p, q, hi, UINT32_MAX, ids);
    ++q;
  }
}

}  // namespace piivault::internal
