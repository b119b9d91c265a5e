// The image front end: format sniffing, dispatch to the container modules,
// the MetadataSink that marks always-sensitive items and runs the text
// detector over text items, and the streaming entry point.
#include <algorithm>
#include <array>
#include <cstring>
#include <istream>
#include <optional>
#include <ostream>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "image/image_internal.h"
#include "piivault/image.h"

namespace piivault {
namespace image_internal {
namespace {

constexpr size_t kMaxItems = 200000;
constexpr size_t kMaxTextBytesPerItem = size_t{1} << 20;

bool OneOf(std::string_view n, std::initializer_list<std::string_view> names) {
  for (std::string_view x : names) {
    if (n == x) return true;
  }
  return false;
}

}  // namespace

EntityType ClassifyMetadataName(std::string_view location, std::string_view name) {
  std::string_view n = name;
  if (size_t colon = n.rfind(':'); colon != std::string_view::npos && colon + 1 < n.size()) {
    n = n.substr(colon + 1);
  }
  if (OneOf(n, {"ThumbnailImage", "PreviewImage", "PhotoshopThumbnail", "JFIFThumbnail", "JFXXThumbnail",
                "ObjectPreviewData", "Thumbnail", "OtherImage", "EmbeddedImage"}) ||
      absl::StartsWith(std::string(n), "MPImage")) {
    return EntityType::kThumbnail;
  }
  if ((absl::StartsWith(std::string(n), "GPS") && n != "GPSVersionID" && n != "GPSInfo") ||
      OneOf(n, {"City", "State", "Province-State", "Country", "Country-PrimaryLocationName",
                "Country-PrimaryLocationCode", "CountryCode", "Sub-location", "Location", "LocationShown",
                "LocationCreated", "ContentLocationName", "ContentLocationCode"})) {
    return EntityType::kGeoLocation;
  }
  if (absl::StrContains(std::string(n), "SerialNumber") ||
      OneOf(n, {"ImageUniqueID", "MakerNote", "HostComputer", "DocumentID", "InstanceID",
                "OriginalDocumentID", "UniqueCameraModel", "CameraSerialNumber", "InternalSerialNumber"})) {
    return EntityType::kDeviceSerial;
  }
  if (OneOf(n, {"Artist", "Copyright", "CopyrightNotice", "OwnerName", "CameraOwnerName", "XPAuthor",
                "XPComment", "By-line", "Writer-Editor", "CaptionWriter", "Author", "Photographer",
                "ImageEditor", "DocumentName", "AutoSaveFilePath", "Contact", "PersonInImage", "Owner",
                "creator", "rights", "Credit", "RawFileName", "OriginalRawFileName", "RawFile"})) {
    return EntityType::kOwnerName;
  }
  return EntityType::kUnknown;
}

namespace {

// Collects items; text is scanned after parsing (so a parser error part-way
// still leaves the items found so far).
class CollectingSink : public MetadataSink {
 public:
  void AddItem(MetadataItem item) override { Add(std::move(item)); }

  void AddTextItem(MetadataItem item, std::string_view utf8_text) override {
    if (!Add(std::move(item))) return;
    if (utf8_text.size() > kMaxTextBytesPerItem) utf8_text = utf8_text.substr(0, kMaxTextBytesPerItem);
    texts_.emplace_back(items_.size() - 1, std::string(utf8_text));
  }

  std::vector<MetadataItem>& items() { return items_; }
  const std::vector<std::pair<size_t, std::string>>& texts() const { return texts_; }

 private:
  bool Add(MetadataItem item) {
    if (items_.size() >= kMaxItems) return false;
    if (item.sensitive_as == EntityType::kUnknown) {
      item.sensitive_as = ClassifyMetadataName(item.location, item.name);
    }
    items_.push_back(std::move(item));
    return true;
  }

