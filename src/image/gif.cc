// GIF container: scan comment, plain-text and application extensions, and
// allow-list scrub (buffer and bounded-memory stream).
//
// Scrub policy (see shared/image-metadata.md section 9):
//  - kept byte for byte: header, logical screen descriptor, colour tables,
//    image descriptors with their LZW data sub-blocks, Graphic Control (0xF9)
//    and Plain Text (0x01, visible text that is part of the picture)
//    extensions, application extensions NETSCAPE2.0 / ANIMEXTS1.0 (looping)
//    and ICCRGBG1012 (colour profile), and the trailer 0x3B;
//  - dropped: Comment extensions (0xFE) wherever they are, every other
//    application extension (XMP DataXMP, MGK8BIM0000, MGKIPTC0000, ...),
//    unknown extension labels, and every byte after the trailer;
//  - with ParseLimits::redact_text, comments (up to kMaxRedactTextBytes) are
//    kept: byte for byte when nothing is detected, else with detected values
//    masked, re-split into sub-blocks of at most 255 bytes.
// GIF has no offsets, so removal is skipping blocks. Memory is bounded by one
// sub-block (<= 255 bytes) plus a fixed read buffer (plus one comment of at
// most kMaxRedactTextBytes with redact_text).
#include <algorithm>
#include <cstdint>
#include <cstring>
#include <optional>
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

constexpr size_t kReadBuffer = 64 * 1024;

// Buffered reader over a ByteSource, counting the offset.
class Reader {
 public:
  explicit Reader(ByteSource& src) : src_(src), buf_(kReadBuffer) {}

  // Reads up to n bytes into dst (fewer only at the end of input).
  absl::StatusOr<size_t> Read(char* dst, size_t n) {
    size_t got = 0;
    while (got < n) {
      if (pos_ == len_) {
        PIIVAULT_ASSIGN_OR_RETURN(len_, src_.Read(buf_.data(), buf_.size()));
        pos_ = 0;
        if (len_ == 0) break;
      }
      size_t take = std::min(n - got, len_ - pos_);
      std::memcpy(dst + got, buf_.data() + pos_, take);
      pos_ += take;
      got += take;
    }
    offset_ += got;
    return got;
  }
  uint64_t offset() const { return offset_; }

 private:
  ByteSource& src_;
  std::vector<char> buf_;
  size_t pos_ = 0;
  size_t len_ = 0;
  uint64_t offset_ = 0;
};

absl::Status EndsEarly(uint64_t offset, std::string_view what) {
  return absl::DataLossError(
      absl::StrFormat("gif: input ends at offset %d inside %s", offset, std::string(what)));
}

// Reads one sub-block (its size byte, then that many bytes) into `block`;
// returns the payload size (0 for the terminator).
absl::StatusOr<size_t> ReadSubBlock(Reader& in, uint64_t block_offset, char (&block)[256]) {
  PIIVAULT_ASSIGN_OR_RETURN(size_t got, in.Read(block, 1));
  if (got == 0) {
    return absl::DataLossError(absl::StrFormat(
        "gif: sub-blocks of the block at offset %d have no terminator", block_offset));
  }
  const size_t size = static_cast<unsigned char>(block[0]);
  if (size > 0) {
    PIIVAULT_ASSIGN_OR_RETURN(got, in.Read(block + 1, size));
    if (got < size) {
      return absl::DataLossError(absl::StrFormat(
          "gif: sub-block at offset %d declares %d bytes, %d remain", in.offset() - got - 1,
          size, got));
    }
  }
  return size;
}

// Copies (out != nullptr) or skips sub-blocks up to and including the
// terminating zero-size block.
absl::Status PassSubBlocks(Reader& in, ByteSink* out, uint64_t block_offset) {
  char block[256];
  while (true) {
    PIIVAULT_ASSIGN_OR_RETURN(const size_t size, ReadSubBlock(in, block_offset, block));
    if (out != nullptr) PIIVAULT_RETURN_IF_ERROR(out->Write(std::string_view(block, size + 1)));
    if (size == 0) return absl::OkStatus();
  }
}

// Reads sub-blocks up to and including the terminator: `raw` gets them
// verbatim, `data` their payload. Once the payload passes
// kMaxRedactTextBytes the rest is skipped and false returned.
absl::StatusOr<bool> ReadSubBlocks(Reader& in, uint64_t block_offset, std::string& raw, std::string& data) {
  char block[256];
  while (true) {
    PIIVAULT_ASSIGN_OR_RETURN(const size_t size, ReadSubBlock(in, block_offset, block));
    raw.append(block, size + 1);
    data.append(block + 1, size);
    if (size == 0) return true;
    if (data.size() > kMaxRedactTextBytes) {
      PIIVAULT_RETURN_IF_ERROR(PassSubBlocks(in, nullptr, block_offset));
      return false;
    }
  }
}

