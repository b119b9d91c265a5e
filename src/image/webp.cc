// WebP (RIFF) container: scan EXIF / XMP (both "XMP " and the "XMP\0"
// misspelling) / ICCP / unknown chunks, and allow-list scrub.
//
// Scrub policy (see shared/image-metadata.md section 8):
//  - kept, payload byte for byte, in their original order: VP8X (flags
//    recomputed, reserved bytes zeroed), ICCP, ANIM, ANMF, ALPH, VP8, VP8L;
//  - EXIF, "XMP ", "XMP\0" and every other chunk are dropped, as is anything
//    after the RIFF payload;
//  - when the file is extended (has VP8X) and its first EXIF chunk carries an
//    Orientation other than 1, a minimal EXIF chunk holding only Orientation
//    (raw TIFF, no "Exif\0\0" prefix; plus Copyright / capture settings when
//    the options keep them) is appended and the VP8X E flag set;
//  - RIFF size recomputed, odd chunks padded with one zero byte.
// VP8X is kept even when no flag remains (canvas size stays explicit).
#include <algorithm>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "common/status_macros.h"
#include "image/image_internal.h"

namespace piivault::image_internal {
namespace {

uint32_t Le32(const char* p) {
  const auto* u = reinterpret_cast<const unsigned char*>(p);
  return uint32_t{u[0]} | (uint32_t{u[1]} << 8) | (uint32_t{u[2]} << 16) | (uint32_t{u[3]} << 24);
}

void PutLe32(std::string& out, uint32_t v) {
  char b[4] = {static_cast<char>(v), static_cast<char>(v >> 8), static_cast<char>(v >> 16),
               static_cast<char>(v >> 24)};
  out.append(b, 4);
}

// A FourCC safe to print in messages and item names ("XMP\0" -> "XMP\0").
std::string FourCcName(std::string_view f) {
  std::string out;
  for (char c : f) {
    if (c == '\0') {
      out += "\\0";
    } else if (c >= 0x20 && c < 0x7f) {
      out.push_back(c);
    } else {
      out += absl::StrFormat("\\x%02x", static_cast<unsigned char>(c));
    }
  }
  return out;
}

struct Chunk {
  std::string_view fourcc;
  std::string_view payload;
  uint64_t offset = 0;  // of the chunk header
};

struct Riff {
  std::vector<Chunk> chunks;
  uint64_t end = 0;  // end of the RIFF payload in the file
};

absl::StatusOr<Riff> ParseRiff(std::string_view bytes) {
  if (bytes.size() < 12 || bytes.substr(0, 4) != "RIFF" || bytes.substr(8, 4) != "WEBP") {
    return absl::InvalidArgumentError("webp: no RIFF/WEBP header at offset 0");
  }
  const uint64_t riff_size = Le32(bytes.data() + 4);
  if (riff_size < 4) {
    return absl::InvalidArgumentError(
        absl::StrFormat("webp: RIFF size %d at offset 4 is smaller than its header", riff_size));
  }
  if (riff_size > bytes.size() - 8) {
    return absl::DataLossError(absl::StrFormat(
        "webp: RIFF at offset 0 declares %d bytes, %d remain", riff_size, bytes.size() - 8));
  }
  Riff riff;
  riff.end = 8 + riff_size;
  uint64_t pos = 12;
  while (pos < riff.end) {
    if (riff.end - pos < 8) {
      return absl::InvalidArgumentError(absl::StrFormat(
          "webp: chunk header at offset %d runs past the RIFF end at %d", pos, riff.end));
    }
    Chunk chunk;
    chunk.offset = pos;
    chunk.fourcc = bytes.substr(pos, 4);
    const uint64_t size = Le32(bytes.data() + pos + 4);
    if (size > riff.end - pos - 8) {
      return absl::InvalidArgumentError(absl::StrFormat(
          "webp: chunk '%s' at offset %d declares %d bytes, %d remain", FourCcName(chunk.fourcc),
          pos, size, riff.end - pos - 8));
    }
    chunk.payload = bytes.substr(pos + 8, size);
    riff.chunks.push_back(chunk);
    // The pad byte of an odd last chunk is sometimes missing: tolerate.
    pos = std::min<uint64_t>(pos + 8 + size + (size & 1), riff.end);
  }
  return riff;
}

bool IsXmp(std::string_view fourcc) {
  return fourcc == "XMP " || fourcc == std::string_view("XMP\0", 4);
}

bool Kept(std::string_view fourcc) {
  return fourcc == "VP8X" || fourcc == "ICCP" || fourcc == "ANIM" || fourcc == "ANMF" ||
         fourcc == "ALPH" || fourcc == "VP8 " || fourcc == "VP8L";
}

void AppendChunk(std::string& out, std::string_view fourcc, std::string_view payload) {
  out.append(fourcc.data(), 4);
  PutLe32(out, static_cast<uint32_t>(payload.size()));
  out.append(payload.data(), payload.size());
  if (payload.size() & 1) out.push_back('\0');
}

}  // namespace

absl::Status ScanWebp(std::string_view bytes, const ParseLimits& limits, MetadataSink& sink) {
  PIIVAULT_ASSIGN_OR_RETURN(Riff riff, ParseRiff(bytes));
  for (const Chunk& chunk : riff.chunks) {
    const uint64_t data_offset = chunk.offset + 8;
    MetadataItem item;
    item.offset = data_offset;
    item.size = chunk.payload.size();
    if (chunk.fourcc == "EXIF") {
      std::string_view tiff = StripExifPrefix(chunk.payload);
      PIIVAULT_RETURN_IF_ERROR(ParseTiffMetadata(
          tiff, data_offset + (chunk.payload.size() - tiff.size()), "RIFF/EXIF", limits, sink));
    } else if (IsXmp(chunk.fourcc)) {
      item.location = "RIFF";
      item.name = absl::StrCat("XMP chunk '", FourCcName(chunk.fourcc), "'");
      sink.AddItem(std::move(item));
      PIIVAULT_RETURN_IF_ERROR(
          ParseXmpMetadata(chunk.payload, data_offset, "RIFF/XMP", limits, sink));
    } else if (chunk.fourcc == "ICCP") {
      item.location = "RIFF/ICCP";
      item.name = "ICC_Profile";
      sink.AddItem(std::move(item));
    } else if (!Kept(chunk.fourcc)) {
      item.location = absl::StrCat("RIFF/", FourCcName(chunk.fourcc));
      item.name = FourCcName(chunk.fourcc);
      sink.AddItem(std::move(item));
    }
  }
  if (riff.end < bytes.size()) {
    MetadataItem item;
    item.location = "trailer";
    item.name = "TrailingData";
    item.offset = riff.end;
    item.size = bytes.size() - riff.end;
    sink.AddItem(std::move(item));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::string> ScrubWebp(std::string_view bytes, const ScrubOptions& options,
                                      const ParseLimits& limits) {
  PIIVAULT_ASSIGN_OR_RETURN(Riff riff, ParseRiff(bytes));
  bool extended = false;
  bool has_iccp = false;
  std::string exif_tiff;
  bool exif_seen = false;
  for (const Chunk& chunk : riff.chunks) {
    if (chunk.fourcc == "VP8X") extended = true;
    if (chunk.fourcc == "ICCP") has_iccp = true;
    if (chunk.fourcc == "EXIF" && !exif_seen) {
      exif_seen = true;
      exif_tiff = MinimalExifTiff(StripExifPrefix(chunk.payload), options);
    }
  }
  if (!extended) exif_tiff.clear();  // EXIF needs VP8X; a simple file cannot carry it

  std::string out;
  out.reserve(bytes.size());
  out.append("RIFF");
  PutLe32(out, 0);  // patched below
  out.append("WEBP");
  for (const Chunk& chunk : riff.chunks) {
    if (!Kept(chunk.fourcc)) continue;
    if (chunk.fourcc == "VP8X") {
      if (chunk.payload.size() < 10) {
        return absl::InvalidArgumentError(absl::StrFormat(
            "webp: VP8X chunk at offset %d has %d bytes, expected 10", chunk.offset,
            chunk.payload.size()));
      }
      std::string vp8x(chunk.payload);
      uint8_t flags = static_cast<uint8_t>(vp8x[0]) & (0x10 | 0x02);  // alpha, animation
      if (has_iccp) flags |= 0x20;
      if (!exif_tiff.empty()) flags |= 0x08;
      vp8x[0] = static_cast<char>(flags);
      vp8x[1] = vp8x[2] = vp8x[3] = '\0';
      AppendChunk(out, chunk.fourcc, vp8x);
      continue;
    }
    AppendChunk(out, chunk.fourcc, chunk.payload);
  }
  if (!exif_tiff.empty()) AppendChunk(out, "EXIF", exif_tiff);
  const uint64_t riff_size = out.size() - 8;
  if (riff_size > 0xffffffffu) {
    return absl::InvalidArgumentError("webp: scrubbed RIFF exceeds 4 GiB");
  }
  std::string size_le;
  PutLe32(size_le, static_cast<uint32_t>(riff_size));
  out.replace(4, 4, size_le);
  return out;
}

}  // namespace piivault::image_internal