  std::vector<MetadataItem> items_;
  std::vector<std::pair<size_t, std::string>> texts_;
};

ParseLimits LimitsFrom(const ImageScannerOptions& o) {
  ParseLimits l;
  l.max_decompressed_bytes = o.max_decompressed_bytes;
  l.max_ifd_count = o.max_ifd_count;
  l.max_ifd_entries = o.max_ifd_entries;
  l.max_nesting = o.max_nesting;
  return l;
}

absl::Status CheckSize(std::string_view bytes, const ImageScannerOptions& o) {
  if (bytes.size() <= o.max_input_bytes) return absl::OkStatus();
  return absl::InvalidArgumentError(
      absl::StrCat("image: input is ", bytes.size(), " bytes; limit is ", o.max_input_bytes));
}

class IstreamSource : public ByteSource {
 public:
  IstreamSource(std::string prefix, std::istream& in) : prefix_(std::move(prefix)), in_(in) {}
  absl::StatusOr<size_t> Read(char* buf, size_t n) override {
    if (pos_ < prefix_.size()) {
      size_t k = std::min(n, prefix_.size() - pos_);
      std::memcpy(buf, prefix_.data() + pos_, k);
      pos_ += k;
      return k;
    }
    if (!in_.good()) {
      if (in_.bad()) return absl::DataLossError("image: read error on input stream");
      return size_t{0};
    }
    in_.read(buf, static_cast<std::streamsize>(n));
    if (in_.bad()) return absl::DataLossError("image: read error on input stream");
    return static_cast<size_t>(in_.gcount());
  }

 private:
  std::string prefix_;
  size_t pos_ = 0;
  std::istream& in_;
};

class OstreamSink : public ByteSink {
 public:
  explicit OstreamSink(std::ostream& out) : out_(out) {}
  absl::Status Write(std::string_view bytes) override {
    out_.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    if (!out_.good()) return absl::DataLossError("image: write error on output stream");
    return absl::OkStatus();
  }

