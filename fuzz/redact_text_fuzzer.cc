// Fuzzes ScrubOptions::redact_text_in_place (ImageScanner::Scrub with the
// text detector masking JPEG COM, PNG tEXt/zTXt/iTXt and GIF comments).
//
// An input that sniffs as an image is scrubbed as is. Any other input is
// read as comment text: a value the detector knows (mobile number, resident
// ID or e-mail, chosen from the input) is planted in its middle and the text
// is wrapped in a JPEG COM segment, a PNG tEXt/zTXt/iTXt chunk or a GIF
// comment (chosen from the input too).
//
// Properties (abort on failure, so libFuzzer reports):
//  - Scrub never crashes; ScrubStream gives the same bytes (or fails too);
//  - the output re-parses (Scan succeeds) and scrubbing it again is a no-op;
//  - no free-text item of the output holds a detected value: every span the
//    detector finds in it is all '*' (already masked);
//  - a planted value the detector finds in the input text never survives:
//    the output holds fewer copies of it than the text did.
#include <zlib.h>

#include <cstdint>
#include <cstdlib>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "image/image_internal.h"
#include "fuzz_util.h"
#include "piivault/detector.h"
#include "piivault/image.h"

namespace {

using piivault::image_internal::MetadataSink;
using piivault::image_internal::Utf8OrLatin1;

constexpr size_t kMaxInput = size_t{256} << 10;
constexpr size_t kMaxText = 4096;

using piivault::fuzz::Check;

const piivault::ImageScanner& Scanner() {
  static const piivault::ImageScanner* const s = [] {
    absl::StatusOr<piivault::ImageScanner> scanner = piivault::ImageScanner::Create({});
    if (!scanner.ok()) std::abort();
    return new piivault::ImageScanner(*std::move(scanner));
  }();
  return *s;
}

// Same options as the scanner's own (ImageScannerOptions::detector = {}).
const piivault::Detector& D() { return piivault::fuzz::BuiltinDetector(); }

// The free-text items redact_text_in_place keeps (decoded as the scrubbers
// decode them before redacting).
class FreeTextSink final : public MetadataSink {
 public:
  void AddItem(piivault::MetadataItem) override {}
  void AddTextItem(piivault::MetadataItem item, std::string_view text) override {
    const std::string& loc = item.location;
    if (loc == "COM" || loc == "Comment" || loc == "tEXt" || loc == "zTXt" || loc == "iTXt") {
      texts.push_back(Utf8OrLatin1(text));
    }
  }
  std::vector<std::string> texts;
};

// Every span the detector finds in `text` is already masked.
void CheckNothingDetected(std::string_view text) {
  absl::StatusOr<std::vector<piivault::Finding>> found = D().Scan(text);
  Check(found.ok());
  for (const piivault::Finding& f : *found) {
    for (size_t i = f.begin; i < f.end && i < text.size(); ++i) {
      const auto c = static_cast<unsigned char>(text[i]);
      if ((c & 0xC0) == 0x80) continue;  // inside a character the mask widened over
      Check(c == '*');
    }
  }
}

using ScanFn = absl::Status (*)(std::string_view, const piivault::image_internal::ParseLimits&,
                                MetadataSink&);

ScanFn ScanFor(piivault::ImageFormat format) {
  using namespace piivault::image_internal;  // NOLINT
  switch (format) {
    case piivault::ImageFormat::kJpeg:
      return &ScanJpeg;
    case piivault::ImageFormat::kPng:
      return &ScanPng;
    case piivault::ImageFormat::kGif:
      return &ScanGif;
    case piivault::ImageFormat::kWebp:
      return &ScanWebp;
    case piivault::ImageFormat::kTiff:
      return &ScanTiff;
    case piivault::ImageFormat::kHeif:
      return &ScanHeif;
    case piivault::ImageFormat::kUnknown:
      break;
  }
  return nullptr;
}

// Scrubs `file` with redaction and checks the properties; returns the output
// (nullopt when the scrubber rejected the input).
std::optional<std::string> CheckFile(std::string_view file) {
  piivault::ScrubOptions options;
  options.redact_text_in_place = true;
  absl::StatusOr<std::string> out = Scanner().Scrub(file, options);
  std::istringstream in{std::string(file)};
  std::ostringstream streamed;
  const absl::Status stream_status = Scanner().ScrubStream(in, streamed, options);
  Check(stream_status.ok() == out.ok());
  if (!out.ok()) return std::nullopt;
  Check(streamed.str() == *out);
  Check(Scanner().Scan(*out).ok());
  absl::StatusOr<std::string> again = Scanner().Scrub(*out, options);
  Check(again.ok() && *again == *out);
  const ScanFn scan = ScanFor(piivault::SniffImageFormat(*out));
  Check(scan != nullptr);
  FreeTextSink texts;
  Check(scan(*out, piivault::image_internal::ParseLimits{}, texts).ok());
  for (const std::string& t : texts.texts) CheckNothingDetected(t);
  return *std::move(out);
}

// --- Containers for planted text ----------------------------------------------

void PutBe(std::string& out, uint64_t v, int bytes) {
  for (int i = bytes - 1; i >= 0; --i) out.push_back(static_cast<char>(v >> (8 * i)));
}

std::string PngChunk(std::string_view type, std::string_view data) {
  std::string out;
  PutBe(out, data.size(), 4);
  out.append(type);
  out.append(data);
  uLong crc = crc32(0, reinterpret_cast<const Bytef*>(type.data()), 4);
  crc = crc32(crc, reinterpret_cast<const Bytef*>(data.data()), static_cast<uInt>(data.size()));
  PutBe(out, crc, 4);
  return out;
}

std::string Deflate(std::string_view data) {
  uLongf cap = compressBound(static_cast<uLong>(data.size()));
  std::string out(cap, '\0');
  if (compress2(reinterpret_cast<Bytef*>(out.data()), &cap, reinterpret_cast<const Bytef*>(data.data()),
                static_cast<uLong>(data.size()), 6) != Z_OK) {
    std::abort();
  }
  out.resize(cap);
  return out;
}

std::string Png(std::string_view type, std::string_view data) {
  std::string png("\x89PNG\r\n\x1a\n", 8);
  png += PngChunk("IHDR", std::string("\0\0\0\1\0\0\0\1\x08\0\0\0\0", 13));
  png += PngChunk(type, data);
  png += PngChunk("IDAT", Deflate(std::string_view("\0\x7f", 2)));
  png += PngChunk("IEND", "");
  return png;
}

std::string JpegSegment(uint8_t marker, std::string_view payload) {
  std::string s("\xFF", 1);
  s.push_back(static_cast<char>(marker));
  PutBe(s, payload.size() + 2, 2);
  s.append(payload);
  return s;
}

std::string Jpeg(std::string_view comment) {
  std::string s("\xFF\xD8", 2);
  s += JpegSegment(0xFE, comment);
  s += JpegSegment(0xDB, std::string(65, '\x01'));
  s += JpegSegment(0xC0, std::string("\x08\x00\x08\x00\x08\x01\x01\x11\x00", 9));
  s += JpegSegment(0xC4, std::string(29, '\x00'));
  s += JpegSegment(0xDA, std::string("\x01\x01\x00\x00\x3F\x00", 6));
  s += std::string("\x12\x34\xFF\x00\x56\xFF\xD9", 7);
  return s;
}

std::string Gif(std::string_view comment) {
  std::string g("GIF89a\x01\x00\x01\x00\x80\x00\x00", 13);
  g += std::string("\x00\x00\x00\xFF\xFF\xFF", 6);  // global colour table
  g += std::string("\x21\xFE", 2);
  for (size_t at = 0; at < comment.size(); at += 255) {
    const size_t n = std::min<size_t>(255, comment.size() - at);
    g.push_back(static_cast<char>(n));
    g.append(comment.substr(at, n));
  }
  g.push_back('\0');
  g += std::string("\x2C\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02\x44\x01\x00\x3B", 16);
  return g;
}

size_t Count(std::string_view haystack, std::string_view needle) {
  size_t n = 0;
  for (size_t at = haystack.find(needle); at != std::string_view::npos; at = haystack.find(needle, at + 1)) ++n;
  return n;
}

void CheckPlanted(std::string_view input) {
  struct Planted {
    std::string_view label;
    std::string_view value;
  };
  static constexpr Planted kPlanted[] = {
      {"手机", "13812345678"},
      {"身份证号", "11010519491231002X"},
      {"邮箱", "zhangsan@example.com"},
  };
  const std::string_view body = input.substr(0, kMaxText);
  const size_t choice = body.empty() ? 0 : static_cast<unsigned char>(body.back());
  const Planted& planted = kPlanted[choice % 3];
  size_t mid = body.size() / 2;
  while (mid < body.size() && (static_cast<unsigned char>(body[mid]) & 0xC0) == 0x80) ++mid;
  std::string text(body.substr(0, mid));
  text += "，";
  text += planted.label;
  text += planted.value;
  text += "，";
  text += body.substr(mid);

  std::string file;
  bool latin1 = false;  // the container's text is read as Latin-1
  switch ((choice / 3) % 5) {
    case 0:
      file = Jpeg(std::string_view(text).substr(0, 0xFFFF - 2));
      break;
    case 1:
      latin1 = true;
      file = Png("tEXt", std::string("Comment\0", 8) + text);
      break;
    case 2:
      latin1 = true;
      file = Png("zTXt", std::string("Comment\0\0", 9) + Deflate(text));
      break;
    case 3:
      file = Png("iTXt", std::string("Description\0\0\0zh\0\0", 18) + text);
      break;
    default:
      file = Gif(text);
      break;
  }
  const std::optional<std::string> scrubbed = CheckFile(file);
  Check(scrubbed.has_value());  // the wrapper is well formed
  const std::string& out = *scrubbed;
  // Was the planted value detected in the text as the scrubber decodes it?
  const std::string decoded =
      latin1 ? piivault::image_internal::DecodeLatin1(text) : Utf8OrLatin1(text);
  absl::StatusOr<std::vector<piivault::Finding>> found = D().Scan(decoded);
  Check(found.ok());
  size_t detected = 0;
  for (size_t at = decoded.find(planted.value); at != std::string::npos;
       at = decoded.find(planted.value, at + 1)) {
    for (const piivault::Finding& f : *found) {
      if (f.begin < at + planted.value.size() && at < f.end) {
        ++detected;
        break;
      }
    }
  }
  if (detected == 0) return;
  Check(Count(out, planted.value) + detected <= Count(decoded, planted.value));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size > kMaxInput) return 0;
  const std::string_view in(reinterpret_cast<const char*>(data), size);
  if (piivault::SniffImageFormat(in) != piivault::ImageFormat::kUnknown) {
    CheckFile(in);
  } else {
    CheckPlanted(in);
  }
  return 0;
}
