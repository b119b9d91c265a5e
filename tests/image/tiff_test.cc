// TIFF/Exif IFD parser, Exif essentials, minimal Exif builder, standalone
// TIFF scan/scrub, and the parser hazards (loops, offsets, overflow).
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "image/image_internal.h"
#include "scanner_testing.h"

namespace piivault::image_internal {
namespace {

using image_testing::RecordingSink;
using image_testing::TiffBuilder;
using ::testing::HasSubstr;

ParseLimits Limits() { return ParseLimits{}; }

std::string Rational(const TiffBuilder& b, uint32_t n, uint32_t d) { return b.U32(n) + b.U32(d); }

std::string ExifWithEverything(bool little_endian) {
  TiffBuilder b(little_endian);
  int ifd0 = b.AddIfd();
  int exif = b.AddIfd();
  int gps = b.AddIfd();
  int ifd1 = b.AddIfd();
  b.Ascii(ifd0, 0x010E, "客户电话 13812345678");
  b.Short(ifd0, 0x0112, 6);
  b.Ascii(ifd0, 0x013B, "Zhang San");
  b.Ascii(ifd0, 0x8298, std::string("Photographer\0Editor", 19));
  b.Bytes(ifd0, 0x9C9D, 1, std::string("W\0a\0n\0g\0\0\0", 10));  // XPAuthor UCS-2LE "Wang"
  b.Pointer(ifd0, 0x8769, exif);
  b.Pointer(ifd0, 0x8825, gps);
  b.Bytes(exif, 0x9286, 7, std::string("ASCII\0\0\0call me 13900000000", 28));
  b.Ascii(exif, 0xA431, "SN-0042");
  b.Bytes(exif, 0x927C, 7, std::string(40, 'M'));
  b.Bytes(gps, 0x0000, 1, std::string("\x02\x02\x00\x00", 4));
  b.Ascii(gps, 0x0001, "N");
  b.Add(gps, {0x0002, 5, 3, Rational(b, 39, 1) + Rational(b, 54, 1) + Rational(b, 2, 1)});
  b.SetNext(ifd0, ifd1);
  b.Long(ifd1, 0x0201, 0);  // thumbnail offset patched below
  b.Long(ifd1, 0x0202, 4);
  std::string tiff = b.Build();
  return tiff;
}

TEST(TiffParse, ReportsEveryIfdAndDecodesText) {
  for (bool le : {true, false}) {
    std::string tiff = ExifWithEverything(le);
    RecordingSink sink;
    absl::Status s = ParseTiffMetadata(tiff, 100, "APP1/Exif", Limits(), sink);
    // IFD1's thumbnail points at offset 0 (inside the block): fine.
    EXPECT_TRUE(s.ok()) << s;
    const auto* desc = sink.Find("ImageDescription");
    ASSERT_NE(desc, nullptr);
    EXPECT_TRUE(desc->is_text);
    EXPECT_EQ(desc->text, "客户电话 13812345678");
    EXPECT_EQ(desc->item.location, "APP1/Exif/IFD0");
    EXPECT_GE(desc->item.offset, 100u);
    const auto* copyright = sink.Find("Copyright");
    ASSERT_NE(copyright, nullptr);
    EXPECT_EQ(copyright->text, "Photographer\nEditor");
    const auto* xp = sink.Find("XPAuthor");
    ASSERT_NE(xp, nullptr);
    EXPECT_EQ(xp->text, "Wang");
    const auto* uc = sink.Find("UserComment");
    ASSERT_NE(uc, nullptr);
    EXPECT_EQ(uc->text, "call me 13900000000");
    EXPECT_EQ(uc->item.location, "APP1/Exif/ExifIFD");
    const auto* serial = sink.Find("SerialNumber");
    ASSERT_NE(serial, nullptr);
    EXPECT_EQ(serial->text, "SN-0042");
    const auto* mn = sink.Find("MakerNote");
    ASSERT_NE(mn, nullptr);
    EXPECT_EQ(mn->item.sensitive_as, EntityType::kDeviceSerial);
    EXPECT_EQ(mn->item.size, 40u);
    const auto* lat = sink.Find("GPSLatitude");
    ASSERT_NE(lat, nullptr);
    EXPECT_EQ(lat->item.location, "APP1/Exif/GPS");
    EXPECT_EQ(lat->item.sensitive_as, EntityType::kGeoLocation);
    EXPECT_EQ(lat->item.size, 24u);
    const auto* ver = sink.Find("GPSVersionID");
    ASSERT_NE(ver, nullptr);
    EXPECT_EQ(ver->item.sensitive_as, EntityType::kUnknown);
    const auto* thumb = sink.Find("ThumbnailImage");
    ASSERT_NE(thumb, nullptr);
    EXPECT_EQ(thumb->item.location, "APP1/Exif/IFD1");
    EXPECT_EQ(thumb->item.sensitive_as, EntityType::kThumbnail);
    EXPECT_EQ(thumb->item.size, 4u);
  }
}

TEST(TiffParse, UnicodeUserCommentInEitherByteOrder) {
  for (bool le : {true, false}) {
    TiffBuilder b(le);
    int ifd0 = b.AddIfd();
    int exif = b.AddIfd();
    b.Pointer(ifd0, 0x8769, exif);
    // Little-endian UCS-2 text even in a big-endian file (Microsoft Photo).
    b.Bytes(exif, 0x9286, 7, std::string("UNICODE\0H\0i\0!\0", 14));
    RecordingSink sink;
    ASSERT_TRUE(ParseTiffMetadata(b.Build(), 0, "", Limits(), sink).ok());
    const auto* uc = sink.Find("UserComment");
    ASSERT_NE(uc, nullptr);
    EXPECT_EQ(uc->text, "Hi!");
  }
}

TEST(TiffParse, IfdLoopIsAnErrorAndTerminates) {
  TiffBuilder b;
  int ifd0 = b.AddIfd();
  int ifd1 = b.AddIfd();
  b.Ascii(ifd0, 0x013B, "A");
  b.Ascii(ifd1, 0x013B, "B");
  b.SetNext(ifd0, ifd1);
  b.SetNext(ifd1, ifd0);  // loop
  RecordingSink sink;
  absl::Status s = ParseTiffMetadata(b.Build(), 6, "X", Limits(), sink);
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(s.message()), HasSubstr("loop at offset 14"));  // 6 + 8
  EXPECT_EQ(sink.items.size(), 2u);  // both IFDs reported once
}

TEST(TiffParse, SubIfdPointingToAncestorIsALoop) {
  TiffBuilder b;
  int ifd0 = b.AddIfd();
  int exif = b.AddIfd();
  b.Pointer(ifd0, 0x8769, exif);
  b.Pointer(exif, 0x8769, ifd0);
  b.Pointer(exif, 0x8825, exif);
  RecordingSink sink;
  absl::Status s = ParseTiffMetadata(b.Build(), 0, "", Limits(), sink);
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(s.message()), HasSubstr("loop"));
}

