// ShapeMatcher is differential-tested against RE2: for every regex in the
// shipped pattern files and for random regexes from a small grammar,
// ShapeMatcher::FullMatch must equal re2::RE2::FullMatch on strings generated
// from the regex, their mutations (invalid UTF-8 included) and random strings.
#include "detect/shape_matcher.h"

#include <algorithm>
#include <cstdint>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "detect/pattern_set.h"
#include "gtest/gtest.h"
#include "re2/re2.h"

namespace piivault::internal {
namespace {

// ---------------------------------------------------------------------------
// An independent sampler: walks the regex syntax (the supported subset, valid
// input only) and emits a random string of its language. Used to produce
// strings near the accept/reject boundary; RE2 is the oracle, not this.

using Ranges = std::vector<std::pair<uint32_t, uint32_t>>;

std::string Utf8(uint32_t r) {  // mechanical, surrogates included
  std::string s;
  if (r < 0x80) {
    s += static_cast<char>(r);
  } else if (r < 0x800) {
    s += static_cast<char>(0xC0 | (r >> 6));
    s += static_cast<char>(0x80 | (r & 0x3F));
  } else if (r < 0x10000) {
    s += static_cast<char>(0xE0 | (r >> 12));
    s += static_cast<char>(0x80 | ((r >> 6) & 0x3F));
    s += static_cast<char>(0x80 | (r & 0x3F));
  } else {
    s += static_cast<char>(0xF0 | (r >> 18));
    s += static_cast<char>(0x80 | ((r >> 12) & 0x3F));
    s += static_cast<char>(0x80 | ((r >> 6) & 0x3F));
    s += static_cast<char>(0x80 | (r & 0x3F));
  }
  return s;
}

class Sampler {
 public:
  explicit Sampler(std::string_view re) : re_(re) { root_ = Alt(); }

  std::string Sample(std::mt19937_64& rng) const {
    std::string out;
    Emit(root_, rng, &out);
    return out;
  }

 private:
  struct G {
    enum Kind { kCat, kAlt, kClass, kRep } kind = kCat;
    std::vector<G> kids;
    Ranges ranges;
    int min = 0, max = 0;  // max -1: unbounded
  };

  static G Lit(uint32_t r) {
    G g;
    g.kind = G::kClass;
    g.ranges = {{r, r}};
    return g;
  }

  uint32_t Rune() {
    const auto c = static_cast<unsigned char>(re_[pos_]);
    int n = c < 0x80 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
    uint32_t r = n == 1 ? c : n == 2 ? (c & 0x1F) : n == 3 ? (c & 0x0F) : (c & 0x07);
    for (int k = 1; k < n; ++k) r = (r << 6) | (static_cast<unsigned char>(re_[pos_ + k]) & 0x3F);
    pos_ += static_cast<size_t>(n);
    return r;
  }

  // After '\': a class (d s w, negated forms) or one code point.
  Ranges Escape() {
    const char c = re_[pos_++];
    Ranges r;
    bool neg = false;
    switch (c) {
      case 'D': neg = true; [[fallthrough]];
      case 'd': r = {{'0', '9'}}; break;
      case 'S': neg = true; [[fallthrough]];
      case 's': r = {{'\t', '\n'}, {'\f', '\r'}, {' ', ' '}}; break;
      case 'W': neg = true; [[fallthrough]];
      case 'w': r = {{'0', '9'}, {'A', 'Z'}, {'_', '_'}, {'a', 'z'}}; break;
      case 'n': return {{'\n', '\n'}};
      case 't': return {{'\t', '\t'}};
      case 'r': return {{'\r', '\r'}};
      case 'f': return {{'\f', '\f'}};
      case 'v': return {{'\v', '\v'}};
      case 'a': return {{7, 7}};
      case 'x': {
        const uint32_t v = static_cast<uint32_t>(std::stoi(std::string(re_.substr(pos_, 2)), nullptr, 16));
        pos_ += 2;
        return {{v, v}};
      }
      default: {
        --pos_;
        const uint32_t v = Rune();
        return {{v, v}};
      }
    }
    return neg ? Negate(r) : r;
  }

  static Ranges Negate(Ranges r) {
    std::sort(r.begin(), r.end());
    Ranges out;
    uint32_t next = 0;
    for (const auto& [lo, hi] : r) {
      if (lo > next) out.emplace_back(next, lo - 1);
      next = std::max(next, hi + 1);
    }
    if (next <= 0x10FFFF) out.emplace_back(next, 0x10FFFF);
    return out;
  }

