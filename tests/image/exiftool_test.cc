// Differential test against exiftool (an independent metadata reader) on
// every file in shared/testdata/images: after ScrubImage,
//   - exiftool -j -a -G1 sees no PII-bearing group or tag (allow-listed
//     groups only; PII tag names denied inside them), and none of the
//     manifest's PII values is left anywhere in the bytes;
//   - Orientation (when not the default) and the ICC profile survive;
//   - the pixel data is byte-identical (extracted by our own walkers per
//     format) and, when ImageMagick is installed, the decoded-pixel
//     signature (`identify -format %#`) is unchanged;
//   - `exiftool -validate -warning -a` reports no new non-minor warning;
//   - scrubbing again gives identical bytes.
// bad_* files must fail cleanly or give output passing the same checks.
#include <sys/stat.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "image/image_internal.h"
#include "piivault/image.h"
#include "scanner_testing.h"
#include "shell_testutil.h"

namespace piivault {
namespace {

using image_testing::AllTestImages;
using image_testing::ImagesDir;
using image_testing::ReadBytes;

std::vector<std::string> Split(std::string_view s, std::string_view sep) {
  std::vector<std::string> out;
  size_t start = 0;
  for (;;) {
    size_t at = s.find(sep, start);
    if (at == std::string_view::npos) {
      out.emplace_back(s.substr(start));
      return out;
    }
    out.emplace_back(s.substr(start, at - start));
    start = at + sep.size();
  }
}

using image_test::HaveTool;
using image_test::Shell;


using Tags = std::vector<std::pair<std::string, std::string>>;  // "Group:Tag" -> value as printed

// Parses exiftool's pretty JSON (one key per line) into one tag list per SourceFile.
std::map<std::string, Tags> ParseExiftoolJson(const std::string& json) {
  std::map<std::string, Tags> out;
  Tags* current = nullptr;
  for (const std::string& line_str : Split(json, "\n")) {
    std::string_view line = line_str;
    size_t q = line.find('"');
    if (q == std::string_view::npos) continue;
    size_t end = line.find("\": ", q + 1);
    if (end == std::string_view::npos) continue;
    std::string key(line.substr(q + 1, end - q - 1));
    std::string value(line.substr(end + 3));
    if (!value.empty() && value.back() == ',') value.pop_back();
    if (value.size() >= 2 && value.front() == '"' && value.back() == '"') value = value.substr(1, value.size() - 2);
    if (key == "SourceFile") {
      current = &out[std::filesystem::path(value).filename().string()];
      continue;
    }
    if (current != nullptr) current->emplace_back(key, value);
  }
  return out;
}

std::string Group(const std::string& key) { return key.substr(0, key.find(':')); }
std::string TagName(const std::string& key) {
  size_t c = key.find(':');
  return c == std::string::npos ? key : key.substr(c + 1);
}

const std::string* Find(const Tags& tags, const std::string& key) {
  for (const auto& [k, v] : tags) {
    if (k == key) return &v;
  }
  return nullptr;
}

bool HasGroupPrefix(const Tags& tags, const std::string& prefix) {
  for (const auto& [k, v] : tags) {
    if (Group(k).rfind(prefix, 0) == 0) return true;
  }
  return false;
}

// Groups a scrubbed file may show; anything else (XMP-*, IPTC, Photoshop,
// GPS, ExifIFD, IFD1, MakerNotes, MPF, MPImage*, FlashPix, ...) is PII-bearing.
bool AllowedGroup(const std::string& g) {
  static const std::set<std::string> kAllowed = {
      "ExifTool", "System", "File", "JFIF", "IFD0", "Adobe", "APP14", "Composite", "PNG", "PNG-pHYs",
      "RIFF", "GIF", "QuickTime", "Meta", "ItemList", "HEVC", "AV1"};
  return kAllowed.count(g) > 0 || g.rfind("ICC", 0) == 0;
}

// Tag names that carry personal data (or identify the device) in any group.
bool DeniedTag(const std::string& t) {
  static const std::set<std::string> kDenied = {
      "Comment", "Artist", "Copyright", "Author", "Title", "Description", "Disclaimer", "Software", "Source",
      "ImageDescription", "DocumentName", "HostComputer", "PageName", "XPAuthor", "XPComment", "XPTitle",
      "XPSubject", "XPKeywords", "ModifyDate", "DateTimeOriginal", "CreateDate", "UserComment",
      "ThumbnailImage", "ThumbnailOffset", "ThumbnailLength", "PreviewImage", "SerialNumber", "OwnerName",
      "CameraOwnerName", "Make", "Model", "Creator", "Rights", "City", "Country", "State", "By-line",
      "Caption-Abstract", "Keywords", "Subject", "GPSLatitude", "GPSLongitude", "GPSPosition", "MakerNote",
      "CreatorTool", "DocumentID", "InstanceID", "History", "ImageUniqueID", "LensSerialNumber",
      "BodySerialNumber", "TextLayerText", "Warning_Comment"};
  return kDenied.count(t) > 0 || t.rfind("GPS", 0) == 0 || t.rfind("XMP", 0) == 0;
}

// Manifest PII values (owner/author/copyright, place-text, comment/description,
// serial/ids), as far as they are printed untruncated, 5+ bytes.
std::map<std::string, std::vector<std::string>> ManifestPiiValues() {
  std::map<std::string, std::vector<std::string>> out;
  std::ifstream f(ImagesDir() + "/MANIFEST.tsv");
  std::string line;
  while (std::getline(f, line)) {
    if (line.empty() || line[0] == '#') continue;
    std::vector<std::string> cols = Split(line, "\t");
    if (cols.size() < 9 || cols[0] == "file") continue;
    for (const std::string& group_str : Split(cols[8], " | ")) {
      std::string_view group = group_str;
      size_t lb = group.find('[');
      if (lb == std::string_view::npos) continue;
      std::string_view cat = group.substr(0, lb);
      if (cat != "owner/author/copyright" && cat != "place-text" && cat != "comment/description" &&
          cat != "serial/ids") {
        continue;
      }
      std::string_view body = group.substr(lb + 1);
      if (!body.empty() && body.back() == ']') body.remove_suffix(1);
      for (const std::string& tag_str : Split(body, "; ")) {
        std::string_view tag = tag_str;
        size_t eq = tag.find('=');
        if (eq == std::string_view::npos) continue;
        std::string value(tag.substr(eq + 1));
        size_t ell = value.find("\xE2\x80\xA6");  // "…": truncated in the manifest
        if (ell != std::string::npos) value.resize(ell);
        if (value.find('[') != std::string::npos || value.rfind("+", 0) == 0) continue;
        if (value.size() >= 5) out[cols[0]].push_back(value);
      }
    }
  }
  return out;
}

// --- Pixel data, by our own per-format walkers ------------------------------

uint32_t Be32(std::string_view s, size_t at) {
  const auto* p = reinterpret_cast<const unsigned char*>(s.data() + at);
  return uint32_t{p[0]} << 24 | uint32_t{p[1]} << 16 | uint32_t{p[2]} << 8 | p[3];
}
uint32_t Le32(std::string_view s, size_t at) {
  const auto* p = reinterpret_cast<const unsigned char*>(s.data() + at);
  return uint32_t{p[3]} << 24 | uint32_t{p[2]} << 16 | uint32_t{p[1]} << 8 | p[0];
}

std::string PngPixels(std::string_view b) {
  std::string out;
  for (size_t pos = 8; pos + 12 <= b.size();) {
    uint32_t len = Be32(b, pos);
    if (len > b.size() - pos - 12) break;
    std::string_view type = b.substr(pos + 4, 4);
    if (type == "IHDR" || type == "PLTE" || type == "tRNS" || type == "IDAT" || type == "fdAT" ||
        type == "fcTL" || type == "acTL") {
      out += std::string(type) + std::string(b.substr(pos + 8, len));
    }
    pos += 12 + len;
  }
  return out;
}

std::string WebpPixels(std::string_view b) {
  std::string out;
  for (size_t pos = 12; pos + 8 <= b.size();) {
    uint32_t len = Le32(b, pos + 4);
    if (len > b.size() - pos - 8) break;
    std::string_view type = b.substr(pos, 4);
    if (type == "VP8 " || type == "VP8L" || type == "ALPH" || type == "ANMF" || type == "ANIM") {
      out += std::string(type) + std::string(b.substr(pos + 8, len));
    }
    pos += 8 + len + (len & 1);
  }
  return out;
}

std::string GifPixels(std::string_view b) {
  std::string out;
  if (b.size() < 13) return out;
  auto u8 = [&](size_t i) { return static_cast<unsigned char>(b[i]); };
  size_t pos = 13;
  if (u8(10) & 0x80) pos += 3u << ((u8(10) & 7) + 1);
  out += std::string(b.substr(6, std::min(pos, b.size()) - 6));  // screen + global colours
  auto sub_blocks = [&](bool keep) {
    while (pos < b.size()) {
      size_t n = u8(pos);
      if (keep) out += std::string(b.substr(pos, std::min(n + 1, b.size() - pos)));
      pos += n + 1;
      if (n == 0) return;
    }
  };
  while (pos < b.size()) {
    unsigned char c = u8(pos);
    if (c == 0x3B) break;
    if (c == 0x2C && pos + 10 <= b.size()) {
      size_t start = pos;
      pos += 10;
      if (u8(start + 9) & 0x80) pos += 3u << ((u8(start + 9) & 7) + 1);
      pos += 1;  // LZW minimum code size
      out += std::string(b.substr(start, std::min(pos, b.size()) - start));
      sub_blocks(true);
    } else if (c == 0x21 && pos + 2 <= b.size()) {
      bool gce = u8(pos + 1) == 0xF9;
      if (gce) out += std::string(b.substr(pos, 2));
      pos += 2;
      sub_blocks(gce);
    } else {
      break;
    }
  }
  return out;
}

// Strips and tiles of every full-resolution page, classic TIFF or BigTIFF
// (version 43: 8-byte counts, 20-byte entries, 8-byte fields, LONG8 offsets).
std::string TiffPixels(std::string_view b) {
  std::string out;
  if (b.size() < 8) return out;
  bool le = b[0] == 'I';
  auto u16 = [&](size_t at) -> uint32_t {
    const auto* p = reinterpret_cast<const unsigned char*>(b.data() + at);
    return le ? (p[0] | p[1] << 8) : (p[0] << 8 | p[1]);
  };
  auto u32 = [&](size_t at) { return le ? Le32(b, at) : Be32(b, at); };
  auto u64 = [&](size_t at) {
    const uint64_t lo = u32(at), hi = u32(at + 4);
    return le ? (hi << 32 | lo) : (lo << 32 | hi);
  };
  const bool big = u16(2) == 43;
  if (big && b.size() < 16) return out;
  const size_t count_size = big ? 8 : 2, entry_size = big ? 20 : 12, field = big ? 8 : 4;
  auto field_at = [&](size_t at) -> uint64_t { return big ? u64(at) : u32(at); };
  uint64_t ifd = field_at(big ? 8 : 4);
  for (int page = 0; page < 16 && ifd != 0 && ifd + count_size <= b.size(); ++page) {
    uint64_t n = big ? u64(ifd) : u16(ifd);
    if (n > b.size() || ifd + count_size + n * entry_size + field > b.size()) break;
    std::map<uint32_t, std::vector<uint64_t>> arrays;
    bool reduced = false;
    for (uint64_t i = 0; i < n; ++i) {
      size_t e = ifd + count_size + i * entry_size;
      uint32_t tag = u16(e), type = u16(e + 2);
      uint64_t count = big ? u64(e + 4) : u32(e + 4);
      size_t value_field = e + (big ? 12 : 8);
      if (tag == 0x00FE) reduced = (type == 3 ? u16(value_field) : u32(value_field)) & 1;
      if (tag != 0x0111 && tag != 0x0117 && tag != 0x0144 && tag != 0x0145) continue;
      size_t size = type == 3 ? 2 : type == 16 ? 8 : 4;
      if (count > b.size()) continue;
      size_t at = count * size <= field ? value_field : field_at(value_field);
      for (uint64_t k = 0; k < count && at + (k + 1) * size <= b.size(); ++k) {
        arrays[tag].push_back(size == 2 ? u16(at + k * 2) : size == 8 ? u64(at + k * 8) : u32(at + k * 4));
      }
    }
    if (!reduced) {
      for (auto [offs, counts] : {std::pair{0x0111u, 0x0117u}, std::pair{0x0144u, 0x0145u}}) {
        for (size_t k = 0; k < arrays[offs].size() && k < arrays[counts].size(); ++k) {
          uint64_t o = arrays[offs][k], c = arrays[counts][k];
          if (o + c <= b.size()) out += std::string(b.substr(o, c));
        }
      }
    }
    ifd = field_at(ifd + count_size + n * entry_size);
  }
  return out;
}

// Empty when the format has no walker here (HEIF: item data is checked by heif tests).
std::string Pixels(std::string_view b) {
  switch (SniffImageFormat(b)) {
    case ImageFormat::kJpeg: {
      absl::StatusOr<std::string> r = image_internal::JpegRenderBytes(b);
      return r.ok() ? *r : "";
    }
    case ImageFormat::kPng:
      return PngPixels(b);
    case ImageFormat::kWebp:
      return WebpPixels(b);
    case ImageFormat::kGif:
      return GifPixels(b);
    case ImageFormat::kTiff:
      return TiffPixels(b);
    default:
      return "";
  }
}

class ExiftoolDifferential : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new std::string(std::string(PIIVAULT_BINARY_DIR) + "/image_exiftool_test");
    std::filesystem::create_directories(*dir_ + "/out");
  }
  static void TearDownTestSuite() {
    delete dir_;
    dir_ = nullptr;
  }
  static std::string* dir_;
};
std::string* ExiftoolDifferential::dir_ = nullptr;

