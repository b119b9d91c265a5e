// File: piivault/image.h
//
// Finds personal data in image metadata (JPEG, PNG, WebP, TIFF, GIF, HEIF/AVIF)
// and writes scrubbed copies whose pixel data is byte-identical.
//
//   absl::StatusOr<piivault::ImageScanner> scanner = piivault::ImageScanner::Create({});
//   absl::StatusOr<piivault::ImageReport> report = scanner->Scan(file_bytes);
//   absl::StatusOr<std::string> clean = scanner->Scrub(file_bytes, {});
//
// Parsers are bounded: they never read past the input, never allocate from a
// declared size, and cap IFD counts, nesting and decompressed sizes. Hostile
// input gives kInvalidArgument (or kDataLoss for truncation) naming the format
// and byte offset, never a crash.
#ifndef PIIVAULT_IMAGE_H_
#define PIIVAULT_IMAGE_H_

#include <cstdint>
#include <iosfwd>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "piivault/detector.h"
#include "piivault/entity_type.h"

namespace piivault {

enum class ImageFormat { kUnknown, kJpeg, kPng, kWebp, kTiff, kGif, kHeif };

// "jpeg", "png", "webp", "tiff", "gif", "heif", "unknown".
std::string_view ImageFormatName(ImageFormat format);

// Recognises the container from its first bytes.
ImageFormat SniffImageFormat(std::string_view bytes);

// One metadata item found in the file.
struct MetadataItem {
  // Where it lives, outermost first, e.g. "APP1/Exif/IFD0", "APP1/Exif/GPS",
  // "APP13/IPTC", "tEXt", "RIFF/EXIF/IFD0", "meta/iinf/Exif/IFD0".
  std::string location;
  // Its name, e.g. "Artist", "GPSLatitude", "Comment", "XMP", "Thumbnail".
  std::string name;
  uint64_t offset = 0;  // byte offset of the item's data in the file
  uint64_t size = 0;    // bytes
  // Always sensitive whatever its content (GPS, serials, owner names,
  // thumbnails, MakerNotes...). kUnknown if not.
  EntityType sensitive_as = EntityType::kUnknown;
};

// Personal data found in an item: either the item itself is always sensitive
// (validated_by == "tag") or the text detector found a value inside it.
struct ImageFinding {
  EntityType type = EntityType::kUnknown;
  size_t item = 0;  // index into ImageReport::items
  float confidence = 0;
  std::string_view validated_by;  // "tag" or the detector's validator; static storage
};

struct ImageReport {
  ImageFormat format = ImageFormat::kUnknown;
  std::vector<MetadataItem> items;
  std::vector<ImageFinding> findings;
};

// What the scrubber keeps beyond what renders the image. By default the
// container is rebuilt from an allow-list: pixel data, colour (ICC) and
// Orientation; everything else goes (thumbnails, MPF images, trailers too).
struct ScrubOptions {
  bool keep_copyright = false;     // Exif Copyright, XMP dc:rights, IPTC copyright
  bool keep_capture_settings = false;  // exposure, focal length, DateTimeOriginal...
  // Instead of dropping free-text fields, keep them with detected values
  // redacted. Applies to JPEG COM segments, PNG tEXt/zTXt/iTXt chunks and GIF
  // comment extensions (each up to 1 MiB): a text with no findings is kept
  // byte for byte; otherwise every span the text detector finds is replaced
  // by '*' (one per UTF-8 character) and the item re-emitted (PNG:
  // uncompressed tEXt for Latin-1 text, else iTXt, keyword kept; GIF: re-split
  // into sub-blocks). Still dropped: items always sensitive by name (PNG
  // keywords Author, Copyright without keep_copyright...), embedded
  // Exif/XMP/IPTC profiles, and Exif/XMP/IPTC text in every format (their
  // structure is rebuilt from the allow-list). Needs the detector, so only
  // ImageScanner::Scrub / ScrubStream honour it; ScrubImage() and
  // ScrubImageStream() ignore it and drop text.
  bool redact_text_in_place = false;
};

struct ImageScannerOptions {
  // Options for the text detector run over every text value.
  DetectorOptions detector = {};
  // Caps that bound parsing work on hostile files.
  size_t max_input_bytes = size_t{1} << 30;
  size_t max_decompressed_bytes = size_t{16} << 20;  // zTXt/iTXt/compressed XMP, total
  size_t max_ifd_count = 64;
  size_t max_ifd_entries = 4096;
  size_t max_nesting = 16;
};

// Scrubbing needs no text detector (the default policy drops text fields), so
// it is also available without an ImageScanner: same output as
// ImageScanner::Scrub / ScrubStream with these options' caps. Cheap to call
// (no pattern compilation), for upload handlers and the CLI.
// They have no text detector, so they ignore ScrubOptions::redact_text_in_place
// and drop text fields (the safe direction): use ImageScanner::Scrub for it.
absl::StatusOr<std::string> ScrubImage(std::string_view bytes, const ScrubOptions& options = {},
                                       const ImageScannerOptions& scanner_options = {});
absl::Status ScrubImageStream(std::istream& in, std::ostream& out, const ScrubOptions& options = {},
                              const ImageScannerOptions& scanner_options = {});

// Immutable once created; const methods are safe to call from many threads.
class ImageScanner {
 public:
  static absl::StatusOr<ImageScanner> Create(const ImageScannerOptions& options);

  // Every metadata item and every finding. kInvalidArgument for an
  // unrecognised or malformed container (message names format and offset).
  absl::StatusOr<ImageReport> Scan(std::string_view bytes) const;

  // A scrubbed copy. Pixel data is byte-identical; Scrub(Scrub(x)) == Scrub(x).
  absl::StatusOr<std::string> Scrub(std::string_view bytes, const ScrubOptions& options) const;

  // Scrubs from `in` to `out` holding at most one metadata segment/chunk (and
  // a small buffer) in memory: JPEG, PNG and GIF stream; other formats are
  // read whole (bounded by max_input_bytes). Output equals Scrub() of the same
  // bytes. On error `out` may hold a prefix: write to a temporary file and
  // rename on success.
  absl::Status ScrubStream(std::istream& in, std::ostream& out, const ScrubOptions& options) const;

  ImageScanner(ImageScanner&&) noexcept;
  ImageScanner& operator=(ImageScanner&&) noexcept;
  ~ImageScanner();

 private:
  struct Impl;
  explicit ImageScanner(std::unique_ptr<const Impl> impl);
  std::unique_ptr<const Impl> impl_;
};

}  // namespace piivault

#endif  // PIIVAULT_IMAGE_H_
