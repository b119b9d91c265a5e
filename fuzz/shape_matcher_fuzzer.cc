// Differential fuzzer: ShapeMatcher against RE2. Input: a regex, then NUL,
// then up to 8 values separated by NUL. Whenever both compile, FullMatch must
// agree on every value (and on every prefix of the first), and so must
// MatchFirstCapture's group span with RE2::Match's. Also: a regex
// ShapeMatcher compiles must compile in RE2 (unless RE2 runs out of its
// memory budget), and one it calls malformed must not.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "detect/shape_matcher.h"
#include "fuzz_util.h"
#include "re2/re2.h"

namespace {

using piivault::fuzz::Check;

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  // Short regexes keep compile time bounded: counts are capped at 1000 by
  // the syntax, positions and states by ShapeMatcher's limits.
  if (size > 1024) return 0;
  const std::string_view in(reinterpret_cast<const char*>(data), size);
  const size_t nul = in.find('\0');
  const std::string regex(in.substr(0, nul));
  if (regex.size() > 96) return 0;
  std::vector<std::string> values;
  if (nul != std::string_view::npos) {
    std::string_view rest = in.substr(nul + 1);
    while (values.size() < 8) {
      const size_t end = rest.find('\0');
      values.emplace_back(rest.substr(0, end));
      if (end == std::string_view::npos) break;
      rest.remove_prefix(end + 1);
    }
  }

  absl::StatusOr<piivault::internal::ShapeMatcher> m =
      piivault::internal::ShapeMatcher::Compile(regex);
  RE2::Options opts;
  opts.set_log_errors(false);
  opts.set_max_mem(int64_t{1} << 20);
  const RE2 re(regex, opts);
  if (!m.ok()) {
    Check(absl::IsUnimplemented(m.status()) || absl::IsInvalidArgument(m.status()));
    if (absl::IsInvalidArgument(m.status())) Check(!re.ok());
    return 0;
  }
  if (!re.ok()) {
    Check(re.error_code() == RE2::ErrorPatternTooLarge);
    return 0;
  }
  Check(m->num_captures() == re.NumberOfCapturingGroups());
  const int ng = re.NumberOfCapturingGroups();
  std::vector<re2::StringPiece> sub(static_cast<size_t>(ng) + 1);
  for (const std::string& v : values) {
    const bool want = RE2::FullMatch(v, re);
    Check(m->FullMatch(v) == want);
    std::string_view picked;
    const auto r = m->MatchFirstCapture(v, &picked);
    using R = piivault::internal::ShapeMatcher::CaptureResult;
    if (r == R::kUseRe2) {
      Check(!m->captures_supported() || v.size() > m->kMaxCaptureValue);
      continue;
    }
    Check(r == (want ? R::kMatch : R::kNoMatch));
    if (!want) continue;
    // The detector's pick: first group with non-empty text, else the value.
    Check(re.Match(v, 0, v.size(), RE2::ANCHOR_BOTH, sub.data(), ng + 1));
    std::string_view expect = v;
    for (int g = 1; g <= ng; ++g) {
      const re2::StringPiece& s = sub[static_cast<size_t>(g)];
      if (s.data() != nullptr && !s.empty()) {
        expect = std::string_view(s.data(), s.size());
        break;
      }
    }
    Check(picked.data() == expect.data() && picked.size() == expect.size());
  }
  if (!values.empty()) {
    const std::string& v = values[0];
    for (size_t i = 0; i < v.size() && i < 64; ++i) {
      const std::string prefix = v.substr(0, i);
      Check(m->FullMatch(prefix) == RE2::FullMatch(prefix, re));
    }
  }
  return 0;
}
