// PNG container: scan and scrub of the shared test images and of generated
// files (text kinds, eXIf orientation, APNG, unknown chunks, options).
#include <string>
#include <string_view>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "image/hazards_testutil.h"
#include "image/image_internal.h"

namespace piivault::image_internal {
namespace {

using ::testing::HasSubstr;
using namespace ::piivault::image_internal::testing;  // NOLINT

ParseLimits Limits() { return ParseLimits{}; }

std::string MustScrub(std::string_view png, const ScrubOptions& options = {}) {
  absl::StatusOr<std::string> out = ScrubPng(png, options, Limits());
  EXPECT_TRUE(out.ok()) << out.status();
  return out.ok() ? *out : std::string();
}

// Every property the container promises after a scrub.
void CheckScrubbed(std::string_view in, const ScrubOptions& options = {}) {
  std::string out = MustScrub(in, options);
  // Pixels: IDAT bytes identical; rendering chunks kept.
  EXPECT_EQ(PngConcat(out, "IDAT"), PngConcat(in, "IDAT"));
  for (const char* keep : {"IHDR", "PLTE", "gAMA", "tRNS", "iCCP", "sRGB", "cHRM", "IEND"}) {
    EXPECT_EQ(PngConcat(out, keep), PngConcat(in, keep)) << keep;
  }
  // No metadata left.
  for (const auto& c : PngChunks(out)) {
    EXPECT_NE(c.type, "tEXt");
    EXPECT_NE(c.type, "zTXt");
    EXPECT_NE(c.type, "tIME");
    if (!options.keep_copyright) {
      EXPECT_NE(c.type, "iTXt");
    }
  }
  // The output parses and scrubbing it again changes nothing.
  RecordingSink sink;
  EXPECT_TRUE(ScanPng(out, Limits(), sink).ok());
  EXPECT_EQ(MustScrub(out, options), out);
  // Streaming gives the same bytes, whatever the read sizes.
  for (size_t step : {size_t{1}, size_t{7}, size_t{4096}}) {
    MemoryByteSource source(in, step);
    std::string streamed;
    AppendingByteSink sink_out(streamed);
    ASSERT_TRUE(ScrubPngStream(source, sink_out, options, Limits()).ok());
    EXPECT_EQ(streamed, out) << "step " << step;
  }
}

TEST(PngTest, TextChunksOfPngSuiteAreReportedAndScrubbed) {
  std::string png = ReadTestImage("png_text_tEXt_ct1n0g04.png");
  ASSERT_FALSE(png.empty());
  RecordingSink sink;
  ASSERT_TRUE(ScanPng(png, Limits(), sink).ok());
  EXPECT_TRUE(sink.Has("tEXt", "Title", "PngSuite"));
  EXPECT_TRUE(sink.Has("tEXt", "Author", "Willem"));
  EXPECT_TRUE(sink.Has("tEXt", "Copyright", "Copyright Willem van Schaik"));
  EXPECT_TRUE(sink.Has("tEXt", "Description"));
  EXPECT_TRUE(sink.Has("tEXt", "Disclaimer", "Freeware"));
  CheckScrubbed(png);
  std::string out = MustScrub(png);
  EXPECT_FALSE(PngConcat(out, "gAMA").empty());  // rendering chunk kept
  RecordingSink after;
  ASSERT_TRUE(ScanPng(out, Limits(), after).ok());
  EXPECT_TRUE(after.items.empty());
}

TEST(PngTest, CompressedTextIsInflatedForTheDetector) {
  std::string png = ReadTestImage("png_ztxt_ctzn0g04.png");
  ASSERT_FALSE(png.empty());
  RecordingSink sink;
  ASSERT_TRUE(ScanPng(png, Limits(), sink).ok());
  EXPECT_TRUE(sink.Has("zTXt", "Copyright", "Copyright Willem van Schaik"));
  EXPECT_TRUE(sink.Has("zTXt", "Disclaimer", "Freeware"));
  EXPECT_TRUE(sink.Has("tEXt", "Author", "Willem"));
  CheckScrubbed(png);
}

TEST(PngTest, ExifChunkGoesToTheTiffParserAndIsDropped) {
  std::string png = ReadTestImage("png_exif_chunk_exifrs.png");
  ASSERT_FALSE(png.empty());
  RecordingSink sink;
  ASSERT_TRUE(ScanPng(png, Limits(), sink).ok());
  EXPECT_TRUE(sink.Has("eXIf"));
  EXPECT_TRUE(sink.AnyTextContains("Test image"));
  CheckScrubbed(png);
  EXPECT_TRUE(PngConcat(MustScrub(png), "eXIf").empty());
}

TEST(PngTest, ExifOrientationSurvivesAsMinimalExif) {
  ExifEssentials e;
  e.orientation = 6;
  std::string tiff = BuildMinimalExifTiff(e);
  ASSERT_FALSE(tiff.empty());
  // "Exif\0\0" prefixed (some writers), plus text and time that must go.
  std::string png = PngHead() + PngChunk("eXIf", Bin("Exif\0\0") + tiff) +
                    PngChunk("tEXt", Bin("Author\0Zhang San")) +
                    PngChunk("tIME", Bin("\x07\xea\x0b\x1d\x01\x02\x03")) + PngIdat() +
                    PngEnd();
  CheckScrubbed(png);
  std::string out = MustScrub(png);
  std::string exif = PngConcat(out, "eXIf");
  ASSERT_FALSE(exif.empty());
  absl::StatusOr<ExifEssentials> kept = ReadExifEssentials(exif);
  ASSERT_TRUE(kept.ok());
  EXPECT_EQ(kept->orientation, 6);
  // eXIf stays before IDAT.
  auto chunks = PngChunks(out);
  ASSERT_GE(chunks.size(), 4u);
  EXPECT_EQ(chunks[1].type, "eXIf");
}

TEST(PngTest, ExifAfterIdatAndOrientationOneAreDropped) {
  ExifEssentials six;
  six.orientation = 6;
  ExifEssentials one;
  one.orientation = 1;
  std::string before = PngHead() + PngChunk("eXIf", BuildMinimalExifTiff(one)) + PngIdat() + PngEnd();
  EXPECT_TRUE(PngConcat(MustScrub(before), "eXIf").empty());
  std::string after = PngHead() + PngIdat() + PngChunk("eXIf", BuildMinimalExifTiff(six)) + PngEnd();
  EXPECT_TRUE(PngConcat(MustScrub(after), "eXIf").empty());
}

TEST(PngTest, InternationalTextCompressedOrNot) {
  std::string plain = Bin("Comment\0\0\0zh\0\xe5\xa4\x87\xe6\xb3\xa8\0") +
                      "\xe6\x89\x8b\xe6\x9c\xba 13800138000";
  std::string packed = Bin("Description\0\x01\0\0\0") +
                       Deflate("\xe8\x81\x94\xe7\xb3\xbb\xe4\xba\xba \xe6\x9d\x8e\xe5\x9b\x9b");
  std::string png = PngHead() + PngChunk("iTXt", plain) + PngIdat() + PngChunk("iTXt", packed) +
                    PngEnd();
  RecordingSink sink;
  ASSERT_TRUE(ScanPng(png, Limits(), sink).ok());
  EXPECT_TRUE(sink.Has("iTXt", "Comment", "13800138000"));
  EXPECT_TRUE(sink.Has("iTXt", "Description", "\xe6\x9d\x8e\xe5\x9b\x9b"));
  CheckScrubbed(png);
}

TEST(PngTest, XmpInItxtGoesToTheXmpParser) {
  std::string xmp =
      "<?xpacket begin='' id='W5M0MpCehiHzreSzNTczkc9d'?><x:xmpmeta xmlns:x='adobe:ns:meta/'>"
      "<rdf:RDF xmlns:rdf='http://www.w3.org/1999/02/22-rdf-syntax-ns#'>"
      "<rdf:Description rdf:about='' xmlns:dc='http://purl.org/dc/elements/1.1/'>"
      "<dc:creator><rdf:Seq><rdf:li>Wang Wu</rdf:li></rdf:Seq></dc:creator>"
      "</rdf:Description></rdf:RDF></x:xmpmeta><?xpacket end='w'?>";
  std::string png = PngHead() + PngIdat() +
                    PngChunk("iTXt", Bin("XML:com.adobe.xmp\0\0\0\0\0") + xmp) +
                    PngEnd();
  RecordingSink sink;
  ASSERT_TRUE(ScanPng(png, Limits(), sink).ok());
  EXPECT_TRUE(sink.Has("iTXt", "XMP"));
  EXPECT_TRUE(sink.AnyTextContains("Wang Wu"));
  CheckScrubbed(png);
}

TEST(PngTest, LegacyRawProfileHexExifIsParsed) {
  ExifEssentials e;
  e.orientation = 3;
  std::string exif = Bin("Exif\0\0") + BuildMinimalExifTiff(e);
  std::string hex;
  for (unsigned char c : exif) {
    static const char* d = "0123456789abcdef";
    hex.push_back(d[c >> 4]);
    hex.push_back(d[c & 15]);
  }
  std::string text = "\nexif\n      " + std::to_string(exif.size()) + "\n" + hex + "\n";
  std::string png = PngHead() +
                    PngChunk("zTXt", Bin("Raw profile type exif\0\0") + Deflate(text)) +
                    PngIdat() + PngEnd();
  RecordingSink sink;
  ASSERT_TRUE(ScanPng(png, Limits(), sink).ok());
  EXPECT_TRUE(sink.Has("zTXt", "Raw profile type exif"));
  EXPECT_TRUE(sink.Has("zTXt/RawProfile/Exif"));
  CheckScrubbed(png);
}

TEST(PngTest, KeepsApngAndUnknownCriticalChunksInOrderDropsPrivateAncillary) {
  std::string actl = PngChunk("acTL", std::string(8, '\1'));
  std::string fctl = PngChunk("fcTL", std::string(26, '\2'));
  std::string fdat = PngChunk("fdAT", std::string(10, '\3'));
  std::string crit = PngChunk("CgBI", std::string(4, '\4'));
  std::string priv = PngChunk("prVt", "secret serial 12345");
  std::string cabx = PngChunk("caBX", "c2pa claims");
  std::string in = PngHead() + crit + actl + priv + fctl + PngIdat() + cabx + fctl + fdat + PngEnd() +
                   "trailing bytes after IEND";
  std::string out = MustScrub(in);
  std::string head = PngHead();
  EXPECT_EQ(out, head + crit + actl + fctl + PngIdat() + fctl + fdat + PngEnd());
  RecordingSink sink;
  ASSERT_TRUE(ScanPng(in, Limits(), sink).ok());
  EXPECT_TRUE(sink.Has("prVt"));
  EXPECT_TRUE(sink.Has("caBX"));
  EXPECT_TRUE(sink.Has("trailer"));
  CheckScrubbed(in);
}

TEST(PngTest, KeepCopyrightKeepsOnlyTheCopyrightText) {
  std::string copyright = PngChunk("tEXt", Bin("Copyright\0(c) ACME"));
  std::string in = PngHead() + copyright + PngChunk("tEXt", Bin("Author\0Li Si")) +
                   PngIdat() + PngEnd();
  ScrubOptions keep;
  keep.keep_copyright = true;
  std::string out = MustScrub(in, keep);
  EXPECT_EQ(out, PngHead() + copyright + PngIdat() + PngEnd());
  EXPECT_EQ(MustScrub(in), PngHead() + PngIdat() + PngEnd());
  MemoryByteSource source(in, 3);
  std::string streamed;
  AppendingByteSink stream(streamed);
  ASSERT_TRUE(ScrubPngStream(source, stream, keep, Limits()).ok());
  EXPECT_EQ(streamed, out);
}

// The scrubber checks CRCs with its own (carry-less multiply) code for long
// chunks: it must agree with zlib on every length and catch every bit flip.
TEST(PngTest, CrcCheckAgreesWithZlibOnEveryLengthAndCatchesBitFlips) {
  uint32_t seed = 12345;
  auto next = [&] {
    seed = seed * 1664525u + 1013904223u;
    return seed >> 8;
  };
  std::vector<size_t> lengths;
  for (size_t n = 0; n <= 300; ++n) lengths.push_back(n);
  for (size_t n : {1000, 4096, 65535, 65536, 65537, 100003, 262144 + 13}) lengths.push_back(n);
  for (size_t n : lengths) {
    std::string data(n, '\0');
    for (char& c : data) c = static_cast<char>(next());
    std::string png = PngHead() + PngChunk("IDAT", data) + PngEnd();
    absl::StatusOr<std::string> out = ScrubPng(png, {}, Limits());
    ASSERT_TRUE(out.ok()) << "length " << n << ": " << out.status();
    ASSERT_EQ(*out, png);
    if (n == 0) continue;
    std::string flipped = png;
    flipped[33 + 8 + next() % n] ^= static_cast<char>(1 << (next() % 8));
    EXPECT_FALSE(ScrubPng(flipped, {}, Limits()).ok()) << "length " << n;
    RecordingSink sink;
    EXPECT_FALSE(ScanPng(flipped, Limits(), sink).ok()) << "length " << n;
  }
}

}  // namespace
}  // namespace piivault::image_internal
