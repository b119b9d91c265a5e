// Fuzzes Detector::Scan with arbitrary bytes: findings must lie on the
// input, be sorted and disjoint, respect max_finding_bytes(), carry a
// confidence in [min_confidence, 1] and a non-empty normalized value; and a
// finding must come out the same when only a window around it is scanned --
// the streaming redactor's contract: it scans each window with a margin of
// 2 * (max_finding_bytes() + context_window_bytes()) on both sides
// (Redactor::hold_back_bytes()). Overlap resolution is greedy, so a chain of
// overlapping candidates can carry a decision further than the context
// window alone; the margin covers the chains real text produces.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "fuzz_util.h"
#include "piivault/detector.h"

namespace {

const piivault::Detector& D() { return piivault::fuzz::BuiltinDetector(); }

using piivault::fuzz::Check;

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size > (1 << 16)) return 0;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const piivault::Detector& d = D();
  absl::StatusOr<std::vector<piivault::Finding>> found = d.Scan(text);
  Check(found.ok());
  size_t prev_end = 0;
  for (const piivault::Finding& f : *found) {
    Check(f.begin < f.end);
    Check(f.end <= text.size());
    Check(f.begin >= prev_end);
    Check(f.end - f.begin <= d.max_finding_bytes());
    Check(f.confidence >= 0.5f && f.confidence <= 1.0f);
    Check(!f.normalized.empty());
    Check(!f.validated_by.empty());
    Check((f.type == piivault::EntityType::kMasked) == (f.masked_as != piivault::EntityType::kUnknown));
    prev_end = f.end;
  }
  // Window property on the first few findings (bounded cost).
  const size_t ctx = 2 * (d.max_finding_bytes() + d.context_window_bytes());
  size_t checked = 0;
  for (const piivault::Finding& f : *found) {
    if (++checked > 4) break;
    size_t lo = f.begin > ctx ? f.begin - ctx : 0;
    size_t hi = std::min(text.size(), f.end + ctx);
    absl::StatusOr<std::vector<piivault::Finding>> part = d.Scan(text.substr(lo, hi - lo));
    Check(part.ok());
    bool same = false;
    for (const piivault::Finding& p : *part) {
      same |= p.begin + lo == f.begin && p.end + lo == f.end && p.type == f.type && p.normalized == f.normalized;
    }
    Check(same);
  }
  return 0;
}
