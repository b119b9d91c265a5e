// Hostile and broken inputs for the PNG, WebP, GIF and HEIF modules: lying
// sizes, truncation at every byte, bad CRCs, decompression bombs, missing
// terminators, iloc extents out of range, deep box nesting. Each must give a
// clean error naming the format and the offset (or a bounded success), never a
// crash, a hang or an allocation sized by a declared length.
#include <string>
#include <string_view>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "image/hazards_testutil.h"
#include "image/image_internal.h"

namespace piivault::image_internal {
namespace {

using ::testing::AllOf;
using ::testing::HasSubstr;
using namespace ::piivault::image_internal::testing;  // NOLINT

ParseLimits SmallLimits() {
  ParseLimits limits;
  limits.max_decompressed_bytes = 1 << 20;
  return limits;
}

// Every strict prefix of a well-formed file must fail cleanly, in scan,
// scrub and (where there is one) the streaming scrub.
// (HEIF has no end marker: a prefix ending on a top-level box boundary is a
// well-formed file, so there only the error messages are checked.)
template <typename Scan, typename Scrub>
void EveryPrefixFails(std::string_view file, Scan scan, Scrub scrub, std::string_view format,
                      bool boundaries_may_parse = false) {
  ASSERT_FALSE(file.empty());
  for (size_t n = 0; n < file.size(); ++n) {
    std::string_view prefix = file.substr(0, n);
    RecordingSink sink;
    absl::Status s = scan(prefix, sink);
    if (!boundaries_may_parse) {
      EXPECT_FALSE(s.ok()) << format << " prefix " << n;
    }
    if (!s.ok()) {
      EXPECT_THAT(std::string(s.message()), HasSubstr(std::string(format) + ":")) << n;
    }
    absl::StatusOr<std::string> out = scrub(prefix);
    if (!boundaries_may_parse) {
      EXPECT_FALSE(out.ok()) << format << " prefix " << n;
    }
  }
}

// --- PNG ---------------------------------------------------------------------

TEST(HazardsTest, PngTruncatedAtEveryByte) {
  for (const char* name : {"png_text_tEXt_ct1n0g04.png", "png_ztxt_ctzn0g04.png",
                           "png_exif_chunk_exifrs.png"}) {
    std::string png = ReadTestImage(name);
    EveryPrefixFails(
        png, [](std::string_view b, MetadataSink& s) { return ScanPng(b, SmallLimits(), s); },
        [](std::string_view b) { return ScrubPng(b, {}, SmallLimits()); }, "png");
    for (size_t n : {size_t{0}, size_t{8}, size_t{20}, png.size() / 2, png.size() - 1}) {
      MemoryByteSource source(std::string_view(png).substr(0, n), 5);
      std::string streamed;
      AppendingByteSink sink(streamed);
      EXPECT_FALSE(ScrubPngStream(source, sink, {}, SmallLimits()).ok()) << name << " " << n;
    }
  }
}

TEST(HazardsTest, PngLyingChunkLength) {
  std::string png = PngHead() + PngIdat() + PngEnd();
  std::string huge = png;
  huge.replace(33, 4, Bin("\xff\xff\xff\xff"));  // IDAT length
  RecordingSink sink;
  absl::Status s = ScanPng(huge, SmallLimits(), sink);
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(s.message()),
              AllOf(HasSubstr("png:"), HasSubstr("offset 33"), HasSubstr("4294967295")));
  EXPECT_FALSE(ScrubPng(huge, {}, SmallLimits()).ok());

  std::string lie = png;
  lie.replace(33, 4, Bin("\x00\x01\x00\x00"));  // 65536 bytes, far fewer remain
  s = ScanPng(lie, SmallLimits(), sink);
  EXPECT_FALSE(s.ok());
  EXPECT_THAT(std::string(s.message()),
              AllOf(HasSubstr("png:"), HasSubstr("offset 33"), HasSubstr("65536"), HasSubstr("remain")));
  absl::StatusOr<std::string> out = ScrubPng(lie, {}, SmallLimits());
  EXPECT_FALSE(out.ok());
  EXPECT_THAT(std::string(out.status().message()), HasSubstr("offset 33"));
}

TEST(HazardsTest, PngBadCrcNamesChunkAndOffset) {
  std::string png = PngHead() + PngChunk("tEXt", Bin("Author\0Zhou Ba")) + PngIdat() + PngEnd();
  png[33 + 8 + 3] ^= 0x20;  // flip a bit inside the tEXt data
  RecordingSink sink;
  absl::Status s = ScanPng(png, SmallLimits(), sink);
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(s.message()),
              AllOf(HasSubstr("'tEXt'"), HasSubstr("offset 33"), HasSubstr("CRC")));
  // The scrubber drops tEXt, but still refuses a corrupt file.
  absl::StatusOr<std::string> out = ScrubPng(png, {}, SmallLimits());
  ASSERT_FALSE(out.ok());
  EXPECT_THAT(std::string(out.status().message()), HasSubstr("CRC"));
  // No personal data in the message.
  EXPECT_THAT(std::string(out.status().message()), ::testing::Not(HasSubstr("Zhou")));
}

