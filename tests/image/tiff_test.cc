// TIFF/Exif IFD parser, Exif essentials, minimal Exif builder, standalone
// TIFF scan/scrub, and the parser hazards (loops, offsets, overflow).
#include <cstring>
#include <memory>
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

// A thumbnail IFD whose StripOffsets/StripByteCounts are BYTE arrays stored
// at the very end of the file: the thumbnail's extent must not be read as
// 4-byte values (which ran past the input before). The input sits in an
// exactly-sized heap block so ASan sees any overread.
TEST(TiffFile, ThumbnailStripArraysOfOtherTypesStayInBounds) {
  for (bool le : {true, false}) {
    TiffBuilder b(le);
    int ifd0 = b.AddIfd();
    int thumb = b.AddIfd();
    b.Long(ifd0, 0x0100, 1);
    b.Long(thumb, 0x00FE, 1);
    b.Bytes(thumb, 0x0117, 1, std::string("\x01\x01\x01\x01\x01", 5));
    b.Bytes(thumb, 0x0111, 1, std::string("\x08\x08\x08\x08\x08", 5));
    b.SetNext(ifd0, thumb);
    std::string tiff = b.Build();
    ASSERT_EQ(tiff.substr(tiff.size() - 6, 5), std::string("\x08\x08\x08\x08\x08", 5));
    tiff.resize(tiff.size() - 1);  // drop the pad byte: the array ends the file
    auto exact = std::make_unique<char[]>(tiff.size());
    std::memcpy(exact.get(), tiff.data(), tiff.size());
    const std::string_view in(exact.get(), tiff.size());
    RecordingSink sink;
    EXPECT_TRUE(ScanTiff(in, Limits(), sink).ok());
    (void)ScrubTiff(in, ScrubOptions{}, Limits());
  }
}

// --- BigTIFF (version 43) -------------------------------------------------------

std::string DataFile(const std::string& name) {
  return image_testing::ReadBytes(std::string(PIIVAULT_SOURCE_DIR) + "/tests/image/data/" + name);
}

// A two-page BigTIFF: page 0 with metadata, an ExifIFD (IFD8 pointer) and a
// GPS IFD; a reduced-resolution thumbnail IFD; page 2 with its own strips.
std::string MakeBigTiff(bool le) {
  TiffBuilder b(le, /*big=*/true);
  int ifd0 = b.AddIfd();
  int exif = b.AddIfd();
  int gps = b.AddIfd();
  int thumb = b.AddIfd();
  int page2 = b.AddIfd();
  for (int page : {ifd0, page2}) {
    b.Long(page, 0x0100, 4);
    b.Long(page, 0x0101, 2);
    b.Short(page, 0x0102, 8);
    b.Short(page, 0x0103, 1);
    b.Short(page, 0x0106, 1);
    b.Short(page, 0x0115, 1);
    b.Short(page, 0x0116, 1);
  }
  b.Strips(ifd0, {"ABCD", "EFGH"});
  b.Strips(page2, {"IJKL", "MNOP"});
  b.Ascii(ifd0, 0x010E, "客户电话 13812345678");
  b.Short(ifd0, 0x0112, 6);
  b.Ascii(ifd0, 0x013B, "Zhang San");
  b.Add(ifd0, {0x0132, 2, 20, "2024:01:02 03:04:05"});  // 20 bytes: out of line in BigTIFF too
  b.Pointer(ifd0, 0x8769, exif);
  b.Pointer(ifd0, 0x8825, gps);
  b.Bytes(exif, 0x9286, 7, std::string("ASCII\0\0\0call me 13900000000", 28));
  b.Ascii(exif, 0xA431, "SN-42");  // 6 bytes: inline in BigTIFF (8-byte field)
  b.Ascii(gps, 0x0001, "N");
  b.Add(gps, {0x0002, 5, 3, b.U32(39) + b.U32(1) + b.U32(54) + b.U32(1) + b.U32(2) + b.U32(1)});
  b.Long(thumb, 0x00FE, 1);
  b.Strips(thumb, {"thumbnail pixels"});
  b.Ascii(page2, 0x010D, "/home/lisi/page2.tif");
  b.SetNext(ifd0, thumb);
  b.SetNext(thumb, page2);
  return b.Build();
}

// The test's own walk of a BigTIFF's next-IFD chain: how many IFDs.
int BigTiffIfdCount(std::string_view t) {
  const bool le = t[0] == 'I';
  auto u64 = [&](uint64_t at) {
    uint64_t v = 0;
    for (int i = 0; i < 8; ++i) {
      const uint64_t byte = static_cast<unsigned char>(t[at + (le ? i : 7 - i)]);
      v |= byte << (8 * i);
    }
    return v;
  };
  int n = 0;
  for (uint64_t ifd = u64(8); ifd != 0 && ifd + 8 <= t.size() && n < 100; ++n) {
    const uint64_t next_at = ifd + 8 + u64(ifd) * 20;
    if (next_at + 8 > t.size()) return -1;
    ifd = u64(next_at);
  }
  return n;
}