  G Class() {  // after '['
    bool neg = false;
    if (re_[pos_] == '^') {
      neg = true;
      ++pos_;
    }
    Ranges r;
    bool first = true;
    while (re_[pos_] != ']' || first) {
      first = false;
      uint32_t lo;
      if (re_[pos_] == '\\') {
        ++pos_;
        Ranges e = Escape();
        if (e.size() != 1 || e[0].first != e[0].second) {
          r.insert(r.end(), e.begin(), e.end());
          continue;
        }
        lo = e[0].first;
      } else {
        lo = Rune();
      }
      uint32_t hi = lo;
      if (re_[pos_] == '-' && re_[pos_ + 1] != ']') {
        ++pos_;
        if (re_[pos_] == '\\') {
          ++pos_;
          hi = Escape()[0].first;
        } else {
          hi = Rune();
        }
      }
      r.emplace_back(lo, hi);
    }
    ++pos_;
    G g;
    g.kind = G::kClass;
    g.ranges = neg ? Negate(r) : r;
    return g;
  }

  G Alt() {
    G alt;
    alt.kind = G::kAlt;
    while (true) {
      alt.kids.push_back(Cat());
      if (pos_ < re_.size() && re_[pos_] == '|') {
        ++pos_;
        continue;
      }
      return alt;
    }
  }

  G Cat() {
    G cat;
    while (pos_ < re_.size() && re_[pos_] != '|' && re_[pos_] != ')') {
      const char c = re_[pos_];
      if (c == '*' || c == '+' || c == '?' || c == '{') {
        G rep;
        rep.kind = G::kRep;
        ++pos_;
        if (c == '*') {
          rep.min = 0, rep.max = -1;
        } else if (c == '+') {
          rep.min = 1, rep.max = -1;
        } else if (c == '?') {
          rep.min = 0, rep.max = 1;
        } else {
          size_t used;
          rep.min = std::stoi(std::string(re_.substr(pos_)), &used);
          pos_ += used;
          rep.max = rep.min;
          if (re_[pos_] == ',') {
            ++pos_;
            rep.max = -1;
            if (re_[pos_] != '}') {
              rep.max = std::stoi(std::string(re_.substr(pos_)), &used);
              pos_ += used;
            }
          }
          ++pos_;  // '}'
        }
        if (pos_ < re_.size() && re_[pos_] == '?') ++pos_;
        rep.kids.push_back(std::move(cat.kids.back()));
        cat.kids.back() = std::move(rep);
        continue;
      }
      if (c == '(') {
        ++pos_;
        if (re_.substr(pos_, 2) == "?:") {
          pos_ += 2;
        } else if (re_.substr(pos_, 3) == "?s)" || re_.substr(pos_, 4) == "?-s)") {
          dot_nl_ = re_[pos_ + 1] == 's';
          pos_ += dot_nl_ ? 3 : 4;
          continue;
        } else if (re_.substr(pos_, 3) == "?s:") {
          pos_ += 3;  // scoping approximated: fine for a sampler
          dot_nl_ = true;
        }
        cat.kids.push_back(Alt());
        ++pos_;  // ')'
        continue;
      }
      ++pos_;
      if (c == '[') {
        cat.kids.push_back(Class());
      } else if (c == '.') {
        G g;
        g.kind = G::kClass;
        g.ranges = dot_nl_ ? Ranges{{0, 0x10FFFF}} : Ranges{{0, 9}, {11, 0x10FFFF}};
        cat.kids.push_back(std::move(g));
      } else if (c == '\\') {
        G g;
        g.kind = G::kClass;
        g.ranges = Escape();
        cat.kids.push_back(std::move(g));
      } else {
        --pos_;
        cat.kids.push_back(Lit(Rune()));
      }
    }
    return cat;
  }

  static void Emit(const G& g, std::mt19937_64& rng, std::string* out) {
    switch (g.kind) {
      case G::kCat:
        for (const G& k : g.kids) Emit(k, rng, out);
        return;
      case G::kAlt:
        Emit(g.kids[rng() % g.kids.size()], rng, out);
        return;
      case G::kRep: {
        int n = g.min;
        if (g.max < 0) {
          n += static_cast<int>(rng() % 4);
        } else if (g.max > g.min) {
          n += static_cast<int>(rng() % static_cast<uint64_t>(g.max - g.min + 1));
        }
        for (int i = 0; i < n; ++i) Emit(g.kids[0], rng, out);
        return;
      }
      case G::kClass: {
        if (g.ranges.empty()) return;
        // Prefer ASCII, range ends, then anything (surrogates included).
        std::vector<std::pair<uint32_t, uint32_t>> ascii;
        for (const auto& [lo, hi] : g.ranges) {
          if (lo < 0x80) ascii.emplace_back(lo, std::min<uint32_t>(hi, 0x7F));
        }
        const uint64_t mode = rng() % 8;
        const auto& pool = (!ascii.empty() && mode < 5) ? ascii : g.ranges;
        const auto& [lo, hi] = pool[rng() % pool.size()];
        uint32_t r = lo;
        if (mode == 5) {
          r = hi;
        } else if (mode != 6) {
          r = lo + static_cast<uint32_t>(rng() % (uint64_t{hi} - lo + 1));
        }
        *out += Utf8(r);
        return;
      }
    }
  }

