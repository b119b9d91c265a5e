// Fuzzes the JPEG scanner and scrubber (buffer and stream).
// Properties: never crash; the scrub output scans and re-scrubs cleanly,
// scrubbing it again is a no-op, the stream scrubber gives the same bytes,
// and the rendering segments (entropy-coded data) are unchanged.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "image/image_internal.h"

namespace {

using namespace piivault;
using namespace piivault::image_internal;

class NullSink : public MetadataSink {
 public:
  void AddItem(MetadataItem item) override { Check(item); }
  void AddTextItem(MetadataItem item, std::string_view text) override { Check(item); }
  void Check(const MetadataItem& item) {
    if (item.offset > size || item.size > size - item.offset) std::abort();
  }
  uint64_t size = 0;
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size > (1 << 20)) return 0;
  std::string_view in(reinterpret_cast<const char*>(data), size);
  ParseLimits limits;
  NullSink sink;
  sink.size = size;
  (void)ScanJpeg(in, limits, sink);
  absl::StatusOr<std::string> out = ScrubJpeg(in, ScrubOptions{}, limits);
  MemoryByteSource src(in, 777);
  std::string streamed;
  AppendingByteSink streamed_sink(streamed);
  absl::Status s = ScrubJpegStream(src, streamed_sink, ScrubOptions{}, limits);
  if (s.ok() != out.ok()) std::abort();
  if (!out.ok()) return 0;
  if (streamed != *out) std::abort();
  NullSink sink2;
  sink2.size = out->size();
  if (!ScanJpeg(*out, limits, sink2).ok()) std::abort();
  absl::StatusOr<std::string> again = ScrubJpeg(*out, ScrubOptions{}, limits);
  if (!again.ok() || *again != *out) std::abort();
  absl::StatusOr<std::string> r1 = JpegRenderBytes(in);
  absl::StatusOr<std::string> r2 = JpegRenderBytes(*out);
  if (!r1.ok() || !r2.ok() || *r1 != *r2) std::abort();
  ScrubOptions keep;
  keep.keep_copyright = true;
  keep.keep_capture_settings = true;
  absl::StatusOr<std::string> kept = ScrubJpeg(in, keep, limits);
  if (!kept.ok()) std::abort();
  absl::StatusOr<std::string> kept2 = ScrubJpeg(*kept, keep, limits);
  if (!kept2.ok() || *kept2 != *kept) std::abort();
  return 0;
}