// Scrubs every file `names` in `src_dir` and checks it against exiftool and
// ImageMagick (see the top of this file); `pii` lists, per file, values that
// must not survive anywhere in the bytes.
void CheckAgainstExiftool(const std::string& src_dir, const std::vector<std::string>& names,
                          const std::map<std::string, std::vector<std::string>>& pii, const std::string& work_dir) {
  const bool have_identify = HaveTool("identify") && Shell("identify -version 2>/dev/null").find("ImageMagick") == 0;
  const auto& manifest = pii;
  std::vector<std::string> scrubbed;
  std::map<std::string, std::string> outputs;
  for (const std::string& name : names) {
    const std::string in = ReadBytes(src_dir + "/" + name);
    absl::StatusOr<std::string> out = ScrubImage(in);
    const bool bad = name.rfind("bad_", 0) == 0;
    if (!out.ok()) {
      EXPECT_TRUE(bad) << name << ": scrub failed: " << out.status();
      EXPECT_FALSE(out.status().message().empty());
      continue;
    }
    // Idempotent.
    absl::StatusOr<std::string> twice = ScrubImage(*out);
    ASSERT_TRUE(twice.ok()) << name << ": re-scrub failed: " << twice.status();
    EXPECT_TRUE(*twice == *out) << name << ": second scrub changed the bytes";
    // Pixel bytes (own walkers).
    const std::string pin = Pixels(in);
    if (!pin.empty() || SniffImageFormat(in) != ImageFormat::kHeif) {
      EXPECT_FALSE(pin.empty()) << name << ": no pixel data found in the input";
      EXPECT_TRUE(Pixels(*out) == pin) << name << ": pixel data changed";
    }
    // No manifest PII value left in the bytes.
    if (auto it = manifest.find(name); it != manifest.end()) {
      for (const std::string& v : it->second) {
        EXPECT_EQ(out->find(v), std::string::npos) << name << ": value of " << v.size() << " bytes survived";
      }
    }
    const std::string path = work_dir + "/out/" + name;
    std::ofstream(path, std::ios::binary) << *out;
    scrubbed.push_back(name);
    outputs[name] = *out;
  }
  ASSERT_FALSE(scrubbed.empty());

  // One exiftool run for all inputs, one for all outputs.
  std::string in_files, out_files;
  for (const std::string& n : scrubbed) {
    in_files += " '" + src_dir + "/" + n + "'";
    out_files += " '" + work_dir + "/out/" + n + "'";
  }
  auto before = ParseExiftoolJson(Shell("exiftool -j -a -G1 -u" + in_files + " 2>/dev/null"));
  auto after = ParseExiftoolJson(Shell("exiftool -j -a -G1 -u" + out_files + " 2>/dev/null"));
  auto vbefore = ParseExiftoolJson(Shell("exiftool -j -validate -warning -a -G1" + in_files + " 2>/dev/null"));
  auto vafter = ParseExiftoolJson(Shell("exiftool -j -validate -warning -a -G1" + out_files + " 2>/dev/null"));

  for (const std::string& name : scrubbed) {
    SCOPED_TRACE(name);
    ASSERT_TRUE(after.count(name)) << "exiftool could not read the scrubbed file";
    const Tags& a = after[name];
    const Tags& b = before[name];
    // In a multi-page TIFF, IFD1, IFD2... are pages (a reduced-resolution
    // IFD, a thumbnail, must be gone): their tags face the same deny-list.
    const bool tiff = SniffImageFormat(outputs[name]) == ImageFormat::kTiff;
    auto allowed = [&](const std::string& g) {
      if (AllowedGroup(g)) return true;
      if (!tiff || g.rfind("IFD", 0) != 0 || g.size() < 4 ||
          g.find_first_not_of("0123456789", 3) != std::string::npos) {
        return false;
      }
      const std::string* subfile = Find(a, g + ":SubfileType");
      return subfile == nullptr || subfile->find("Reduced") == std::string::npos;
    };
    for (const auto& [key, value] : a) {
      const std::string g = Group(key), t = TagName(key);
      if (t == "Warning" || t == "Error") continue;
      EXPECT_TRUE(allowed(g)) << "PII-bearing group left: " << key;
      if (allowed(g) && g != "System" && g != "ExifTool") {
        EXPECT_FALSE(DeniedTag(t)) << "PII tag left: " << key;
      }
    }
    // Orientation: same value whenever the input had a non-default one.
    const std::string* ob = Find(b, "IFD0:Orientation");
    const std::string* oa = Find(a, "IFD0:Orientation");
    if (ob != nullptr && *ob != "Horizontal (normal)") {
      ASSERT_NE(oa, nullptr) << "Orientation lost";
      EXPECT_EQ(*oa, *ob);
    }
    if (oa != nullptr && ob != nullptr) {
      EXPECT_EQ(*oa, *ob);
    }
    // ICC profile survives.
    if (HasGroupPrefix(b, "ICC")) {
      EXPECT_TRUE(HasGroupPrefix(a, "ICC")) << "ICC profile lost";
    }
    // No new validation warnings (minor ones aside).
    std::set<std::string> old_warnings;
    for (const auto& [k, v] : vbefore[name]) {
      if (TagName(k) == "Warning") old_warnings.insert(v);
    }
    for (const auto& [k, v] : vafter[name]) {
      if (TagName(k) != "Warning" || v.rfind("[minor]", 0) == 0 || old_warnings.count(v)) continue;
      EXPECT_TRUE(false) << "new exiftool -validate warning: " << v;
    }
    // Decoded pixels, independently of our parsers.
    if (have_identify && name.rfind("bad_", 0) != 0) {
      std::string sig_in = Shell("identify -format '%#\\n' '" + src_dir + "/" + name + "' 2>/dev/null");
      if (!sig_in.empty()) {
        std::string sig_out = Shell("identify -format '%#\\n' '" + work_dir + "/out/" + name + "' 2>/dev/null");
        EXPECT_EQ(sig_out, sig_in) << "decoded pixels differ (ImageMagick signature)";
      }
    }
  }
}

