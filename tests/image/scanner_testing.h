// Helpers for the image front-end tests: test-file access, a recording
// MetadataSink, and builders for small synthetic TIFF and JPEG files.
#ifndef PIIVAULT_TESTS_IMAGE_SCANNER_TESTING_H_
#define PIIVAULT_TESTS_IMAGE_SCANNER_TESTING_H_

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "image/image_internal.h"

namespace piivault::image_testing {

inline std::string ImagesDir() { return std::string(PIIVAULT_SHARED_DIR) + "/testdata/images"; }

inline std::string ReadBytes(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

inline std::string TestImage(const std::string& name) { return ReadBytes(ImagesDir() + "/" + name); }

inline std::vector<std::string> AllTestImages() {
  std::vector<std::string> names;
  std::error_code ec;
  for (const auto& e : std::filesystem::directory_iterator(ImagesDir(), ec)) {
    std::string n = e.path().filename().string();
    if (n == "MANIFEST.tsv" || n.empty() || n[0] == '.') continue;
    names.push_back(n);
  }
  std::sort(names.begin(), names.end());
  return names;
}

struct RecordedItem {
  MetadataItem item;
  bool is_text = false;
  std::string text;
};

class RecordingSink : public image_internal::MetadataSink {
 public:
  void AddItem(MetadataItem item) override { items.push_back({std::move(item), false, ""}); }
  void AddTextItem(MetadataItem item, std::string_view text) override {
    items.push_back({std::move(item), true, std::string(text)});
  }
  const RecordedItem* Find(std::string_view name) const {
    for (const RecordedItem& r : items) {
      if (r.item.name == name) return &r;
    }
    return nullptr;
  }
  std::vector<RecordedItem> items;
};

// A TIFF structure with IFDs laid out in order; values over 4 bytes go to a
// data area after all IFDs. Offsets can be overridden to build hazards.
class TiffBuilder {
 public:
  struct Entry {
    uint16_t tag, type;
    uint64_t count;
    std::string value;            // raw bytes (already in the file's byte order)
    int sub_ifd = -1;             // if >= 0: value is the offset of IFD #sub_ifd
    int64_t raw_offset = -1;      // if >= 0: write this as the value/offset field verbatim
    std::vector<std::string> blobs = {};  // if set: value is the array of their offsets (LONG / LONG8)
  };
  // `big`: BigTIFF (version 43, 8-byte counts, value fields and offsets).
  explicit TiffBuilder(bool little_endian = true, bool big = false) : le_(little_endian), big_(big) {}
  int AddIfd() {
    ifds_.push_back({});
    next_.push_back(-1);
    return static_cast<int>(ifds_.size()) - 1;
  }
  void Add(int ifd, Entry e) { ifds_[ifd].push_back(std::move(e)); }
  void Ascii(int ifd, uint16_t tag, std::string s) {
    s.push_back('\0');
    uint32_t n = static_cast<uint32_t>(s.size());
    Add(ifd, {tag, 2, n, std::move(s)});
  }
  void Short(int ifd, uint16_t tag, uint16_t v) { Add(ifd, {tag, 3, 1, U16(v)}); }
  void Long(int ifd, uint16_t tag, uint32_t v) { Add(ifd, {tag, 4, 1, U32(v)}); }
  void Bytes(int ifd, uint16_t tag, uint16_t type, std::string v) {
    uint32_t n = static_cast<uint32_t>(v.size());
    Add(ifd, {tag, type, n, std::move(v)});
  }
  // A sub-IFD pointer: LONG (BigTIFF: IFD8).
  void Pointer(int ifd, uint16_t tag, int target) {
    Add(ifd, {tag, static_cast<uint16_t>(big_ ? 18 : 4), 1, Field(0), target});
  }
  // Pixel data: StripOffsets (LONG, BigTIFF LONG8) pointing at `strips` in
  // the data area, and StripByteCounts (LONG).
  void Strips(int ifd, std::vector<std::string> strips) {
    std::string counts;
    for (const std::string& s : strips) counts += U32(static_cast<uint32_t>(s.size()));
    const uint64_t n = strips.size();
    Add(ifd, {0x0111, static_cast<uint16_t>(big_ ? 16 : 4), n, "", -1, -1, std::move(strips)});
    Add(ifd, {0x0117, 4, n, counts});
  }
  void SetNext(int ifd, int next) { next_[ifd] = next; }
  void SetNextRaw(int ifd, uint64_t raw) { next_raw_.emplace_back(ifd, raw); }

  std::string U16(uint16_t v) const { return UN(v, 2); }
  std::string U32(uint32_t v) const { return UN(v, 4); }
  std::string U64(uint64_t v) const { return UN(v, 8); }
  // A value/offset field: 4 bytes (BigTIFF 8).
  std::string Field(uint64_t v) const { return UN(v, big_ ? 8 : 4); }
  std::string UN(uint64_t v, int bytes) const {
    std::string s(bytes, '\0');
    for (int i = 0; i < bytes; ++i) s[le_ ? i : bytes - 1 - i] = static_cast<char>((v >> (8 * i)) & 0xFF);
    return s;
  }

  std::string Build() const {
    const size_t count_size = big_ ? 8 : 2, entry_size = big_ ? 20 : 12, field = big_ ? 8 : 4;
    std::vector<size_t> ifd_at;
    size_t at = big_ ? 16 : 8;
    for (const auto& ifd : ifds_) {
      ifd_at.push_back(at);
      at += count_size + ifd.size() * entry_size + field;
    }
    std::string data;
    size_t data_at = at;
    auto put_data = [&](const std::string& bytes) {
      const size_t where = data_at + data.size();
      data += bytes;
      if (data.size() & 1) data.push_back('\0');
      return where;
    };
    std::string out;
    if (big_) {
      out = le_ ? std::string("II+\0", 4) : std::string("MM\0+", 4);
      out += U16(8) + U16(0);
    } else {
      out = le_ ? std::string("II*\0", 4) : std::string("MM\0*", 4);
    }
    out += Field(ifds_.empty() ? 0 : ifd_at[0]);
    for (size_t i = 0; i < ifds_.size(); ++i) {
      out += UN(ifds_[i].size(), static_cast<int>(count_size));
      for (const Entry& e : ifds_[i]) {
        out += U16(e.tag);
        out += U16(e.type);
        out += UN(e.count, static_cast<int>(field));
        std::string value = e.value;
        if (!e.blobs.empty()) {
          value.clear();
          for (const std::string& blob : e.blobs) value += big_ ? U64(put_data(blob)) : U32(static_cast<uint32_t>(put_data(blob)));
        }
        if (e.raw_offset >= 0) {
          out += Field(static_cast<uint64_t>(e.raw_offset));
        } else if (e.sub_ifd >= 0) {
          out += Field(ifd_at[e.sub_ifd]);
        } else if (value.size() <= field) {
          value.resize(field, '\0');
          out += value;
        } else {
          out += Field(put_data(value));
        }
      }
      auto raw = std::find_if(next_raw_.begin(), next_raw_.end(),
                              [&](const auto& p) { return p.first == static_cast<int>(i); });
      if (raw != next_raw_.end()) {
        out += Field(raw->second);
      } else {
        out += Field(next_[i] >= 0 ? ifd_at[next_[i]] : 0);
      }
    }
    return out + data;
  }

  bool little_endian() const { return le_; }
  bool big() const { return big_; }

 private:
  bool le_;
  bool big_;
  std::vector<std::vector<Entry>> ifds_;
  std::vector<int> next_;
  std::vector<std::pair<int, uint64_t>> next_raw_;
};

inline std::string JpegSegment(uint8_t marker, std::string_view payload) {
  std::string s;
  s.push_back('\xFF');
  s.push_back(static_cast<char>(marker));
  s.push_back(static_cast<char>((payload.size() + 2) >> 8));
  s.push_back(static_cast<char>((payload.size() + 2) & 0xFF));
  s.append(payload);
  return s;
}

inline std::string ExifApp1(std::string_view tiff) {
  return JpegSegment(0xE1, std::string("Exif\0\0", 6) + std::string(tiff));
}

// A structurally valid baseline JPEG body (tables, SOF0, SOS, fake entropy
// data with stuffing and a restart marker, EOI) for wrapping metadata around.
inline std::string JpegBody() {
  std::string s;
  s += JpegSegment(0xDB, std::string(65, '\x01'));                        // DQT
  s += JpegSegment(0xC0, std::string("\x08\x00\x08\x00\x08\x01\x01\x11\x00", 9));  // SOF0 8x8 gray
  s += JpegSegment(0xC4, std::string(29, '\x00'));                        // DHT
  s += JpegSegment(0xDD, std::string("\x00\x01", 2));                      // DRI
  s += JpegSegment(0xDA, std::string("\x01\x01\x00\x00\x3F\x00", 6));      // SOS
  s += std::string("\x12\x34\xFF\x00\x56\xFF\xD0\x78\x9A\xFF", 10);  // ECS (+ a fill byte)
  s += "\xFF\xD9";
  return s;
}

inline std::string MakeJpeg(std::string_view metadata_segments, std::string_view trailer = "") {
  return std::string("\xFF\xD8", 2) + std::string(metadata_segments) + JpegBody() + std::string(trailer);
}

}  // namespace piivault::image_testing

#endif  // PIIVAULT_TESTS_IMAGE_SCANNER_TESTING_H_
