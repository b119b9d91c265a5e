#include "detect/shape_matcher.h"

#include <algorithm>
#include <bitset>
#include <cstring>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/inlined_vector.h"
#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

namespace piivault::internal {
namespace {

// ---------------------------------------------------------------------------
// Syntax tree over bytes. Character classes over code points are expanded
// into alternations of byte-range sequences while parsing.

using ByteSet = std::bitset<256>;

struct Node {
  enum Kind { kEmpty, kBytes, kConcat, kAlt, kStar, kPlus, kQuest, kRepeat, kCapture };
  Kind kind = kEmpty;
  ByteSet bytes;            // kBytes
  std::vector<Node> kids;   // kConcat, kAlt: any number; kStar..kCapture: one
  int min = 0;              // kRepeat
  int max = 0;              // kRepeat; -1: unbounded
  bool counted = false;     // kRepeat written as {..} (RE2 limits these)
  bool greedy = true;       // kStar, kPlus, kQuest, kRepeat
  int group = 0;            // kCapture: 1-based group index
  int pos = 0;              // kBytes, in the capture engine's expanded tree
};

Node Bytes(const ByteSet& b) {
  Node n;
  n.kind = Node::kBytes;
  n.bytes = b;
  return n;
}

constexpr uint32_t kMaxRune = 0x10FFFF;
constexpr int kMaxRepeat = 1000;  // RE2's limit on {m,n} counts
constexpr int kMaxDepth = 200;    // nesting; RE2 allows more, we say kUnimplemented

using RuneRanges = std::vector<std::pair<uint32_t, uint32_t>>;

// Sorts and merges overlapping or adjacent ranges (RE2's CharClassBuilder does
// the same, which matters for the 80-10FFFF special case below).
void Normalize(RuneRanges* r) {
  std::sort(r->begin(), r->end());
  RuneRanges out;
  for (const auto& [lo, hi] : *r) {
    if (!out.empty() && lo <= out.back().second + 1) {
      out.back().second = std::max(out.back().second, hi);
    } else {
      out.emplace_back(lo, hi);
    }
  }
  *r = std::move(out);
}

RuneRanges Negate(const RuneRanges& r) {  // r normalized
  RuneRanges out;
  uint32_t next = 0;
  for (const auto& [lo, hi] : r) {
    if (lo > next) out.emplace_back(next, lo - 1);
    next = hi + 1;
  }
  if (next <= kMaxRune) out.emplace_back(next, kMaxRune);
  return out;
}

// Mechanical UTF-8 encoding (surrogates encode like any other code point, as
// in RE2's runetochar).
int EncodeRune(uint32_t r, uint8_t* out) {
  if (r < 0x80) {
    out[0] = static_cast<uint8_t>(r);
    return 1;
  }
  if (r < 0x800) {
    out[0] = static_cast<uint8_t>(0xC0 | (r >> 6));
    out[1] = static_cast<uint8_t>(0x80 | (r & 0x3F));
    return 2;
  }
  if (r < 0x10000) {
    out[0] = static_cast<uint8_t>(0xE0 | (r >> 12));
    out[1] = static_cast<uint8_t>(0x80 | ((r >> 6) & 0x3F));
    out[2] = static_cast<uint8_t>(0x80 | (r & 0x3F));
    return 3;
  }
  out[0] = static_cast<uint8_t>(0xF0 | (r >> 18));
  out[1] = static_cast<uint8_t>(0x80 | ((r >> 12) & 0x3F));
  out[2] = static_cast<uint8_t>(0x80 | ((r >> 6) & 0x3F));
  out[3] = static_cast<uint8_t>(0x80 | (r & 0x3F));
  return 4;
}

using ByteSeq = std::vector<std::pair<uint8_t, uint8_t>>;

// Splits a non-ASCII code point range into byte-range sequences the way RE2's
// Compiler::AddRuneRangeUTF8 does, so the byte language is identical to the
// program RE2 runs, invalid UTF-8 input included.
void SplitUtf8(uint32_t lo, uint32_t hi, std::vector<ByteSeq>* out) {
  if (lo > hi) return;
  if (lo == 0x80 && hi == kMaxRune) {
    // RE2 (Compiler::Add_80_10ffff, 2022 and later) compiles this range --
    // what `.` and most negated classes reduce to -- loosely: overlong E0/F0
    // forms and F4 sequences past 10FFFF match too. So must we.
    out->push_back({{0xC2, 0xDF}, {0x80, 0xBF}});
    out->push_back({{0xE0, 0xEF}, {0x80, 0xBF}, {0x80, 0xBF}});
    out->push_back({{0xF0, 0xF4}, {0x80, 0xBF}, {0x80, 0xBF}, {0x80, 0xBF}});
    return;
  }
  static constexpr uint32_t kMaxOfLength[] = {0x7F, 0x7FF, 0xFFFF};
  for (uint32_t max : kMaxOfLength) {
    if (lo <= max && max < hi) {
      SplitUtf8(lo, max, out);
      SplitUtf8(max + 1, hi, out);
      return;
    }
  }
  if (hi < 0x80) {
    out->push_back({{static_cast<uint8_t>(lo), static_cast<uint8_t>(hi)}});
    return;
  }
  for (int i = 1; i < 4; ++i) {
    const uint32_t m = (uint32_t{1} << (6 * i)) - 1;
    if ((lo & ~m) != (hi & ~m)) {
      if ((lo & m) != 0) {
        SplitUtf8(lo, lo | m, out);
        SplitUtf8((lo | m) + 1, hi, out);
        return;
      }
      if ((hi & m) != m) {
        SplitUtf8(lo, (hi & ~m) - 1, out);
        SplitUtf8(hi & ~m, hi, out);
        return;
      }
    }
  }
  uint8_t ulo[4], uhi[4];
  const int n = EncodeRune(lo, ulo);
  EncodeRune(hi, uhi);
  ByteSeq seq;
  for (int i = 0; i < n; ++i) seq.emplace_back(ulo[i], uhi[i]);
  out->push_back(std::move(seq));
}

ByteSet Range(int lo, int hi) {
  ByteSet b;
  for (int c = lo; c <= hi; ++c) b.set(static_cast<size_t>(c));
  return b;
}

// A code point class as a byte-level node.
Node ClassNode(RuneRanges r) {
  Normalize(&r);
  Node alt;
  alt.kind = Node::kAlt;
  ByteSet ascii;
  std::vector<ByteSeq> seqs;
  for (const auto& [lo, hi] : r) {
    if (lo < 0x80) ascii |= Range(static_cast<int>(lo), static_cast<int>(std::min<uint32_t>(hi, 0x7F)));
    if (hi >= 0x80) SplitUtf8(std::max<uint32_t>(lo, 0x80), hi, &seqs);
  }
  if (ascii.any()) alt.kids.push_back(Bytes(ascii));
  for (const ByteSeq& seq : seqs) {
    Node cat;
    cat.kind = Node::kConcat;
    for (const auto& [blo, bhi] : seq) cat.kids.push_back(Bytes(Range(blo, bhi)));
    alt.kids.push_back(std::move(cat));
  }
  if (alt.kids.size() == 1) return std::move(alt.kids[0]);
  // An empty class (e.g. [^\x00-\x{10FFFF}]) matches nothing: an empty kAlt.
  return alt;
}

// Decodes one strictly valid UTF-8 sequence; 0 if invalid.
int DecodeRune(std::string_view s, size_t i, uint32_t* r) {
  const auto b = [&](size_t k) { return static_cast<uint8_t>(s[i + k]); };
  const uint8_t c = b(0);
  if (c < 0x80) {
    *r = c;
    return 1;
  }
  int n;
  uint32_t v;
  if (c >= 0xC2 && c <= 0xDF) {
    n = 2;
    v = c & 0x1F;
  } else if (c >= 0xE0 && c <= 0xEF) {
    n = 3;
    v = c & 0x0F;
  } else if (c >= 0xF0 && c <= 0xF4) {
    n = 4;
    v = c & 0x07;
  } else {
    return 0;
  }
  if (i + static_cast<size_t>(n) > s.size()) return 0;
  for (int k = 1; k < n; ++k) {
    if ((b(static_cast<size_t>(k)) & 0xC0) != 0x80) return 0;
    v = (v << 6) | (b(static_cast<size_t>(k)) & 0x3F);
  }
  static constexpr uint32_t kMin[] = {0, 0, 0x80, 0x800, 0x10000};
  if (v < kMin[n] || v > kMaxRune || (v >= 0xD800 && v <= 0xDFFF)) return 0;
  *r = v;
  return n;
}

bool IsWordChar(uint32_t c) {
  return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_';
}

// ---------------------------------------------------------------------------
// Parser: RE2's Perl-mode rules for the supported subset.

class Parser {
 public:
  explicit Parser(std::string_view re) : re_(re) {}

