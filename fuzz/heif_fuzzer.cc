// Fuzzes the HEIF/AVIF container: scan and scrub never crash; a scrub output scans
// cleanly, scrubbing it again is a no-op.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "image/image_internal.h"

namespace {

using namespace piivault::image_internal;  // NOLINT

class TouchingSink final : public MetadataSink {
 public:
  void AddItem(piivault::MetadataItem item) override { total += item.location.size() + item.size; }
  void AddTextItem(piivault::MetadataItem item, std::string_view text) override {
    total += item.name.size();
    for (char c : text) total += static_cast<unsigned char>(c);
  }
  uint64_t total = 0;
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  ParseLimits limits;
  limits.max_decompressed_bytes = 1 << 20;
  TouchingSink sink;
  (void)ScanHeif(in, limits, sink);
  piivault::ScrubOptions options;
  options.keep_copyright = size > 0 && (data[size - 1] & 1);
  options.keep_capture_settings = size > 0 && (data[size - 1] & 2);
  absl::StatusOr<std::string> out = ScrubHeif(in, options, limits);
  if (!out.ok()) return 0;
  TouchingSink again_sink;
  if (!ScanHeif(*out, limits, again_sink).ok()) std::abort();
  absl::StatusOr<std::string> again = ScrubHeif(*out, options, limits);
  if (!again.ok() || *again != *out) std::abort();
  return 0;
}
