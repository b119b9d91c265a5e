// C ABI: image format sniffing, metadata scanning and scrubbing.
#include <memory>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "capi/internal.h"
#include "piivault/entity_type.h"
#include "piivault/image.h"
#include "piivault/piivault.h"

using piivault::capi::Guard;
using piivault::capi::NullArgument;

struct piivault_image_scanner {
  std::shared_ptr<const piivault::ImageScanner> scanner;
};

namespace {

const char* FormatName(piivault::ImageFormat format) {
  // ImageFormatName returns views of literals; C strings here so the header's
  // "static, NUL-terminated" promise does not rest on that.
  switch (format) {
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

// Checks the common arguments of both scrub entry points and maps the flags.
absl::Status ScrubArguments(const char* fn, const char* bytes, size_t len, uint32_t flags,
                            uint32_t known_flags, char** out, size_t* out_len,
                            std::string_view* view, piivault::ScrubOptions* options) {
  if (out != nullptr) *out = nullptr;
  if (out_len != nullptr) *out_len = 0;
  if (out == nullptr) return NullArgument(fn, "out");
  if (out_len == nullptr) return NullArgument(fn, "out_len");
  if (absl::Status s = piivault::capi::InputView(fn, "bytes", bytes, len, view); !s.ok()) {
    return s;
  }
  if ((flags & ~known_flags) != 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        fn, ": unknown flag bits 0x", absl::Hex(flags & ~known_flags),
        (flags & PIIVAULT_SCRUB_REDACT_TEXT) != 0
            ? " (PIIVAULT_SCRUB_REDACT_TEXT needs piivault_image_scanner_scrub)"
            : ""));
  }
  options->keep_copyright = (flags & PIIVAULT_SCRUB_KEEP_COPYRIGHT) != 0;
  options->keep_capture_settings = (flags & PIIVAULT_SCRUB_KEEP_CAPTURE_SETTINGS) != 0;
  options->redact_text_in_place = (flags & PIIVAULT_SCRUB_REDACT_TEXT) != 0;
  return absl::OkStatus();
}

}  // namespace

