// ISO base media file format (HEIF/HEIC/AVIF, and the MP4/QuickTime boxes an
// image sequence or a camera may add): the bounds-checked box reader shared
// by heif.cc and heif_user_data.cc, and the metadata found outside the
// top-level `meta` box's items (heif_user_data.cc).
#ifndef PIIVAULT_IMAGE_BMFF_INTERNAL_H_
#define PIIVAULT_IMAGE_BMFF_INTERNAL_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_format.h"
#include "common/status_macros.h"
#include "image/image_internal.h"

namespace piivault::image_internal::bmff {

// A four-character code made printable for messages and item names.
inline std::string TypeName(std::string_view t) {
  std::string out;
  for (char c : t) out.push_back(c >= 0x20 && c < 0x7f ? c : '?');
  return out;
}

// Bounds-checked big-endian cursor over [pos, end) of the file.
class Cursor {
 public:
  Cursor(std::string_view file, uint64_t pos, uint64_t end, std::string_view what)
      : file_(file), pos_(pos), end_(end), what_(what) {}

  absl::StatusOr<uint64_t> Uint(int bytes) {
    if (bytes == 0) return 0;
    if (end_ - pos_ < static_cast<uint64_t>(bytes)) return Short(bytes);
    uint64_t v = 0;
    for (int i = 0; i < bytes; ++i) v = (v << 8) | static_cast<unsigned char>(file_[pos_ + i]);
    pos_ += bytes;
    return v;
  }
  absl::StatusOr<std::string_view> Bytes(uint64_t n) {
    if (end_ - pos_ < n) return Short(n);
    std::string_view v = file_.substr(pos_, n);
    pos_ += n;
    return v;
  }
  // A NUL-terminated string; an unterminated one runs to the end.
  std::string_view CString() {
    std::string_view rest = file_.substr(pos_, end_ - pos_);
    size_t nul = rest.find('\0');
    if (nul == std::string_view::npos) {
      pos_ = end_;
      return rest;
    }
    pos_ += nul + 1;
    return rest.substr(0, nul);
  }
  uint64_t pos() const { return pos_; }
  uint64_t end() const { return end_; }
  bool done() const { return pos_ >= end_; }

 private:
  absl::Status Short(uint64_t n) const {
    return absl::InvalidArgumentError(absl::StrFormat(
        "heif: %s at offset %d needs %d bytes, %d remain", std::string(what_), pos_, n, end_ - pos_));
  }
  std::string_view file_;
  uint64_t pos_;
  uint64_t end_;
  std::string_view what_;
};

struct Box {
  uint64_t offset = 0;  // of the header
  uint64_t size = 0;    // whole box
  uint64_t header = 0;  // header bytes (8, 16, +16 for uuid)
  std::string_view type;
  uint64_t payload() const { return offset + header; }
  uint64_t end() const { return offset + size; }
  // The size/type/largesize part of the header (without a uuid's usertype).
  uint64_t size_header() const { return type == "uuid" ? header - 16 : header; }
};

// The box at `pos`, which must end by `end` (size 0 = runs to `end`; size 1 =
// a 64-bit largesize follows the type). A size below the header or past
// `end` is an error naming the offset.
inline absl::StatusOr<Box> ReadBox(std::string_view file, uint64_t pos, uint64_t end) {
  if (end - pos < 8) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "heif: box header at offset %d needs 8 bytes, %d remain", pos, end - pos));
  }
  Cursor c(file, pos, end, "box header");
  Box box;
  box.offset = pos;
  PIIVAULT_ASSIGN_OR_RETURN(uint64_t size, c.Uint(4));
  PIIVAULT_ASSIGN_OR_RETURN(box.type, c.Bytes(4));
  box.header = 8;
  if (size == 1) {
    PIIVAULT_ASSIGN_OR_RETURN(size, c.Uint(8));
    box.header = 16;
  } else if (size == 0) {
    size = end - pos;
  }
  if (box.type == "uuid") box.header += 16;
  if (size < box.header) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "heif: box '%s' at offset %d declares %d bytes, less than its header", TypeName(box.type),
        pos, size));
  }
  if (size > end - pos) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "heif: box '%s' at offset %d declares %d bytes, %d remain", TypeName(box.type), pos, size,
        end - pos));
  }
  box.size = size;
  return box;
}

// The boxes filling [begin, end) exactly.
inline absl::StatusOr<std::vector<Box>> Children(std::string_view file, uint64_t begin, uint64_t end) {
  std::vector<Box> boxes;
  uint64_t pos = begin;
  while (pos < end) {
    PIIVAULT_ASSIGN_OR_RETURN(Box box, ReadBox(file, pos, end));
    boxes.push_back(box);
    pos = box.end();
  }
  return boxes;
}

// --- Metadata outside the top-level meta's items (heif_user_data.cc) --------

// A `meta` box below the top level (moov/meta, moov/trak/meta,
// moov/udta/meta...) that has an `iinf`: heif.cc reads its Exif/XMP items.
struct NestedMeta {
  Box box;
  uint64_t children_begin = 0;  // after version/flags (ISO FullBox), or the payload (QuickTime)
  std::string location;         // e.g. "moov/trak/meta"
};

struct UserData {
  // Boxes the scrubber turns into `free` boxes of the same size with zeroed
  // payloads: every top-level `uuid`, `udta` and `meco`; every `udta`, `meta` and
  // `uuid` directly in `moov` or in a `moov/trak`. Disjoint, in file order.
  std::vector<Box> removed;
  // Meta boxes with item info below the top level (each inside a removed box).
  std::vector<NestedMeta> metas;
  // Every stco/co64 chunk offset of every track (a removed box must hold none).
  std::vector<uint64_t> chunk_offsets;
};

// Walks the top-level boxes (`top`, already read), `moov`, each `moov/trak`
// and its sample table. With a sink, reports every metadata item found in
// the removed boxes: XMP (uuid be7acfcb-97a9-42e8-9c71-999491e3afac, udta
// `XMP_`), Exif (uuid "JpgTiffExif->JP2", Canon CMT1-4, "Exif\0\0"/TIFF
// payloads), QuickTime user-data text atoms (©xyz GPS, ©nam, ©ART, ©cmt...),
// 3GPP atoms (loci location, auth, titl, dscp, cprt...), iTunes-style and
// QuickTime `mdta` (`keys` + `ilst`) items, and every other box as an opaque
// item. Malformed boxes on the way to them (moov, trak, mdia, minf, stbl,
// stco/co64) are errors; malformed contents of a removed box are reported as
// one opaque item (the scrubber removes the whole box anyway).
absl::StatusOr<UserData> FindUserData(std::string_view file, const std::vector<Box>& top,
                                      const ParseLimits& limits, MetadataSink* sink);

// Turns `box` of `out` into a `free` box of the same size: the size fields
// are kept, the type becomes "free", every other byte is zero.
void Neutralise(std::string& out, const Box& box);

}  // namespace piivault::image_internal::bmff

#endif  // PIIVAULT_IMAGE_BMFF_INTERNAL_H_