bool KeepApplication(std::string_view id) {
  return id == "NETSCAPE2.0" || id == "ANIMEXTS1.0" || id == "ICCRGBG1012";
}

absl::Status ScrubGifCore(ByteSource& source, ByteSink& out, const ParseLimits& limits) {
  Reader in(source);
  char head[13];
  PIIVAULT_ASSIGN_OR_RETURN(size_t got, in.Read(head, 13));
  if (got < 6 || (std::string_view(head, 6) != "GIF87a" && std::string_view(head, 6) != "GIF89a")) {
    return absl::InvalidArgumentError("gif: no GIF87a/GIF89a signature at offset 0");
  }
  if (got < 13) return EndsEarly(got, "the logical screen descriptor");
  PIIVAULT_RETURN_IF_ERROR(out.Write(std::string_view(head, 13)));
  char table[768];
  auto pass_table = [&](uint8_t flags) -> absl::Status {
    if ((flags & 0x80) == 0) return absl::OkStatus();
    size_t n = size_t{3} << ((flags & 7) + 1);
    PIIVAULT_ASSIGN_OR_RETURN(size_t g, in.Read(table, n));
    if (g < n) return EndsEarly(in.offset(), "a colour table");
    return out.Write(std::string_view(table, n));
  };
  PIIVAULT_RETURN_IF_ERROR(pass_table(static_cast<uint8_t>(head[10])));
  while (true) {
    const uint64_t offset = in.offset();
    char intro;
    PIIVAULT_ASSIGN_OR_RETURN(got, in.Read(&intro, 1));
    if (got == 0) {
      return absl::DataLossError(
          absl::StrFormat("gif: input ends at offset %d before the trailer (0x3B)", offset));
    }
    const uint8_t b = static_cast<uint8_t>(intro);
    if (b == 0x3B) return out.Write(std::string_view(&intro, 1));  // bytes after it are dropped
    if (b == 0x2C) {
      char desc[11];
      desc[0] = intro;
      PIIVAULT_ASSIGN_OR_RETURN(got, in.Read(desc + 1, 9));
      if (got < 9) return EndsEarly(in.offset(), "an image descriptor");
      PIIVAULT_RETURN_IF_ERROR(out.Write(std::string_view(desc, 10)));
      PIIVAULT_RETURN_IF_ERROR(pass_table(static_cast<uint8_t>(desc[9])));
      PIIVAULT_ASSIGN_OR_RETURN(got, in.Read(desc + 10, 1));
      if (got < 1) return EndsEarly(in.offset(), "an image descriptor");
      PIIVAULT_RETURN_IF_ERROR(out.Write(std::string_view(desc + 10, 1)));
      PIIVAULT_RETURN_IF_ERROR(PassSubBlocks(in, &out, offset));
      continue;
    }
    if (b != 0x21) {
      return absl::InvalidArgumentError(
          absl::StrFormat("gif: unknown block introducer 0x%02x at offset %d", b, offset));
    }
    char ext[2] = {intro, 0};
    PIIVAULT_ASSIGN_OR_RETURN(got, in.Read(ext + 1, 1));
    if (got < 1) return EndsEarly(in.offset(), "an extension");
    const uint8_t label = static_cast<uint8_t>(ext[1]);
    if (label == 0xF9 || label == 0x01) {
      PIIVAULT_RETURN_IF_ERROR(out.Write(std::string_view(ext, 2)));
      PIIVAULT_RETURN_IF_ERROR(PassSubBlocks(in, &out, offset));
      continue;
    }
    if (label == 0xFF) {
      char first[256];
      PIIVAULT_ASSIGN_OR_RETURN(got, in.Read(first, 1));
      if (got < 1) return EndsEarly(in.offset(), "an application extension");
      const size_t size = static_cast<unsigned char>(first[0]);
      if (size == 0) continue;  // empty extension: nothing to keep
      PIIVAULT_ASSIGN_OR_RETURN(got, in.Read(first + 1, size));
      if (got < size) return EndsEarly(in.offset(), "an application extension");
      const bool keep = size >= 11 && KeepApplication(std::string_view(first + 1, 11));
      if (keep) {
        PIIVAULT_RETURN_IF_ERROR(out.Write(std::string_view(ext, 2)));
        PIIVAULT_RETURN_IF_ERROR(out.Write(std::string_view(first, size + 1)));
      }
      PIIVAULT_RETURN_IF_ERROR(PassSubBlocks(in, keep ? &out : nullptr, offset));
      continue;
    }
    if (label == 0xFE && limits.redact_text) {
      // Comment kept: unchanged, or masked and re-split into sub-blocks.
      std::string raw;
      std::string data;
      PIIVAULT_ASSIGN_OR_RETURN(bool whole, ReadSubBlocks(in, offset, raw, data));
      if (!whole) continue;
      const std::string text = Utf8OrLatin1(data);
      std::optional<std::string> masked = limits.redact_text(text);
      if (!masked.has_value()) continue;
      PIIVAULT_RETURN_IF_ERROR(out.Write(std::string_view(ext, 2)));
      if (*masked == text) {
        PIIVAULT_RETURN_IF_ERROR(out.Write(raw));
        continue;
      }
      std::string blocks;
      for (size_t at = 0; at < masked->size(); at += 255) {
        const size_t n = std::min<size_t>(255, masked->size() - at);
        blocks.push_back(static_cast<char>(n));
        blocks.append(*masked, at, n);
      }
      blocks.push_back('\0');
      PIIVAULT_RETURN_IF_ERROR(out.Write(blocks));
      continue;
    }
    // Comment (0xFE) and unknown extensions: dropped.
    PIIVAULT_RETURN_IF_ERROR(PassSubBlocks(in, nullptr, offset));
  }
}

