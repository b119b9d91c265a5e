// Helpers shared by the PNG/WebP/GIF/HEIF container tests: a MetadataSink that
// records items, test-image loading, chunked byte sources and byte builders.
#ifndef PIIVAULT_TESTS_IMAGE_HAZARDS_TESTUTIL_H_
#define PIIVAULT_TESTS_IMAGE_HAZARDS_TESTUTIL_H_

#include <zlib.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <fstream>
#include <iterator>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "image/image_internal.h"

namespace piivault::image_internal::testing {

struct Recorded {
  MetadataItem item;
  std::optional<std::string> text;  // set for AddTextItem
};

class RecordingSink final : public MetadataSink {
 public:
  void AddItem(MetadataItem item) override { items.push_back({std::move(item), std::nullopt}); }
  void AddTextItem(MetadataItem item, std::string_view utf8_text) override {
    items.push_back({std::move(item), std::string(utf8_text)});
  }
  // True if some item's location starts with `location_prefix` and (when
  // given) its name equals `name` and its text contains `text`.
  bool Has(std::string_view location_prefix, std::string_view name = {},
           std::string_view text = {}) const {
    for (const Recorded& r : items) {
      if (r.item.location.compare(0, location_prefix.size(), location_prefix) != 0) continue;
      if (!name.empty() && r.item.name != name) continue;
      if (!text.empty() && (!r.text || r.text->find(text) == std::string::npos)) continue;
      return true;
    }
    return false;
  }
  bool AnyTextContains(std::string_view text) const {
    for (const Recorded& r : items) {
      if (r.text && r.text->find(text) != std::string::npos) return true;
    }
    return false;
  }
  std::vector<Recorded> items;
};

inline std::string ReadTestImage(std::string_view name) {
  std::string path = std::string(PIIVAULT_SHARED_DIR) + "/testdata/images/" + std::string(name);
  std::ifstream in(path, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

// Hands out at most `step` bytes per Read, to exercise partial reads.
class ChunkedSource final : public ByteSource {
 public:
  ChunkedSource(std::string_view bytes, size_t step) : bytes_(bytes), step_(step) {}
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

class StringByteSink final : public ByteSink {
 public:
  absl::Status Write(std::string_view bytes) override {
    out.append(bytes.data(), bytes.size());
    return absl::OkStatus();
  }
  std::string out;
};

// A string from a literal that may hold NULs: Bin("a\0b") has 3 bytes.
template <size_t N>
std::string Bin(const char (&literal)[N]) {
  return std::string(literal, N - 1);
}

inline void PutBe(std::string& out, uint64_t v, int bytes) {
  for (int i = bytes - 1; i >= 0; --i) out.push_back(static_cast<char>(v >> (8 * i)));
}
inline void PutLe(std::string& out, uint64_t v, int bytes) {
  for (int i = 0; i < bytes; ++i) out.push_back(static_cast<char>(v >> (8 * i)));
}
inline uint32_t GetBe32(std::string_view s, size_t pos) {
  const auto* u = reinterpret_cast<const unsigned char*>(s.data() + pos);
  return (uint32_t{u[0]} << 24) | (uint32_t{u[1]} << 16) | (uint32_t{u[2]} << 8) | u[3];
}
inline uint32_t GetLe32(std::string_view s, size_t pos) {
  const auto* u = reinterpret_cast<const unsigned char*>(s.data() + pos);
  return uint32_t{u[0]} | (uint32_t{u[1]} << 8) | (uint32_t{u[2]} << 16) | (uint32_t{u[3]} << 24);
}

inline std::string Deflate(std::string_view data) {
  uLongf cap = compressBound(static_cast<uLong>(data.size()));
  std::string out(cap, '\0');
  compress2(reinterpret_cast<Bytef*>(out.data()), &cap, reinterpret_cast<const Bytef*>(data.data()),
            static_cast<uLong>(data.size()), 9);
  out.resize(cap);
  return out;
}

// --- PNG ---------------------------------------------------------------------

inline std::string PngChunk(std::string_view type, std::string_view data) {
  std::string out;
  PutBe(out, data.size(), 4);
  out.append(type);
  out.append(data);
  uLong crc = crc32(0, reinterpret_cast<const Bytef*>(type.data()), 4);
  crc = crc32(crc, reinterpret_cast<const Bytef*>(data.data()), static_cast<uInt>(data.size()));
  PutBe(out, crc, 4);
  return out;
}

inline std::string PngSignature() { return Bin("\x89PNG\r\n\x1a\n"); }

// A valid 1x1 8-bit greyscale PNG body: IHDR and one IDAT (no IEND).
inline std::string PngHead() {
  std::string ihdr;
  PutBe(ihdr, 1, 4);
  PutBe(ihdr, 1, 4);
  ihdr += Bin("\x08\x00\x00\x00\x00");
  return PngSignature() + PngChunk("IHDR", ihdr);
}
inline std::string PngIdat() { return PngChunk("IDAT", Deflate(Bin("\x00\x7f"))); }
inline std::string PngEnd() { return PngChunk("IEND", ""); }

struct PngChunkView {
  std::string type;
  std::string data;
};
// Independent chunk walker (no CRC checks): the test's own view of a PNG.
inline std::vector<PngChunkView> PngChunks(std::string_view png) {
  std::vector<PngChunkView> out;
  size_t pos = 8;
  while (pos + 12 <= png.size()) {
    uint32_t len = GetBe32(png, pos);
    if (len > png.size() - pos - 12) break;
    out.push_back({std::string(png.substr(pos + 4, 4)), std::string(png.substr(pos + 8, len))});
    pos += 12 + len;
  }
  return out;
}
inline std::string PngConcat(std::string_view png, std::string_view type) {
  std::string out;
  for (const auto& c : PngChunks(png)) {
    if (c.type == type) out += c.data;
  }
  return out;
}

}  // namespace piivault::image_internal::testing

#endif  // PIIVAULT_TESTS_IMAGE_HAZARDS_TESTUTIL_H_