  std::string_view re_;
  size_t pos_ = 0;
  bool dot_nl_ = false;
  G root_;
};

// Bytes mutations draw from: the shapes candidates have, separators, and
// UTF-8 / invalid UTF-8 bytes.
const std::string& MutationBytes() {
  static constexpr char kBytes[] =
      "0123456789AXZaxz-_./:@*+ \n\t\x01\x7f"
      "\xe4\xb8\xad\xe4\xba\xac\x80\xbf\xc0\xc2\xed\xa0\xef\xf0\xf4\x90\xff";
  static const std::string* s = new std::string(kBytes, sizeof(kBytes) - 1);
  return *s;
}

void Mutate(std::string s, std::mt19937_64& rng, std::vector<std::string>* out) {
  const std::string& bytes = MutationBytes();
  const auto pick = [&] { return bytes[rng() % bytes.size()]; };
  const auto at = [&](size_t extra) { return static_cast<size_t>(rng() % (s.size() + extra)); };
  if (!s.empty()) {
    std::string t = s;
    t.erase(at(0), 1);
    out->push_back(t);
    t = s;
    t[at(0)] = pick();
    out->push_back(t);
    t = s;
    t.resize(at(0));
    out->push_back(t);
    t = s;
    const size_t i = at(0);
    t.insert(i, s.substr(i, 1 + rng() % 3));
    out->push_back(t);
    if (s.size() >= 2) {
      t = s;
      const size_t j = rng() % (s.size() - 1);
      std::swap(t[j], t[j + 1]);
      out->push_back(t);
    }
  }
  std::string t = s;
  t.insert(at(1), 1, pick());
  out->push_back(t);
  out->push_back(s + pick());
  out->push_back(pick() + s);
  out->push_back(s + s);
}

std::string RandomString(const std::string& alphabet, size_t max_len, std::mt19937_64& rng) {
  std::string s;
  const size_t n = rng() % (max_len + 1);
  for (size_t i = 0; i < n; ++i) s += alphabet[rng() % alphabet.size()];
  return s;
}

struct Stats {
  size_t checked = 0;
  size_t matched = 0;
  size_t captures_checked = 0;  // matched values whose group span was compared
};

std::string Hex(std::string_view s) {
  std::string hex;
  for (unsigned char c : s) {
    static const char* kHex = "0123456789abcdef";
    hex += kHex[c >> 4];
    hex += kHex[c & 15];
  }
  return hex;
}

// What the detector takes from RE2: the first capturing group that matched
// non-empty text, else the whole value. As [offset, offset + size).
std::pair<size_t, size_t> Re2Picked(const RE2& re, std::string_view v) {
  const int ng = re.NumberOfCapturingGroups();
  std::vector<re2::StringPiece> sub(static_cast<size_t>(ng) + 1);
  const bool ok = re.Match(re2::StringPiece(v.data(), v.size()), 0, v.size(), RE2::ANCHOR_BOTH,
                           sub.data(), ng + 1);
  if (!ok) return {SIZE_MAX, 0};
  for (int g = 1; g <= ng; ++g) {
    if (sub[static_cast<size_t>(g)].data() != nullptr && !sub[static_cast<size_t>(g)].empty()) {
      return {static_cast<size_t>(sub[static_cast<size_t>(g)].data() - v.data()),
              sub[static_cast<size_t>(g)].size()};
    }
  }
  return {0, v.size()};
}

// Compares on `s`; returns false (and records a failure) on disagreement.
bool Agrees(const ShapeMatcher& m, const RE2& re, const std::string& s, Stats* stats) {
  const bool want = RE2::FullMatch(s, re);
  const bool got = m.FullMatch(s);
  ++stats->checked;
  stats->matched += want;
  if (want != got) {
    ADD_FAILURE() << "regex " << re.pattern() << " on bytes " << Hex(s) << " (" << s.size()
                  << " bytes): RE2 " << want << ", ShapeMatcher " << got;
    return false;
  }
  if (!m.captures_supported() || s.size() > ShapeMatcher::kMaxCaptureValue) return true;
  std::string_view picked;
  const ShapeMatcher::CaptureResult r = m.MatchFirstCapture(s, &picked);
  if (r != (want ? ShapeMatcher::CaptureResult::kMatch : ShapeMatcher::CaptureResult::kNoMatch)) {
    ADD_FAILURE() << "regex " << re.pattern() << " on bytes " << Hex(s)
                  << ": MatchFirstCapture says " << static_cast<int>(r) << ", RE2 match " << want;
    return false;
  }
  std::string_view picked2;
  if (m.FirstCaptureOfMatch(s, &picked2) != r || (want && picked2 != picked) ||
      (want && picked2.data() != picked.data())) {
    ADD_FAILURE() << "regex " << re.pattern() << " on bytes " << Hex(s)
                  << ": FirstCaptureOfMatch differs from MatchFirstCapture";
    return false;
  }
  if (!want) return true;
  ++stats->captures_checked;
  const std::pair<size_t, size_t> span = Re2Picked(re, s);
  const std::pair<size_t, size_t> mine = {static_cast<size_t>(picked.data() - s.data()), picked.size()};
  if (span != mine) {
    ADD_FAILURE() << "regex " << re.pattern() << " on bytes " << Hex(s) << ": RE2 picks ["
                  << span.first << "," << span.first + span.second << "), ShapeMatcher ["
                  << mine.first << "," << mine.first + mine.second << ")";
    return false;
  }
  return true;
}

// Samples, their mutations and random strings over the regex's alphabet.
// Stops after the first few disagreements.
Stats Differential(const ShapeMatcher& m, const RE2& re, const std::vector<std::string>& extra,
                   int samples, int randoms, uint64_t seed) {
  std::mt19937_64 rng(seed);
  Stats stats;
  int failures = 0;
  const auto check = [&](const std::string& s) {
    if (failures < 5 && !Agrees(m, re, s, &stats)) ++failures;
  };
  Sampler sampler(re.pattern());
  std::string alphabet = MutationBytes();
  for (const std::string& s : extra) {
    check(s);
    alphabet += s;
  }
  std::vector<std::string> mutants;
  for (int i = 0; i < samples; ++i) {
    const std::string s = sampler.Sample(rng);
    check(s);
    if (i % 4 == 0) alphabet += s;
    mutants.clear();
    Mutate(s, rng, &mutants);
    for (const std::string& t : mutants) check(t);
    // A second generation of mutations reaches further from the language.
    Mutate(mutants[rng() % mutants.size()], rng, &mutants);
    for (const std::string& t : mutants) check(t);
  }
  for (int i = 0; i < randoms; ++i) check(RandomString(alphabet, 24, rng));
  return stats;
}

RE2::Options PatternOptions() {  // as pattern_set.cc compiles them
  RE2::Options o;
  o.set_log_errors(false);
  o.set_max_mem(int64_t{1} << 20);
  return o;
}

// ---------------------------------------------------------------------------

TEST(ShapeMatcher, AgreesWithRe2OnEveryShippedPattern) {
  absl::StatusOr<std::vector<PatternFile>> files = LoadBuiltinPatternFiles();
  ASSERT_TRUE(files.ok()) << files.status();
  size_t patterns = 0, checked = 0;
  for (const PatternFile& f : *files) {
    for (const Pattern& p : f.patterns) {
      SCOPED_TRACE(f.name + ": " + p.id);
      ASSERT_NE(p.regex, nullptr);
      const RE2& re = *p.regex;
      absl::StatusOr<ShapeMatcher> m = ShapeMatcher::Compile(re.pattern());
      ASSERT_TRUE(m.ok()) << re.pattern() << ": " << m.status();
      EXPECT_EQ(m->has_captures(), re.NumberOfCapturingGroups() > 0);
      EXPECT_EQ(m->num_captures(), re.NumberOfCapturingGroups());
      // Every shipped regex gets the capture engine, so the detector never
      // needs RE2 for a value ShapeMatcher accepted.
      EXPECT_TRUE(m->captures_supported()) << re.pattern();
      std::vector<std::string> extra = p.match_examples;
      extra.insert(extra.end(), p.no_match_examples.begin(), p.no_match_examples.end());
      const Stats st = Differential(*m, re, extra, 400, 1500, std::hash<std::string>()(p.id));
      // The sampler must actually reach the language, or the comparison
      // says little about accepts.
      EXPECT_GT(st.matched, 300u) << re.pattern();
      EXPECT_EQ(st.captures_checked, st.matched);
      checked += st.checked;
      ++patterns;
    }
  }
  EXPECT_GE(patterns, 30u);
  EXPECT_GT(checked, 100000u);
}

// Random regexes over a small alphabet, from a grammar covering the subset.
class RegexGen {
 public:
  // `captures`: more groups, and capturing groups repeated at most once (the
  // shapes MatchFirstCapture supports), to exercise its priority order.
  explicit RegexGen(uint64_t seed, bool captures = false) : rng_(seed), captures_(captures) {}