TEST(HazardsTest, PngZtxtBombIsCapped) {
  std::string bomb = Deflate(std::string(8 << 20, '\0'));  // 8 MiB of zeros, ~8 KiB
  std::string png = PngHead() + PngChunk("zTXt", Bin("Comment\0\0") + bomb) + PngIdat() + PngEnd();
  RecordingSink sink;
  absl::Status s = ScanPng(png, SmallLimits(), sink);
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(s.message()),
              AllOf(HasSubstr("png:"), HasSubstr("'zTXt'"), HasSubstr("decompression limit")));
  // Scrubbing never inflates: the bomb is simply dropped.
  absl::StatusOr<std::string> out = ScrubPng(png, {}, SmallLimits());
  ASSERT_TRUE(out.ok());
  EXPECT_EQ(*out, PngHead() + PngIdat() + PngEnd());
}

TEST(HazardsTest, PngDecompressionLimitIsForTheWholeFile) {
  std::string part = Deflate(std::string(600 << 10, 'a'));  // 600 KiB each, 1 MiB limit
  std::string one = PngChunk("iTXt", Bin("Comment\0\x01\0\0\0") + part);
  RecordingSink sink;
  EXPECT_TRUE(ScanPng(PngHead() + one + PngIdat() + PngEnd(), SmallLimits(), sink).ok());
  absl::Status s = ScanPng(PngHead() + one + one + PngIdat() + PngEnd(), SmallLimits(), sink);
  EXPECT_THAT(std::string(s.message()), HasSubstr("decompression limit"));
}

TEST(HazardsTest, PngCorruptCompressedTextIsReportedNotFatal) {
  std::string broken = Deflate("Zhou Ba 13800138000");
  broken.resize(broken.size() - 6);  // cut the stream and its Adler-32
  std::string garbage = Bin("\x78\x9c\xff\xff\xff\xff");
  std::string png = PngHead() + PngChunk("zTXt", Bin("Author\0\0") + broken) +
                    PngChunk("zTXt", Bin("Comment\0\0") + garbage) + PngIdat() + PngEnd();
  RecordingSink sink;
  ASSERT_TRUE(ScanPng(png, SmallLimits(), sink).ok());
  EXPECT_TRUE(sink.Has("zTXt", "Author"));
  EXPECT_TRUE(sink.Has("zTXt", "Comment"));
}

TEST(HazardsTest, PngStructure) {
  RecordingSink sink;
  // Not IHDR first.
  std::string no_ihdr = PngSignature() + PngIdat() + PngEnd();
  EXPECT_THAT(std::string(ScanPng(no_ihdr, SmallLimits(), sink).message()), HasSubstr("not IHDR"));
  EXPECT_FALSE(ScrubPng(no_ihdr, {}, SmallLimits()).ok());
  // A chunk type with a non-letter byte.
  std::string bad_type = PngHead() + PngChunk("tE\x01t", "x") + PngIdat() + PngEnd();
  EXPECT_THAT(std::string(ScanPng(bad_type, SmallLimits(), sink).message()),
              HasSubstr("invalid type"));
  EXPECT_FALSE(ScrubPng(bad_type, {}, SmallLimits()).ok());
  // Not a PNG.
  EXPECT_FALSE(ScanPng("GIF89a", SmallLimits(), sink).ok());
  // Keyword without NUL, zero-length keyword, empty iTXt fields.
  std::string odd = PngHead() + PngChunk("tEXt", "no separator at all") +
                    PngChunk("tEXt", Bin("\0empty keyword")) + PngChunk("iTXt", Bin("k\0")) +
                    PngChunk("iTXt", Bin("k\0\0\0")) + PngChunk("zTXt", Bin("k\0")) + PngIdat() +
                    PngEnd();
  RecordingSink odd_sink;
  ASSERT_TRUE(ScanPng(odd, SmallLimits(), odd_sink).ok());
  EXPECT_TRUE(odd_sink.AnyTextContains("no separator"));
  EXPECT_TRUE(odd_sink.AnyTextContains("empty keyword"));
  absl::StatusOr<std::string> out = ScrubPng(odd, {}, SmallLimits());
  ASSERT_TRUE(out.ok());
  EXPECT_EQ(*out, PngHead() + PngIdat() + PngEnd());
}