  absl::StatusOr<Node> Parse() {
    for (size_t i = 0; i < re_.size();) {
      uint32_t r;
      const int n = DecodeRune(re_, i, &r);
      if (n == 0) return Unimplemented(i, "regex is not strictly valid UTF-8");
      i += static_cast<size_t>(n);
    }
    bool dot_nl = false;
    absl::StatusOr<Node> n = ParseAlt(0, &dot_nl);
    if (!n.ok()) return n;
    if (pos_ < re_.size()) return Invalid(pos_, "unexpected )");
    return n;
  }

  int captures() const { return captures_; }

 private:
  absl::Status Invalid(size_t at, const char* what) const {
    return absl::InvalidArgumentError(absl::StrCat("regex offset ", at, ": ", what));
  }
  absl::Status Unimplemented(size_t at, const char* what) const {
    return absl::UnimplementedError(absl::StrCat("regex offset ", at, ": ", what));
  }

  bool AtEnd() const { return pos_ >= re_.size(); }
  char Peek(size_t k = 0) const { return pos_ + k < re_.size() ? re_[pos_ + k] : '\0'; }
  bool Has(size_t k) const { return pos_ + k < re_.size(); }

  // Alternation up to ')' or the end. `dot_nl` is the group's flag state:
  // (?s) changes it until the group closes, across '|'.
  absl::StatusOr<Node> ParseAlt(int depth, bool* dot_nl) {
    if (depth > kMaxDepth) return Unimplemented(pos_, "nesting too deep");
    Node alt;
    alt.kind = Node::kAlt;
    while (true) {
      absl::StatusOr<Node> cat = ParseConcat(depth, dot_nl);
      if (!cat.ok()) return cat.status();
      alt.kids.push_back(*std::move(cat));
      if (!AtEnd() && Peek() == '|') {
        ++pos_;
        continue;
      }
      break;
    }
    if (alt.kids.size() == 1) return std::move(alt.kids[0]);
    return alt;
  }

  absl::StatusOr<Node> ParseConcat(int depth, bool* dot_nl) {
    Node cat;
    cat.kind = Node::kConcat;
    // What a repetition operator would apply to: none at the start of a
    // concatenation; kAtom after an atom; kRepeat right after a repetition
    // (stacking is an error in RE2's Perl mode); kFlags after (?s).
    enum { kNone, kAtom, kRepeated, kFlags } last = kNone;
    while (!AtEnd()) {
      const char c = Peek();
      if (c == '|' || c == ')') break;
      if (c == '*' || c == '+' || c == '?' || c == '{') {
        int min = 0, max = -1;
        size_t len = 1;
        bool counted = false;
        if (c == '{') {
          absl::Status st = ParseCount(&min, &max, &len);
          if (!st.ok()) return st;
          counted = true;
        } else if (c == '+') {
          min = 1;
        } else if (c == '?') {
          max = 1;
        }
        if (last == kNone) return Invalid(pos_, "missing argument to repetition operator");
        if (last == kRepeated) return Invalid(pos_, "bad repetition operator");
        if (last == kFlags) return Unimplemented(pos_, "repetition after a flag group");
        pos_ += len;
        bool greedy = true;
        if (!AtEnd() && Peek() == '?') {  // non-greedy: same language
          ++pos_;
          greedy = false;
        }
        Node& target = cat.kids.back();
        Node rep;
        if (counted) {
          rep.kind = Node::kRepeat;
          rep.min = min;
          rep.max = max;
          rep.counted = true;
        } else {
          rep.kind = c == '*' ? Node::kStar : c == '+' ? Node::kPlus : Node::kQuest;
        }
        rep.greedy = greedy;
        rep.kids.push_back(std::move(target));
        target = std::move(rep);
        last = kRepeated;
        continue;
      }
      if (c == '(') {
        if (Peek(1) == '?') {
          // Flag groups we support: (?s) (?-s) (?s:...) (?-s:...), and (?:...).
          if (Peek(2) == ':') {
            pos_ += 3;
            absl::StatusOr<Node> g = ParseGroupBody(depth, *dot_nl);
            if (!g.ok()) return g.status();
            cat.kids.push_back(*std::move(g));
            last = kAtom;
            continue;
          }
          size_t k = 2;
          bool negate = false;
          if (Peek(k) == '-') {
            negate = true;
            ++k;
          }
          if (Peek(k) == 's' && (Peek(k + 1) == ')' || Peek(k + 1) == ':')) {
            const bool scoped = Peek(k + 1) == ':';
            pos_ += k + 2;
            if (scoped) {
              absl::StatusOr<Node> g = ParseGroupBody(depth, !negate);
              if (!g.ok()) return g.status();
              cat.kids.push_back(*std::move(g));
              last = kAtom;
            } else {
              *dot_nl = !negate;
              last = kFlags;
            }
            continue;
          }
          return Unimplemented(pos_, "unsupported (? group or flag");
        }
        ++pos_;
        Node cap;
        cap.kind = Node::kCapture;
        cap.group = ++captures_;
        absl::StatusOr<Node> g = ParseGroupBody(depth, *dot_nl);
        if (!g.ok()) return g.status();
        cap.kids.push_back(*std::move(g));
        cat.kids.push_back(std::move(cap));
        last = kAtom;
        continue;
      }
      if (c == '[') {
        absl::StatusOr<Node> cls = ParseClass();
        if (!cls.ok()) return cls.status();
        cat.kids.push_back(*std::move(cls));
        last = kAtom;
        continue;
      }
      if (c == '.') {
        ++pos_;
        RuneRanges r;
        if (*dot_nl) {
          r.emplace_back(0, kMaxRune);
        } else {
          r.emplace_back(0, '\n' - 1);
          r.emplace_back('\n' + 1, kMaxRune);
        }
        cat.kids.push_back(ClassNode(std::move(r)));
        last = kAtom;
        continue;
      }
      if (c == '^' || c == '$') return Unimplemented(pos_, "anchors are not supported");
      if (c == '\\') {
        RuneRanges r;
        absl::Status st = ParseEscape(/*in_class=*/false, &r);
        if (!st.ok()) return st;
        cat.kids.push_back(ClassNode(std::move(r)));
        last = kAtom;
        continue;
      }
      // A literal code point: its bytes.
      uint32_t r;
      const int n = DecodeRune(re_, pos_, &r);
      Node lit;
      lit.kind = Node::kConcat;
      for (int k = 0; k < n; ++k) {
        ByteSet b;
        b.set(static_cast<uint8_t>(re_[pos_ + static_cast<size_t>(k)]));
        lit.kids.push_back(Bytes(b));
      }
      pos_ += static_cast<size_t>(n);
      cat.kids.push_back(n == 1 ? std::move(lit.kids[0]) : std::move(lit));
      last = kAtom;
    }
    if (cat.kids.size() == 1) return std::move(cat.kids[0]);
    if (cat.kids.empty()) return Node{};
    return cat;
  }