// --- Scan --------------------------------------------------------------------


std::string PrintableId(std::string_view id) {
  std::string out;
  for (char c : id) out.push_back(c >= 0x20 && c < 0x7f ? c : '?');
  return out;
}

class GifScanner {
 public:
  GifScanner(std::string_view bytes, const ParseLimits& limits, MetadataSink& sink)
      : bytes_(bytes), limits_(limits), sink_(sink) {}

  absl::Status Run() {
    if (bytes_.size() < 6 || (bytes_.substr(0, 6) != "GIF87a" && bytes_.substr(0, 6) != "GIF89a")) {
      return absl::InvalidArgumentError("gif: no GIF87a/GIF89a signature at offset 0");
    }
    if (bytes_.size() < 13) return EndsEarly(bytes_.size(), "the logical screen descriptor");
    size_t pos = 13;
    PIIVAULT_RETURN_IF_ERROR(SkipTable(static_cast<uint8_t>(bytes_[10]), pos));
    while (true) {
      if (pos >= bytes_.size()) {
        return absl::DataLossError(
            absl::StrFormat("gif: input ends at offset %d before the trailer (0x3B)", pos));
      }
      const size_t offset = pos;
      const uint8_t b = static_cast<uint8_t>(bytes_[pos++]);
      if (b == 0x3B) break;
      if (b == 0x2C) {
        if (bytes_.size() - pos < 10) return EndsEarly(bytes_.size(), "an image descriptor");
        const uint8_t flags = static_cast<uint8_t>(bytes_[pos + 8]);
        pos += 9;
        PIIVAULT_RETURN_IF_ERROR(SkipTable(flags, pos));
        if (pos >= bytes_.size()) return EndsEarly(bytes_.size(), "an image descriptor");
        ++pos;  // LZW minimum code size
        PIIVAULT_ASSIGN_OR_RETURN(pos, WalkSubBlocks(pos, offset, nullptr));
        continue;
      }
      if (b != 0x21) {
        return absl::InvalidArgumentError(
            absl::StrFormat("gif: unknown block introducer 0x%02x at offset %d", b, offset));
      }
      if (pos >= bytes_.size()) return EndsEarly(bytes_.size(), "an extension");
      const uint8_t label = static_cast<uint8_t>(bytes_[pos++]);
      PIIVAULT_RETURN_IF_ERROR(OnExtension(label, offset, pos));
    }
    if (pos < bytes_.size()) {
      sink_.AddItem(MakeItem("trailer", "TrailingData", pos, bytes_.size() - pos));
    }
    return absl::OkStatus();
  }

 private:
  absl::Status SkipTable(uint8_t flags, size_t& pos) {
    if ((flags & 0x80) == 0) return absl::OkStatus();
    size_t n = size_t{3} << ((flags & 7) + 1);
    if (bytes_.size() - pos < n) return EndsEarly(bytes_.size(), "a colour table");
    pos += n;
    return absl::OkStatus();
  }

  // Walks sub-blocks from `pos`; returns the position after the terminator.
  // Appends the sub-blocks' data to `data` when given.
  absl::StatusOr<size_t> WalkSubBlocks(size_t pos, size_t block_offset, std::string* data) {
    while (true) {
      if (pos >= bytes_.size()) {
        return absl::DataLossError(absl::StrFormat(
            "gif: sub-blocks of the block at offset %d have no terminator", block_offset));
      }
      const size_t size = static_cast<unsigned char>(bytes_[pos]);
      if (size == 0) return pos + 1;
      if (bytes_.size() - pos - 1 < size) {
        return absl::DataLossError(absl::StrFormat(
            "gif: sub-block at offset %d declares %d bytes, %d remain", pos, size,
            bytes_.size() - pos - 1));
      }
      if (data != nullptr) data->append(bytes_.data() + pos + 1, size);
      pos += 1 + size;
    }
  }

