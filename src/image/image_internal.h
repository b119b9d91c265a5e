// The contract between the image front end (image_scanner.cc) and the
// per-container modules (jpeg.cc, tiff.cc, png.cc, webp.cc, gif.cc, heif.cc).
//
// Every container module provides a Scan and a Scrub function with the
// signatures below. Scan reports items to a MetadataSink; Scrub rebuilds the
// container from an allow-list. Shared parsers (TIFF/Exif IFDs, XMP, IPTC,
// minimal-Exif builder) are declared here too so PNG eXIf, WebP EXIF and HEIF
// Exif items reuse the same code as JPEG APP1.
#ifndef PIIVAULT_IMAGE_IMAGE_INTERNAL_H_
#define PIIVAULT_IMAGE_IMAGE_INTERNAL_H_

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "piivault/image.h"

namespace piivault::image_internal {

// Receives what a parser finds. Implemented by the front end, which assigns
// findings (always-sensitive items and detector hits in text values).
class MetadataSink {
 public:
  virtual ~MetadataSink() = default;
  // An item whose bytes are not text (or not worth scanning).
  virtual void AddItem(MetadataItem item) = 0;
  // An item carrying text: the front end runs the detector over `utf8_text`
  // (already decoded: UCS-2 XP tags, UserComment charset headers, zTXt
  // inflation, XML entities are the parser's job).
  virtual void AddTextItem(MetadataItem item, std::string_view utf8_text) = 0;
};

// Redacts detected values inside one free-text value (UTF-8 in, UTF-8 out):
// returns the text unchanged when nothing is found, the text with every
// detected span masked otherwise, or nullopt when the item must be dropped
// (too large, detector error, masking does not converge). Supplied by
// ImageScanner::Scrub for ScrubOptions::redact_text_in_place, so container
// modules never depend on the Detector.
using TextRedactor = std::function<std::optional<std::string>(std::string_view utf8)>;

// Limits shared by every parser (copied from ImageScannerOptions).
struct ParseLimits {
  size_t max_decompressed_bytes = size_t{16} << 20;
  size_t max_ifd_count = 64;
  size_t max_ifd_entries = 4096;
  size_t max_nesting = 16;
  // Scrub only. Empty: free-text items (JPEG COM, PNG tEXt/zTXt/iTXt, GIF
  // comments) are dropped. Set: they are kept with detected values masked
  // (items always sensitive by name are still dropped).
  TextRedactor redact_text;
};

// Largest free-text item the scrubbers hand to `redact_text` (bytes, raw or
// decoded); larger items are dropped.
inline constexpr size_t kMaxRedactTextBytes = size_t{1} << 20;

// What a rebuilt container needs from the metadata it drops.
// One Exif tag copied verbatim (value bytes already little-endian, as the
// minimal Exif BuildMinimalExifTiff writes is little-endian).
struct RawExifTag {
  uint16_t tag = 0;
  uint16_t type = 0;
  uint32_t count = 0;
  std::string value;  // count * size(type) bytes, little-endian
};

struct ExifEssentials {
  std::optional<uint16_t> orientation;  // 1..8
  // Filled only by the ReadExifEssentials overload taking ScrubOptions, when
  // the options ask to keep them.
  std::string copyright;             // IFD0 Copyright (ASCII as stored, may hold NULs)
  std::vector<RawExifTag> capture;   // ExifIFD capture settings, sorted by tag
  // IFD0 tags the Exif spec requires in a JPEG's Exif (exiftool -validate
  // warns without them). Read from the source when present (else the
  // defaults below); written by BuildMinimalExifTiff only when
  // `write_jpeg_required_tags` is set (the JPEG scrubber sets it).
  bool write_jpeg_required_tags = false;
  uint32_t x_resolution[2] = {72, 1};
  uint32_t y_resolution[2] = {72, 1};
  uint16_t resolution_unit = 2;     // inches
  uint16_t ycbcr_positioning = 1;   // centred
};

// --- Shared parsers (tiff.cc, xmp.cc, iptc.cc) -------------------------------

// Parses a TIFF structure ("II*\0" / "MM\0*" header first) found at
// `file_offset` in the file: every IFD, the Exif, GPS and Interop sub-IFDs,
// IFD1 and its thumbnail; MakerNote is reported opaque. `location` prefixes
// item locations (e.g. "APP1/Exif"). Loops, out-of-range offsets and count
// overflows give kInvalidArgument naming the offset.
absl::Status ParseTiffMetadata(std::string_view tiff, uint64_t file_offset,
                               std::string_view location, const ParseLimits& limits,
                               MetadataSink& sink);

// Reads only what the scrubber keeps (Orientation) from a TIFF structure.
absl::StatusOr<ExifEssentials> ReadExifEssentials(std::string_view tiff);
// Same, plus Copyright (options.keep_copyright) and the numeric capture
// settings of the ExifIFD (options.keep_capture_settings).
absl::StatusOr<ExifEssentials> ReadExifEssentials(std::string_view tiff,
                                                  const ScrubOptions& options);

// A minimal little-endian TIFF structure (no "Exif\0\0" prefix) with one IFD
// holding only Orientation (and nothing if `essentials` has none: returns "").
// Copyright and capture settings, when present in `essentials`, are written
// too (capture settings in an ExifIFD).
std::string BuildMinimalExifTiff(const ExifEssentials& essentials);

// `data` without the "Exif\0\0" prefix some writers put before the TIFF
// header (PNG eXIf, WebP EXIF).
std::string_view StripExifPrefix(std::string_view data);

// The minimal TIFF a scrubber writes in place of an Exif block: Orientation
// when it is 2..8 (plus Copyright / capture settings when `options` keep
// them), or "" when nothing is worth keeping or the block does not parse.
std::string MinimalExifTiff(std::string_view tiff, const ScrubOptions& options);

// An item with no type assigned yet (the front end classifies it by name).
inline MetadataItem MakeItem(std::string location, std::string name, uint64_t offset, uint64_t size) {
  MetadataItem item;
  item.location = std::move(location);
  item.name = std::move(name);
  item.offset = offset;
  item.size = size;
  return item;
}

// XMP packet (RDF/XML): every property with a text value goes to the sink.
absl::Status ParseXmpMetadata(std::string_view xmp, uint64_t file_offset,
                              std::string_view location, const ParseLimits& limits,
                              MetadataSink& sink);

// IPTC-IIM records (inside Photoshop IRB 0x0404 or standalone).
absl::Status ParseIptcMetadata(std::string_view iptc, uint64_t file_offset,
                               std::string_view location, MetadataSink& sink);

// Photoshop image resource blocks ("8BIM" ...; APP13 payload after
// "Photoshop 3.0\0", TIFF tag 0x8649): IPTC (0x0404), thumbnails
// (0x0409/0x040C), Exif (0x0422), XMP (0x0424), captions, URLs and paths.
absl::Status ParsePhotoshopIrb(std::string_view irb, uint64_t file_offset,
                               std::string_view location, const ParseLimits& limits,
                               MetadataSink& sink);

// --- Text helpers shared by the parsers (xmp.cc) -------------------------------

// UTF-16 (no BOM handling) to UTF-8; unpaired surrogates and a trailing odd
// byte become U+FFFD. Stops at the first NUL code unit when `stop_at_nul`.
std::string DecodeUtf16(std::string_view bytes, bool big_endian, bool stop_at_nul = true);
// Latin-1 (PNG tEXt) to UTF-8.
std::string DecodeLatin1(std::string_view bytes);
// True iff `s` is well-formed UTF-8 (no overlongs, surrogates or > U+10FFFF).
bool IsValidUtf8(std::string_view s);
// `s` as is when it is valid UTF-8, else read as Latin-1: never hands invalid
// UTF-8 on (GIF comments and PNG iTXt carry either in the wild).
std::string Utf8OrLatin1(std::string_view s);

// The always-sensitive type for an item name such as "GPSLatitude", "Artist",
// "dc:creator", "By-line", "BodySerialNumber", "ThumbnailImage" (prefixes like
// "dc:" are ignored); kUnknown when the item is only sensitive if the text
// detector finds something in it. Used by the front end's MetadataSink for
// items whose parser left sensitive_as == kUnknown.
EntityType ClassifyMetadataName(std::string_view location, std::string_view name);

// --- Streaming ---------------------------------------------------------------
// Bounded-memory scrubbing reads through a ByteSource and writes to a ByteSink.

class ByteSource {
 public:
  virtual ~ByteSource() = default;
  // Reads up to `n` bytes into `buf`; returns how many (0 only at end of input).
  virtual absl::StatusOr<size_t> Read(char* buf, size_t n) = 0;
};

class ByteSink {
 public:
  virtual ~ByteSink() = default;
  virtual absl::Status Write(std::string_view bytes) = 0;
};

// A ByteSource over bytes in memory (the buffer scrubbers reuse the streaming
// code through it). `max_read` caps what one Read hands out, so tests and
// fuzzers can exercise partial reads.
class MemoryByteSource final : public ByteSource {
 public:
  explicit MemoryByteSource(std::string_view bytes, size_t max_read = SIZE_MAX)
      : bytes_(bytes), max_read_(max_read) {}
  absl::StatusOr<size_t> Read(char* buf, size_t n) override {
    const std::string_view part = Take(n);
    if (!part.empty()) std::memcpy(buf, part.data(), part.size());  // data() may be null
    return part.size();
  }
  // The next (at most `n`, at most max_read) bytes without a copy; valid as
  // long as the bytes given to the constructor.
  std::string_view Take(size_t n) {
    n = std::min({n, max_read_, bytes_.size() - pos_});
    const std::string_view part = bytes_.substr(pos_, n);
    pos_ += n;
    return part;
  }