  // After '(' / '(?:' / '(?s:': the alternation and the closing ')'.
  absl::StatusOr<Node> ParseGroupBody(int depth, bool dot_nl) {
    const size_t open = pos_;
    absl::StatusOr<Node> n = ParseAlt(depth + 1, &dot_nl);
    if (!n.ok()) return n;
    if (AtEnd()) return Invalid(open, "missing )");
    ++pos_;  // ')'
    return n;
  }

  // At '{': a repetition count {m} {m,} {m,n}. A '{' that is not a count is a
  // literal in RE2; we do not support that.
  absl::Status ParseCount(int* min, int* max, size_t* len) {
    size_t i = pos_ + 1;
    const auto number = [&](int* out) -> int {  // 1 ok, 0 none, -1 unsupported
      const size_t start = i;
      while (i < re_.size() && re_[i] >= '0' && re_[i] <= '9') ++i;
      if (i == start) return 0;
      if (i - start > 1 && re_[start] == '0') return -1;  // RE2: not a count
      if (i - start > 8) return -1;                       // RE2: not a count
      *out = std::stoi(std::string(re_.substr(start, i - start)));
      return 1;
    };
    int r = number(min);
    if (r <= 0) return Unimplemented(pos_, "literal { is not supported");
    if (i < re_.size() && re_[i] == '}') {
      *max = *min;
    } else if (i < re_.size() && re_[i] == ',') {
      ++i;
      if (i < re_.size() && re_[i] == '}') {
        *max = -1;
      } else {
        r = number(max);
        if (r <= 0 || i >= re_.size() || re_[i] != '}') {
          return Unimplemented(pos_, "literal { is not supported");
        }
      }
    } else {
      return Unimplemented(pos_, "literal { is not supported");
    }
    *len = i + 1 - pos_;
    if (*min > kMaxRepeat || *max > kMaxRepeat || (*max >= 0 && *max < *min)) {
      return Invalid(pos_, "bad repetition operator");
    }
    return absl::OkStatus();
  }

  // At '\'. Appends the code points it stands for to *out.
  absl::Status ParseEscape(bool in_class, RuneRanges* out) {
    const size_t at = pos_;
    if (!Has(1)) return Invalid(at, "trailing \\");
    const char c = Peek(1);
    const auto cls = [&](RuneRanges r, bool negated) {
      Normalize(&r);
      if (negated) r = Negate(r);
      out->insert(out->end(), r.begin(), r.end());
      pos_ += 2;
      return absl::OkStatus();
    };
    switch (c) {
      case 'd':
      case 'D':
        return cls({{'0', '9'}}, c == 'D');
      case 's':
      case 'S':
        return cls({{'\t', '\n'}, {'\f', '\r'}, {' ', ' '}}, c == 'S');
      case 'w':
      case 'W':
        return cls({{'0', '9'}, {'A', 'Z'}, {'a', 'z'}, {'_', '_'}}, c == 'W');
      case 'a':
        return cls({{7, 7}}, false);
      case 'f':
        return cls({{'\f', '\f'}}, false);
      case 'n':
        return cls({{'\n', '\n'}}, false);
      case 'r':
        return cls({{'\r', '\r'}}, false);
      case 't':
        return cls({{'\t', '\t'}}, false);
      case 'v':
        return cls({{'\v', '\v'}}, false);
      case 'x': {
        const auto hex = [](char h) {
          if (h >= '0' && h <= '9') return h - '0';
          if (h >= 'a' && h <= 'f') return h - 'a' + 10;
          if (h >= 'A' && h <= 'F') return h - 'A' + 10;
          return -1;
        };
        if (!Has(3) || hex(Peek(2)) < 0 || hex(Peek(3)) < 0) {
          return Unimplemented(at, "unsupported \\x escape");
        }
        const uint32_t v = static_cast<uint32_t>(hex(Peek(2)) * 16 + hex(Peek(3)));
        out->emplace_back(v, v);
        pos_ += 4;
        return absl::OkStatus();
      }
      default:
        break;
    }
    const auto u = static_cast<unsigned char>(c);
    if (u < 0x80 && !IsWordChar(u)) {  // escaped punctuation is itself
      out->emplace_back(u, u);
      pos_ += 2;
      return absl::OkStatus();
    }
    (void)in_class;
    return Unimplemented(at, "unsupported escape");
  }

