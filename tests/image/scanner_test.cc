// ImageScanner front end: sniffing, classification, findings, dispatch,
// streaming.
#include <sstream>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "image/image_internal.h"
#include "piivault/image.h"
#include "scanner_testing.h"

namespace piivault {
namespace {

using image_testing::TestImage;

TEST(Sniff, RecognisesEveryContainer) {
  EXPECT_EQ(SniffImageFormat(std::string("\xFF\xD8\xFF\xE0", 4)), ImageFormat::kJpeg);
  EXPECT_EQ(SniffImageFormat(std::string("\x89PNG\r\n\x1a\n", 8)), ImageFormat::kPng);
  EXPECT_EQ(SniffImageFormat(std::string("RIFF\x10\0\0\0WEBPVP8 ", 16)), ImageFormat::kWebp);
  EXPECT_EQ(SniffImageFormat(std::string("II*\0", 4)), ImageFormat::kTiff);
  EXPECT_EQ(SniffImageFormat(std::string("MM\0*", 4)), ImageFormat::kTiff);
  EXPECT_EQ(SniffImageFormat("GIF89a"), ImageFormat::kGif);
  EXPECT_EQ(SniffImageFormat(std::string("\0\0\0\x18" "ftypheic\0\0\0\0mif1", 20)), ImageFormat::kHeif);
  EXPECT_EQ(SniffImageFormat(std::string("\0\0\0\x18" "ftypisom\0\0\0\0avif", 20)), ImageFormat::kHeif);
  EXPECT_EQ(SniffImageFormat(std::string("\0\0\0\x18" "ftypisom\0\0\0\0mp41", 20)), ImageFormat::kUnknown);
  EXPECT_EQ(SniffImageFormat(""), ImageFormat::kUnknown);
  EXPECT_EQ(SniffImageFormat("\xFF"), ImageFormat::kUnknown);
  EXPECT_EQ(ImageFormatName(ImageFormat::kWebp), "webp");
  EXPECT_EQ(ImageFormatName(ImageFormat::kUnknown), "unknown");
  for (const std::string& name : image_testing::AllTestImages()) {
    EXPECT_NE(SniffImageFormat(TestImage(name)), ImageFormat::kUnknown) << name;
  }
}

TEST(Classify, AlwaysSensitiveNames) {
  using image_internal::ClassifyMetadataName;
  EXPECT_EQ(ClassifyMetadataName("APP1/Exif/GPS", "GPSLatitude"), EntityType::kGeoLocation);
  EXPECT_EQ(ClassifyMetadataName("APP1/XMP", "exif:GPSDestLongitude"), EntityType::kGeoLocation);
  EXPECT_EQ(ClassifyMetadataName("APP1/Exif/GPS", "GPSVersionID"), EntityType::kUnknown);
  EXPECT_EQ(ClassifyMetadataName("APP1/Exif/ExifIFD", "LensSerialNumber"), EntityType::kDeviceSerial);
  EXPECT_EQ(ClassifyMetadataName("APP1/XMP", "aux:SerialNumber"), EntityType::kDeviceSerial);
  EXPECT_EQ(ClassifyMetadataName("APP1/XMP", "exifEX:BodySerialNumber"), EntityType::kDeviceSerial);
  EXPECT_EQ(ClassifyMetadataName("APP1/Exif/IFD0", "Artist"), EntityType::kOwnerName);
  EXPECT_EQ(ClassifyMetadataName("APP1/Exif/IFD0", "XPAuthor"), EntityType::kOwnerName);
  EXPECT_EQ(ClassifyMetadataName("APP13/Photoshop/IPTC", "By-line"), EntityType::kOwnerName);
  EXPECT_EQ(ClassifyMetadataName("APP1/XMP", "dc:creator"), EntityType::kOwnerName);
  EXPECT_EQ(ClassifyMetadataName("TIFF/IFD0", "DocumentName"), EntityType::kOwnerName);
  EXPECT_EQ(ClassifyMetadataName("MPF", "MPImage2"), EntityType::kThumbnail);
  EXPECT_EQ(ClassifyMetadataName("APP1/Exif/IFD0", "ImageDescription"), EntityType::kUnknown);
  EXPECT_EQ(ClassifyMetadataName("APP1/Exif/IFD0", "Orientation"), EntityType::kUnknown);
}

class ScannerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    absl::StatusOr<ImageScanner> s = ImageScanner::Create({});
    ASSERT_TRUE(s.ok()) << s.status();
    scanner_ = std::make_unique<ImageScanner>(std::move(*s));
  }
  std::unique_ptr<ImageScanner> scanner_;
};

bool HasFinding(const ImageReport& r, EntityType type, std::string_view item_name) {
  for (const ImageFinding& f : r.findings) {
    if (f.type == type && r.items[f.item].name == item_name) return true;
  }
  return false;
}