  std::string Regex() {
    std::string r = (rng_() % 6 == 0) ? "(?s)" : "";
    return r + Alt(3);
  }
  std::mt19937_64& rng() { return rng_; }

 private:
  std::string Atom(int depth) {
    static const char* const kAtoms[] = {
        "a", "b", "0", "1", "-", "\\.", ".", "\\d", "\\w", "\\s", "\\D", "\\W",
        "[ab]", "[^a]", "[0-9a]", "[a-c-]", "[^\\n]", "[\\d-]", "[^\\d\\s]", "[\\-\\]a]",
        "中", "[中文]", "[^中]", "é", "[é-ü]", "[^é]", "\\x41", "[\\x00-\\x7f]", "\\n",
        "[\\x{41}]", "\\*", "(?s:.)", "[.]", "[\\.]", "[^\\x00-\\x7f]", "[a-z&&b]",
    };
    const uint64_t k = rng_() % 10;
    if (depth > 0 && (k == 0 || (captures_ && k < 4))) return "(" + Alt(depth - 1) + ")";
    if (depth > 0 && k == 4) return "(?:" + Alt(depth - 1) + ")";
    return kAtoms[rng_() % (sizeof(kAtoms) / sizeof(kAtoms[0]))];
  }

  std::string Repeated(int depth) {
    std::string a = Atom(depth);
    if (captures_ && a.find('(') != std::string::npos && a.find("(?s:") == std::string::npos) {
      static const char* const kOnce[] = {"", "", "?", "??", "{0,1}", "{1}"};
      return a + kOnce[rng_() % 6];
    }
    switch (rng_() % 12) {
      case 0: a += "*"; break;
      case 1: a += "+"; break;
      case 2: a += "?"; break;
      case 3: a += "{" + std::to_string(rng_() % 4) + "}"; break;
      case 4: a += "{" + std::to_string(rng_() % 3) + ",}"; break;
      case 5: {
        const uint64_t lo = rng_() % 3;
        a += "{" + std::to_string(lo) + "," + std::to_string(lo + rng_() % 4) + "}";
        break;
      }
      default: return a;
    }
    if (rng_() % 5 == 0) a += "?";
    return a;
  }