  // At '['.
  absl::StatusOr<Node> ParseClass() {
    const size_t open = pos_;
    ++pos_;
    bool negated = false;
    if (Peek() == '^' && Has(0)) {
      negated = true;
      ++pos_;
    }
    RuneRanges r;
    bool first = true;
    while (!AtEnd() && (Peek() != ']' || first)) {
      first = false;
      if (Peek() == '[' && Peek(1) == ':') return Unimplemented(pos_, "POSIX classes are not supported");
      uint32_t lo = 0;
      if (Peek() == '\\') {
        const char e = Peek(1);
        if (e == 'd' || e == 'D' || e == 's' || e == 'S' || e == 'w' || e == 'W') {
          absl::Status st = ParseEscape(true, &r);
          if (!st.ok()) return st;
          continue;
        }
        absl::Status st = ClassChar(&lo);
        if (!st.ok()) return st;
      } else {
        absl::Status st = ClassChar(&lo);
        if (!st.ok()) return st;
      }
      uint32_t hi = lo;
      if (Has(1) && Peek() == '-' && Peek(1) != ']') {
        const size_t dash = pos_;
        ++pos_;
        absl::Status st = ClassChar(&hi);
        if (!st.ok()) return st;
        if (hi < lo) return Invalid(dash, "bad character class range");
      }
      r.emplace_back(lo, hi);
    }
    if (AtEnd()) return Invalid(open, "missing ]");
    ++pos_;  // ']'
    Normalize(&r);
    if (negated) r = Negate(r);
    return ClassNode(std::move(r));
  }

  // One character inside a class (literal or single-character escape).
  absl::Status ClassChar(uint32_t* out) {
    if (AtEnd()) return Invalid(pos_, "missing ]");
    if (Peek() == '\\') {
      const char e = Peek(1);
      if (e == 'd' || e == 'D' || e == 's' || e == 'S' || e == 'w' || e == 'W') {
        return Unimplemented(pos_, "class escape as a range end");
      }
      RuneRanges one;
      absl::Status st = ParseEscape(true, &one);
      if (!st.ok()) return st;
      *out = one[0].first;
      return absl::OkStatus();
    }
    uint32_t r;
    const int n = DecodeRune(re_, pos_, &r);
    pos_ += static_cast<size_t>(n);
    *out = r;
    return absl::OkStatus();
  }

  std::string_view re_;
  size_t pos_ = 0;
  int captures_ = 0;
};

// RE2 rejects nested counted repetitions whose counts multiply past 1000
// (RepetitionWalker). We report those as kUnimplemented rather than
// reproduce RE2's exact rule, so a regex we accept always compiles in RE2.
bool RepeatProductOk(const Node& n, int64_t product) {
  if (n.kind == Node::kRepeat && n.counted) {
    const int m = n.max >= 0 ? n.max : n.min;
    if (m > 0) product *= m;
    if (product > kMaxRepeat) return false;
  }
  for (const Node& k : n.kids) {
    if (!RepeatProductOk(k, product)) return false;
  }
  return true;
}

// Byte positions after unrolling, saturating past the limit.
int64_t CountPositions(const Node& n) {
  constexpr int64_t kCap = int64_t{ShapeMatcher::kMaxPositions} + 1;
  switch (n.kind) {
    case Node::kEmpty:
      return 0;
    case Node::kBytes:
      return 1;
    case Node::kConcat:
    case Node::kAlt: {
      int64_t sum = 0;
      for (const Node& k : n.kids) sum = std::min(kCap, sum + CountPositions(k));
      return sum;
    }
    case Node::kStar:
    case Node::kPlus:
    case Node::kQuest:
    case Node::kCapture:
      return CountPositions(n.kids[0]);
    case Node::kRepeat: {
      const int64_t copies = n.max >= 0 ? n.max : n.min + 1;
      return std::min(kCap, copies * CountPositions(n.kids[0]));
    }
  }
  return kCap;
}

// ---------------------------------------------------------------------------
// Glushkov construction. Position 0 is the initial state; 1..N are bytes.

// Calls f(i) for each set bit i of set[0, words), in ascending order.
template <typename F>
void ForEachBit(const uint64_t* set, size_t words, F f) {
  for (size_t i = 0; i < words; ++i) {
    for (uint64_t x = set[i]; x != 0; x &= x - 1) f(i * 64 + static_cast<size_t>(__builtin_ctzll(x)));
  }
}

class Bits {
 public:
  Bits() = default;
  explicit Bits(size_t words) : w_(words, 0) {}
  void Set(size_t i) { w_[i / 64] |= uint64_t{1} << (i % 64); }
  void Or(const Bits& o) {
    for (size_t i = 0; i < w_.size(); ++i) w_[i] |= o.w_[i];
  }
  template <typename F>
  void ForEach(F f) const {
    ForEachBit(w_.data(), w_.size(), f);
  }
  using Words = absl::InlinedVector<uint64_t, 4>;
  const Words& words() const { return w_; }
  Words& words() { return w_; }

 private:
  // Inline up to 256 positions: the pattern files' regexes need no heap.
  Words w_;
};

// Sets of positions, `words` 64-bit words each, numbered in the order they
// are first interned: the subset constructions' state table. Sets are stored
// back to back (set k at words [k * words, (k + 1) * words)); a lookup
// allocates nothing.
class SetTable {
 public:
  explicit SetTable(size_t words) : words_(words), slots_(64, 0) {}

  // The number of `set`, which must not point into this table.
  uint32_t Intern(const uint64_t* set) {
    if (2 * (size() + 1) > slots_.size()) Grow();
    const size_t mask = slots_.size() - 1;
    for (size_t i = Hash(set) & mask;; i = (i + 1) & mask) {
      const uint32_t slot = slots_[i];
      if (slot == 0) {
        const auto id = static_cast<uint32_t>(size());
        slots_[i] = id + 1;
        sets_.insert(sets_.end(), set, set + words_);
        return id;
      }
      if (std::equal(set, set + words_, Get(slot - 1))) return slot - 1;
    }
  }
  // Valid until the next Intern().
  const uint64_t* Get(size_t id) const { return sets_.data() + id * words_; }
  size_t size() const { return sets_.size() / words_; }
  const std::vector<uint64_t>& sets() const { return sets_; }

 private:
  size_t Hash(const uint64_t* set) const {
    uint64_t h = 0;
    for (size_t i = 0; i < words_; ++i) h = (h ^ set[i]) * 0x9E3779B97F4A7C15u;
    return static_cast<size_t>(h ^ (h >> 29));
  }
  void Grow() {
    std::vector<uint32_t> slots(slots_.size() * 2, 0);
    const size_t mask = slots.size() - 1;
    for (size_t id = 0; id < size(); ++id) {
      size_t i = Hash(Get(id)) & mask;
      while (slots[i] != 0) i = (i + 1) & mask;
      slots[i] = static_cast<uint32_t>(id + 1);
    }
    slots_ = std::move(slots);
  }

