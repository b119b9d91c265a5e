// Helpers shared by the fuzz targets.
#ifndef PIIVAULT_FUZZ_FUZZ_UTIL_H_
#define PIIVAULT_FUZZ_FUZZ_UTIL_H_

#include <cstdio>
#include <cstdlib>
#include <string>
#include <utility>

#include "absl/status/statusor.h"
#include "piivault/detector.h"

namespace piivault::fuzz {

// A property the target checks: a violation is a crash libFuzzer reports.
inline void Check(bool ok) {
  if (!ok) std::abort();
}

// The Detector with the built-in patterns, created once per process.
inline const Detector& BuiltinDetector() {
  static const Detector* const d = [] {
    absl::StatusOr<Detector> det = Detector::Create({});
    if (!det.ok()) {
      std::fprintf(stderr, "detector: %s\n", std::string(det.status().message()).c_str());
      std::abort();
    }
    return new Detector(*std::move(det));
  }();
  return *d;
}

}  // namespace piivault::fuzz

#endif  // PIIVAULT_FUZZ_FUZZ_UTIL_H_
