// Fuzzes the shared TIFF/Exif parser (as found in JPEG APP1, PNG eXIf, WebP
// EXIF, HEIF Exif items) and the standalone TIFF scrubber.
// Properties: never crash; items stay inside the input; the minimal Exif
// rebuilt from any input parses without error and round-trips; TIFF scrub
// output scans, and scrubbing it again is a no-op.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "image/image_internal.h"

namespace {

using namespace piivault;
using namespace piivault::image_internal;

class BoundsSink : public MetadataSink {
 public:
  void AddItem(MetadataItem item) override { Check(item); }
  void AddTextItem(MetadataItem item, std::string_view text) override { Check(item); }
  void Check(const MetadataItem& item) {
    if (item.offset < base || item.offset - base > size) std::abort();
    if (item.size > size) std::abort();
  }
  uint64_t base = 0, size = 0;
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size > (1 << 20)) return 0;
  std::string_view in(reinterpret_cast<const char*>(data), size);
  ParseLimits limits;
  BoundsSink sink;
  sink.base = 1000;
  sink.size = size;
  (void)ParseTiffMetadata(in, 1000, "Exif", limits, sink);
  for (bool keep : {false, true}) {
    ScrubOptions opt;
    opt.keep_copyright = keep;
    opt.keep_capture_settings = keep;
    absl::StatusOr<ExifEssentials> e = ReadExifEssentials(in, opt);
    if (!e.ok()) continue;
    e->write_jpeg_required_tags = keep;
    std::string tiff = BuildMinimalExifTiff(*e);
    if (tiff.empty()) continue;
    BoundsSink s2;
    s2.size = tiff.size();
    if (!ParseTiffMetadata(tiff, 0, "", limits, s2).ok()) std::abort();
    absl::StatusOr<ExifEssentials> again = ReadExifEssentials(tiff, opt);
    if (!again.ok()) std::abort();
    again->write_jpeg_required_tags = keep;
    if (BuildMinimalExifTiff(*again) != tiff) std::abort();
  }
  BoundsSink s3;
  s3.size = size;
  (void)ScanTiff(in, limits, s3);
  absl::StatusOr<std::string> out = ScrubTiff(in, ScrubOptions{}, limits);
  if (!out.ok()) return 0;
  BoundsSink s4;
  s4.size = out->size();
  if (!ScanTiff(*out, limits, s4).ok()) std::abort();
  absl::StatusOr<std::string> again = ScrubTiff(*out, ScrubOptions{}, limits);
  if (!again.ok() || *again != *out) std::abort();
  return 0;
}