  size_t words_;
  std::vector<uint64_t> sets_;
  std::vector<uint32_t> slots_;  // open addressing: set number + 1, 0 = free
};

// Partitions the byte values into classes that no position's byte set tells
// apart (bytes[0], the start, is ignored), numbered in the order of their
// lowest byte. Sets byte_class[c] for every byte; returns the class count.
int ByteClasses(const std::vector<ByteSet>& bytes, uint8_t* byte_class) {
  std::vector<ByteSet> classes = {ByteSet().set()};
  for (size_t p = 1; p < bytes.size(); ++p) {
    const ByteSet& b = bytes[p];
    if (p > 1 && b == bytes[p - 1]) continue;  // unrolled repetitions repeat sets
    // Split each class into (in b) / (not in b).
    for (size_t k = 0, n = classes.size(); k < n; ++k) {
      ByteSet in = classes[k] & b;
      if (in.none() || in == classes[k]) continue;
      classes[k] &= ~b;
      classes.push_back(std::move(in));
    }
  }
  std::sort(classes.begin(), classes.end(),
            [](const ByteSet& x, const ByteSet& y) { return x._Find_first() < y._Find_first(); });
  for (size_t k = 0; k < classes.size(); ++k) {
    for (size_t c = classes[k]._Find_first(); c < 256; c = classes[k]._Find_next(c)) {
      byte_class[c] = static_cast<uint8_t>(k);
    }
  }
  return static_cast<int>(classes.size());
}

// For each byte class, the positions p >= 1 whose byte set holds it (a
// class's bytes are all in a position's set or none is: its lowest stands
// for all).
std::vector<Bits> ClassMasks(const std::vector<ByteSet>& bytes, const uint8_t* byte_class,
                             size_t nclasses, size_t words) {
  uint8_t rep[256];
  for (int c = 255; c >= 0; --c) rep[byte_class[c]] = static_cast<uint8_t>(c);
  std::vector<Bits> masks(nclasses, Bits(words));
  for (size_t p = 1; p < bytes.size(); ++p) {
    for (size_t k = 0; k < nclasses; ++k) {
      if (bytes[p].test(rep[k])) masks[k].Set(p);
    }
  }
  return masks;
}

struct Frag {
  Bits first, last;
  bool nullable = true;
};

class Glushkov {
 public:
  explicit Glushkov(size_t positions)
      : words_((positions + 1 + 63) / 64), follow_(positions + 1, Bits(words_)) {
    bytes_.resize(positions + 1);
  }

  // Returns the accepting set (positions that may end a match, plus 0 if the
  // empty string matches).
  Bits Build(const Node& root) {
    Frag f = Visit(root);
    follow_[0] = f.first;
    Bits accept = f.last;
    if (f.nullable) accept.Set(0);
    return accept;
  }

  size_t used() const { return next_; }
  const std::vector<Bits>& follow() const { return follow_; }
  const std::vector<ByteSet>& bytes() const { return bytes_; }
  size_t words() const { return words_; }

 private:
  Frag Empty() const { return Frag{Bits(words_), Bits(words_), true}; }

  void Link(const Bits& from, const Bits& to) {
    from.ForEach([&](size_t p) { follow_[p].Or(to); });
  }

  Frag Cat(Frag a, const Frag& b) {
    Link(a.last, b.first);
    if (a.nullable) a.first.Or(b.first);
    Bits last = b.last;
    if (b.nullable) last.Or(a.last);
    a.last = std::move(last);
    a.nullable = a.nullable && b.nullable;
    return a;
  }

  Frag Visit(const Node& n) {
    switch (n.kind) {
      case Node::kEmpty:
        return Empty();
      case Node::kBytes: {
        const size_t p = next_++;
        bytes_[p] = n.bytes;
        Frag f = Empty();
        f.first.Set(p);
        f.last.Set(p);
        f.nullable = false;
        return f;
      }
      case Node::kConcat: {
        Frag f = Empty();
        for (const Node& k : n.kids) f = Cat(std::move(f), Visit(k));
        return f;
      }
      case Node::kAlt: {
        Frag f = Empty();
        f.nullable = false;
        for (const Node& k : n.kids) {
          Frag g = Visit(k);
          f.first.Or(g.first);
          f.last.Or(g.last);
          f.nullable = f.nullable || g.nullable;
        }
        return f;
      }
      case Node::kStar:
      case Node::kPlus:
      case Node::kQuest: {
        Frag f = Visit(n.kids[0]);
        if (n.kind != Node::kQuest) Link(f.last, f.first);
        if (n.kind != Node::kPlus) f.nullable = true;
        return f;
      }
      case Node::kCapture:
        return Visit(n.kids[0]);
      case Node::kRepeat: {
        Frag f = Empty();
        for (int i = 0; i < n.min; ++i) f = Cat(std::move(f), Visit(n.kids[0]));
        if (n.max < 0) {
          Frag g = Visit(n.kids[0]);
          Link(g.last, g.first);
          g.nullable = true;
          return Cat(std::move(f), g);
        }
        // x{m,n} = x^m (x (x (...)?)?)?
        std::vector<Frag> opt;
        for (int i = n.min; i < n.max; ++i) opt.push_back(Visit(n.kids[0]));
        if (opt.empty()) return f;
        Frag g = std::move(opt.back());
        g.nullable = true;
        for (size_t i = opt.size() - 1; i-- > 0;) {
          g = Cat(std::move(opt[i]), g);
          g.nullable = true;
        }
        return Cat(std::move(f), g);
      }
    }
    return Empty();
  }

