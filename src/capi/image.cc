// C ABI: image format sniffing and metadata scrubbing.
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "capi/internal.h"
#include "piivault/image.h"
#include "piivault/piivault.h"

using piivault::capi::Guard;
using piivault::capi::NullArgument;

extern "C" {

const char* piivault_image_format(const char* bytes, size_t len) {
  if (bytes == nullptr) return "unknown";
  // ImageFormatName returns views of string literals; map to C strings here so
  // the header's "static, NUL-terminated" promise does not rest on that.
  switch (piivault::SniffImageFormat(std::string_view(bytes, len))) {
    case piivault::ImageFormat::kJpeg: return "jpeg";
    case piivault::ImageFormat::kPng: return "png";
    case piivault::ImageFormat::kWebp: return "webp";
    case piivault::ImageFormat::kTiff: return "tiff";
    case piivault::ImageFormat::kGif: return "gif";
    case piivault::ImageFormat::kHeif: return "heif";
    case piivault::ImageFormat::kUnknown: break;
  }
  return "unknown";
}

int piivault_image_scrub(const char* bytes, size_t len, uint32_t flags, char** out,
                         size_t* out_len) {
  return Guard([&]() -> absl::Status {
    constexpr char kFn[] = "piivault_image_scrub";
    if (out != nullptr) *out = nullptr;
    if (out_len != nullptr) *out_len = 0;
    if (out == nullptr) return NullArgument(kFn, "out");
    if (out_len == nullptr) return NullArgument(kFn, "out_len");
    std::string_view view;
    if (absl::Status s = piivault::capi::InputView(kFn, "bytes", bytes, len, &view); !s.ok()) {
      return s;
    }
    constexpr uint32_t kKnownFlags =
        PIIVAULT_SCRUB_KEEP_COPYRIGHT | PIIVAULT_SCRUB_KEEP_CAPTURE_SETTINGS;
    if ((flags & ~kKnownFlags) != 0) {
      return absl::InvalidArgumentError(
          absl::StrCat(kFn, ": unknown flag bits 0x", absl::Hex(flags & ~kKnownFlags)));
    }
    piivault::ScrubOptions options;
    options.keep_copyright = (flags & PIIVAULT_SCRUB_KEEP_COPYRIGHT) != 0;
    options.keep_capture_settings = (flags & PIIVAULT_SCRUB_KEEP_CAPTURE_SETTINGS) != 0;
    absl::StatusOr<std::string> scrubbed = piivault::ScrubImage(view, options);
    if (!scrubbed.ok()) return scrubbed.status();
    return piivault::capi::ReturnBuffer(*scrubbed, out, out_len);
  });
}

}  // extern "C"