  std::string Cat(int depth) {
    std::string s;
    const uint64_t n = rng_() % 4;
    for (uint64_t i = 0; i < n; ++i) s += Repeated(depth);
    return s;
  }

  std::string Alt(int depth) {
    std::string s = Cat(depth);
    while (rng_() % 3 == 0) s += "|" + Cat(depth);
    return s;
  }

  std::mt19937_64 rng_;
  bool captures_;
};

class RandomRegexes : public testing::TestWithParam<bool> {};

TEST_P(RandomRegexes, AgreeWithRe2) {
  const bool capture_heavy = GetParam();
  RegexGen gen(capture_heavy ? 7 : 20261129, capture_heavy);
  int compiled = 0, with_groups = 0, groups_supported = 0;
  size_t checked = 0, matched = 0, captures_checked = 0;
  for (int i = 0; i < 1500; ++i) {
    const std::string regex = gen.Regex();
    RE2 re(regex, PatternOptions());
    absl::StatusOr<ShapeMatcher> m = ShapeMatcher::Compile(regex);
    if (m.ok()) {
      ASSERT_TRUE(re.ok()) << regex << ": RE2 rejects what ShapeMatcher accepted: " << re.error();
    } else if (absl::IsInvalidArgument(m.status())) {
      ASSERT_FALSE(re.ok()) << regex << ": ShapeMatcher calls it malformed, RE2 compiles it";
      continue;
    } else {
      ASSERT_TRUE(absl::IsUnimplemented(m.status())) << regex << ": " << m.status();
      continue;
    }
    ++compiled;
    if (m->has_captures()) {
      ++with_groups;
      groups_supported += m->captures_supported();
    }
    SCOPED_TRACE(regex);
    const Stats st = Differential(*m, re, {}, 15, 30, static_cast<uint64_t>(i));
    checked += st.checked;
    matched += st.matched;
    captures_checked += st.captures_checked;
    if (HasFailure()) break;
  }
  EXPECT_GT(compiled, 1200);
  EXPECT_GT(checked, 200000u);
  EXPECT_GT(matched, checked / 10);
  // The capture engine must be exercised on regexes with groups, not only
  // on the group-free ones where it trivially returns the whole value.
  if (capture_heavy) {
    EXPECT_GT(groups_supported, 400);
    EXPECT_GT(captures_checked, 50000u) << "checked " << checked;
  } else {
    EXPECT_GT(with_groups, groups_supported + 50);  // groups in loops: RE2
  }
}

INSTANTIATE_TEST_SUITE_P(ShapeMatcher, RandomRegexes, testing::Bool(),
                         [](const testing::TestParamInfo<bool>& info) {
                           return info.param ? "CaptureHeavy" : "General";
                         });

TEST(ShapeMatcher, FirstCaptureUnitCases) {
  struct CaptureCase {
    const char* regex;
    const char* value;
    const char* picked;  // nullptr: no match
  };
  const CaptureCase kCases[] = {
      {"(a|ab)(c|bcd)(d*)", "abcd", "a"},
      {"(a*)(a*)", "aa", "aa"},
      {"(a*?)(a*)", "aa", "aa"},
      {"(a*?)(a+?)", "aaa", "aaa"},
      {"x(a|b)?y", "xy", "xy"},
      {"x(a|b)?y", "xby", "b"},
      {"(?:\\+86|0086|86)(\\d{3,4})|(?:\\+86|0086|86)?(0\\d{2,3})", "860101", "0101"},
      {"(?:\\+86|0086|86)(\\d{3,4})|(?:\\+86|0086|86)?(0\\d{2,3})", "86010", "010"},
      {"(\\d{2})?(\\d{3})", "12345", "12"},
      {"(\\d{2})?" "?(\\d{3,5})", "12345", "12345"},  // "?" "?": no trigraph
      {"()(b)", "b", "b"},
      {"(a)|b", "b", "b"},
      {"(a)", "b", nullptr},
  };
  for (const CaptureCase& c : kCases) {
    SCOPED_TRACE(std::string(c.regex) + " on " + c.value);
    RE2 re(c.regex, PatternOptions());
    ASSERT_TRUE(re.ok());
    absl::StatusOr<ShapeMatcher> m = ShapeMatcher::Compile(c.regex);
    ASSERT_TRUE(m.ok()) << m.status();
    ASSERT_TRUE(m->captures_supported());
    std::string_view picked;
    const ShapeMatcher::CaptureResult r = m->MatchFirstCapture(c.value, &picked);
    if (c.picked == nullptr) {
      EXPECT_EQ(r, ShapeMatcher::CaptureResult::kNoMatch);
      continue;
    }
    ASSERT_EQ(r, ShapeMatcher::CaptureResult::kMatch);
    EXPECT_EQ(picked, c.picked);
    const std::string_view v = c.value;
    const std::pair<size_t, size_t> span = Re2Picked(re, v);
    EXPECT_EQ(v.substr(span.first, span.second), c.picked) << "bad case";
  }
  // Groups that can match more than once, and empty-able loop bodies: RE2.
  for (const char* regex : {"(a)+", "(a){2}", "(?:(a)b)*", "(a?)*", "(?:a*)+(b)"}) {
    absl::StatusOr<ShapeMatcher> m = ShapeMatcher::Compile(regex);
    ASSERT_TRUE(m.ok()) << regex;
    EXPECT_FALSE(m->captures_supported()) << regex;
    std::string_view picked;
    EXPECT_EQ(m->MatchFirstCapture("a", &picked), ShapeMatcher::CaptureResult::kUseRe2);
  }
}

// Without groups the pick is the value itself: answered for every regex,
// empty-able loop bodies included, by both entry points.
TEST(ShapeMatcher, FirstCaptureWithoutGroups) {
  for (const char* regex : {"\\d{3}", "(?:a?)*b", "(?:a*)+", "[^x]+"}) {
    SCOPED_TRACE(regex);
    absl::StatusOr<ShapeMatcher> m = ShapeMatcher::Compile(regex);
    ASSERT_TRUE(m.ok()) << m.status();
    ASSERT_FALSE(m->has_captures());
    EXPECT_TRUE(m->captures_supported());
    RE2 re(regex, PatternOptions());
    ASSERT_TRUE(re.ok());
    for (const std::string_view v : {"123", "aab", "b", "aaa", "", "x", "12"}) {
      std::string_view picked = "unset";
      const ShapeMatcher::CaptureResult want = RE2::FullMatch(v, re)
                                                   ? ShapeMatcher::CaptureResult::kMatch
                                                   : ShapeMatcher::CaptureResult::kNoMatch;
      EXPECT_EQ(m->MatchFirstCapture(v, &picked), want) << v;
      EXPECT_EQ(m->FirstCaptureOfMatch(v, &picked), want) << v;
      if (want == ShapeMatcher::CaptureResult::kMatch) {
        EXPECT_EQ(picked.data(), v.data());
        EXPECT_EQ(picked.size(), v.size());
      }
    }
    const std::string long_value(ShapeMatcher::kMaxCaptureValue + 1, 'a');
    std::string_view picked;
    EXPECT_EQ(m->MatchFirstCapture(long_value, &picked), ShapeMatcher::CaptureResult::kUseRe2);
  }
}

// Every 1- and 2-byte string against the constructs whose byte language is
// subtle (UTF-8 expansion of '.', negated and non-ASCII classes), plus
// 3- and 4-byte strings built around lead bytes.
TEST(ShapeMatcher, ExhaustiveShortStringsOnUtf8Constructs) {
  const char* const kRegexes[] = {".", "(?s).", "[^a]", "[^中]", "\\D", "[é-ü]", "[\\x00-\\x7f]",
                                  "[中文]", "..", "(?s)..", "[^\\x00-\\x7f]", ".?.?"};
  for (const char* regex : kRegexes) {
    SCOPED_TRACE(regex);
    RE2 re(regex, PatternOptions());
    ASSERT_TRUE(re.ok());
    absl::StatusOr<ShapeMatcher> m = ShapeMatcher::Compile(regex);
    ASSERT_TRUE(m.ok()) << m.status();
    Stats st;
    int failures = 0;
    const auto check = [&](const std::string& s) {
      if (failures < 5 && !Agrees(*m, re, s, &st)) ++failures;
    };
    check("");
    for (int a = 0; a < 256; ++a) {
      const std::string one(1, static_cast<char>(a));
      check(one);
      for (int b = 0; b < 256; ++b) check(one + static_cast<char>(b));
    }
    static const unsigned char kLeads[] = {0xC2, 0xDF, 0xE0, 0xE4, 0xED, 0xEF, 0xF0, 0xF4, 0xF5};
    static const unsigned char kConts[] = {0x7F, 0x80, 0x8F, 0x90, 0x9F, 0xA0, 0xBF, 0xC0};
    for (unsigned char lead : kLeads) {
      for (unsigned char c1 : kConts) {
        for (unsigned char c2 : kConts) {
          std::string s = {static_cast<char>(lead), static_cast<char>(c1), static_cast<char>(c2)};
          check(s);
          for (unsigned char c3 : kConts) check(s + static_cast<char>(c3));
        }
      }
    }
  }
}

struct Case {
  const char* regex;
  std::vector<const char*> yes;
  std::vector<const char*> no;
};

TEST(ShapeMatcher, UnitCases) {
  const Case kCases[] = {
      {"", {""}, {"a", "\n"}},
      {"a*", {"", "a", "aaaa"}, {"b", "ab"}},
      {"a{0,3}", {"", "a", "aaa"}, {"aaaa", "b"}},
      {"a{2}", {"aa"}, {"a", "aaa"}},
      {"a{2,}", {"aa", "aaaaaa"}, {"a", ""}},
      {"a|", {"a", ""}, {"aa", "b"}},
      {"(|a)b", {"b", "ab"}, {"a", "aab"}},
      {"((a|b)c)+", {"ac", "bcac"}, {"", "a", "acb"}},
      {"(?:(?:a)?(?:b)?)*c", {"c", "abbac"}, {"ab"}},
      {"[\\-\\]\\\\]+", {"-", "]\\-"}, {"a", ""}},
      {"[]a]", {"]", "a"}, {"b", "[]"}},
      {"[^0-9]", {"a", "\n", "中"}, {"5", "", "ab"}},
      {"\\d{2}-\\d", {"12-3"}, {"1-3", "12-", "１２-3"}},
      {".", {"a", "中", "\x7f"}, {"\n", "", "\xff", "\xe4\xb8"}},
      {"(?s).", {"\n", "中"}, {"", "\xff"}},
      {"(?s:.)(?-s).", {"\na"}, {"\n\n"}},
      {"[京沪][A-Z]", {"京A", "沪Z"}, {"京", "A", "京a", "津A"}},
      {"a*?b+?c??", {"b", "aabbc"}, {"ac"}},
      {"\\x41\\t", {"A\t"}, {"a\t"}},
      {"a.b", {"a-b", "a中b"}, {"ab", "a\nb"}},
  };
  for (const Case& c : kCases) {
    SCOPED_TRACE(c.regex);
    RE2 re(c.regex, PatternOptions());
    ASSERT_TRUE(re.ok()) << re.error();
    absl::StatusOr<ShapeMatcher> m = ShapeMatcher::Compile(c.regex);
    ASSERT_TRUE(m.ok()) << m.status();
    for (const char* s : c.yes) {
      EXPECT_TRUE(RE2::FullMatch(s, re)) << "bad case: " << s;
      EXPECT_TRUE(m->FullMatch(s)) << s;
    }
    for (const char* s : c.no) {
      EXPECT_FALSE(RE2::FullMatch(s, re)) << "bad case: " << s;
      EXPECT_FALSE(m->FullMatch(s)) << s;
    }
  }
}

TEST(ShapeMatcher, UnsupportedSyntaxIsUnimplemented) {
  for (const char* regex : {"^a", "a$", "\\ba", "(?i)a", "(?m)a", "\\pL", "[[:alpha:]]", "a{",
                            "a{,2}", "(?P<n>a)", "\\Qa\\E", "\\C", "\\x{41}", "\\101", "\\_",
                            "a{1}{", "x{01}"}) {
    SCOPED_TRACE(regex);
    absl::StatusOr<ShapeMatcher> m = ShapeMatcher::Compile(regex);
    EXPECT_TRUE(absl::IsUnimplemented(m.status())) << m.status();
  }
  // Past the size limits.
  EXPECT_TRUE(absl::IsUnimplemented(ShapeMatcher::Compile("(?s).{200}").status()));
  EXPECT_TRUE(absl::IsUnimplemented(ShapeMatcher::Compile("(a{40}){40}").status()));
}

TEST(ShapeMatcher, MalformedIsInvalidArgumentAndRe2AgreesItIsMalformed) {
  for (const char* regex : {"(a", "a)", "[a", "[^", "*a", "a**", "a+*", "a{2}{3}", "(*)", "a|*",
                            "a{2,1}", "a{1001}", "[z-a]", "\\", "a\\", "(?:a"}) {
    SCOPED_TRACE(regex);
    absl::StatusOr<ShapeMatcher> m = ShapeMatcher::Compile(regex);
    EXPECT_TRUE(absl::IsInvalidArgument(m.status())) << m.status();
    RE2 re(regex, PatternOptions());
    EXPECT_FALSE(re.ok());
  }
}

TEST(ShapeMatcher, LengthBounds) {
  const struct {
    const char* regex;
    size_t min, max;
  } kCases[] = {
      {"\\d{15}", 15, 15},
      {"\\d{17}[\\dX]|\\d{15}", 15, 18},
      {"[1-9]\\d{4,10}", 5, 11},
      {"a*", 0, SIZE_MAX},
      {"(?:ab)+c?", 2, SIZE_MAX},
      {"", 0, 0},
      {"[京沪]A", 4, 4},
      {"[^\\x00-\\xff]\\xff", 4, 6},  // a code point >= 0x100, then U+00FF
      {"a|(?:)", 0, 1},
  };
  for (const auto& c : kCases) {
    absl::StatusOr<ShapeMatcher> m = ShapeMatcher::Compile(c.regex);
    if (!m.ok()) {
      EXPECT_TRUE(absl::IsUnimplemented(m.status())) << c.regex;  // \x{...}
      continue;
    }
    EXPECT_EQ(m->min_length(), c.min) << c.regex;
    EXPECT_EQ(m->max_length(), c.max) << c.regex;
  }
}

TEST(ShapeMatcher, CopiesShareTheAutomaton) {
  absl::StatusOr<ShapeMatcher> m = ShapeMatcher::Compile("(?:19|20)\\d{6}");
  ASSERT_TRUE(m.ok());
  const ShapeMatcher copy = *m;
  const ShapeMatcher moved = *std::move(m);
  EXPECT_TRUE(copy.FullMatch("19900307"));
  EXPECT_TRUE(moved.FullMatch("20240215"));
  EXPECT_FALSE(copy.FullMatch("21240215"));
  EXPECT_FALSE(copy.has_captures());
  EXPECT_GT(copy.num_states(), 8);
}

}  // namespace
}  // namespace piivault::internal
