// ns per anchored full match of one candidate value: RE2 (the baseline, as
// Scanner::Try calls it today) against ShapeMatcher, for a few shipped
// patterns, on a candidate mix like the scanner's: 11-20 digit runs, short
// numbers, dates, upper-case tokens, email-like strings (~90% rejected).
//
//   build/<dir>/bench/piivault_detect_shape_benchmark
//
// Read the per_call counter (and its ratio between the Re2/ and Shape/ rows).
// ShapeCompile/shipped: compiling all the shipped regexes (items = regexes),
// next to constructing their RE2s.
#include <cstdio>
#include <cstdlib>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "benchmark/benchmark.h"
#include "detect/pattern_set.h"
#include "detect/shape_matcher.h"
#include "re2/re2.h"

namespace piivault::internal {
namespace {

std::vector<std::string> CandidateMix(size_t n) {
  std::mt19937 rng(20240215);
  const auto num = [&](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); };
  const auto digits = [&](int len) {
    std::string s;
    for (int i = 0; i < len; ++i) s += static_cast<char>('0' + num(0, 9));
    return s;
  };
  static const char* const kAlnum = "0123456789ABCDEFGHJKLMNPQRTUWXY";
  std::vector<std::string> out;
  while (out.size() < n) {
    const int kind = num(0, 99);
    if (kind < 40) {
      out.push_back(digits(num(11, 20)));
    } else if (kind < 48) {
      std::string s(1, '1');  // mobile-like
      s += std::to_string(num(3, 9));
      s += digits(9);
      out.push_back(s);
    } else if (kind < 55) {
      std::string s(1, '0');  // landline-like
      s += std::to_string(num(10, 999));
      s += digits(8);
      out.push_back(s);
    } else if (kind < 70) {
      const char sep = "-/."[num(0, 2)];
      out.push_back(std::to_string(num(1950, 2030)) + sep + std::to_string(num(1, 12)) + sep +
                    std::to_string(num(1, 28)));
    } else if (kind < 80) {
      out.push_back(digits(num(3, 8)));
    } else if (kind < 92) {
      std::string s;
      const int len = num(6, 18);
      for (int i = 0; i < len; ++i) s += kAlnum[num(0, 30)];
      out.push_back(s);
    } else {
      out.push_back("user" + digits(num(1, 4)) + "@example" + (num(0, 1) ? ".com" : ".com.cn"));
    }
  }
  return out;
}

const std::vector<std::string>& Mix() {
  static const auto* m = new std::vector<std::string>(CandidateMix(4096));
  return *m;
}

const Pattern& FindPattern(std::string_view id) {
  static const auto* files = [] {
    absl::StatusOr<std::vector<PatternFile>> f = LoadBuiltinPatternFiles();
    if (!f.ok()) std::abort();
    return new std::vector<PatternFile>(*std::move(f));
  }();
  for (const PatternFile& f : *files) {
    for (const Pattern& p : f.patterns) {
      if (p.id == id) return p;
    }
  }
  std::fprintf(stderr, "no pattern %s\n", std::string(id).c_str());
  std::abort();
}

void Finish(benchmark::State& state, size_t accepted) {
  const auto& mix = Mix();
  size_t bytes = 0;
  for (const std::string& s : mix) bytes += s.size();
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * bytes));
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * mix.size()));
  // Seconds per call, printed with an SI prefix ("11.7n" = 11.7 ns).
  state.counters["per_call"] = benchmark::Counter(static_cast<double>(state.iterations() * mix.size()),
                                                  benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
  state.counters["accepted%"] = 100.0 * static_cast<double>(accepted) / static_cast<double>(mix.size());
}

// What the detector's RE2 path does with a candidate: FullMatch, or
// Match(ANCHOR_BOTH) with the capture groups filled when the regex has them
// (ng = groups to fill, at most 7).
bool Re2Match(const RE2& re, int ng, const std::string& s) {
  if (ng == 0) return RE2::FullMatch(s, re);
  re2::StringPiece sub[8];
  const bool ok = re.Match(s, 0, s.size(), RE2::ANCHOR_BOTH, sub, ng + 1);
  benchmark::DoNotOptimize(sub);
  return ok;
}