  size_t words_;
  std::vector<Bits> follow_;
  std::vector<ByteSet> bytes_;
  size_t next_ = 1;
};

// ---------------------------------------------------------------------------
// Capture engine: the position automaton again, over a tree with counted
// repetition expanded, but with each position's successors in priority order
// (Perl / RE2 leftmost-first). Restricted to trees where that order is exact
// without backtracking state: no group inside a repetition that can match
// more than once, no star/plus body that can match empty.

constexpr int kEps = -2;  // "the node can end here" in a first list
constexpr int kEnd = -1;  // "the match ends here" in a continuation

// Expands kRepeat into copies; clears *ok on a construct the capture engine
// cannot order exactly.
Node Expand(const Node& n, bool repeated, bool* ok) {
  Node out;
  out.kind = n.kind;
  out.bytes = n.bytes;
  out.greedy = n.greedy;
  out.group = n.group;
  switch (n.kind) {
    case Node::kEmpty:
    case Node::kBytes:
      return out;
    case Node::kConcat:
    case Node::kAlt:
      for (const Node& k : n.kids) out.kids.push_back(Expand(k, repeated, ok));
      return out;
    case Node::kCapture:
      if (repeated || n.group > 64) *ok = false;
      out.kids.push_back(Expand(n.kids[0], repeated, ok));
      return out;
    case Node::kStar:
    case Node::kPlus:
      out.kids.push_back(Expand(n.kids[0], true, ok));
      return out;
    case Node::kQuest:
      out.kids.push_back(Expand(n.kids[0], repeated, ok));
      return out;
    case Node::kRepeat: {
      if (n.max == 0) return Node{};
      const bool many = n.max < 0 || n.max > 1;
      Node cat;
      cat.kind = Node::kConcat;
      for (int i = 0; i < n.min; ++i) cat.kids.push_back(Expand(n.kids[0], repeated || many, ok));
      if (n.max < 0) {
        Node star;
        star.kind = Node::kStar;
        star.greedy = n.greedy;
        star.kids.push_back(Expand(n.kids[0], true, ok));
        cat.kids.push_back(std::move(star));
      } else if (n.max > n.min) {
        // x{m,n}: x^m (x (x ...)?)?
        Node tail;
        for (int i = n.max; i > n.min; --i) {
          Node q;
          q.kind = Node::kQuest;
          q.greedy = n.greedy;
          Node body = Expand(n.kids[0], repeated || many, ok);
          if (i == n.max) {
            q.kids.push_back(std::move(body));
          } else {
            Node c;
            c.kind = Node::kConcat;
            c.kids.push_back(std::move(body));
            c.kids.push_back(std::move(tail));
            q.kids.push_back(std::move(c));
          }
          tail = std::move(q);
        }
        cat.kids.push_back(std::move(tail));
      }
      return cat;
    }
  }
  return out;
}

bool Nullable(const Node& n) {
  switch (n.kind) {
    case Node::kEmpty:
    case Node::kStar:
    case Node::kQuest:
      return true;
    case Node::kBytes:
      return false;
    case Node::kConcat:
      for (const Node& k : n.kids) {
        if (!Nullable(k)) return false;
      }
      return true;
    case Node::kAlt:
      for (const Node& k : n.kids) {
        if (Nullable(k)) return true;
      }
      return false;
    case Node::kPlus:
    case Node::kCapture:
    case Node::kRepeat:
      return Nullable(n.kids[0]);
  }
  return true;
}

using Items = std::vector<int>;

void AppendUnique(Items* out, const Items& add) {
  for (int x : add) {
    if (std::find(out->begin(), out->end(), x) == out->end()) out->push_back(x);
  }
}

Items Substitute(const Items& list, const Items& eps) {
  Items out;
  for (int x : list) {
    if (x == kEps) {
      AppendUnique(&out, eps);
    } else {
      AppendUnique(&out, {x});
    }
  }
  return out;
}

class PriorityBuilder {
 public:
  // Numbers the positions of the expanded tree (1..N) and records their
  // byte sets and groups.
  void Number(Node* n, uint64_t groups) {
    if (n->kind == Node::kBytes) {
      n->pos = static_cast<int>(bytes.size());
      bytes.push_back(n->bytes);
      group_mask.push_back(groups);
      return;
    }
    if (n->kind == Node::kCapture) groups |= uint64_t{1} << (n->group - 1);
    if ((n->kind == Node::kStar || n->kind == Node::kPlus) && Nullable(n->kids[0])) exact = false;
    for (Node& k : n->kids) Number(&k, groups);
  }

  // Priority-ordered first positions of `n`, kEps where it may end.
  Items First(const Node& n) {
    switch (n.kind) {
      case Node::kEmpty:
        return {kEps};
      case Node::kBytes:
        return {n.pos};
      case Node::kConcat: {
        Items rest = {kEps};
        for (size_t i = n.kids.size(); i-- > 0;) rest = Substitute(First(n.kids[i]), rest);
        return rest;
      }
      case Node::kAlt: {
        Items out;
        for (const Node& k : n.kids) AppendUnique(&out, First(k));
        return out;
      }
      case Node::kQuest:
      case Node::kStar: {
        Items body = First(n.kids[0]);
        if (n.kind == Node::kStar) body.erase(std::remove(body.begin(), body.end(), kEps), body.end());
        Items out;
        if (n.greedy) {
          AppendUnique(&out, body);
          AppendUnique(&out, {kEps});
        } else {
          out = {kEps};
          AppendUnique(&out, body);
        }
        return out;
      }
      case Node::kPlus:
      case Node::kCapture:
      case Node::kRepeat:
        return First(n.kids[0]);
    }
    return {kEps};
  }

  // Sets the successors of every position in `n`, given what follows `n`
  // (`next`, in priority order); returns the positions entering `n` leads to.
  Items Visit(const Node& n, const Items& next) {
    switch (n.kind) {
      case Node::kEmpty:
        return next;
      case Node::kBytes:
        follow[static_cast<size_t>(n.pos)] = next;
        return {n.pos};
      case Node::kConcat: {
        Items c = next;
        for (size_t i = n.kids.size(); i-- > 0;) c = Visit(n.kids[i], c);
        return c;
      }
      case Node::kAlt: {
        Items out;
        for (const Node& k : n.kids) AppendUnique(&out, Visit(k, next));
        return out;
      }
      case Node::kQuest: {
        Items body = Visit(n.kids[0], next);
        Items out;
        AppendUnique(&out, n.greedy ? body : next);
        AppendUnique(&out, n.greedy ? next : body);
        return out;
      }
      case Node::kStar:
      case Node::kPlus: {
        Items body = First(n.kids[0]);
        body.erase(std::remove(body.begin(), body.end(), kEps), body.end());
        Items loop;
        AppendUnique(&loop, n.greedy ? body : next);
        AppendUnique(&loop, n.greedy ? next : body);
        Items entry = Visit(n.kids[0], loop);
        return n.kind == Node::kStar ? loop : entry;
      }
      case Node::kCapture:
      case Node::kRepeat:
        return Visit(n.kids[0], next);
    }
    return next;
  }

