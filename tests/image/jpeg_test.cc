// JPEG scan and scrub: real files and generated hazards.
#include <algorithm>
#include <random>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "image/image_internal.h"
#include "scanner_testing.h"

namespace piivault::image_internal {
namespace {

using image_testing::ExifApp1;
using image_testing::JpegSegment;
using image_testing::MakeJpeg;
using image_testing::RecordingSink;
using image_testing::TestImage;
using image_testing::TiffBuilder;
using ::testing::HasSubstr;

ParseLimits Limits() { return ParseLimits{}; }

absl::StatusOr<std::string> ScrubViaStream(std::string_view in, size_t chunk) {
  MemoryByteSource src(in, chunk);  // small, uneven pieces
  std::string out;
  AppendingByteSink sink(out);
  absl::Status s = ScrubJpegStream(src, sink, ScrubOptions{}, Limits());
  if (!s.ok()) return s;
  return out;
}

std::string ExifWithOrientation(uint16_t orientation) {
  TiffBuilder b(false);
  int ifd0 = b.AddIfd();
  int gps = b.AddIfd();
  b.Ascii(ifd0, 0x013B, "Li Si");
  b.Short(ifd0, 0x0112, orientation);
  b.Pointer(ifd0, 0x8825, gps);
  b.Ascii(gps, 0x0001, "N");
  return b.Build();
}

std::string IccChunk(uint8_t seq, uint8_t count, std::string_view data) {
  return JpegSegment(0xE2, std::string("ICC_PROFILE\0", 12) + std::string(1, static_cast<char>(seq)) +
                               std::string(1, static_cast<char>(count)) + std::string(data));
}

std::string FakeIccProfile(size_t size) {
  std::string p(size, 'i');
  p[0] = static_cast<char>(size >> 24);
  p[1] = static_cast<char>(size >> 16);
  p[2] = static_cast<char>(size >> 8);
  p[3] = static_cast<char>(size);
  p.replace(36, 4, "acsp");
  return p;
}

TEST(JpegScrub, KeepsRenderingSegmentsOrientationIccAndAdobe) {
  std::string icc = FakeIccProfile(300);
  std::string meta = JpegSegment(0xE0, std::string("JFIF\0\x01\x02\x00\x00\x01\x00\x01\x01\x01" "abc", 17)) +
                     ExifApp1(ExifWithOrientation(6)) +
                     JpegSegment(0xE1, std::string("http://ns.adobe.com/xap/1.0/\0", 29) + "<x/>") +
                     IccChunk(2, 2, icc.substr(200)) + IccChunk(1, 2, icc.substr(0, 200)) +
                     JpegSegment(0xFE, "secret comment 13812345678") +
                     JpegSegment(0xEE, std::string("Adobe\0\x64\0\0\0\0\x01", 12) + "extra");
  std::string in = MakeJpeg(meta, "TRAILER with secrets");
  absl::StatusOr<std::string> out = ScrubJpeg(in, ScrubOptions{}, Limits());
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_EQ(out->find("Li Si"), std::string::npos);
  EXPECT_EQ(out->find("secret"), std::string::npos);
  EXPECT_EQ(out->find("TRAILER"), std::string::npos);
  EXPECT_EQ(out->find("adobe.com"), std::string::npos);
  EXPECT_EQ(out->find("extra"), std::string::npos);
  EXPECT_EQ(out->find("abc"), std::string::npos);  // JFIF thumbnail bytes
  EXPECT_NE(out->find("Adobe"), std::string::npos);
  EXPECT_EQ(out->substr(out->size() - 2), "\xFF\xD9");
  // Pixels (all rendering segments) unchanged.
  absl::StatusOr<std::string> r1 = JpegRenderBytes(in);
  absl::StatusOr<std::string> r2 = JpegRenderBytes(*out);
  ASSERT_TRUE(r1.ok() && r2.ok());
  EXPECT_EQ(*r1, *r2);
  // Orientation and ICC survive, in order.
  RecordingSink sink;
  ASSERT_TRUE(ScanJpeg(*out, Limits(), sink).ok());
  std::vector<std::string> names;
  for (const auto& r : sink.items) names.push_back(r.item.name);
  EXPECT_THAT(names, ::testing::ElementsAre("JFIF", "Exif", "Orientation", "XResolution", "YResolution",
                                            "ResolutionUnit", "YCbCrPositioning", "ICC_Profile", "ICC_Profile",
                                            "Adobe"));
  EXPECT_EQ(out->find(std::string("ICC_PROFILE\0\x01\x02", 14)) < out->find(std::string("ICC_PROFILE\0\x02\x02", 14)),
            true);
  // Idempotent, and the stream version gives the same bytes.
  absl::StatusOr<std::string> twice = ScrubJpeg(*out, ScrubOptions{}, Limits());
  ASSERT_TRUE(twice.ok());
  EXPECT_EQ(*twice, *out);
  for (size_t chunk : {1, 2, 3, 7, 64, 4096}) {
    absl::StatusOr<std::string> streamed = ScrubViaStream(in, chunk);
    ASSERT_TRUE(streamed.ok()) << chunk << " " << streamed.status();
    EXPECT_EQ(*streamed, *out) << chunk;
  }
}

TEST(JpegScrub, DropsInconsistentIcc) {
  std::string icc = FakeIccProfile(300);
  for (std::string meta : {IccChunk(1, 2, icc.substr(0, 200)),                                  // missing chunk
                           IccChunk(1, 2, icc.substr(0, 200)) + IccChunk(1, 2, icc.substr(200)),  // duplicate
                           IccChunk(1, 1, icc.substr(0, 200)),                                  // size lies
                           IccChunk(0, 0, icc)}) {
    absl::StatusOr<std::string> out = ScrubJpeg(MakeJpeg(meta), ScrubOptions{}, Limits());
    ASSERT_TRUE(out.ok());
    EXPECT_EQ(out->find("ICC_PROFILE"), std::string::npos);
  }
}

TEST(JpegScrub, NoExifWithoutOrientation) {
  absl::StatusOr<std::string> out =
      ScrubJpeg(MakeJpeg(JpegSegment(0xFE, "hello")), ScrubOptions{}, Limits());
  ASSERT_TRUE(out.ok());
  EXPECT_EQ(*out, std::string("\xFF\xD8", 2) + image_testing::JpegBody());
}

TEST(JpegScrub, MetadataBetweenScansAndAfterSofIsDropped) {
  std::string body = image_testing::JpegBody();
  // Put a COM after SOF0 and an APP1 between the ECS and EOI.
  size_t sof = body.find("\xFF\xC0");
  body.insert(sof, JpegSegment(0xFE, "after-sof 13812345678"));
  size_t eoi = body.rfind("\xFF\xD9");
  body.insert(eoi, JpegSegment(0xE1, "between scans"));
  std::string in = std::string("\xFF\xD8", 2) + body;
  absl::StatusOr<std::string> out = ScrubJpeg(in, ScrubOptions{}, Limits());
  ASSERT_TRUE(out.ok());
  EXPECT_EQ(out->find("after-sof"), std::string::npos);
  EXPECT_EQ(out->find("between"), std::string::npos);
  EXPECT_EQ(*JpegRenderBytes(in), *JpegRenderBytes(*out));
}

TEST(JpegScrub, HazardsGiveCleanErrors) {
  std::string good = MakeJpeg(ExifApp1(ExifWithOrientation(3)));
  // Lying segment length (past the end).
  std::string lying = good;
  lying[4] = '\x7F';
  absl::StatusOr<std::string> out = ScrubJpeg(lying, ScrubOptions{}, Limits());
  EXPECT_EQ(out.status().code(), absl::StatusCode::kDataLoss);
  EXPECT_THAT(std::string(out.status().message()), HasSubstr("offset 2"));
  // Length < 2.
  std::string tiny = good;
  tiny[4] = 0;
  tiny[5] = 1;
  EXPECT_EQ(ScrubJpeg(tiny, ScrubOptions{}, Limits()).status().code(), absl::StatusCode::kInvalidArgument);
  // Not a JPEG; EOI before any scan.
  EXPECT_FALSE(ScrubJpeg("hello", ScrubOptions{}, Limits()).ok());
  EXPECT_FALSE(ScrubJpeg(std::string("\xFF\xD8\xFF\xD9", 4), ScrubOptions{}, Limits()).ok());
  // Every truncation: never crashes; a result is a valid, stable JPEG with the same pixels prefix.
  for (size_t n = 0; n < good.size(); ++n) {
    std::string cut = good.substr(0, n);
    absl::StatusOr<std::string> r = ScrubJpeg(cut, ScrubOptions{}, Limits());
    RecordingSink sink;
    (void)ScanJpeg(cut, Limits(), sink);
    if (!r.ok()) continue;
    EXPECT_EQ(r->substr(r->size() - 2), "\xFF\xD9");
    absl::StatusOr<std::string> again = ScrubJpeg(*r, ScrubOptions{}, Limits());
    ASSERT_TRUE(again.ok()) << n;
    EXPECT_EQ(*again, *r) << n;
    absl::StatusOr<std::string> streamed = ScrubViaStream(cut, 5);
    ASSERT_TRUE(streamed.ok());
    EXPECT_EQ(*streamed, *r);
  }
}

TEST(JpegScrub, GarbageAndFillBetweenSegmentsIsResynchronised) {
  std::string in = std::string("\xFF\xD8", 2) + JpegSegment(0xFE, "x") + "junk\xFF\xFF\xFF" +
                   image_testing::JpegBody().substr(0);
  absl::StatusOr<std::string> out = ScrubJpeg(in, ScrubOptions{}, Limits());
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_EQ(*out, std::string("\xFF\xD8", 2) + image_testing::JpegBody());
}

TEST(JpegScrub, RandomMutationsNeverBreakTheProperties) {
  std::string base = TestImage("jpeg_xmp_artist_exiftool.jpg");
  ASSERT_FALSE(base.empty());
  std::mt19937 rng(5);
  for (int iter = 0; iter < 300; ++iter) {
    std::string m = base;
    int edits = 1 + static_cast<int>(rng() % 4);
    for (int e = 0; e < edits; ++e) m[rng() % m.size()] = static_cast<char>(rng());
    if (rng() % 3 == 0) m.resize(rng() % m.size());
    RecordingSink sink;
    (void)ScanJpeg(m, Limits(), sink);
    absl::StatusOr<std::string> r = ScrubJpeg(m, ScrubOptions{}, Limits());
    if (!r.ok()) continue;
    absl::StatusOr<std::string> again = ScrubJpeg(*r, ScrubOptions{}, Limits());
    ASSERT_TRUE(again.ok()) << iter;
    EXPECT_EQ(*again, *r) << iter;
  }
}

TEST(JpegScan, RealFilesReportWhatTheManifestSays) {
  struct Case {
    const char* file;
    std::vector<std::string> names;
  };
  const Case cases[] = {
      {"jpeg_gps_nikon_DSCN0010.jpg", {"GPSLatitude", "GPSLongitude", "MakerNote", "ThumbnailImage", "XMP"}},
      {"jpeg_iptc_photoshop_irb.jpg", {"By-line", "City", "Caption-Abstract", "Writer-Editor"}},
      {"jpeg_xmp_artist_exiftool.jpg", {"Artist", "Copyright", "dc:creator", "photoshop:City", "ICC_Profile"}},
      {"jpeg_xpauthor_pentax_k10d.jpg", {"XPAuthor", "Copyright", "dc:creator", "ThumbnailImage"}},
      {"jpeg_com_gimp_decodable.jpg", {"Comment"}},
      {"jpeg_thumb_icc_canon40d.jpg", {"ThumbnailImage", "ICC_Profile", "UserComment"}},
      {"jpeg_trailer_fotostation_iptc.jpg", {"Trailer", "Caption-Abstract", "SpecialInstructions"}},
      {"mpo_mpf_frame_size.mpo", {"MPF", "MPImage2", "MakerNote"}},
      {"bad_jpeg_exif_ifd_offset.jpg", {"Orientation", "PhotoshopThumbnail", "XMP"}},
  };
  for (const Case& c : cases) {
    std::string in = TestImage(c.file);
    ASSERT_FALSE(in.empty()) << c.file;
    RecordingSink sink;
    (void)ScanJpeg(in, Limits(), sink);
    for (const std::string& name : c.names) {
      const auto* r = sink.Find(name);
      ASSERT_NE(r, nullptr) << c.file << " lacks " << name;
      EXPECT_LE(r->item.offset + r->item.size, in.size()) << c.file << " " << name;
    }
  }
  // XPAuthor decoded from UCS-2, UTF-16BE XMP decoded.
  RecordingSink pentax;
  ASSERT_TRUE(ScanJpeg(TestImage("jpeg_xpauthor_pentax_k10d.jpg"), Limits(), pentax).ok());
  EXPECT_EQ(pentax.Find("XPAuthor")->text, "www.laitche.com");
  RecordingSink xmp;
  ASSERT_TRUE(ScanJpeg(TestImage("jpeg_xmp_artist_exiftool.jpg"), Limits(), xmp).ok());
  EXPECT_EQ(xmp.Find("dc:creator")->text, "Phil Harvey");
  EXPECT_EQ(xmp.Find("photoshop:City")->text, "Kingston");
  RecordingSink iptc;
  ASSERT_TRUE(ScanJpeg(TestImage("jpeg_iptc_photoshop_irb.jpg"), Limits(), iptc).ok());
  EXPECT_EQ(iptc.Find("By-line")->text, "Phil Harvey");
}

TEST(JpegScrub, RealFilesKeepPixelsAndAreStable) {
  for (const std::string& name : image_testing::AllTestImages()) {
    std::string in = TestImage(name);
    if (SniffImageFormat(in) != ImageFormat::kJpeg) continue;
    absl::StatusOr<std::string> out = ScrubJpeg(in, ScrubOptions{}, Limits());
    ASSERT_TRUE(out.ok()) << name << ": " << out.status();
    absl::StatusOr<std::string> r1 = JpegRenderBytes(in);
    absl::StatusOr<std::string> r2 = JpegRenderBytes(*out);
    ASSERT_TRUE(r1.ok() && r2.ok()) << name;
    EXPECT_EQ(*r1, *r2) << name;
    absl::StatusOr<std::string> twice = ScrubJpeg(*out, ScrubOptions{}, Limits());
    ASSERT_TRUE(twice.ok());
    EXPECT_EQ(*twice, *out) << name;
    absl::StatusOr<std::string> streamed = ScrubViaStream(in, 1000);
    ASSERT_TRUE(streamed.ok());
    EXPECT_EQ(*streamed, *out) << name;
    // Nothing but Orientation / ICC / JFIF / Adobe left.
    RecordingSink sink;
    ASSERT_TRUE(ScanJpeg(*out, Limits(), sink).ok()) << name;
    for (const auto& r : sink.items) {
      EXPECT_THAT(r.item.name, ::testing::AnyOf("JFIF", "Exif", "Orientation", "ICC_Profile", "Adobe",
                                                "XResolution", "YResolution", "ResolutionUnit",
                                                "YCbCrPositioning"))
          << name;
    }
  }
}

TEST(JpegScrub, KeepsCopyrightWhenAsked) {
  TiffBuilder b;
  int ifd0 = b.AddIfd();
  b.Ascii(ifd0, 0x8298, "(c) ACME Ltd");
  b.Ascii(ifd0, 0x013B, "Artist Name");
  ScrubOptions opt;
  opt.keep_copyright = true;
  absl::StatusOr<std::string> out = ScrubJpeg(MakeJpeg(ExifApp1(b.Build())), opt, Limits());
  ASSERT_TRUE(out.ok());
  EXPECT_NE(out->find("(c) ACME Ltd"), std::string::npos);
  EXPECT_EQ(out->find("Artist Name"), std::string::npos);
  absl::StatusOr<std::string> plain = ScrubJpeg(MakeJpeg(ExifApp1(b.Build())), ScrubOptions{}, Limits());
  ASSERT_TRUE(plain.ok());
  EXPECT_EQ(plain->find("ACME"), std::string::npos);
}

}  // namespace
}  // namespace piivault::image_internal