TEST(TiffParse, OffsetsOutOfRangeAndCountOverflow) {
  TiffBuilder b;
  int ifd0 = b.AddIfd();
  b.Add(ifd0, {0x010E, 2, 100, "", -1, 0x7FFFFFF0});  // string far outside
  b.Add(ifd0, {0x9286, 12, 0x40000000u, "", -1, 8});  // 8 * 2^30 overflows 32 bits
  b.Ascii(ifd0, 0x013B, "still reported");
  b.SetNextRaw(ifd0, 0xFFFFFF00u);                     // next IFD out of range
  RecordingSink sink;
  absl::Status s = ParseTiffMetadata(b.Build(), 0, "", Limits(), sink);
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  ASSERT_NE(sink.Find("Artist"), nullptr);
  EXPECT_EQ(sink.Find("ImageDescription"), nullptr);
  EXPECT_EQ(sink.Find("UserComment"), nullptr);
}

TEST(TiffParse, EntryTableRunningPastTheEnd) {
  std::string tiff("II*\0\x08\0\0\0\xFF\x7F", 10);  // 32767 entries, none present
  tiff += std::string("\x3B\x01\x02\0\x02\0\0\0Z\0\0\0", 12);  // one real entry
  RecordingSink sink;
  absl::Status s = ParseTiffMetadata(tiff, 0, "", Limits(), sink);
  EXPECT_FALSE(s.ok());
  ASSERT_NE(sink.Find("Artist"), nullptr);
  EXPECT_EQ(sink.Find("Artist")->text, "Z");
}

TEST(TiffParse, CapsIfdCount) {
  TiffBuilder b;
  std::vector<int> ifds;
  for (int i = 0; i < 100; ++i) ifds.push_back(b.AddIfd());
  for (int i = 0; i + 1 < 100; ++i) b.SetNext(ifds[i], ifds[i + 1]);
  RecordingSink sink;
  ParseLimits limits;
  limits.max_ifd_count = 10;
  absl::Status s = ParseTiffMetadata(b.Build(), 0, "", limits, sink);
  EXPECT_THAT(std::string(s.message()), HasSubstr("more than 10 IFDs"));
}