 private:
  std::string_view bytes_;
  size_t max_read_;
  size_t pos_ = 0;
};

// A ByteSink appending to a caller-owned string (buffer scrubbers reuse the
// streaming code through it).
class AppendingByteSink final : public ByteSink {
 public:
  explicit AppendingByteSink(std::string& out) : out_(out) {}
  absl::Status Write(std::string_view bytes) override {
    out_.append(bytes.data(), bytes.size());
    return absl::OkStatus();
  }

 private:
  std::string& out_;
};

// Same output as the buffer versions; memory bounded by the largest kept
// segment/chunk plus a fixed buffer (entropy-coded data / IDAT stream through).
absl::Status ScrubJpegStream(ByteSource& in, ByteSink& out, const ScrubOptions& options,
                             const ParseLimits& limits);
absl::Status ScrubPngStream(ByteSource& in, ByteSink& out, const ScrubOptions& options,
                            const ParseLimits& limits);
absl::Status ScrubGifStream(ByteSource& in, ByteSink& out, const ScrubOptions& options,
                            const ParseLimits& limits);

// --- Containers --------------------------------------------------------------
// Each: Scan<Format> reports items; Scrub<Format> returns the rebuilt file.

absl::Status ScanJpeg(std::string_view bytes, const ParseLimits& limits, MetadataSink& sink);
// The segments that render a JPEG: SOI, every non-APPn/COM segment up to EOI
// with its entropy-coded data, EOI (what Scrub must keep byte for byte;
// used by tests and fuzzers to check pixel identity).
absl::StatusOr<std::string> JpegRenderBytes(std::string_view jpeg);
absl::StatusOr<std::string> ScrubJpeg(std::string_view bytes, const ScrubOptions& options,
                                      const ParseLimits& limits);

absl::Status ScanTiff(std::string_view bytes, const ParseLimits& limits, MetadataSink& sink);
absl::StatusOr<std::string> ScrubTiff(std::string_view bytes, const ScrubOptions& options,
                                      const ParseLimits& limits);

absl::Status ScanPng(std::string_view bytes, const ParseLimits& limits, MetadataSink& sink);
absl::StatusOr<std::string> ScrubPng(std::string_view bytes, const ScrubOptions& options,
                                     const ParseLimits& limits);

absl::Status ScanWebp(std::string_view bytes, const ParseLimits& limits, MetadataSink& sink);
absl::StatusOr<std::string> ScrubWebp(std::string_view bytes, const ScrubOptions& options,
                                      const ParseLimits& limits);

absl::Status ScanGif(std::string_view bytes, const ParseLimits& limits, MetadataSink& sink);
absl::StatusOr<std::string> ScrubGif(std::string_view bytes, const ScrubOptions& options,
                                     const ParseLimits& limits);

absl::Status ScanHeif(std::string_view bytes, const ParseLimits& limits, MetadataSink& sink);
absl::StatusOr<std::string> ScrubHeif(std::string_view bytes, const ScrubOptions& options,
                                      const ParseLimits& limits);

}  // namespace piivault::image_internal

#endif  // PIIVAULT_IMAGE_IMAGE_INTERNAL_H_
