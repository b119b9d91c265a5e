// One Detector with the built-in patterns, created once and shared by all
// the tests of a binary (creating one compiles every pattern).
#ifndef PIIVAULT_TESTS_DETECT_DETECTOR_TEST_UTIL_H_
#define PIIVAULT_TESTS_DETECT_DETECTOR_TEST_UTIL_H_

#include <cstdlib>
#include <utility>

#include "absl/status/statusor.h"
#include "gtest/gtest.h"
#include "piivault/detector.h"

namespace piivault::test {

inline const Detector& BuiltinDetector() {
  static const Detector* d = [] {
    absl::StatusOr<Detector> det = Detector::Create({});
    if (!det.ok()) {
      ADD_FAILURE() << det.status();
      std::abort();
    }
    return new Detector(*std::move(det));
  }();
  return *d;
}

}  // namespace piivault::test

#endif  // PIIVAULT_TESTS_DETECT_DETECTOR_TEST_UTIL_H_
