// WebP container: scan and scrub of the shared test images and generated files.
#include <string>
#include <string_view>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "image/hazards_testutil.h"
#include "image/image_internal.h"

namespace piivault::image_internal {
namespace {

using namespace ::piivault::image_internal::testing;  // NOLINT

struct RiffChunk {
  std::string fourcc;
  std::string payload;
};

// The test's own RIFF walker (checks the sizes and pads it relies on).
std::vector<RiffChunk> RiffChunks(std::string_view webp) {
  std::vector<RiffChunk> out;
  EXPECT_GE(webp.size(), 12u);
  if (webp.size() < 12) return out;
  EXPECT_EQ(webp.substr(0, 4), "RIFF");
  EXPECT_EQ(webp.substr(8, 4), "WEBP");
  size_t end = std::min<size_t>(webp.size(), 8 + size_t{GetLe32(webp, 4)});
  size_t pos = 12;
  while (pos + 8 <= end) {
    uint32_t size = GetLe32(webp, pos + 4);
    if (size > end - pos - 8) break;
    out.push_back({std::string(webp.substr(pos, 4)), std::string(webp.substr(pos + 8, size))});
    pos += 8 + size + (size & 1);
  }
  return out;
}

std::string Pixels(std::string_view webp) {
  std::string out;
  for (const auto& c : RiffChunks(webp)) {
    if (c.fourcc == "VP8 " || c.fourcc == "VP8L" || c.fourcc == "ALPH" || c.fourcc == "ANMF" ||
        c.fourcc == "ANIM" || c.fourcc == "ICCP") {
      out += c.fourcc + c.payload;
    }
  }
  return out;
}

std::string MustScrub(std::string_view webp) {
  absl::StatusOr<std::string> out = ScrubWebp(webp, {}, ParseLimits{});
  EXPECT_TRUE(out.ok()) << out.status();
  return out.ok() ? *out : std::string();
}

// Returns the scrubbed bytes after checking the container invariants.
std::string CheckScrubbed(std::string_view in) {
  std::string out = MustScrub(in);
  EXPECT_EQ(GetLe32(out, 4), out.size() - 8) << "RIFF size";
  EXPECT_EQ(Pixels(out), Pixels(in));
  uint8_t flags = 0;
  bool has_exif = false;
  bool has_iccp = false;
  for (const auto& c : RiffChunks(out)) {
    EXPECT_NE(c.fourcc, "XMP ");
    EXPECT_NE(c.fourcc, Bin("XMP\0"));
    if (c.fourcc == "VP8X") flags = static_cast<uint8_t>(c.payload[0]);
    if (c.fourcc == "EXIF") {
      has_exif = true;
      // Only Orientation may be left.
      RecordingSink sink;
      EXPECT_TRUE(ParseTiffMetadata(c.payload, 0, "EXIF", ParseLimits{}, sink).ok());
      for (const auto& r : sink.items) EXPECT_EQ(r.item.name, "Orientation");
    }
    if (c.fourcc == "ICCP") has_iccp = true;
  }
  EXPECT_EQ((flags & 0x08) != 0, has_exif);
  EXPECT_EQ((flags & 0x20) != 0, has_iccp);
  EXPECT_EQ(flags & 0x04, 0);
  RecordingSink rescan;
  EXPECT_TRUE(ScanWebp(out, ParseLimits{}, rescan).ok());
  EXPECT_EQ(MustScrub(out), out);
  return out;
}

TEST(WebpTest, ExifChunkOfExifRsIsReportedAndDropped) {
  std::string webp = ReadTestImage("webp_exif_exifrs.webp");
  ASSERT_FALSE(webp.empty());
  RecordingSink sink;
  ASSERT_TRUE(ScanWebp(webp, ParseLimits{}, sink).ok());
  EXPECT_TRUE(sink.Has("RIFF/EXIF"));
  EXPECT_TRUE(sink.AnyTextContains("WebP test"));
  std::string out = CheckScrubbed(webp);
  for (const auto& c : RiffChunks(out)) EXPECT_NE(c.fourcc, "EXIF");
  RecordingSink after;
  ASSERT_TRUE(ScanWebp(out, ParseLimits{}, after).ok());
  EXPECT_TRUE(after.items.empty());
}

TEST(WebpTest, PrefixedExifWithGpsAndMisspelledXmpChunk) {
  std::string webp = ReadTestImage("webp_gps_orientation6_exif_prefixed.webp");
  ASSERT_FALSE(webp.empty());
  RecordingSink sink;
  ASSERT_TRUE(ScanWebp(webp, ParseLimits{}, sink).ok());
  EXPECT_TRUE(sink.Has("RIFF/EXIF"));
  bool gps = false;
  for (const auto& r : sink.items) gps |= r.item.name.rfind("GPS", 0) == 0;
  EXPECT_TRUE(gps);
  EXPECT_TRUE(sink.Has("RIFF", "XMP chunk 'XMP\\0'"));
  std::string out = CheckScrubbed(webp);
  // Orientation 6 survives in a minimal EXIF chunk; GPS is gone.
  std::string exif;
  for (const auto& c : RiffChunks(out)) {
    if (c.fourcc == "EXIF") exif = c.payload;
  }
  ASSERT_FALSE(exif.empty());
  absl::StatusOr<ExifEssentials> e = ReadExifEssentials(exif);
  ASSERT_TRUE(e.ok());
  EXPECT_EQ(e->orientation, 6);
  RecordingSink after;
  ASSERT_TRUE(ScanWebp(out, ParseLimits{}, after).ok());
  for (const auto& r : after.items) EXPECT_EQ(r.item.name, "Orientation") << r.item.location;
}

TEST(WebpTest, AlphaExifXmpOfExiftoolSample) {
  std::string webp = ReadTestImage("webp_xmp_artist_exiftool.webp");
  ASSERT_FALSE(webp.empty());
  RecordingSink sink;
  ASSERT_TRUE(ScanWebp(webp, ParseLimits{}, sink).ok());
  EXPECT_TRUE(sink.Has("RIFF", "XMP chunk 'XMP '"));
  EXPECT_TRUE(sink.AnyTextContains("me"));
  std::string out = CheckScrubbed(webp);
  auto chunks = RiffChunks(out);
  ASSERT_FALSE(chunks.empty());
  EXPECT_EQ(chunks[0].fourcc, "VP8X");
  EXPECT_EQ(chunks[0].payload[0] & 0x10, 0x10);  // alpha flag kept
}

std::string Riff(const std::vector<std::pair<std::string, std::string>>& chunks) {
  std::string body = "WEBP";
  for (const auto& [fourcc, payload] : chunks) {
    body += fourcc;
    PutLe(body, payload.size(), 4);
    body += payload;
    if (payload.size() & 1) body.push_back('\0');
  }
  std::string out = "RIFF";
  PutLe(out, body.size(), 4);
  return out + body;
}

std::string Vp8x(uint8_t flags) {
  std::string p(10, '\0');
  p[0] = static_cast<char>(flags);
  return p;
}

TEST(WebpTest, AnimationIccAndUnknownChunks) {
  std::string in = Riff({{"VP8X", Vp8x(0x20 | 0x02 | 0x08 | 0x04)},
                         {"ICCP", "icc-profile"},
                         {"ANIM", std::string(6, '\1')},
                         {"ANMF", std::string(31, '\2')},
                         {"ANMF", std::string(32, '\3')},
                         {"PSAI", "8BIM photoshop"},
                         {"XMP ", "<x:xmpmeta/>"}});
  std::string out = CheckScrubbed(in);
  EXPECT_EQ(out, Riff({{"VP8X", Vp8x(0x20 | 0x02)},
                       {"ICCP", "icc-profile"},
                       {"ANIM", std::string(6, '\1')},
                       {"ANMF", std::string(31, '\2')},
                       {"ANMF", std::string(32, '\3')}}));
  RecordingSink sink;
  ASSERT_TRUE(ScanWebp(in, ParseLimits{}, sink).ok());
  EXPECT_TRUE(sink.Has("RIFF/PSAI"));
  EXPECT_TRUE(sink.Has("RIFF/ICCP", "ICC_Profile"));
}

TEST(WebpTest, SimpleFileLosesStrayChunksAndTrailer) {
  std::string in = Riff({{"VP8L", std::string(9, '\5')}, {Bin("XMP\0"), "<x/>"}}) + "after RIFF";
  std::string out = CheckScrubbed(in);
  EXPECT_EQ(out, Riff({{"VP8L", std::string(9, '\5')}}));
  RecordingSink sink;
  ASSERT_TRUE(ScanWebp(in, ParseLimits{}, sink).ok());
  EXPECT_TRUE(sink.Has("trailer"));
}

TEST(WebpTest, MissingPadByteOfLastOddChunkIsTolerated) {
  std::string in = Riff({{"VP8 ", std::string(9, '\6')}});
  in.pop_back();                                  // drop the pad
  std::string size;
  PutLe(size, in.size() - 8, 4);
  in.replace(4, 4, size);
  std::string out = CheckScrubbed(in);
  EXPECT_EQ(out, Riff({{"VP8 ", std::string(9, '\6')}}));
}

}  // namespace
}  // namespace piivault::image_internal