TEST_F(ScannerTest, ReportsAlwaysSensitiveItemsAsFindings) {
  absl::StatusOr<ImageReport> r = scanner_->Scan(TestImage("jpeg_gps_nikon_DSCN0010.jpg"));
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->format, ImageFormat::kJpeg);
  EXPECT_TRUE(HasFinding(*r, EntityType::kGeoLocation, "GPSLatitude"));
  EXPECT_TRUE(HasFinding(*r, EntityType::kThumbnail, "ThumbnailImage"));
  EXPECT_TRUE(HasFinding(*r, EntityType::kDeviceSerial, "MakerNote"));
  for (const ImageFinding& f : r->findings) {
    ASSERT_LT(f.item, r->items.size());
    if (f.validated_by == "tag") {
      EXPECT_EQ(f.confidence, 1.0f);
    }
  }
  absl::StatusOr<ImageReport> x = scanner_->Scan(TestImage("jpeg_xmp_artist_exiftool.jpg"));
  ASSERT_TRUE(x.ok());
  EXPECT_TRUE(HasFinding(*x, EntityType::kOwnerName, "Artist"));
  EXPECT_TRUE(HasFinding(*x, EntityType::kOwnerName, "dc:creator"));
  EXPECT_TRUE(HasFinding(*x, EntityType::kGeoLocation, "photoshop:City"));
}

TEST_F(ScannerTest, RunsTheTextDetectorOverTextItems) {
  image_testing::TiffBuilder b;
  int ifd0 = b.AddIfd();
  int exif = b.AddIfd();
  b.Ascii(ifd0, 0x010E, "客户手机号13812345678");
  b.Pointer(ifd0, 0x8769, exif);
  // UserComment in UCS-2 with its charset header.
  std::string uc("UNICODE\0", 8);
  for (char c : std::string("tel 13912345678")) {
    uc.push_back(c);
    uc.push_back('\0');
  }
  b.Bytes(exif, 0x9286, 7, uc);
  std::string jpeg = image_testing::MakeJpeg(image_testing::ExifApp1(b.Build()) +
                                             image_testing::JpegSegment(0xFE, "联系电话 13712345678"));
  absl::StatusOr<ImageReport> r = scanner_->Scan(jpeg);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_TRUE(HasFinding(*r, EntityType::kCnMobile, "ImageDescription"));
  EXPECT_TRUE(HasFinding(*r, EntityType::kCnMobile, "UserComment"));
  EXPECT_TRUE(HasFinding(*r, EntityType::kCnMobile, "Comment"));
  for (const ImageFinding& f : r->findings) {
    if (f.type == EntityType::kCnMobile) {
      EXPECT_NE(f.validated_by, "tag");
    }
  }
  absl::StatusOr<std::string> clean = scanner_->Scrub(jpeg, {});
  ASSERT_TRUE(clean.ok());
  absl::StatusOr<ImageReport> after = scanner_->Scan(*clean);
  ASSERT_TRUE(after.ok());
  EXPECT_TRUE(after->findings.empty());
}

TEST_F(ScannerTest, ScrubRemovesEveryFindingOnEveryJpeg) {
  for (const std::string& name : image_testing::AllTestImages()) {
    std::string in = TestImage(name);
    if (SniffImageFormat(in) != ImageFormat::kJpeg) continue;
    absl::StatusOr<std::string> out = scanner_->Scrub(in, {});
    ASSERT_TRUE(out.ok()) << name << " " << out.status();
    absl::StatusOr<ImageReport> r = scanner_->Scan(*out);
    ASSERT_TRUE(r.ok()) << name;
    EXPECT_TRUE(r->findings.empty()) << name << ": " << r->items[r->findings[0].item].name;
  }
}

TEST_F(ScannerTest, StreamEqualsBuffer) {
  for (const std::string& name : image_testing::AllTestImages()) {
    std::string in = TestImage(name);
    absl::StatusOr<std::string> buffered = ScrubImage(in);
    std::istringstream is(in);
    std::ostringstream os;
    absl::Status s = scanner_->ScrubStream(is, os, {});
    EXPECT_EQ(s.ok(), buffered.ok()) << name << " " << s;
    if (s.ok() && buffered.ok()) {
      EXPECT_EQ(os.str(), *buffered) << name;
    }
  }
}

TEST_F(ScannerTest, RejectsUnknownAndOversizedInput) {
  EXPECT_EQ(scanner_->Scan("plain text").status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ScrubImage("plain text").status().code(), absl::StatusCode::kInvalidArgument);
  ImageScannerOptions small;
  small.max_input_bytes = 10;
  absl::StatusOr<std::string> r = ScrubImage(TestImage("jpeg_iptc_photoshop_irb.jpg"), {}, small);
  EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(r.status().message()), ::testing::HasSubstr("limit is 10"));
}

}  // namespace
}  // namespace piivault