// --- WebP --------------------------------------------------------------------

TEST(HazardsTest, WebpTruncatedAtEveryByte) {
  for (const char* name : {"webp_exif_exifrs.webp", "webp_xmp_artist_exiftool.webp"}) {
    EveryPrefixFails(
        ReadTestImage(name),
        [](std::string_view b, MetadataSink& s) { return ScanWebp(b, SmallLimits(), s); },
        [](std::string_view b) { return ScrubWebp(b, {}, SmallLimits()); }, "webp");
  }
}

TEST(HazardsTest, WebpLyingSizes) {
  std::string webp = ReadTestImage("webp_exif_exifrs.webp");
  ASSERT_GE(webp.size(), 40u);
  RecordingSink sink;
  // RIFF size far beyond the file (a fuzzed file claimed 22672 for 216 bytes).
  std::string riff = webp;
  riff.replace(4, 4, Bin("\x90\x58\x00\x00"));
  absl::Status s = ScanWebp(riff, SmallLimits(), sink);
  EXPECT_THAT(std::string(s.message()), AllOf(HasSubstr("webp:"), HasSubstr("offset 0")));
  EXPECT_FALSE(ScrubWebp(riff, {}, SmallLimits()).ok());
  // RIFF size smaller than its own header.
  riff.replace(4, 4, Bin("\x02\x00\x00\x00"));
  EXPECT_FALSE(ScanWebp(riff, SmallLimits(), sink).ok());
  // First chunk (VP8X at offset 12) declaring 4 GiB.
  std::string chunk = webp;
  chunk.replace(16, 4, Bin("\xff\xff\xff\xff"));
  s = ScanWebp(chunk, SmallLimits(), sink);
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(s.message()),
              AllOf(HasSubstr("webp:"), HasSubstr("'VP8X'"), HasSubstr("offset 12"),
                    HasSubstr("4294967295")));
  EXPECT_FALSE(ScrubWebp(chunk, {}, SmallLimits()).ok());
  // A VP8X shorter than its fixed 10 bytes cannot be rewritten.
  std::string short_vp8x = "RIFF";
  PutLe(short_vp8x, 4 + 8 + 4, 4);
  short_vp8x += "WEBPVP8X";
  PutLe(short_vp8x, 4, 4);
  short_vp8x += Bin("\x08\0\0\0");
  absl::StatusOr<std::string> out = ScrubWebp(short_vp8x, {}, SmallLimits());
  ASSERT_FALSE(out.ok());
  EXPECT_THAT(std::string(out.status().message()), HasSubstr("VP8X"));
  // A RIFF ending in the middle of a chunk header.
  std::string cut = "RIFF";
  PutLe(cut, 4 + 5, 4);
  cut += "WEBPVP8 \x01";
  EXPECT_THAT(std::string(ScanWebp(cut, SmallLimits(), sink).message()), HasSubstr("offset 12"));
}

TEST(HazardsTest, WebpManyTinyChunks) {
  std::string body = "WEBP";
  body += "VP8L";
  PutLe(body, 2, 4);
  body += "ab";
  for (int i = 0; i < 20000; ++i) {
    body += "JUNK";
    PutLe(body, 0, 4);
  }
  std::string webp = "RIFF";
  PutLe(webp, body.size(), 4);
  webp += body;
  RecordingSink sink;
  ASSERT_TRUE(ScanWebp(webp, SmallLimits(), sink).ok());
  absl::StatusOr<std::string> out = ScrubWebp(webp, {}, SmallLimits());
  ASSERT_TRUE(out.ok());
  EXPECT_EQ(out->size(), 12u + 8 + 2);
}

// --- GIF ---------------------------------------------------------------------

