// Fuzzes the WebP container with the shared properties of container_fuzz.h.
#include "container_fuzz.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace piivault::image_internal;  // NOLINT
  return piivault::fuzz::FuzzContainer(data, size, &ScanWebp, &ScrubWebp, nullptr);
}