extern "C" {

const char* piivault_image_format(const char* bytes, size_t len) {
  if (bytes == nullptr) return "unknown";
  try {
    return FormatName(piivault::SniffImageFormat(std::string_view(bytes, len)));
  } catch (...) {
    return "unknown";
  }
}

int piivault_image_scrub(const char* bytes, size_t len, uint32_t flags, char** out,
                         size_t* out_len) {
  return Guard([&]() -> absl::Status {
    std::string_view view;
    piivault::ScrubOptions options;
    if (absl::Status s = ScrubArguments(
            "piivault_image_scrub", bytes, len, flags,
            PIIVAULT_SCRUB_KEEP_COPYRIGHT | PIIVAULT_SCRUB_KEEP_CAPTURE_SETTINGS, out, out_len,
            &view, &options);
        !s.ok()) {
      return s;
    }
    absl::StatusOr<std::string> scrubbed = piivault::ScrubImage(view, options);
    if (!scrubbed.ok()) return scrubbed.status();
    return piivault::capi::ReturnBuffer(*scrubbed, out, out_len);
  });
}

int piivault_image_scanner_create(const piivault_detector_options* options,
                                  piivault_image_scanner** out) {
  return Guard([&]() -> absl::Status {
    if (out == nullptr) return NullArgument("piivault_image_scanner_create", "out");
    *out = nullptr;
    piivault::ImageScannerOptions scanner_options;
    if (options != nullptr) scanner_options.detector = options->options;
    absl::StatusOr<piivault::ImageScanner> scanner =
        piivault::ImageScanner::Create(scanner_options);
    if (!scanner.ok()) return scanner.status();
    auto handle = std::make_unique<piivault_image_scanner>();
    handle->scanner = std::make_shared<const piivault::ImageScanner>(*std::move(scanner));
    *out = handle.release();
    return absl::OkStatus();
  });
}

void piivault_image_scanner_free(piivault_image_scanner* scanner) { delete scanner; }

int piivault_image_scan(const piivault_image_scanner* scanner, const char* bytes, size_t len,
                        piivault_image_report** report) {
  return Guard([&]() -> absl::Status {
    constexpr char kFn[] = "piivault_image_scan";
    if (report == nullptr) return NullArgument(kFn, "report");
    *report = nullptr;
    if (scanner == nullptr) return NullArgument(kFn, "scanner");
    std::string_view view;
    if (absl::Status s = piivault::capi::InputView(kFn, "bytes", bytes, len, &view); !s.ok()) {
      return s;
    }
    absl::StatusOr<piivault::ImageReport> scanned = scanner->scanner->Scan(view);
    if (!scanned.ok()) return scanned.status();

    // One block: the report, the item array, the finding array, the strings.
    const size_t n_items = scanned->items.size();
    const size_t n_findings = scanned->findings.size();
    const size_t items_at = sizeof(piivault_image_report);
    const size_t findings_at = items_at + n_items * sizeof(piivault_image_item);
    piivault::capi::BlockWriter block(findings_at + n_findings * sizeof(piivault_image_finding));
    for (const piivault::MetadataItem& item : scanned->items) {
      block.Reserve(item.location);
      block.Reserve(item.name);
      block.Reserve(piivault::EntityTypeName(item.sensitive_as));
    }
    for (const piivault::ImageFinding& f : scanned->findings) {
      block.Reserve(piivault::EntityTypeName(f.type));
      block.Reserve(f.validated_by);
    }
    if (!block.Allocate()) {
      return absl::ResourceExhaustedError(
          absl::StrCat(kFn, ": out of memory for ", n_items, " items"));
    }
    char* base = static_cast<char*>(block.head());
    auto* r = reinterpret_cast<piivault_image_report*>(base);
    auto* items = reinterpret_cast<piivault_image_item*>(base + items_at);
    auto* findings = reinterpret_cast<piivault_image_finding*>(base + findings_at);
    r->format = FormatName(scanned->format);
    r->items = n_items > 0 ? items : nullptr;
    r->item_count = n_items;
    r->findings = n_findings > 0 ? findings : nullptr;
    r->finding_count = n_findings;
    for (size_t i = 0; i < n_items; ++i) {
      const piivault::MetadataItem& item = scanned->items[i];
      items[i].location = block.Copy(item.location);
      items[i].name = block.Copy(item.name);
      items[i].offset = item.offset;
      items[i].size = item.size;
      items[i].sensitive_as = block.Copy(piivault::EntityTypeName(item.sensitive_as));
    }
    for (size_t i = 0; i < n_findings; ++i) {
      const piivault::ImageFinding& f = scanned->findings[i];
      findings[i].type = block.Copy(piivault::EntityTypeName(f.type));
      findings[i].item = f.item;
      findings[i].confidence = f.confidence;
      findings[i].validated_by = block.Copy(f.validated_by);
    }
    *report = static_cast<piivault_image_report*>(block.Release());
    return absl::OkStatus();
  });
}

void piivault_image_report_free(piivault_image_report* report) {
  piivault::capi::FreeBlock(report);
}

int piivault_image_scanner_scrub(const piivault_image_scanner* scanner, const char* bytes,
                                 size_t len, uint32_t flags, char** out, size_t* out_len) {
  return Guard([&]() -> absl::Status {
    constexpr char kFn[] = "piivault_image_scanner_scrub";
    std::string_view view;
    piivault::ScrubOptions options;
    if (absl::Status s = ScrubArguments(kFn, bytes, len, flags,
                                        PIIVAULT_SCRUB_KEEP_COPYRIGHT |
                                            PIIVAULT_SCRUB_KEEP_CAPTURE_SETTINGS |
                                            PIIVAULT_SCRUB_REDACT_TEXT,
                                        out, out_len, &view, &options);
        !s.ok()) {
      return s;
    }
    if (scanner == nullptr) return NullArgument(kFn, "scanner");
    absl::StatusOr<std::string> scrubbed = scanner->scanner->Scrub(view, options);
    if (!scrubbed.ok()) return scrubbed.status();
    return piivault::capi::ReturnBuffer(*scrubbed, out, out_len);
  });
}

}  // extern "C"