TEST(HazardsTest, GifTruncatedAtEveryByte) {
  std::string gif = ReadTestImage("gif_comments_multi.gif");
  EveryPrefixFails(
      gif, [](std::string_view b, MetadataSink& s) { return ScanGif(b, SmallLimits(), s); },
      [](std::string_view b) { return ScrubGif(b, {}, SmallLimits()); }, "gif");
  for (size_t n = 0; n < gif.size(); n += 37) {
    MemoryByteSource source(std::string_view(gif).substr(0, n), 3);
    std::string streamed;
    AppendingByteSink sink(streamed);
    EXPECT_FALSE(ScrubGifStream(source, sink, {}, SmallLimits()).ok()) << n;
  }
}

TEST(HazardsTest, GifStructure) {
  std::string head = "GIF89a" + Bin("\x01\x00\x01\x00\x00\x00\x00");
  RecordingSink sink;
  // A comment whose sub-blocks never terminate.
  std::string open = head + Bin("\x21\xfe\x05hello\x05world");
  absl::Status s = ScanGif(open, SmallLimits(), sink);
  EXPECT_THAT(std::string(s.message()), AllOf(HasSubstr("gif:"), HasSubstr("offset 13")));
  EXPECT_FALSE(ScrubGif(open, {}, SmallLimits()).ok());
  // A sub-block declaring more than remains.
  std::string lie = head + Bin("\x21\xfe\xffshort");
  EXPECT_THAT(std::string(ScanGif(lie, SmallLimits(), sink).message()), HasSubstr("255"));
  EXPECT_FALSE(ScrubGif(lie, {}, SmallLimits()).ok());
  // An unknown block introducer.
  std::string junk = head + Bin("\x42\x3b");
  s = ScanGif(junk, SmallLimits(), sink);
  EXPECT_THAT(std::string(s.message()), AllOf(HasSubstr("0x42"), HasSubstr("offset 13")));
  absl::StatusOr<std::string> out = ScrubGif(junk, {}, SmallLimits());
  EXPECT_FALSE(out.ok());
  // A global colour table running past the end.
  std::string table = "GIF89a" + Bin("\x01\x00\x01\x00\x87\x00\x00") + std::string(20, '\0');
  EXPECT_FALSE(ScanGif(table, SmallLimits(), sink).ok());
  EXPECT_FALSE(ScrubGif(table, {}, SmallLimits()).ok());
  // XMP application extension without its magic trailer: still bounded.
  std::string xmp = head + Bin("\x21\xff\x0bXMP DataXMP") + Bin("\x03<x>\x00") + ";";
  (void)ScanGif(xmp, SmallLimits(), sink);  // the packet is junk; only boundedness matters
  out = ScrubGif(xmp, {}, SmallLimits());
  ASSERT_TRUE(out.ok());
  EXPECT_EQ(*out, head + ";");
}

// --- HEIF --------------------------------------------------------------------

std::string Ftyp() { return Box("ftyp", Bin("heic\0\0\0\0mif1heic")); }

// meta with one Exif item (ID 1) whose single extent is (offset, length),
// then an mdat holding `mdat`.
std::string HeifWithExtent(uint32_t offset, uint32_t length, std::string_view mdat,
                           int field_sizes = 0x44) {
  std::string iloc;
  iloc.push_back(static_cast<char>(field_sizes));
  iloc.push_back('\0');
  PutBe(iloc, 1, 2);  // count
  PutBe(iloc, 1, 2);  // id
  PutBe(iloc, 0, 2);  // dref
  PutBe(iloc, 1, 2);  // extents
  PutBe(iloc, offset, 4);
  PutBe(iloc, length, 4);
  std::string iinf;
  PutBe(iinf, 1, 2);
  iinf += FullBox("infe", 2, Bin("\x00\x01\x00\x00" "Exif\0"));
  std::string meta = FullBox("meta", 0, FullBox("iloc", 0, iloc) + FullBox("iinf", 0, iinf));
  return Ftyp() + meta + Box("mdat", mdat);
}

TEST(HazardsTest, HeifTruncatedAtEveryByte) {
  EveryPrefixFails(
      ReadTestImage("heic_exif_item_exifrs.heic"),
      [](std::string_view b, MetadataSink& s) { return ScanHeif(b, SmallLimits(), s); },
      [](std::string_view b) { return ScrubHeif(b, {}, SmallLimits()); }, "heif",
      /*boundaries_may_parse=*/true);
}