TEST(BigTiff, ScanReportsEveryIfdWithEightByteOffsets) {
  for (bool le : {true, false}) {
    SCOPED_TRACE(le ? "II" : "MM");
    const std::string in = MakeBigTiff(le);
    ASSERT_EQ(SniffImageFormat(in), ImageFormat::kTiff);
    RecordingSink sink;
    ASSERT_TRUE(ScanTiff(in, Limits(), sink).ok());
    const auto* desc = sink.Find("ImageDescription");
    ASSERT_NE(desc, nullptr);
    EXPECT_EQ(desc->text, "客户电话 13812345678");
    EXPECT_EQ(desc->item.location, "TIFF/IFD0");
    EXPECT_EQ(in.substr(desc->item.offset, desc->item.size), std::string("客户电话 13812345678") + '\0');
    ASSERT_NE(sink.Find("Artist"), nullptr);
    ASSERT_NE(sink.Find("ModifyDate"), nullptr);
    EXPECT_EQ(sink.Find("ModifyDate")->text, "2024:01:02 03:04:05");
    const auto* comment = sink.Find("UserComment");
    ASSERT_NE(comment, nullptr);
    EXPECT_EQ(comment->item.location, "TIFF/ExifIFD");
    EXPECT_EQ(comment->text, "call me 13900000000");
    ASSERT_NE(sink.Find("SerialNumber"), nullptr);
    EXPECT_EQ(sink.Find("SerialNumber")->text, "SN-42");
    ASSERT_NE(sink.Find("GPSLatitude"), nullptr);
    EXPECT_EQ(sink.Find("GPSLatitude")->item.location, "TIFF/GPS");
    const auto* thumb = sink.Find("ThumbnailImage");
    ASSERT_NE(thumb, nullptr);
    EXPECT_EQ(in.substr(thumb->item.offset, thumb->item.size), "thumbnail pixels");
    const auto* doc = sink.Find("DocumentName");
    ASSERT_NE(doc, nullptr);
    EXPECT_EQ(doc->item.location, "TIFF/IFD2");
    for (const auto& r : sink.items) {  // pages' structure is not metadata (the thumbnail's is)
      if (r.item.name == "StripOffsets") {
        EXPECT_EQ(r.item.location, "TIFF/IFD1");
      }
    }
  }
}

TEST(BigTiff, ScrubKeepsBigTiffPixelsAndRenderingTagsOnly) {
  for (bool le : {true, false}) {
    SCOPED_TRACE(le ? "II" : "MM");
    const std::string in = MakeBigTiff(le);
    absl::StatusOr<std::string> out = ScrubTiff(in, ScrubOptions{}, Limits());
    ASSERT_TRUE(out.ok()) << out.status();
    EXPECT_EQ(out->substr(0, 8), le ? std::string("II+\0\x08\0\0\0", 8) : std::string("MM\0+\0\x08\0\0", 8));
    for (std::string_view gone : {"13812345678", "Zhang San", "13900000000", "SN-42", "lisi", "thumbnail", "2024:"}) {
      EXPECT_EQ(out->find(gone), std::string::npos) << gone;
    }
    for (std::string_view kept : {"ABCD", "EFGH", "IJKL", "MNOP"}) EXPECT_NE(out->find(kept), std::string::npos);
    RecordingSink sink;
    ASSERT_TRUE(ScanTiff(*out, Limits(), sink).ok());
    ASSERT_EQ(sink.items.size(), 1u);  // Orientation of page 0; the thumbnail IFD is gone
    EXPECT_EQ(sink.items[0].item.name, "Orientation");
    // Both pages remain (the thumbnail IFD is dropped from the chain).
    EXPECT_EQ(BigTiffIfdCount(*out), 2);
    absl::StatusOr<std::string> twice = ScrubTiff(*out, ScrubOptions{}, Limits());
    ASSERT_TRUE(twice.ok());
    EXPECT_EQ(*twice, *out);
    ScrubOptions keep;
    keep.keep_copyright = true;
    EXPECT_TRUE(ScrubTiff(in, keep, Limits()).ok());
  }
}

TEST(BigTiff, ExifBlocksStayClassic) {
  // Exif is classic TIFF by definition: a BigTIFF header inside APP1/eXIf is refused.
  const std::string big = MakeBigTiff(true);
  RecordingSink sink;
  absl::Status s = ParseTiffMetadata(big, 0, "APP1/Exif", Limits(), sink);
  EXPECT_FALSE(s.ok());
  EXPECT_THAT(std::string(s.message()), HasSubstr("BigTIFF inside an Exif block"));
  EXPECT_FALSE(ReadExifEssentials(big).ok());
}