void BM_Re2(benchmark::State& state, const char* id) {
  const RE2& re = *FindPattern(id).regex;
  const int ng = std::min(re.NumberOfCapturingGroups(), 7);
  size_t accepted = 0;
  for (auto _ : state) {
    accepted = 0;
    for (const std::string& s : Mix()) accepted += Re2Match(re, ng, s);
    benchmark::DoNotOptimize(accepted);
  }
  Finish(state, accepted);
}

// ShapeMatcher rejects; an accepted value with capture groups still goes to
// RE2 for the group spans.
void BM_Shape(benchmark::State& state, const char* id) {
  const RE2& re = *FindPattern(id).regex;
  absl::StatusOr<ShapeMatcher> m = ShapeMatcher::Compile(re.pattern());
  if (!m.ok()) {
    state.SkipWithError("ShapeMatcher does not compile this pattern");
    return;
  }
  const int ng = std::min(re.NumberOfCapturingGroups(), 7);
  size_t accepted = 0;
  for (auto _ : state) {
    accepted = 0;
    for (const std::string& s : Mix()) accepted += m->FullMatch(s) && (ng == 0 || Re2Match(re, ng, s));
    benchmark::DoNotOptimize(accepted);
  }
  Finish(state, accepted);
}

// MatchFirstCapture alone: group spans without RE2 (regexes with groups).
void BM_ShapeCapture(benchmark::State& state, const char* id) {
  const RE2& re = *FindPattern(id).regex;
  absl::StatusOr<ShapeMatcher> m = ShapeMatcher::Compile(re.pattern());
  if (!m.ok() || !m->captures_supported()) {
    state.SkipWithError("no capture engine for this pattern");
    return;
  }
  size_t accepted = 0;
  for (auto _ : state) {
    accepted = 0;
    for (const std::string& s : Mix()) {
      std::string_view picked;
      accepted += m->MatchFirstCapture(s, &picked) == ShapeMatcher::CaptureResult::kMatch;
      benchmark::DoNotOptimize(picked);
    }
    benchmark::DoNotOptimize(accepted);
  }
  Finish(state, accepted);
}

// Compile time of every shipped pattern's regex (Detector::Create pays it
// once per process, before any scan), against constructing their RE2s.
const std::vector<std::string>& ShippedRegexes() {
  static const auto* regexes = [] {
    absl::StatusOr<std::vector<PatternFile>> f = LoadBuiltinPatternFiles();
    if (!f.ok()) std::abort();
    auto* out = new std::vector<std::string>;
    for (const PatternFile& file : *f) {
      for (const Pattern& p : file.patterns) out->push_back(p.regex->pattern());
    }
    return out;
  }();
  return *regexes;
}

void BM_CompileShipped(benchmark::State& state) {
  size_t compiled = 0;
  for (auto _ : state) {
    compiled = 0;
    for (const std::string& re : ShippedRegexes()) compiled += ShapeMatcher::Compile(re).ok();
    benchmark::DoNotOptimize(compiled);
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * ShippedRegexes().size()));
  state.counters["compiled"] = static_cast<double>(compiled);
}

void BM_Re2ConstructShipped(benchmark::State& state) {
  RE2::Options opts;  // as pattern_set.cc builds them
  opts.set_log_errors(false);
  opts.set_max_mem(int64_t{1} << 20);
  for (auto _ : state) {
    for (const std::string& re : ShippedRegexes()) {
      RE2 r(re, opts);
      benchmark::DoNotOptimize(r.ok());
    }
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * ShippedRegexes().size()));
}

int Register() {
  benchmark::RegisterBenchmark("Re2Construct/shipped", BM_Re2ConstructShipped);
  benchmark::RegisterBenchmark("ShapeCompile/shipped", BM_CompileShipped);
  for (const char* id : {"cn_mobile", "cn_landline", "bank_card", "cn_org_code", "dob_separated", "email"}) {
    benchmark::RegisterBenchmark((std::string("Re2/") + id).c_str(), BM_Re2, id);
    benchmark::RegisterBenchmark((std::string("Shape/") + id).c_str(), BM_Shape, id);
  }
  for (const char* id : {"cn_mobile", "cn_landline"}) {
    benchmark::RegisterBenchmark((std::string("ShapeCapture/") + id).c_str(), BM_ShapeCapture, id);
  }
  return 0;
}
const int kRegistered = Register();

}  // namespace
}  // namespace piivault::internal

BENCHMARK_MAIN();
