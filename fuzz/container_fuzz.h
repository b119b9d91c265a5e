// The properties every image-container fuzz target checks (png, gif, webp,
// heif): scan and scrub never crash; a scrub output scans cleanly; scrubbing
// it again is a no-op; and, for containers that stream, the streaming
// scrubber fed in odd-sized reads gives exactly the buffer scrubber's bytes.
#ifndef PIIVAULT_FUZZ_CONTAINER_FUZZ_H_
#define PIIVAULT_FUZZ_CONTAINER_FUZZ_H_

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>

#include "image/image_internal.h"

namespace piivault::fuzz {

using image_internal::ByteSink;
using image_internal::ByteSource;
using image_internal::MetadataSink;
using image_internal::ParseLimits;

// Reads every byte a parser reports, so ASan sees any dangling view.
class TouchingSink final : public MetadataSink {
 public:
  void AddItem(MetadataItem item) override { total += item.location.size() + item.size; }
  void AddTextItem(MetadataItem item, std::string_view text) override {
    total += item.name.size();
    for (char c : text) total += static_cast<unsigned char>(c);
  }
  uint64_t total = 0;
};

using ScanFn = absl::Status (*)(std::string_view, const ParseLimits&, MetadataSink&);
using ScrubFn = absl::StatusOr<std::string> (*)(std::string_view, const ScrubOptions&,
                                                const ParseLimits&);
using ScrubStreamFn = absl::Status (*)(ByteSource&, ByteSink&, const ScrubOptions&,
                                       const ParseLimits&);

// Aborts (so libFuzzer reports) when a property fails. `scrub_stream` may be null.
inline int FuzzContainer(const uint8_t* data, size_t size, ScanFn scan, ScrubFn scrub,
                         ScrubStreamFn scrub_stream) {
  const std::string_view in(reinterpret_cast<const char*>(data), size);
  ParseLimits limits;
  limits.max_decompressed_bytes = 1 << 20;
  TouchingSink sink;
  (void)scan(in, limits, sink);
  ScrubOptions options;
  options.keep_copyright = size > 0 && (data[size - 1] & 1);
  options.keep_capture_settings = size > 0 && (data[size - 1] & 2);
  absl::StatusOr<std::string> out = scrub(in, options, limits);
  if (scrub_stream != nullptr) {
    image_internal::MemoryByteSource source(in, 1 + size % 61);
    std::string streamed;
    image_internal::AppendingByteSink sink(streamed);
    absl::Status status = scrub_stream(source, sink, options, limits);
    if (status.ok() != out.ok()) std::abort();
    if (out.ok() && streamed != *out) std::abort();
  }
  if (!out.ok()) return 0;
  TouchingSink again_sink;
  if (!scan(*out, limits, again_sink).ok()) std::abort();
  absl::StatusOr<std::string> again = scrub(*out, options, limits);
  if (!again.ok() || *again != *out) std::abort();
  return 0;
}

}  // namespace piivault::fuzz

#endif  // PIIVAULT_FUZZ_CONTAINER_FUZZ_H_
