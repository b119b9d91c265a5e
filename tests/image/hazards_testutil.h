// Helpers shared by the PNG/WebP/GIF/HEIF container tests: a MetadataSink that
// records items, test-image loading and byte builders. (Chunked reads:
// image_internal::MemoryByteSource with a max_read; string sinks:
// image_internal::AppendingByteSink.)
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

// ISO BMFF box (HEIF): 32-bit size, type, payload.
inline std::string Box(std::string_view type, std::string_view payload) {
  std::string out;
  PutBe(out, 8 + payload.size(), 4);
  out += type;
  out += payload;
  return out;
}

// ISO BMFF full box: version and 24-bit flags before the payload.
inline std::string FullBox(std::string_view type, int version, uint32_t flags, std::string_view payload) {
  std::string p;
  PutBe(p, (uint32_t{static_cast<uint8_t>(version)} << 24) | flags, 4);
  return Box(type, p + std::string(payload));
}
inline std::string FullBox(std::string_view type, int version, std::string_view payload) {
  return FullBox(type, version, 0, payload);
}

// GIF data sub-blocks (at most 255 bytes each) and the terminator.
inline std::string SubBlocks(std::string_view data) {
  std::string out;
  while (!data.empty()) {
    size_t n = std::min<size_t>(255, data.size());
    out.push_back(static_cast<char>(n));
    out.append(data.substr(0, n));
    data.remove_prefix(n);
  }
  out.push_back('\0');
  return out;
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