  absl::Status OnExtension(uint8_t label, size_t offset, size_t& pos) {
    if (label == 0xF9) {
      PIIVAULT_ASSIGN_OR_RETURN(pos, WalkSubBlocks(pos, offset, nullptr));
      return absl::OkStatus();
    }
    if (label == 0xFE || label == 0x01) {
      std::string data;
      PIIVAULT_ASSIGN_OR_RETURN(size_t end, WalkSubBlocks(pos, offset, &data));
      pos = end;
      if (label == 0x01) {
        // 12 bytes of text-grid geometry, then the text shown on the image.
        std::string_view text(data);
        text.remove_prefix(std::min<size_t>(text.size(), 12));
        sink_.AddTextItem(MakeItem("PlainText", "PlainText", offset, end - offset), DecodeLatin1(text));
      } else {
        sink_.AddTextItem(MakeItem("Comment", "Comment", offset, end - offset), Utf8OrLatin1(data));
      }
      return absl::OkStatus();
    }
    if (label == 0xFF) {
      if (pos >= bytes_.size()) return EndsEarly(bytes_.size(), "an application extension");
      const size_t first = static_cast<unsigned char>(bytes_[pos]);
      if (bytes_.size() - pos - 1 < first) {
        return EndsEarly(bytes_.size(), "an application extension");
      }
      std::string_view id =
          first >= 11 ? bytes_.substr(pos + 1, 11) : bytes_.substr(pos + 1, first);
      const size_t data_start = pos + 1 + first;
      if (first == 0) {
        pos = data_start;
        return absl::OkStatus();
      }
      PIIVAULT_ASSIGN_OR_RETURN(size_t end, WalkSubBlocks(data_start, offset, nullptr));
      pos = end;
      if (id == "NETSCAPE2.0" || id == "ANIMEXTS1.0") return absl::OkStatus();
      if (id == "XMP DataXMP") {
        // Raw packet (its bytes double as sub-block sizes) followed by the
        // 257-byte "magic trailer" 01 FF FE ... 01 00 before the terminator.
        std::string_view raw = bytes_.substr(data_start, end - 1 - data_start);
        if (raw.size() >= 257 && raw[raw.size() - 257] == 0x01) {
          bool magic = true;
          for (size_t i = 0; i < 256 && magic; ++i) {
            magic = static_cast<unsigned char>(raw[raw.size() - 256 + i]) == 0xFF - i;
          }
          if (magic) raw.remove_suffix(257);
        }
        sink_.AddItem(MakeItem("AppExt/XMP", "XMP", offset, end - offset));
        return ParseXmpMetadata(raw, data_start, "AppExt/XMP", limits_, sink_);
      }
      if (id == "ICCRGBG1012") {
        sink_.AddItem(MakeItem("AppExt/ICC", "ICC_Profile", offset, end - offset));
        return absl::OkStatus();
      }
      if (id == "MGKIPTC0000") {
        std::string data;
        PIIVAULT_RETURN_IF_ERROR(WalkSubBlocks(data_start, offset, &data).status());
        sink_.AddItem(MakeItem("AppExt/IPTC", "IPTC", offset, end - offset));
        return ParseIptcMetadata(data, data_start, "AppExt/IPTC", sink_);
      }
      sink_.AddItem(MakeItem("AppExt", PrintableId(id), offset, end - offset));
      return absl::OkStatus();
    }
    PIIVAULT_ASSIGN_OR_RETURN(size_t end, WalkSubBlocks(pos, offset, nullptr));
    pos = end;
    sink_.AddItem(MakeItem("Extension", absl::StrFormat("Extension 0x%02x", label), offset, end - offset));
    return absl::OkStatus();
  }

  std::string_view bytes_;
  const ParseLimits& limits_;
  MetadataSink& sink_;
};

}  // namespace

absl::Status ScanGif(std::string_view bytes, const ParseLimits& limits, MetadataSink& sink) {
  return GifScanner(bytes, limits, sink).Run();
}

absl::StatusOr<std::string> ScrubGif(std::string_view bytes, const ScrubOptions& options,
                                     const ParseLimits& limits) {
  MemoryByteSource source(bytes);
  std::string out;
  out.reserve(bytes.size());
  AppendingByteSink sink(out);
  PIIVAULT_RETURN_IF_ERROR(ScrubGifCore(source, sink, limits));
  return out;
}

absl::Status ScrubGifStream(ByteSource& in, ByteSink& out, const ScrubOptions& options,
                            const ParseLimits& limits) {
  return ScrubGifCore(in, out, limits);
}

}  // namespace piivault::image_internal