TEST(HazardsTest, HeifIlocExtentOutOfRange) {
  RecordingSink sink;
  for (uint32_t offset : {uint32_t{5000}, uint32_t{0xfffffff0}}) {
    std::string heif = HeifWithExtent(offset, 16, std::string(32, 'x'));
    absl::Status s = ScanHeif(heif, SmallLimits(), sink);
    EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
    EXPECT_THAT(std::string(s.message()), AllOf(HasSubstr("heif:"), HasSubstr("iloc extent")));
    EXPECT_FALSE(ScrubHeif(heif, {}, SmallLimits()).ok());
  }
  // Length past the end of the file.
  std::string heif = HeifWithExtent(0, 0xffffffff, std::string(32, 'x'));
  EXPECT_THAT(std::string(ScanHeif(heif, SmallLimits(), sink).message()), HasSubstr("remain"));
  // Field size 3 is not allowed.
  heif = HeifWithExtent(0, 4, "", 0x34);
  EXPECT_THAT(std::string(ScanHeif(heif, SmallLimits(), sink).message()),
              HasSubstr("field sizes"));
  // Exif data outside every mdat (pointing at ftyp) cannot be zeroed.
  heif = HeifWithExtent(0, 8, std::string(32, 'x'));
  absl::StatusOr<std::string> out = ScrubHeif(heif, {}, SmallLimits());
  ASSERT_FALSE(out.ok());
  EXPECT_THAT(std::string(out.status().message()), HasSubstr("outside every mdat"));
}

TEST(HazardsTest, HeifExtentsWithoutFieldsCannotMultiply) {
  // Field sizes all 0: an extent costs no input bytes, so 65535 of them per
  // item (found by the fuzzer: 24 items x 65535 extents in 787 bytes) must
  // not be looped over.
  std::string iloc = Bin("\x00\x00");
  PutBe(iloc, 1, 2);       // count
  PutBe(iloc, 1, 2);       // id
  PutBe(iloc, 0, 2);       // dref
  PutBe(iloc, 0xffff, 2);  // extents
  std::string iinf;
  PutBe(iinf, 1, 2);
  iinf += FullBox("infe", 2, Bin("\x00\x01\x00\x00" "Exif\0"));
  std::string heif = Ftyp() + FullBox("meta", 0, FullBox("iloc", 0, iloc) + FullBox("iinf", 0, iinf)) +
                     Box("mdat", "");
  RecordingSink sink;
  absl::Status s = ScanHeif(heif, SmallLimits(), sink);
  EXPECT_THAT(std::string(s.message()), AllOf(HasSubstr("heif:"), HasSubstr("65535 extents")));
  EXPECT_FALSE(ScrubHeif(heif, {}, SmallLimits()).ok());
}

TEST(HazardsTest, HeifExifTiffOffsetBeyondItem) {
  // Build twice to learn where mdat's payload lands.
  std::string payload = Bin("\x7f\xff\xff\xff") + "MM";
  std::string probe = HeifWithExtent(0, static_cast<uint32_t>(payload.size()), payload);
  uint32_t mdat_payload = static_cast<uint32_t>(probe.size() - payload.size());
  std::string heif = HeifWithExtent(mdat_payload, static_cast<uint32_t>(payload.size()), payload);
  RecordingSink sink;
  absl::Status s = ScanHeif(heif, SmallLimits(), sink);
  EXPECT_THAT(std::string(s.message()), AllOf(HasSubstr("Exif item 1"), HasSubstr("TIFF header")));
  // Scrubbing does not need to read it: the item goes.
  absl::StatusOr<std::string> out = ScrubHeif(heif, {}, SmallLimits());
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_EQ(out->find(payload), std::string::npos);
}