TEST(TiffParse, RejectsBadHeadersAndTruncation) {
  RecordingSink sink;
  EXPECT_FALSE(ParseTiffMetadata("", 0, "", Limits(), sink).ok());
  EXPECT_FALSE(ParseTiffMetadata("II*", 0, "", Limits(), sink).ok());
  EXPECT_FALSE(ParseTiffMetadata(std::string("XX*\0\x08\0\0\0", 8), 0, "", Limits(), sink).ok());
  EXPECT_FALSE(ParseTiffMetadata(std::string("II+\0\x08\0\0\0", 8), 0, "", Limits(), sink).ok());
  std::string tiff = ExifWithEverything(true);
  for (size_t n = 0; n < tiff.size(); ++n) {  // every prefix: no crash
    RecordingSink s2;
    (void)ParseTiffMetadata(tiff.substr(0, n), 0, "", Limits(), s2);
    (void)ReadExifEssentials(tiff.substr(0, n));
  }
}

TEST(ExifEssentials, ReadsOrientationAndBuildsMinimalExif) {
  for (bool le : {true, false}) {
    absl::StatusOr<ExifEssentials> e = ReadExifEssentials(ExifWithEverything(le));
    ASSERT_TRUE(e.ok()) << e.status();
    ASSERT_TRUE(e->orientation.has_value());
    EXPECT_EQ(*e->orientation, 6);
    EXPECT_TRUE(e->copyright.empty());
    std::string tiff = BuildMinimalExifTiff(*e);
    EXPECT_EQ(tiff.size(), 26u);
    RecordingSink sink;
    ASSERT_TRUE(ParseTiffMetadata(tiff, 0, "", Limits(), sink).ok());
    ASSERT_EQ(sink.items.size(), 1u);
    EXPECT_EQ(sink.items[0].item.name, "Orientation");
    absl::StatusOr<ExifEssentials> again = ReadExifEssentials(tiff);
    ASSERT_TRUE(again.ok());
    EXPECT_EQ(again->orientation, e->orientation);
  }
  EXPECT_EQ(BuildMinimalExifTiff(ExifEssentials{}), "");
}

TEST(ExifEssentials, InvalidOrientationIsIgnored) {
  TiffBuilder b;
  int ifd0 = b.AddIfd();
  b.Short(ifd0, 0x0112, 9);
  absl::StatusOr<ExifEssentials> e = ReadExifEssentials(b.Build());
  ASSERT_TRUE(e.ok());
  EXPECT_FALSE(e->orientation.has_value());
}

TEST(ExifEssentials, KeepsCopyrightAndCaptureSettingsWhenAsked) {
  TiffBuilder b(false);
  int ifd0 = b.AddIfd();
  int exif = b.AddIfd();
  b.Short(ifd0, 0x0112, 3);
  b.Ascii(ifd0, 0x8298, "(c) ACME");
  b.Pointer(ifd0, 0x8769, exif);
  b.Add(exif, {0x829A, 5, 1, b.U32(1) + b.U32(250)});  // ExposureTime 1/250
  b.Short(exif, 0x8827, 400);                          // ISO
  b.Ascii(exif, 0xA431, "SERIAL");                     // not capture: dropped
  ScrubOptions opt;
  opt.keep_copyright = true;
  opt.keep_capture_settings = true;
  absl::StatusOr<ExifEssentials> e = ReadExifEssentials(b.Build(), opt);
  ASSERT_TRUE(e.ok());
  EXPECT_EQ(e->copyright, "(c) ACME");
  ASSERT_EQ(e->capture.size(), 2u);
  std::string tiff = BuildMinimalExifTiff(*e);
  RecordingSink sink;
  ASSERT_TRUE(ParseTiffMetadata(tiff, 0, "", Limits(), sink).ok());
  ASSERT_NE(sink.Find("Copyright"), nullptr);
  EXPECT_EQ(sink.Find("Copyright")->text, "(c) ACME");
  ASSERT_NE(sink.Find("ExposureTime"), nullptr);
  EXPECT_EQ(sink.Find("ExposureTime")->item.location, "ExifIFD");
  ASSERT_NE(sink.Find("ISO"), nullptr);
  EXPECT_EQ(sink.Find("SerialNumber"), nullptr);
  // Re-reading the built block keeps the same values (idempotent scrub).
  absl::StatusOr<ExifEssentials> again = ReadExifEssentials(tiff, opt);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(BuildMinimalExifTiff(*again), tiff);
}

// --- Standalone TIFF files ----------------------------------------------------