TEST(BigTiff, HostileHeadersCountsAndOffsets) {
  RecordingSink sink;
  // Truncated header, wrong offset size, IFD0 offset past the end.
  for (std::string bad : {std::string("II+\0\x08\0\0\0", 8), std::string("II+\0\x04\0\0\0\x10\0\0\0\0\0\0\0", 16),
                          std::string("II+\0\x08\0\0\0\xff\xff\xff\xff\xff\xff\xff\xff", 16)}) {
    EXPECT_FALSE(ScanTiff(bad, Limits(), sink).ok());
    EXPECT_FALSE(ScrubTiff(bad, ScrubOptions{}, Limits()).ok());
  }
  const std::string good = MakeBigTiff(true);
  const uint64_t ifd0 = 16;
  // An entry count of 2^63 (would overflow count * 20).
  {
    std::string t = good;
    t.replace(ifd0, 8, std::string("\0\0\0\0\0\0\0\x80", 8));
    RecordingSink s2;
    EXPECT_TRUE(ScanTiff(t, Limits(), s2).ok());  // reported as a bad IFD, no crash
    EXPECT_FALSE(ScrubTiff(t, ScrubOptions{}, Limits()).ok());
  }
  // A value count of 2^64-1 on the first entry and an offset of 2^64-1 on the second.
  {
    std::string t = good;
    t.replace(ifd0 + 8 + 4, 8, std::string(8, '\xff'));
    t.replace(ifd0 + 8 + 20 + 12, 8, std::string(8, '\xff'));
    RecordingSink s2;
    EXPECT_TRUE(ScanTiff(t, Limits(), s2).ok());
    EXPECT_FALSE(ScrubTiff(t, ScrubOptions{}, Limits()).ok());  // ImageWidth is a rendering tag
  }
  // The next-IFD chain looping back to IFD0.
  {
    TiffBuilder b(true, true);
    int a = b.AddIfd();
    int c = b.AddIfd();
    b.Long(a, 0x0100, 1);
    b.Long(c, 0x0100, 1);
    b.SetNext(a, c);
    b.SetNext(c, a);
    RecordingSink s2;
    EXPECT_TRUE(ScanTiff(b.Build(), Limits(), s2).ok());
    absl::StatusOr<std::string> out = ScrubTiff(b.Build(), ScrubOptions{}, Limits());
    ASSERT_FALSE(out.ok());
    EXPECT_THAT(std::string(out.status().message()), HasSubstr("loop"));
  }
  // Every prefix of a real BigTIFF: no crash, no read outside the input.
  const std::string real = DataFile("bigtiff_le_meta.tif");
  ASSERT_FALSE(real.empty());
  for (size_t n = 0; n < real.size(); n += 7) {
    RecordingSink s2;
    const std::string prefix = real.substr(0, n);
    (void)ScanTiff(prefix, Limits(), s2);
    (void)ScrubTiff(prefix, ScrubOptions{}, Limits());
  }
}

// Real BigTIFF files written by ImageMagick/libtiff (tests/image/data/make_bigtiff.sh).
TEST(BigTiff, RealFilesScanAndScrub) {
  for (const char* name : {"bigtiff_le_meta.tif", "bigtiff_be_tiled_pages.tif"}) {
    SCOPED_TRACE(name);
    const std::string in = DataFile(name);
    ASSERT_FALSE(in.empty());
    RecordingSink before;
    ASSERT_TRUE(ScanTiff(in, Limits(), before).ok());
    ASSERT_NE(before.Find("ImageDescription"), nullptr);
    ASSERT_NE(before.Find("PageName"), nullptr);
    absl::StatusOr<std::string> out = ScrubTiff(in, ScrubOptions{}, Limits());
    ASSERT_TRUE(out.ok()) << out.status();
    EXPECT_TRUE((*out)[2] == '+' || (*out)[3] == '+') << "no longer BigTIFF";
    EXPECT_EQ(BigTiffIfdCount(*out), BigTiffIfdCount(in));
    for (std::string_view gone : {"13912345678", "zhang.wei@example.com", "李娜", "王芳", "张伟"}) {
      EXPECT_EQ(out->find(gone), std::string::npos) << gone;
    }
    RecordingSink after;
    ASSERT_TRUE(ScanTiff(*out, Limits(), after).ok());
    EXPECT_EQ(after.Find("ImageDescription"), nullptr);
    EXPECT_EQ(after.Find("PageName"), nullptr);
    EXPECT_EQ(after.Find("XMP"), nullptr);
    absl::StatusOr<std::string> twice = ScrubTiff(*out, ScrubOptions{}, Limits());
    ASSERT_TRUE(twice.ok());
    EXPECT_EQ(*twice, *out);
  }
  RecordingSink meta;
  ASSERT_TRUE(ScanTiff(DataFile("bigtiff_le_meta.tif"), Limits(), meta).ok());
  EXPECT_NE(meta.Find("XMP"), nullptr);
  EXPECT_NE(meta.Find("dc:creator"), nullptr);
  EXPECT_NE(meta.Find("ICC_Profile"), nullptr);
}

}  // namespace
}  // namespace piivault::image_internal