 private:
  std::ostream& out_;
};

// ParseLimits::redact_text for ImageScanner: masks every detected span with
// one '*' per character (spans widened to whole UTF-8 characters), repeated
// until the detector finds nothing new to mask, so a second scrub leaves the
// text as is.
std::optional<std::string> MaskDetected(const Detector& detector, std::string_view utf8) {
  if (utf8.size() > kMaxRedactTextBytes) return std::nullopt;
  auto continuation = [](char c) { return (static_cast<unsigned char>(c) & 0xC0) == 0x80; };
  std::string text(utf8);
  for (int round = 0; round < 4; ++round) {
    absl::StatusOr<std::vector<Finding>> found = detector.Scan(text);
    if (!found.ok()) return std::nullopt;
    if (found->empty()) return text;
    std::vector<bool> mask(text.size(), false);
    for (const Finding& f : *found) {
      size_t b = std::min(f.begin, text.size());
      size_t e = std::min(f.end, text.size());
      while (b > 0 && b < text.size() && continuation(text[b])) --b;
      while (e < text.size() && continuation(text[e])) ++e;
      for (size_t i = b; i < e; ++i) mask[i] = true;
    }
    std::string out;
    out.reserve(text.size());
    for (size_t i = 0; i < text.size(); ++i) {
      if (!mask[i]) {
        out.push_back(text[i]);
      } else if (!continuation(text[i])) {
        out.push_back('*');
      }
    }
    if (out == text) return text;  // only already-masked values found
    text = std::move(out);
  }
  return std::nullopt;
}

absl::StatusOr<std::string> ScrubWithLimits(std::string_view bytes, const ScrubOptions& options,
                                            const ImageScannerOptions& scanner_options,
                                            const ParseLimits& limits) {
  PIIVAULT_RETURN_IF_ERROR(CheckSize(bytes, scanner_options));
  switch (SniffImageFormat(bytes)) {
    case ImageFormat::kJpeg:
      return ScrubJpeg(bytes, options, limits);
    case ImageFormat::kPng:
      return ScrubPng(bytes, options, limits);
    case ImageFormat::kWebp:
      return ScrubWebp(bytes, options, limits);
    case ImageFormat::kTiff:
      return ScrubTiff(bytes, options, limits);
    case ImageFormat::kGif:
      return ScrubGif(bytes, options, limits);
    case ImageFormat::kHeif:
      return ScrubHeif(bytes, options, limits);
    case ImageFormat::kUnknown:
      break;
  }
  return absl::InvalidArgumentError("image: unrecognised format at offset 0");
}

absl::Status ScrubStreamWithLimits(std::istream& in, std::ostream& out, const ScrubOptions& options,
                                   const ImageScannerOptions& scanner_options, const ParseLimits& limits) {
  // Sniff from the first bytes, then replay them to the container module.
  std::string head(32, '\0');
  in.read(head.data(), static_cast<std::streamsize>(head.size()));
  if (in.bad()) return absl::DataLossError("image: read error on input stream");
  head.resize(static_cast<size_t>(in.gcount()));
  const ImageFormat format = SniffImageFormat(head);
  IstreamSource source(head, in);
  OstreamSink sink(out);
  switch (format) {
    case ImageFormat::kJpeg:
      return ScrubJpegStream(source, sink, options, limits);
    case ImageFormat::kPng:
      return ScrubPngStream(source, sink, options, limits);
    case ImageFormat::kGif:
      return ScrubGifStream(source, sink, options, limits);
    case ImageFormat::kUnknown:
      return absl::InvalidArgumentError("image: unrecognised format at offset 0");
    default:
      break;
  }
  // Formats with offsets (TIFF, HEIF) or a size header (WebP): read whole.
  std::string all = head;
  char buf[1 << 16];
  for (;;) {
    PIIVAULT_ASSIGN_OR_RETURN(size_t n, source.Read(buf, sizeof buf));
    if (n == 0) break;
    if (all.size() + n > scanner_options.max_input_bytes) {
      return absl::InvalidArgumentError(
          absl::StrCat("image: input larger than the limit of ", scanner_options.max_input_bytes, " bytes"));
    }
    all.append(buf, n);
  }
  // `head` was replayed by source: drop the duplicate.
  all.erase(0, head.size());
  PIIVAULT_ASSIGN_OR_RETURN(std::string clean, ScrubWithLimits(all, options, scanner_options, limits));
  return sink.Write(clean);
}

}  // namespace
}  // namespace image_internal

std::string_view ImageFormatName(ImageFormat format) {
  switch (format) {
    case ImageFormat::kJpeg:
      return "jpeg";
    case ImageFormat::kPng:
      return "png";
    case ImageFormat::kWebp:
      return "webp";
    case ImageFormat::kTiff:
      return "tiff";
    case ImageFormat::kGif:
      return "gif";
    case ImageFormat::kHeif:
      return "heif";
    case ImageFormat::kUnknown:
      break;
  }
  return "unknown";
}

ImageFormat SniffImageFormat(std::string_view b) {
  auto starts = [&](std::string_view sig) { return b.substr(0, sig.size()) == sig; };
  if (b.size() >= 3 && starts(std::string_view("\xFF\xD8\xFF", 3))) return ImageFormat::kJpeg;
  if (starts(std::string_view("\x89PNG\r\n\x1a\n", 8))) return ImageFormat::kPng;
  if (b.size() >= 12 && starts("RIFF") && b.substr(8, 4) == "WEBP") return ImageFormat::kWebp;
  if (starts(std::string_view("II*\0", 4)) || starts(std::string_view("MM\0*", 4)) ||
      starts(std::string_view("II+\0", 4)) || starts(std::string_view("MM\0+", 4))) {
    return ImageFormat::kTiff;
  }
  if (starts("GIF87a") || starts("GIF89a")) return ImageFormat::kGif;
  if (b.size() >= 16 && b.substr(4, 4) == "ftyp") {
    const auto* p = reinterpret_cast<const unsigned char*>(b.data());
    uint64_t box = uint64_t{p[0]} << 24 | uint64_t{p[1]} << 16 | uint64_t{p[2]} << 8 | p[3];
    box = std::min<uint64_t>({box, b.size(), 256});
    static constexpr std::string_view kBrands[] = {"heic", "heix", "hevc", "hevx", "heim", "heis", "hevm",
                                                   "hevs", "mif1", "msf1", "avif", "avis", "miaf", "mif2"};
    for (uint64_t at = 8; at + 4 <= box; at += 4) {
      if (at == 12) continue;  // minor version
      std::string_view brand = b.substr(at, 4);
      for (std::string_view k : kBrands) {
        if (brand == k) return ImageFormat::kHeif;
      }
    }
  }
  return ImageFormat::kUnknown;
}

absl::StatusOr<std::string> ScrubImage(std::string_view bytes, const ScrubOptions& options,
                                       const ImageScannerOptions& scanner_options) {
  using namespace image_internal;
  return ScrubWithLimits(bytes, options, scanner_options, LimitsFrom(scanner_options));
}

absl::Status ScrubImageStream(std::istream& in, std::ostream& out, const ScrubOptions& options,
                              const ImageScannerOptions& scanner_options) {
  using namespace image_internal;
  return ScrubStreamWithLimits(in, out, options, scanner_options, LimitsFrom(scanner_options));
}

struct ImageScanner::Impl {
  ImageScannerOptions options;
  image_internal::ParseLimits limits;
  Detector detector;
  // `limits` plus, for redact_text_in_place, a redactor using `detector`.
  image_internal::ParseLimits ScrubLimits(const ScrubOptions& scrub) const;
};

ImageScanner::ImageScanner(std::unique_ptr<const Impl> impl) : impl_(std::move(impl)) {}
ImageScanner::ImageScanner(ImageScanner&&) noexcept = default;
ImageScanner& ImageScanner::operator=(ImageScanner&&) noexcept = default;
ImageScanner::~ImageScanner() = default;

absl::StatusOr<ImageScanner> ImageScanner::Create(const ImageScannerOptions& options) {
  PIIVAULT_ASSIGN_OR_RETURN(Detector detector, Detector::Create(options.detector));
  auto impl = std::unique_ptr<Impl>(
      new Impl{options, image_internal::LimitsFrom(options), std::move(detector)});
  return ImageScanner(std::move(impl));
}

absl::StatusOr<ImageReport> ImageScanner::Scan(std::string_view bytes) const {
  using namespace image_internal;
  PIIVAULT_RETURN_IF_ERROR(CheckSize(bytes, impl_->options));
  ImageReport report;
  report.format = SniffImageFormat(bytes);
  CollectingSink sink;
  absl::Status status;
  switch (report.format) {
    case ImageFormat::kJpeg:
      status = ScanJpeg(bytes, impl_->limits, sink);
      break;
    case ImageFormat::kPng:
      status = ScanPng(bytes, impl_->limits, sink);
      break;
    case ImageFormat::kWebp:
      status = ScanWebp(bytes, impl_->limits, sink);
      break;
    case ImageFormat::kTiff:
      status = ScanTiff(bytes, impl_->limits, sink);
      break;
    case ImageFormat::kGif:
      status = ScanGif(bytes, impl_->limits, sink);
      break;
    case ImageFormat::kHeif:
      status = ScanHeif(bytes, impl_->limits, sink);
      break;
    case ImageFormat::kUnknown:
      return absl::InvalidArgumentError("image: unrecognised format at offset 0");
  }
  PIIVAULT_RETURN_IF_ERROR(status);
  report.items = std::move(sink.items());
  for (size_t i = 0; i < report.items.size(); ++i) {
    if (report.items[i].sensitive_as != EntityType::kUnknown) {
      report.findings.push_back(ImageFinding{report.items[i].sensitive_as, i, 1.0f, "tag"});
    }
  }
  for (const auto& [index, text] : sink.texts()) {
    if (text.empty()) continue;
    PIIVAULT_ASSIGN_OR_RETURN(std::vector<Finding> found, impl_->detector.Scan(text));
    const EntityType tagged = report.items[index].sensitive_as;
    const size_t first = report.findings.size();
    for (const Finding& f : found) {
      if (f.type == tagged) continue;  // already reported as always-sensitive
      // One finding per (item, type), with the best confidence.
      auto same = std::find_if(report.findings.begin() + first, report.findings.end(),
                               [&](const ImageFinding& g) { return g.type == f.type; });
      if (same != report.findings.end()) {
        same->confidence = std::max(same->confidence, f.confidence);
        continue;
      }
      report.findings.push_back(ImageFinding{f.type, index, f.confidence, f.validated_by});
    }
  }
  std::stable_sort(report.findings.begin(), report.findings.end(),
                   [](const ImageFinding& a, const ImageFinding& b) { return a.item < b.item; });
  return report;
}

image_internal::ParseLimits ImageScanner::Impl::ScrubLimits(const ScrubOptions& scrub) const {
  image_internal::ParseLimits l = limits;
  if (scrub.redact_text_in_place) {
    const Detector* d = &detector;  // Impl is heap-allocated: stable address
    l.redact_text = [d](std::string_view utf8) { return image_internal::MaskDetected(*d, utf8); };
  }
  return l;
}

absl::StatusOr<std::string> ImageScanner::Scrub(std::string_view bytes, const ScrubOptions& options) const {
  return image_internal::ScrubWithLimits(bytes, options, impl_->options, impl_->ScrubLimits(options));
}

absl::Status ImageScanner::ScrubStream(std::istream& in, std::ostream& out, const ScrubOptions& options) const {
  return image_internal::ScrubStreamWithLimits(in, out, options, impl_->options, impl_->ScrubLimits(options));
}

}  // namespace piivault
