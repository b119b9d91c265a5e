// Fuzzes the PNG container: scan and scrub never crash; a scrub output scans
// cleanly, scrubbing it again is a no-op, and the streaming scrubber (fed in
// odd-sized reads) gives exactly the buffer scrubber's bytes.
#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <cstring>
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

class SliceSource final : public ByteSource {
 public:
  SliceSource(std::string_view bytes, size_t step) : bytes_(bytes), step_(step) {}
  absl::StatusOr<size_t> Read(char* buf, size_t n) override {
    n = std::min({n, step_, bytes_.size() - pos_});
    if (n > 0) std::memcpy(buf, bytes_.data() + pos_, n);
    pos_ += n;
    return n;
  }

 private:
  std::string_view bytes_;
  size_t step_;
  size_t pos_ = 0;
};

class StringSink final : public ByteSink {
 public:
  absl::Status Write(std::string_view bytes) override {
    out.append(bytes.data(), bytes.size());
    return absl::OkStatus();
  }
  std::string out;
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  ParseLimits limits;
  limits.max_decompressed_bytes = 1 << 20;
  TouchingSink sink;
  (void)ScanPng(in, limits, sink);
  piivault::ScrubOptions options;
  options.keep_copyright = size > 0 && (data[size - 1] & 1);
  options.keep_capture_settings = size > 0 && (data[size - 1] & 2);
  absl::StatusOr<std::string> out = ScrubPng(in, options, limits);
  SliceSource source(in, 1 + size % 61);
  StringSink stream;
  absl::Status streamed = ScrubPngStream(source, stream, options, limits);
  if (streamed.ok() != out.ok()) std::abort();
  if (!out.ok()) return 0;
  if (stream.out != *out) std::abort();
  TouchingSink again_sink;
  if (!ScanPng(*out, limits, again_sink).ok()) std::abort();
  absl::StatusOr<std::string> again = ScrubPng(*out, options, limits);
  if (!again.ok() || *again != *out) std::abort();
  return 0;
}