  std::vector<ByteSet> bytes = {ByteSet()};  // [0]: the start, no byte
  std::vector<uint64_t> group_mask = {0};
  std::vector<Items> follow;
  bool exact = true;
};

// The shortest and longest match (SIZE_MAX: unbounded), so FullMatch can
// reject a value by its length alone. `trans`: state-major, state 1 = start.
template <typename Automaton>
void SetLengthBounds(const std::vector<uint32_t>& trans, size_t nclasses,
                     const std::vector<bool>& accepting, Automaton* a) {
  const size_t n = accepting.size();
  // Live: can still reach an accepting state. Predecessors as one array,
  // state t's at rev[rev_begin[t], rev_begin[t + 1]).
  std::vector<uint32_t> rev_begin(n + 1, 0);
  for (uint32_t t : trans) ++rev_begin[t + 1];
  for (size_t t = 0; t < n; ++t) rev_begin[t + 1] += rev_begin[t];
  std::vector<uint32_t> rev(trans.size());
  {
    std::vector<uint32_t> fill(rev_begin.begin(), rev_begin.end() - 1);
    for (size_t i = 0; i < trans.size(); ++i) rev[fill[trans[i]]++] = static_cast<uint32_t>(i / nclasses);
  }
  std::vector<bool> live(n, false);
  std::vector<uint32_t> work;
  for (size_t s = 0; s < n; ++s) {
    if (accepting[s]) {
      live[s] = true;
      work.push_back(static_cast<uint32_t>(s));
    }
  }
  while (!work.empty()) {
    const uint32_t t = work.back();
    work.pop_back();
    for (uint32_t k = rev_begin[t]; k < rev_begin[t + 1]; ++k) {
      const uint32_t s = rev[k];
      if (!live[s]) {
        live[s] = true;
        work.push_back(s);
      }
    }
  }
  if (!live[1]) {  // matches nothing
    a->min_len = 1;
    a->max_len = 0;
    return;
  }
  // Shortest: breadth-first from the start.
  std::vector<size_t> dist(n, SIZE_MAX);
  std::vector<uint32_t> queue = {1};
  dist[1] = 0;
  a->min_len = SIZE_MAX;
  for (size_t i = 0; i < queue.size(); ++i) {
    const uint32_t s = queue[i];
    if (accepting[s]) {
      a->min_len = dist[s];
      break;
    }
    for (size_t c = 0; c < nclasses; ++c) {
      const uint32_t t = trans[s * nclasses + c];
      if (live[t] && dist[t] == SIZE_MAX) {
        dist[t] = dist[s] + 1;
        queue.push_back(t);
      }
    }
  }
  // Longest: depth-first over live states; a cycle means unbounded.
  std::vector<size_t> longest(n, 0);
  std::vector<uint8_t> color(n, 0);  // 0 new, 1 on stack, 2 done
  std::vector<std::pair<uint32_t, size_t>> stack = {{1, 0}};
  color[1] = 1;
  while (!stack.empty()) {
    auto& [s, c] = stack.back();
    if (c == nclasses) {
      size_t best = accepting[s] ? 0 : SIZE_MAX;
      for (size_t k = 0; k < nclasses; ++k) {
        const uint32_t t = trans[s * nclasses + k];
        if (!live[t]) continue;  // done (color 2): no cycle reached here
        best = std::max(best == SIZE_MAX ? 0 : best, longest[t] + 1);
      }
      longest[s] = best;
      color[s] = 2;
      stack.pop_back();
      continue;
    }
    const uint32_t t = trans[s * nclasses + c];
    ++c;
    if (!live[t]) continue;
    if (color[t] == 1) {
      a->max_len = SIZE_MAX;
      return;
    }
    if (color[t] == 0) {
      color[t] = 1;
      stack.push_back({t, 0});
    }
  }
  a->max_len = longest[1];
}

}  // namespace

absl::StatusOr<ShapeMatcher> ShapeMatcher::Compile(std::string_view regex) {
  Parser parser(regex);
  absl::StatusOr<Node> root = parser.Parse();
  if (!root.ok()) return root.status();
  if (!RepeatProductOk(*root, 1)) {
    return absl::UnimplementedError("nested repetition counts multiply past 1000");
  }
  const int64_t npos = CountPositions(*root);
  if (npos > kMaxPositions) {
    return absl::UnimplementedError(
        absl::StrCat("automaton needs more than ", kMaxPositions, " byte positions"));
  }
  const size_t n = static_cast<size_t>(npos);
  Glushkov g(n);
  const Bits accept = g.Build(*root);

  // Byte classes: bytes no position tells apart share a class.
  auto a = std::make_shared<Automaton>();
  a->classes = ByteClasses(g.bytes(), a->byte_class);
  const size_t nclasses = static_cast<size_t>(a->classes);
  const size_t words = g.words();
  const std::vector<Bits> class_mask = ClassMasks(g.bytes(), a->byte_class, nclasses, words);

  // Subset construction. State 0 = {} (dead), state 1 = {0} (start).
  SetTable states(words);
  std::vector<uint64_t> next(words, 0);
  states.Intern(next.data());
  next[0] = 1;
  states.Intern(next.data());
  const auto too_big = [&] {
    return states.size() > static_cast<size_t>(kMaxStates) ||
           states.size() * nclasses > kMaxTableEntries;
  };
  const auto too_big_error = [] {
    return absl::UnimplementedError(absl::StrCat("automaton needs more than ", kMaxStates,
                                                 " states or ", kMaxTableEntries,
                                                 " table entries"));
  };
  std::vector<uint32_t> trans;  // state-major, class ids (not yet premultiplied)
  Bits reach(words);
  for (size_t s = 0; s < states.size(); ++s) {
    if (too_big()) return too_big_error();
    std::fill(reach.words().begin(), reach.words().end(), 0);
    ForEachBit(states.Get(s), words, [&](size_t p) { reach.Or(g.follow()[p]); });
    for (size_t c = 0; c < nclasses; ++c) {
      const auto& m = class_mask[c].words();
      bool any = false;
      for (size_t i = 0; i < words; ++i) {
        next[i] = reach.words()[i] & m[i];
        any |= next[i] != 0;
      }
      trans.push_back(any ? states.Intern(next.data()) : 0);
    }
  }
  if (too_big()) return too_big_error();

  // Renumber: dead state 0, then non-accepting, then accepting states.
  const size_t nstates = states.size();
  std::vector<bool> accepting(nstates);
  for (size_t s = 0; s < nstates; ++s) {
    const uint64_t* set = states.Get(s);
    for (size_t i = 0; i < words && !accepting[s]; ++i) accepting[s] = (set[i] & accept.words()[i]) != 0;
  }
  std::vector<uint32_t> order(nstates);
  {
    std::vector<uint32_t> rejecting, accepted;
    for (uint32_t s = 1; s < nstates; ++s) (accepting[s] ? accepted : rejecting).push_back(s);
    uint32_t k = 0;
    order[0] = k++;
    for (uint32_t s : rejecting) order[s] = k++;
    for (uint32_t s : accepted) order[s] = k++;
    a->accept_from = static_cast<uint32_t>((1 + rejecting.size()) * nclasses);
  }
  a->table.assign(nstates * nclasses, 0);
  for (size_t s = 0; s < nstates; ++s) {
    for (size_t c = 0; c < nclasses; ++c) {
      a->table[order[s] * nclasses + c] =
          static_cast<uint32_t>(order[trans[s * nclasses + c]] * nclasses);
    }
  }
  a->start = static_cast<uint32_t>(order[1] * nclasses);
  a->states = static_cast<int>(nstates);
  SetLengthBounds(trans, nclasses, accepting, a.get());
  a->positions = static_cast<int>(n);
  a->captures = parser.captures();
  if (a->captures > 0) a->capture = BuildCaptureEngine(&*root, *a);
  return ShapeMatcher(std::move(a));
}

}  // namespace piivault::internal