TEST_F(ExiftoolDifferential, EveryTestImage) {
  if (!HaveTool("exiftool")) GTEST_SKIP() << "exiftool not installed (scripts/setup.sh installs it)";
  CheckAgainstExiftool(ImagesDir(), AllTestImages(), ManifestPiiValues(), *dir_);
}

// BigTIFF files written by ImageMagick/libtiff (tests/image/data/make_bigtiff.sh;
// exiftool reads BigTIFF but cannot write it).
TEST_F(ExiftoolDifferential, BigTiffFiles) {
  if (!HaveTool("exiftool")) GTEST_SKIP() << "exiftool not installed (scripts/setup.sh installs it)";
  const std::string data = std::string(PIIVAULT_SOURCE_DIR) + "/tests/image/data";
  const std::vector<std::string> names = {"bigtiff_le_meta.tif", "bigtiff_be_tiled_pages.tif"};
  const std::map<std::string, std::vector<std::string>> pii = {
      {"bigtiff_le_meta.tif", {"13912345678", "11010519491231002X", "李娜", "张伟", "杭州"}},
      {"bigtiff_be_tiled_pages.tif", {"zhang.wei@example.com", "王芳"}}};
  // exiftool sees the PII in the inputs (so the checks on the outputs mean something).
  const std::string seen = Shell("exiftool -a -G1 '" + data + "/" + names[0] + "' '" + data + "/" + names[1] + "'");
  ASSERT_NE(seen.find("13912345678"), std::string::npos);
  ASSERT_NE(seen.find("zhang.wei@example.com"), std::string::npos);
  ASSERT_NE(seen.find("[XMP-dc]"), std::string::npos);
  CheckAgainstExiftool(data, names, pii, *dir_);
  // The outputs are still BigTIFF to exiftool.
  for (const std::string& n : names) {
    EXPECT_EQ(Shell("exiftool -s3 -FileType '" + *dir_ + "/out/" + n + "'"), "BTF\n") << n;
  }
}

}  // namespace
}  // namespace piivault
