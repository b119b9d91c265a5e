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
    uint32_t count;
    std::string value;            // raw bytes (already in the file's byte order)
    int sub_ifd = -1;             // if >= 0: value is the offset of IFD #sub_ifd
    int64_t raw_offset = -1;      // if >= 0: write this as the value/offset field verbatim
  };
  explicit TiffBuilder(bool little_endian = true) : le_(little_endian) {}
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
  void Pointer(int ifd, uint16_t tag, int target) { Add(ifd, {tag, 4, 1, U32(0), target}); }
  void SetNext(int ifd, int next) { next_[ifd] = next; }
  void SetNextRaw(int ifd, uint32_t raw) { next_raw_.emplace_back(ifd, raw); }

  std::string U16(uint16_t v) const {
    std::string s(2, '\0');
    s[le_ ? 0 : 1] = static_cast<char>(v & 0xFF);
    s[le_ ? 1 : 0] = static_cast<char>(v >> 8);
    return s;
  }
  std::string U32(uint32_t v) const {
    std::string s(4, '\0');
    for (int i = 0; i < 4; ++i) s[le_ ? i : 3 - i] = static_cast<char>((v >> (8 * i)) & 0xFF);
    return s;
  }

  std::string Build() const {
    std::vector<size_t> ifd_at;
    size_t at = 8;
    for (const auto& ifd : ifds_) {
      ifd_at.push_back(at);
      at += 2 + ifd.size() * 12 + 4;
    }
    std::string data;
    size_t data_at = at;
    std::string out = le_ ? std::string("II*\0", 4) : std::string("MM\0*", 4);
    out += U32(ifds_.empty() ? 0 : static_cast<uint32_t>(ifd_at[0]));
    for (size_t i = 0; i < ifds_.size(); ++i) {
      out += U16(static_cast<uint16_t>(ifds_[i].size()));
      for (const Entry& e : ifds_[i]) {
        out += U16(e.tag);
        out += U16(e.type);
        out += U32(e.count);
        if (e.raw_offset >= 0) {
          out += U32(static_cast<uint32_t>(e.raw_offset));
        } else if (e.sub_ifd >= 0) {
          out += U32(static_cast<uint32_t>(ifd_at[e.sub_ifd]));
        } else if (e.value.size() <= 4) {
          std::string v = e.value;
          v.resize(4, '\0');
          out += v;
        } else {
          out += U32(static_cast<uint32_t>(data_at + data.size()));
          data += e.value;
          if (data.size() & 1) data.push_back('\0');
        }
      }
      auto raw = std::find_if(next_raw_.begin(), next_raw_.end(),
                              [&](const auto& p) { return p.first == static_cast<int>(i); });
      if (raw != next_raw_.end()) {
        out += U32(raw->second);
      } else {
        out += U32(next_[i] >= 0 ? static_cast<uint32_t>(ifd_at[next_[i]]) : 0);
      }
    }
    return out + data;
  }

  // Extra bytes appended after the data area (e.g. strips); returns their offset.
  bool little_endian() const { return le_; }

 private:
  bool le_;
  std::vector<std::vector<Entry>> ifds_;
  std::vector<int> next_;
  std::vector<std::pair<int, uint32_t>> next_raw_;
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