// A 4x2 8-bit grey TIFF with two strips, metadata and a thumbnail IFD.
std::string MakeTiffFile(bool le) {
  TiffBuilder b(le);
  int ifd0 = b.AddIfd();
  int thumb = b.AddIfd();
  b.Long(ifd0, 0x0100, 4);
  b.Long(ifd0, 0x0101, 2);
  b.Short(ifd0, 0x0102, 8);
  b.Short(ifd0, 0x0103, 1);
  b.Short(ifd0, 0x0106, 1);
  b.Ascii(ifd0, 0x010D, "/home/zhangsan/scan.tif");
  b.Add(ifd0, {0x0111, 4, 2, "", -1, 0});  // patched: strip offsets array
  b.Short(ifd0, 0x0112, 8);
  b.Short(ifd0, 0x0115, 1);
  b.Short(ifd0, 0x0116, 1);
  b.Add(ifd0, {0x0117, 3, 2, b.U16(4) + b.U16(4)});
  b.Ascii(ifd0, 0x013C, "zhangsan-laptop");
  b.Long(thumb, 0x00FE, 1);
  b.Ascii(thumb, 0x010E, "thumbnail description");
  b.SetNext(ifd0, thumb);
  std::string t = b.Build();
  // Pixel strips after the structure; the offsets array points at them.
  size_t strips_at = t.size();
  t += "ABCDEFGH";
  size_t array_at = t.size();
  t += b.U32(static_cast<uint32_t>(strips_at)) + b.U32(static_cast<uint32_t>(strips_at + 4));
  // Patch the StripOffsets entry (7th entry of IFD0) to point at the array.
  size_t entry = 8 + 2 + 6 * 12;
  std::string off = b.U32(static_cast<uint32_t>(array_at));
  t.replace(entry + 8, 4, off);
  return t;
}

TEST(TiffFile, ScanReportsMetadataButNotStructure) {
  RecordingSink sink;
  ASSERT_TRUE(ScanTiff(MakeTiffFile(true), Limits(), sink).ok());
  ASSERT_NE(sink.Find("DocumentName"), nullptr);
  EXPECT_EQ(sink.Find("DocumentName")->item.location, "TIFF/IFD0");
  ASSERT_NE(sink.Find("HostComputer"), nullptr);
  ASSERT_NE(sink.Find("ImageDescription"), nullptr);
  EXPECT_EQ(sink.Find("ImageDescription")->item.location, "TIFF/IFD1");
  EXPECT_EQ(sink.Find("StripOffsets"), nullptr);
  ASSERT_NE(sink.Find("Orientation"), nullptr);
}

TEST(TiffFile, ScrubKeepsPixelsAndRenderingTagsOnly) {
  for (bool le : {true, false}) {
    std::string in = MakeTiffFile(le);
    absl::StatusOr<std::string> out = ScrubTiff(in, ScrubOptions{}, Limits());
    ASSERT_TRUE(out.ok()) << out.status();
    EXPECT_EQ(out->find("zhangsan"), std::string::npos);
    EXPECT_EQ(out->find("thumbnail"), std::string::npos);
    EXPECT_NE(out->find("ABCDEFGH"), std::string::npos);
    RecordingSink sink;
    ASSERT_TRUE(ScanTiff(*out, Limits(), sink).ok());
    ASSERT_EQ(sink.items.size(), 1u);
    EXPECT_EQ(sink.items[0].item.name, "Orientation");
    absl::StatusOr<std::string> twice = ScrubTiff(*out, ScrubOptions{}, Limits());
    ASSERT_TRUE(twice.ok());
    EXPECT_EQ(*twice, *out);
  }
}

TEST(TiffFile, ScrubRejectsStripsOutsideTheFile) {
  std::string in = MakeTiffFile(true);
  in.resize(in.size() - 8 - 6);  // cut into the strip data and offsets array
  EXPECT_FALSE(ScrubTiff(in, ScrubOptions{}, Limits()).ok());
}

TEST(TiffFile, RealFileScrubs) {
  std::string in = image_testing::TestImage("tiff_exifrs.tif");
  ASSERT_FALSE(in.empty());
  RecordingSink before;
  ASSERT_TRUE(ScanTiff(in, Limits(), before).ok());
  ASSERT_NE(before.Find("ImageDescription"), nullptr);
  absl::StatusOr<std::string> out = ScrubTiff(in, ScrubOptions{}, Limits());
  ASSERT_TRUE(out.ok()) << out.status();
  RecordingSink after;
  ASSERT_TRUE(ScanTiff(*out, Limits(), after).ok());
  EXPECT_EQ(after.Find("ImageDescription"), nullptr);
  EXPECT_EQ(after.Find("ExifOffset"), nullptr);
  absl::StatusOr<std::string> twice = ScrubTiff(*out, ScrubOptions{}, Limits());
  ASSERT_TRUE(twice.ok());
  EXPECT_EQ(*twice, *out);
}

}  // namespace
}  // namespace piivault::image_internal