TEST(HazardsTest, HeifLyingBoxSizes) {
  RecordingSink sink;
  std::string good = HeifWithExtent(0, 0, "");
  // Box smaller than its header.
  std::string tiny = Ftyp() + Bin("\x00\x00\x00\x04" "free");
  EXPECT_THAT(std::string(ScanHeif(tiny, SmallLimits(), sink).message()),
              AllOf(HasSubstr("heif:"), HasSubstr("offset 24"), HasSubstr("less than its header")));
  // infe declaring 0x8000001F bytes inside a small iinf.
  std::string infe_lie = good;
  size_t infe = infe_lie.find("infe");
  ASSERT_NE(infe, std::string::npos);
  infe_lie.replace(infe - 4, 4, Bin("\x80\x00\x00\x1f"));
  absl::Status s = ScanHeif(infe_lie, SmallLimits(), sink);
  EXPECT_THAT(std::string(s.message()), AllOf(HasSubstr("'infe'"), HasSubstr("2147483679")));
  EXPECT_FALSE(ScrubHeif(infe_lie, {}, SmallLimits()).ok());
  // 64-bit largesize that lies.
  std::string large = Ftyp() + Bin("\x00\x00\x00\x01mdat\xff\xff\xff\xff\xff\xff\xff\xff");
  EXPECT_THAT(std::string(ScanHeif(large, SmallLimits(), sink).message()), HasSubstr("'mdat'"));
  // A truthful largesize and a size-0 last box are fine.
  std::string ok_large = Ftyp() + Bin("\x00\x00\x00\x01mdat\x00\x00\x00\x00\x00\x00\x00\x14xxxx");
  EXPECT_TRUE(ScanHeif(ok_large, SmallLimits(), sink).ok());
  std::string to_end = Ftyp() + Bin("\x00\x00\x00\x00mdat") + "rest of file";
  EXPECT_TRUE(ScanHeif(to_end, SmallLimits(), sink).ok());
  // Not starting with ftyp.
  EXPECT_THAT(std::string(ScanHeif(Box("mdat", ""), SmallLimits(), sink).message()),
              HasSubstr("ftyp"));
  // iloc claiming 65535 items in a few bytes.
  std::string count_lie = good;
  size_t iloc = count_lie.find("iloc");
  count_lie.replace(iloc + 4 + 4 + 2, 2, Bin("\xff\xff"));
  EXPECT_THAT(std::string(ScanHeif(count_lie, SmallLimits(), sink).message()), HasSubstr("iloc"));
  // Two iinf boxes.
  std::string twice = good;
  size_t iinf = twice.find("iinf") - 4;
  size_t iinf_size = GetBe32(twice, iinf);
  std::string meta_dup = twice.substr(iinf, iinf_size);
  twice.insert(iinf, meta_dup);
  size_t meta = twice.find("meta") - 4;
  std::string meta_size;
  PutBe(meta_size, GetBe32(twice, meta) + iinf_size, 4);
  twice.replace(meta, 4, meta_size);
  EXPECT_THAT(std::string(ScanHeif(twice, SmallLimits(), sink).message()), HasSubstr("second 'iinf'"));
}

TEST(HazardsTest, HeifDeepNestingAndManyExtents) {
  // 20000 nested boxes inside meta: never recursed into, no stack growth.
  constexpr int kDepth = 20000;
  std::string nested;
  for (int i = 0; i < kDepth; ++i) {
    PutBe(nested, 8 * (kDepth - i), 4);
    nested += "dinf";
  }
  std::string heif = Ftyp() + FullBox("meta", 0, nested) + Box("mdat", "");
  RecordingSink sink;
  EXPECT_TRUE(ScanHeif(heif, SmallLimits(), sink).ok());
  absl::StatusOr<std::string> out = ScrubHeif(heif, {}, SmallLimits());
  ASSERT_TRUE(out.ok());
  EXPECT_EQ(*out, heif);

  // 5000 Exif items each claiming the whole 64 KiB mdat: the copy for the
  // detector is bounded, whatever the sharing.
  ExifEssentials six;
  six.orientation = 6;
  std::string mdat = Bin("\0\0\0\0") + BuildMinimalExifTiff(six);
  mdat.resize(64 << 10, 'x');
  std::string iloc;
  iloc.push_back(0x44);
  iloc.push_back(0);
  std::string iinf;
  const int kItems = 5000;
  PutBe(iloc, kItems, 2);
  PutBe(iinf, kItems, 2);
  std::string probe_meta;
  auto build = [&](uint32_t mdat_payload) {
    std::string lo = iloc;
    std::string in = iinf;
    for (int id = 1; id <= kItems; ++id) {
      PutBe(lo, id, 2);
      PutBe(lo, 0, 2);
      PutBe(lo, 1, 2);
      PutBe(lo, mdat_payload, 4);
      PutBe(lo, mdat.size(), 4);
      std::string infe;
      PutBe(infe, id, 2);
      infe += Bin("\0\0Exif\0");
      in += FullBox("infe", 2, infe);
    }
    return Ftyp() + FullBox("meta", 0, FullBox("iloc", 0, lo) + FullBox("iinf", 0, in)) +
           Box("mdat", mdat);
  };
  std::string probe = build(0);
  std::string many = build(static_cast<uint32_t>(probe.size() - mdat.size()));
  absl::Status s = ScanHeif(many, SmallLimits(), sink);
  EXPECT_THAT(std::string(s.message()), HasSubstr("add up to more"));
}

}  // namespace
}  // namespace piivault::image_internal