namespace piivault::internal {

std::unique_ptr<const ShapeMatcher::CaptureEngine> ShapeMatcher::BuildCaptureEngine(
    const void* root_node, const Automaton& a) {
  const Node& root = *static_cast<const Node*>(root_node);
  bool ok = true;
  Node tree = Expand(root, false, &ok);
  if (!ok) return nullptr;
  PriorityBuilder b;
  b.Number(&tree, 0);
  if (!b.exact) return nullptr;
  const size_t total = b.bytes.size();  // positions + the start
  if (total > static_cast<size_t>(kMaxPositions) + 1) return nullptr;
  b.follow.assign(total, {});
  b.follow[0] = b.Visit(tree, {kEnd});

  auto e = std::make_unique<CaptureEngine>();
  const size_t words = (total + 63) / 64;
  e->words = words;
  Bits accept(words);
  std::vector<Bits> pred(total, Bits(words));
  for (size_t p = 0; p < total; ++p) {
    e->follow_begin.push_back(static_cast<uint32_t>(e->follow.size()));
    for (int q : b.follow[p]) {
      if (q == kEnd) {
        accept.Set(p);
      } else {
        e->follow.push_back(static_cast<uint16_t>(q));
        pred[static_cast<size_t>(q)].Set(p);
      }
    }
  }
  e->follow_begin.push_back(static_cast<uint32_t>(e->follow.size()));
  e->group_mask = b.group_mask;

  const size_t nclasses = static_cast<size_t>(a.classes);
  const std::vector<Bits> class_mask = ClassMasks(b.bytes, a.byte_class, nclasses, words);
  for (const Bits& m : class_mask) {
    e->class_bits.insert(e->class_bits.end(), m.words().begin(), m.words().end());
  }

  // Reverse subset construction: state = the positions from which the rest
  // of the value can still be matched to the end. 0 = {} (dead).
  SetTable states(words);
  std::vector<uint64_t> prev(words, 0);
  states.Intern(prev.data());
  e->rstart = states.Intern(accept.words().data());
  std::vector<uint64_t> hit(words);
  for (size_t s = 0; s < states.size(); ++s) {
    if (states.size() > static_cast<size_t>(kMaxStates) ||
        states.size() * nclasses > kMaxTableEntries) {
      return nullptr;
    }
    for (size_t c = 0; c < nclasses; ++c) {
      const uint64_t* set = states.Get(s);  // Intern() below may move it
      std::fill(prev.begin(), prev.end(), 0);
      bool any = false;
      for (size_t i = 0; i < words; ++i) {
        hit[i] = set[i] & class_mask[c].words()[i];
        any |= hit[i] != 0;
      }
      // No position read: no predecessors, the dead state.
      if (!any) {
        e->rtable.push_back(0);
        continue;
      }
      ForEachBit(hit.data(), words, [&](size_t q) {
        for (size_t i = 0; i < words; ++i) prev[i] |= pred[q].words()[i];
      });
      e->rtable.push_back(states.Intern(prev.data()));
    }
  }
  if (states.size() > static_cast<size_t>(kMaxStates)) return nullptr;
  e->rbits = states.sets();
  // The successors of each position that can read each class.
  const size_t positions = e->follow_begin.size() - 1;
  e->follow_by_class_begin.reserve(positions * nclasses + 1);
  for (size_t p = 0; p < positions; ++p) {
    for (size_t c = 0; c < nclasses; ++c) {
      e->follow_by_class_begin.push_back(static_cast<uint32_t>(e->follow_by_class.size()));
      const uint64_t* cls = &e->class_bits[c * words];
      for (uint32_t k = e->follow_begin[p]; k < e->follow_begin[p + 1]; ++k) {
        const size_t q = e->follow[k];
        if ((cls[q / 64] >> (q % 64)) & 1) e->follow_by_class.push_back(e->follow[k]);
      }
    }
  }
  e->follow_by_class_begin.push_back(static_cast<uint32_t>(e->follow_by_class.size()));
  return e;
}

ShapeMatcher::CaptureResult ShapeMatcher::MatchFirstCapture(std::string_view value,
                                                            std::string_view* picked) const {
  if (!captures_supported() || value.size() > kMaxCaptureValue) return CaptureResult::kUseRe2;
  // Most values are rejected, usually within a few bytes: the forward DFA
  // first, the group search only for a match.
  if (!FullMatch(value)) return CaptureResult::kNoMatch;
  return FirstCaptureOfMatch(value, picked);
}

ShapeMatcher::CaptureResult ShapeMatcher::FirstCaptureOfMatch(std::string_view value,
                                                              std::string_view* picked) const {
  const Automaton& a = *automaton_;
  if (!captures_supported() || value.size() > kMaxCaptureValue) return CaptureResult::kUseRe2;
  if (a.captures == 0) {  // no groups: the value itself
    if (!FullMatch(value)) return CaptureResult::kNoMatch;
    *picked = value;
    return CaptureResult::kMatch;
  }
  const CaptureEngine* e = a.capture.get();
  const size_t n = value.size();
  const size_t classes = static_cast<size_t>(a.classes);
  const size_t words = e->words;
  const auto has = [](const uint64_t* bits, size_t p) { return (bits[p / 64] >> (p % 64)) & 1; };
  // live[i]: reverse state after reading value[i..n) backwards.
  uint32_t live[kMaxCaptureValue + 1];
  uint32_t s = e->rstart;
  live[n] = s;
  for (size_t i = n; i-- > 0;) {
    s = e->rtable[s * classes + a.byte_class[static_cast<unsigned char>(value[i])]];
    if (s == 0) return CaptureResult::kNoMatch;
    live[i] = s;
  }
  if (!has(&e->rbits[live[0] * words], 0)) return CaptureResult::kNoMatch;
  // Forward: at each byte the highest-priority successor that stays live.
  uint16_t path[kMaxCaptureValue];
  uint64_t groups = 0;
  size_t p = 0;
  for (size_t i = 0; i < n; ++i) {
    const size_t at = p * classes + a.byte_class[static_cast<unsigned char>(value[i])];
    size_t next = 0;
    const uint32_t k_end = e->follow_by_class_begin[at + 1];
    if (words == 1) {  // (every shipped pattern: at most 64 positions)
      const uint64_t next_live = e->rbits[live[i + 1]];
      for (uint32_t k = e->follow_by_class_begin[at]; k < k_end; ++k) {
        const size_t q = e->follow_by_class[k];
        if ((next_live >> q) & 1) {
          next = q;
          break;
        }
      }
    } else {
      const uint64_t* next_live = &e->rbits[live[i + 1] * words];
      for (uint32_t k = e->follow_by_class_begin[at]; k < k_end; ++k) {
        const size_t q = e->follow_by_class[k];
        if (has(next_live, q)) {
          next = q;
          break;
        }
      }
    }
    if (next == 0) return CaptureResult::kUseRe2;  // cannot happen: live says one exists
    p = next;
    path[i] = static_cast<uint16_t>(p);
    groups |= e->group_mask[p];
  }
  *picked = value;
  if (groups != 0) {
    const uint64_t bit = groups & (~groups + 1);  // lowest group
    size_t begin = n, end = 0;
    for (size_t i = 0; i < n; ++i) {
      if (e->group_mask[path[i]] & bit) {
        begin = std::min(begin, i);
        end = i + 1;
      }
    }
    *picked = value.substr(begin, end - begin);
  }
  return CaptureResult::kMatch;
}

}  // namespace piivault::internal
