// HEIF/ISO-BMFF metadata outside the top-level meta's items: uuid boxes (XMP,
// Exif), moov/udta user data (QuickTime ©-atoms, 3GPP loci/auth, XMP_,
// iTunes-style meta/ilst), QuickTime moov/meta (mdta keys + ilst) and a
// track's meta with an Exif item. Synthetic files built here; each kind is
// read, scrubbed in place (same size, the box becomes `free` with a zeroed
// payload), and the output re-read: nothing personal left, every other byte
// unchanged, box structure intact. exiftool (an independent reader and
// writer) checks the same when installed. Hostile layouts give an error or a
// safe skip.
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iterator>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "image/hazards_testutil.h"
#include "image/image_internal.h"
#include "image/scanner_testing.h"
#include "image/shell_testutil.h"
#include "piivault/image.h"

namespace piivault::image_internal {
namespace {

using ::testing::HasSubstr;
using namespace ::piivault::image_internal::testing;  // NOLINT
using ::piivault::image_testing::TiffBuilder;

const std::string kXmpUuid =
    Bin("\xbe\x7a\xcf\xcb\x97\xa9\x42\xe8\x9c\x71\x99\x94\x91\xe3\xaf\xac");
const std::string kJp2ExifUuid = "JpgTiffExif->JP2";

// Personal values planted in the files (none may survive a scrub).
constexpr const char* kPersonal[] = {
    "Zhang Wei", "13800138000", "+39.9042+116.4074", "+31.2304+121.4737", "Sun Qi", "Li Na",
    "Wang Fang", "Chaoyang Park", "Beijing office", "dc:creator", "SERIAL-4711",
};

// --- Box writers ------------------------------------------------------------

std::string XmpPacket(std::string_view creator) {
  return "<x:xmpmeta xmlns:x='adobe:ns:meta/'><rdf:RDF "
         "xmlns:rdf='http://www.w3.org/1999/02/22-rdf-syntax-ns#'><rdf:Description rdf:about='' "
         "xmlns:dc='http://purl.org/dc/elements/1.1/'><dc:creator><rdf:Seq><rdf:li>" +
         std::string(creator) + "</rdf:li></rdf:Seq></dc:creator></rdf:Description></rdf:RDF></x:xmpmeta>";
}

// Little-endian TIFF: IFD0 Artist, GPS IFD with latitude.
std::string ExifTiff(std::string_view artist) {
  TiffBuilder t;
  const int ifd0 = t.AddIfd();
  const int gps = t.AddIfd();
  t.Ascii(ifd0, 0x013B, std::string(artist));
  t.Pointer(ifd0, 0x8825, gps);
  t.Ascii(gps, 0x0001, "N");
  t.Add(gps, {0x0002, 5, 3, t.U32(39) + t.U32(1) + t.U32(54) + t.U32(1) + t.U32(1512) + t.U32(100)});
  return t.Build();
}

// QuickTime international text atom: size, language, text.
std::string QtText(std::string_view type, std::string_view text) {
  std::string p;
  PutBe(p, text.size(), 2);
  PutBe(p, 0x55c4, 2);  // packed "und"
  p += text;
  return Box(type, p);
}

// 3GPP string atom (titl, auth, ...): FullBox, pad + language, string.
std::string ThreeGpp(std::string_view type, std::string_view text) {
  return FullBox(type, 0, 0, Bin("\x15\xc7") + std::string(text) + Bin("\0"));
}

// 3GPP location: name, role, longitude, latitude, altitude (16.16), body, notes.
std::string Loci(std::string_view name, double lat, double lon) {
  std::string p = Bin("\x15\xc7") + std::string(name) + Bin("\0");
  p.push_back('\0');  // role: shooting location
  PutBe(p, static_cast<uint32_t>(static_cast<int32_t>(lon * 65536)), 4);
  PutBe(p, static_cast<uint32_t>(static_cast<int32_t>(lat * 65536)), 4);
  PutBe(p, 0, 4);
  p += Bin("earth\0\0");
  return FullBox("loci", 0, 0, p);
}

// ilst `data` box: type indicator 1 (UTF-8), locale 0, value.
std::string DataBox(std::string_view utf8) {
  return Box("data", Bin("\0\0\0\x01\0\0\0\0") + std::string(utf8));
}

std::string Hdlr(std::string_view handler) {
  return FullBox("hdlr", 0, 0, Bin("\0\0\0\0") + std::string(handler) + std::string(13, '\0'));
}

// moov/udta with every kind of user-data atom.
std::string FullUdta() {
  const std::string ilst = Box("ilst", Box("\xa9nam", DataBox("Chaoyang Park picnic")) +
                                           Box("\xa9" "day", DataBox("2024-05-01")));
  return Box("udta", QtText("\xa9xyz", "+39.9042+116.4074/") + QtText("\xa9" "ART", "Zhang Wei") +
                         QtText("\xa9" "cmt", "call 13800138000") + Loci("Beijing office", 39.5, 116.25) +
                         ThreeGpp("auth", "Li Na") + Box("XMP_", XmpPacket("Sun Qi")) +
                         FullBox("meta", 0, 0, Hdlr("mdir") + ilst) + Box("NCDT", "SERIAL-4711"));
}

// QuickTime moov/meta: not a FullBox; hdlr mdta, keys, ilst by key index.
std::string QtMeta() {
  std::string keys;
  PutBe(keys, 2, 4);
  for (std::string_view k : {"com.apple.quicktime.location.ISO6709", "com.apple.quicktime.author"}) {
    PutBe(keys, 8 + k.size(), 4);
    keys += "mdta";
    keys += k;
  }
  const std::string ilst = Box("ilst", Box(Bin("\0\0\0\x01"), DataBox("+31.2304+121.4737+010.000/")) +
                                           Box(Bin("\0\0\0\x02"), DataBox("Wang Fang")));
  return Box("meta", Hdlr("mdta") + FullBox("keys", 0, 0, keys) + ilst);
}

// A track: tkhd, mdia/minf/stbl/stco pointing at `chunk`, its own udta and
// a meta box whose Exif item (iloc v0, 4-byte fields) lies at `exif_offset`.
std::string Trak(uint64_t chunk, uint64_t exif_offset, uint64_t exif_size) {
  std::string stco;
  PutBe(stco, 1, 4);
  PutBe(stco, chunk, 4);
  // One sample description (hvc1) using data reference 1 (this file).
  const std::string stsd = FullBox("stsd", 0, 0, Bin("\0\0\0\x01") + Box("hvc1", Bin("\0\0\0\0\0\0\0\x01")));
  const std::string stbl = Box("stbl", stsd + FullBox("stco", 0, 0, stco));
  std::string iloc = Bin("\x44\x00\x00\x01\x00\x01\x00\x00\x00\x01");
  PutBe(iloc, exif_offset, 4);
  PutBe(iloc, exif_size, 4);
  const std::string meta =
      FullBox("meta", 0, 0,
              Hdlr("pict") + FullBox("iloc", 0, 0, iloc) +
                  FullBox("iinf", 0, 0, Bin("\x00\x01") + FullBox("infe", 2, 0, Bin("\x00\x01\x00\x00" "ExifExif\0"))));
  const std::string dinf = Box("dinf", FullBox("dref", 0, 0, Bin("\0\0\0\x01") + FullBox("url ", 0, 1, "")));
  return Box("trak", FullBox("tkhd", 0, 0, std::string(80, '\0')) +
                         Box("mdia", Hdlr("pict") + Box("minf", dinf + stbl)) +
                         Box("udta", QtText("\xa9nam", "Zhang Wei at Chaoyang Park")) + meta);
}

struct Parts {
  std::vector<std::string> pre;  // top-level boxes between meta and mdat
  std::string mdat_extra;        // mdat bytes after the image
  // Top-level boxes after the mdat, given the image's and the extra bytes' offsets.
  std::function<std::vector<std::string>(uint64_t image, uint64_t extra)> post;
};

struct Built {
  std::string bytes;
  uint64_t image_offset = 0;
  uint64_t extra_offset = 0;
};

const std::string kImage = "HEVC-coded-image-bytes-" + std::string(40, '\x5a');

// ftyp, meta (item 1 = the image in the mdat), pre..., mdat, post...
Built Build(const Parts& parts) {
  const std::string ftyp = Box("ftyp", Bin("heic\0\0\0\0mif1heic"));
  auto meta = [](uint64_t image) {
    std::string iloc = Bin("\x44\x00\x00\x01\x00\x01\x00\x00\x00\x01");
    PutBe(iloc, image, 4);
    PutBe(iloc, kImage.size(), 4);
    return FullBox("meta", 0, 0,
                   Hdlr("pict") + FullBox("pitm", 0, 0, Bin("\x00\x01")) + FullBox("iloc", 0, 0, iloc) +
                       FullBox("iinf", 0, 0, Bin("\x00\x01") + FullBox("infe", 2, 0, Bin("\x00\x01\x00\x00hvc1Image\0"))));
  };
  Built b;
  b.image_offset = ftyp.size() + meta(0).size() + 8;
  for (const std::string& p : parts.pre) b.image_offset += p.size();
  b.extra_offset = b.image_offset + kImage.size();
  b.bytes = ftyp + meta(b.image_offset);
  for (const std::string& p : parts.pre) b.bytes += p;
  b.bytes += Box("mdat", kImage + parts.mdat_extra);
  if (parts.post) {
    for (const std::string& p : parts.post(b.image_offset, b.extra_offset)) b.bytes += p;
  }
  return b;
}

// Everything at once: uuid XMP and uuid Exif before the mdat; after it a moov
// with udta, QuickTime meta, a track and a uuid, and a top-level udta.
Built BuildAll() {
  const std::string nested_exif = Bin("\0\0\0\0") + ExifTiff("Zhang Wei");
  Parts parts;
  parts.pre = {Box("uuid", kXmpUuid + XmpPacket("Sun Qi")),
               Box("uuid", kJp2ExifUuid + Bin("Exif\0\0") + ExifTiff("Zhang Wei"))};
  parts.mdat_extra = nested_exif;
  parts.post = [n = nested_exif.size()](uint64_t image, uint64_t extra) {
    return std::vector<std::string>{
        Box("moov", FullBox("mvhd", 0, 0, std::string(96, '\0')) + FullUdta() + QtMeta() +
                        Trak(image, extra, n) + Box("uuid", kXmpUuid + XmpPacket("Sun Qi"))),
        Box("udta", QtText("\xa9xyz", "+39.9042+116.4074/"))};
  };
  return Build(parts);
}

// --- The test's own view of the file -------------------------------------

struct Range {
  uint64_t offset, size, size_header;  // size_header: 8, or 16 with a largesize
};

// An independent walker: the ranges the scrubber must neutralise (top-level
// uuid/udta; udta/meta/uuid in moov and moov/trak). False if a box does not
// parse.
bool WalkBoxes(std::string_view f, uint64_t begin, uint64_t end, int depth, std::vector<Range>* out) {
  uint64_t pos = begin;
  while (pos < end) {
    if (end - pos < 8) return false;
    uint64_t size = GetBe32(f, pos);
    uint64_t header = 8;
    if (size == 1) {
      if (end - pos < 16) return false;
      size = (uint64_t{GetBe32(f, pos + 8)} << 32) | GetBe32(f, pos + 12);
      header = 16;
    } else if (size == 0) {
      size = end - pos;
    }
    if (size < header || size > end - pos) return false;
    const std::string type(f.substr(pos + 4, 4));
    const bool removed = (depth == 0 && (type == "uuid" || type == "udta" || type == "meco")) ||
                         (depth > 0 && (type == "uuid" || type == "udta" || type == "meta"));
    if (removed) {
      out->push_back({pos, size, header});
    } else if ((depth == 0 && type == "moov") || (depth == 1 && type == "trak")) {
      if (!WalkBoxes(f, pos + header, pos + size, depth + 1, out)) return false;
    }
    pos += size;
  }
  return true;
}

std::vector<Range> RemovedRanges(std::string_view f) {
  std::vector<Range> out;
  EXPECT_TRUE(WalkBoxes(f, 0, f.size(), 0, &out));
  return out;
}

std::string MustScrub(std::string_view f) {
  absl::StatusOr<std::string> out = ScrubHeif(f, {}, ParseLimits{});
  EXPECT_TRUE(out.ok()) << out.status();
  return out.ok() ? *out : std::string();
}

// Scrubs `in` and checks: same size; each removed box is now `free` with its
// size fields kept and every other byte zero; `zeroed` extents are zero;
// every other byte unchanged; nothing personal left; the output parses, scans
// with no item and scrubs to itself.
std::string CheckScrub(std::string_view in, std::vector<std::pair<uint64_t, uint64_t>> zeroed = {}) {
  const std::vector<Range> removed = RemovedRanges(in);
  EXPECT_FALSE(removed.empty());
  std::string out = MustScrub(in);
  if (out.size() != in.size()) {
    ADD_FAILURE() << "size " << out.size() << " != " << in.size();
    return out;
  }
  std::vector<char> touched(in.size(), 0);
  for (const Range& r : removed) {
    EXPECT_EQ(out.substr(r.offset, 4), in.substr(r.offset, 4)) << "size field at " << r.offset;
    EXPECT_EQ(out.substr(r.offset + 4, 4), "free") << r.offset;
    if (r.size_header == 16) {
      EXPECT_EQ(out.substr(r.offset + 8, 8), in.substr(r.offset + 8, 8));
    }
    EXPECT_EQ(out.substr(r.offset + r.size_header, r.size - r.size_header),
              std::string(r.size - r.size_header, '\0'))
        << r.offset;
    std::fill_n(touched.begin() + r.offset, r.size, 1);
  }
  for (const auto& [offset, size] : zeroed) {
    EXPECT_EQ(out.substr(offset, size), std::string(size, '\0')) << offset;
    std::fill_n(touched.begin() + offset, size, 1);
  }
  size_t changed = 0;
  for (size_t i = 0; i < in.size(); ++i) changed += !touched[i] && in[i] != out[i];
  EXPECT_EQ(changed, 0u) << "bytes outside metadata changed";
  for (const char* p : kPersonal) EXPECT_EQ(out.find(p), std::string::npos) << p;
  std::vector<Range> after;
  EXPECT_TRUE(WalkBoxes(out, 0, out.size(), 0, &after));
  EXPECT_TRUE(after.empty());
  RecordingSink sink;
  absl::Status scan = ScanHeif(out, ParseLimits{}, sink);
  EXPECT_TRUE(scan.ok()) << scan;
  for (const Recorded& r : sink.items) ADD_FAILURE() << "left: " << r.item.location << " " << r.item.name;
  EXPECT_EQ(MustScrub(out), out);
  return out;
}

RecordingSink MustScan(std::string_view f) {
  RecordingSink sink;
  absl::Status s = ScanHeif(f, ParseLimits{}, sink);
  EXPECT_TRUE(s.ok()) << s;
  return sink;
}

const Recorded* FindItem(const RecordingSink& sink, std::string_view location, std::string_view name) {
  for (const Recorded& r : sink.items) {
    if (r.item.location == location && r.item.name == name) return &r;
  }
  return nullptr;
}

// --- Each kind on its own -----------------------------------------------

TEST(IsobmffUdtaTest, UuidXmpIsReadAndNeutralised) {
  Parts parts;
  parts.pre = {Box("uuid", kXmpUuid + XmpPacket("Sun Qi"))};
  Built b = Build(parts);
  RecordingSink sink = MustScan(b.bytes);
  EXPECT_TRUE(sink.Has("uuid", "XMP"));
  EXPECT_TRUE(sink.Has("uuid/XMP", {}, "Sun Qi"));
  std::string out = CheckScrub(b.bytes);
  EXPECT_EQ(out.substr(b.image_offset, kImage.size()), kImage);
}

TEST(IsobmffUdtaTest, UuidExifIsReadAndNeutralised) {
  for (std::string payload : {Bin("Exif\0\0") + ExifTiff("Zhang Wei"), ExifTiff("Zhang Wei")}) {
    for (const std::string& uuid : {kJp2ExifUuid, std::string(16, '\x42')}) {
      Parts parts;
      parts.post = [&](uint64_t, uint64_t) { return std::vector<std::string>{Box("uuid", uuid + payload)}; };
      Built b = Build(parts);
      RecordingSink sink = MustScan(b.bytes);
      EXPECT_TRUE(sink.Has("uuid", "Exif"));
      EXPECT_TRUE(sink.Has("uuid/Exif", "Artist", "Zhang Wei"));
      EXPECT_TRUE(sink.Has("uuid/Exif", "GPSLatitude"));
      CheckScrub(b.bytes);
    }
  }
}

TEST(IsobmffUdtaTest, OtherUuidBoxesAreReportedAndNeutralised) {
  const std::string c2pa = Bin("\xd8\xfe\xc3\xd6\x1b\x0e\x48\x3c\x92\x97\x58\x28\x87\x7e\xc4\x81");
  Parts parts;
  parts.post = [&](uint64_t, uint64_t) {
    return std::vector<std::string>{Box("uuid", c2pa + "jumb manifest by Zhang Wei"),
                                    Box("uuid", std::string(16, '\x07') + "vendor blob Li Na")};
  };
  Built b = Build(parts);
  RecordingSink sink = MustScan(b.bytes);
  EXPECT_TRUE(sink.Has("uuid", "C2PA"));
  EXPECT_TRUE(sink.Has("uuid", "UUID"));
  CheckScrub(b.bytes);
}

// Canon CR3-style uuid in moov (CMT1..4 TIFF blocks, THMB thumbnail), a
// UTF-16 3GPP string, iTunes cover art and a UTF-16 ilst value.
TEST(IsobmffUdtaTest, CanonUuidAndTextVariants) {
  const std::string canon = Bin("\x85\xc0\xb6\x87\x82\x0f\x11\xe0\x81\x11\xf4\xce\x46\x2b\x6a\x48");
  std::string utf16 = Bin("\xfe\xff");
  for (char c : std::string("Li Na")) utf16 += std::string(1, '\0') + c;
  const std::string ilst =
      Box("ilst", Box("covr", Box("data", Bin("\0\0\0\x0d\0\0\0\0") + "JPEG-of-the-original")) +
                      Box("\xa9" "ART", Box("data", Bin("\0\0\0\x02\0\0\0\0") + utf16.substr(2))));
  Parts parts;
  parts.post = [&](uint64_t, uint64_t) {
    return std::vector<std::string>{Box(
        "moov", FullBox("mvhd", 0, 0, std::string(96, '\0')) +
                    Box("uuid", canon + Box("CMT1", ExifTiff("Zhang Wei")) + Box("THMB", "thumbnail-bytes")) +
                    Box("udta", ThreeGpp("auth", utf16) + FullBox("meta", 0, 0, Hdlr("mdir") + ilst)))};
  };
  Built b = Build(parts);
  RecordingSink sink = MustScan(b.bytes);
  EXPECT_TRUE(sink.Has("moov/uuid/CMT1", "Artist", "Zhang Wei"));
  const Recorded* thumb = FindItem(sink, "moov/uuid/THMB", "Thumbnail");
  ASSERT_NE(thumb, nullptr);
  EXPECT_EQ(thumb->item.sensitive_as, EntityType::kThumbnail);
  EXPECT_TRUE(sink.Has("moov/udta", "Author", "Li Na"));
  const Recorded* cover = FindItem(sink, "moov/udta/meta/ilst", "CoverArt");
  ASSERT_NE(cover, nullptr);
  EXPECT_EQ(cover->item.sensitive_as, EntityType::kThumbnail);
  EXPECT_TRUE(sink.Has("moov/udta/meta/ilst", "Artist", "Li Na"));
  const std::string out = CheckScrub(b.bytes);
  EXPECT_EQ(out.find("thumbnail-bytes"), std::string::npos);
  EXPECT_EQ(out.find("JPEG-of-the-original"), std::string::npos);
}

TEST(IsobmffUdtaTest, MoovUserDataIsReadAndNeutralised) {
  Parts parts;
  parts.post = [](uint64_t, uint64_t) {
    return std::vector<std::string>{Box("moov", FullBox("mvhd", 0, 0, std::string(96, '\0')) + FullUdta())};
  };
  Built b = Build(parts);
  RecordingSink sink = MustScan(b.bytes);
  const Recorded* gps = FindItem(sink, "moov/udta", "GPSCoordinates");
  ASSERT_NE(gps, nullptr);
  EXPECT_EQ(gps->item.sensitive_as, EntityType::kGeoLocation);
  EXPECT_EQ(gps->text, "+39.9042+116.4074/");
  const Recorded* artist = FindItem(sink, "moov/udta", "Artist");
  ASSERT_NE(artist, nullptr);
  EXPECT_EQ(artist->item.sensitive_as, EntityType::kOwnerName);
  EXPECT_EQ(artist->text, "Zhang Wei");
  EXPECT_TRUE(sink.Has("moov/udta", "Comment", "13800138000"));
  const Recorded* loci = FindItem(sink, "moov/udta", "Location");
  ASSERT_NE(loci, nullptr);
  EXPECT_EQ(loci->item.sensitive_as, EntityType::kGeoLocation);
  EXPECT_THAT(*loci->text, HasSubstr("Beijing office"));
  EXPECT_THAT(*loci->text, HasSubstr("+39.5"));
  EXPECT_THAT(*loci->text, HasSubstr("+116.25"));
  EXPECT_TRUE(sink.Has("moov/udta", "Author", "Li Na"));
  EXPECT_TRUE(sink.Has("moov/udta", "XMP"));
  EXPECT_TRUE(sink.Has("moov/udta/XMP", {}, "Sun Qi"));
  EXPECT_TRUE(sink.Has("moov/udta/meta/ilst", "Title", "Chaoyang Park"));
  EXPECT_TRUE(sink.Has("moov/udta/meta/ilst", "ContentCreateDate", "2024-05-01"));
  EXPECT_TRUE(sink.Has("moov/udta", "UserData:NCDT"));
  // Offsets point at the values.
  EXPECT_EQ(b.bytes.substr(artist->item.offset + 4, 9), "Zhang Wei");
  CheckScrub(b.bytes);
}

// Old QuickTime writers end a udta with a 32-bit zero terminator: the atoms
// before it are still read one by one.
TEST(IsobmffUdtaTest, ZeroTerminatedUdta) {
  Parts parts;
  parts.post = [](uint64_t, uint64_t) {
    return std::vector<std::string>{Box(
        "moov", FullBox("mvhd", 0, 0, std::string(96, '\0')) +
                    Box("udta", QtText("\xa9xyz", "+39.9042+116.4074/") + QtText("\xa9" "ART", "Zhang Wei") +
                                    Bin("\0\0\0\0")))};
  };
  Built b = Build(parts);
  RecordingSink sink = MustScan(b.bytes);
  EXPECT_TRUE(sink.Has("moov/udta", "GPSCoordinates", "+39.9042"));
  EXPECT_TRUE(sink.Has("moov/udta", "Artist", "Zhang Wei"));
  EXPECT_FALSE(sink.Has("moov/udta", "UserData"));  // the terminator is no item
  CheckScrub(b.bytes);
}

TEST(IsobmffUdtaTest, QuickTimeKeysMetaIsReadAndNeutralised) {
  Parts parts;
  parts.post = [](uint64_t, uint64_t) {
    return std::vector<std::string>{Box("moov", FullBox("mvhd", 0, 0, std::string(96, '\0')) + QtMeta())};
  };
  Built b = Build(parts);
  RecordingSink sink = MustScan(b.bytes);
  const Recorded* gps = FindItem(sink, "moov/meta/ilst", "GPSCoordinates");
  ASSERT_NE(gps, nullptr);
  EXPECT_EQ(gps->item.sensitive_as, EntityType::kGeoLocation);
  EXPECT_EQ(gps->text, "+31.2304+121.4737+010.000/");
  const Recorded* author = FindItem(sink, "moov/meta/ilst", "com.apple.quicktime.author");
  ASSERT_NE(author, nullptr);
  EXPECT_EQ(author->item.sensitive_as, EntityType::kOwnerName);
  EXPECT_EQ(author->text, "Wang Fang");
  CheckScrub(b.bytes);
}

TEST(IsobmffUdtaTest, TrackMetaExifItemAndTrackUserData) {
  const std::string exif = Bin("\0\0\0\0") + ExifTiff("Zhang Wei");
  Parts parts;
  parts.mdat_extra = exif;
  parts.post = [n = exif.size()](uint64_t image, uint64_t extra) {
    return std::vector<std::string>{
        Box("moov", FullBox("mvhd", 0, 0, std::string(96, '\0')) + Trak(image, extra, n))};
  };
  Built b = Build(parts);
  RecordingSink sink = MustScan(b.bytes);
  EXPECT_TRUE(sink.Has("moov/trak/udta", "Title", "Zhang Wei"));
  EXPECT_TRUE(sink.Has("moov/trak/meta/iinf", "Exif"));
  EXPECT_TRUE(sink.Has("moov/trak/meta/iinf/Exif", "Artist", "Zhang Wei"));
  EXPECT_TRUE(sink.Has("moov/trak/meta/iinf/Exif", "GPSLatitude"));
  // The Exif bytes in the mdat are zeroed; the image bytes and the chunk
  // offset pointing at them are untouched.
  std::string out = CheckScrub(b.bytes, {{b.extra_offset, exif.size()}});
  EXPECT_EQ(out.substr(b.image_offset, kImage.size()), kImage);
}

// A top-level meco (additional metadata container) with a meta whose XMP
// item lies in the mdat.
TEST(IsobmffUdtaTest, MecoMetaItems) {
  const std::string xmp = XmpPacket("Sun Qi");
  Parts parts;
  parts.mdat_extra = xmp;
  parts.post = [&](uint64_t, uint64_t extra) {
    std::string iloc = Bin("\x44\x00\x00\x01\x00\x07\x00\x00\x00\x01");
    PutBe(iloc, extra, 4);
    PutBe(iloc, xmp.size(), 4);
    const std::string infe =
        FullBox("infe", 2, 0, Bin("\x00\x07\x00\x00mimeXMP\0") + "application/rdf+xml" + Bin("\0"));
    return std::vector<std::string>{Box(
        "meco", FullBox("meta", 0, 0,
                        Hdlr("meta") + FullBox("iloc", 0, 0, iloc) + FullBox("iinf", 0, 0, Bin("\x00\x01") + infe)))};
  };
  Built b = Build(parts);
  RecordingSink sink = MustScan(b.bytes);
  EXPECT_TRUE(sink.Has("meco/meta/iinf", "XMP"));
  EXPECT_TRUE(sink.Has("meco/meta/iinf/XMP", {}, "Sun Qi"));
  CheckScrub(b.bytes, {{b.extra_offset, xmp.size()}});
}

TEST(IsobmffUdtaTest, EverythingTogether) {
  Built b = BuildAll();
  RecordingSink sink = MustScan(b.bytes);
  EXPECT_TRUE(sink.Has("uuid/XMP"));
  EXPECT_TRUE(sink.Has("uuid/Exif"));
  EXPECT_TRUE(sink.Has("moov/udta", "GPSCoordinates"));
  EXPECT_TRUE(sink.Has("moov/meta/ilst", "GPSCoordinates"));
  EXPECT_TRUE(sink.Has("moov/trak/meta/iinf/Exif"));
  EXPECT_TRUE(sink.Has("moov/uuid/XMP"));
  EXPECT_TRUE(sink.Has("udta", "GPSCoordinates"));
  const std::string exif = Bin("\0\0\0\0") + ExifTiff("Zhang Wei");
  std::string out = CheckScrub(b.bytes, {{b.extra_offset, exif.size()}});
  EXPECT_EQ(out.substr(b.image_offset, kImage.size()), kImage);
}

// Through the public API: findings come from the tags (GPS, owner) and from
// the text detector (a mobile number in a comment).
TEST(IsobmffUdtaTest, FrontEndFindings) {
  Built b = BuildAll();
  ASSERT_EQ(SniffImageFormat(b.bytes), ImageFormat::kHeif);
  absl::StatusOr<ImageScanner> scanner = ImageScanner::Create({});
  ASSERT_TRUE(scanner.ok()) << scanner.status();
  absl::StatusOr<ImageReport> report = scanner->Scan(b.bytes);
  ASSERT_TRUE(report.ok()) << report.status();
  auto has = [&](EntityType type, std::string_view location) {
    for (const ImageFinding& f : report->findings) {
      if (f.type == type && report->items[f.item].location == location) return true;
    }
    return false;
  };
  EXPECT_TRUE(has(EntityType::kGeoLocation, "moov/udta"));
  EXPECT_TRUE(has(EntityType::kGeoLocation, "moov/meta/ilst"));
  EXPECT_TRUE(has(EntityType::kOwnerName, "moov/udta"));
  EXPECT_TRUE(has(EntityType::kCnMobile, "moov/udta"));
  EXPECT_TRUE(has(EntityType::kGeoLocation, "uuid/Exif/GPS") || has(EntityType::kGeoLocation, "uuid/Exif"));
  absl::StatusOr<std::string> out = scanner->Scrub(b.bytes, {});
  ASSERT_TRUE(out.ok()) << out.status();
  absl::StatusOr<ImageReport> after = scanner->Scan(*out);
  ASSERT_TRUE(after.ok()) << after.status();
  EXPECT_TRUE(after->findings.empty());
  EXPECT_TRUE(after->items.empty());
}

// --- Odd and hostile layouts (also written as fuzz seeds below) ------------

std::string Mvhd() { return FullBox("mvhd", 0, 0, std::string(96, '\0')); }

// A 64-bit largesize moov/udta and a size-0 uuid running to the end of the file.
std::string LargesizeAndSizeZero() {
  const std::string body = QtText("\xa9xyz", "+39.9042+116.4074/") + QtText("\xa9" "ART", "Zhang Wei");
  std::string large = Bin("\0\0\0\x01udta");
  PutBe(large, 16 + body.size(), 8);
  large += body;
  const std::string to_end = Bin("\0\0\0\0uuid") + kXmpUuid + XmpPacket("Sun Qi");
  Parts parts;
  parts.post = [=](uint64_t, uint64_t) { return std::vector<std::string>{Box("moov", Mvhd() + large), to_end}; };
  return Build(parts).bytes;
}

// A moov child (udta) claiming 40 bytes more than the moov holds.
std::string MoovChildPastParent() {
  std::string bad_udta = Box("udta", QtText("\xa9" "ART", "Zhang Wei"));
  bad_udta[3] = static_cast<char>(bad_udta[3] + 40);
  Parts parts;
  parts.post = [=](uint64_t, uint64_t) { return std::vector<std::string>{Box("moov", bad_udta)}; };
  return Build(parts).bytes;
}

// A udta child (text atom) claiming 40 bytes more than the udta holds.
std::string UdtaChildPastParent() {
  std::string atom = QtText("\xa9" "ART", "Zhang Wei");
  atom[3] = static_cast<char>(atom[3] + 40);
  Parts parts;
  parts.post = [=](uint64_t, uint64_t) {
    return std::vector<std::string>{Box("moov", Box("udta", atom + QtText("\xa9xyz", "+39.9042+116.4074/")))};
  };
  return Build(parts).bytes;
}

// Largesize below the 16-byte header, then one far past the file.
std::string BadLargesize() {
  Parts parts;
  parts.post = [](uint64_t, uint64_t) {
    std::string small = Bin("\0\0\0\x01udta");
    PutBe(small, 12, 8);
    std::string huge = Bin("\0\0\0\x01udta");
    PutBe(huge, ~uint64_t{0}, 8);
    return std::vector<std::string>{Box("moov", small), Box("moov", huge)};
  };
  return Build(parts).bytes;
}

// `depth` boxes, each holding the next, around `inner` (built in linear time).
std::string Nest(int depth, const std::vector<std::string>& types, std::string_view inner) {
  std::string out;
  for (int i = 0; i < depth; ++i) {
    PutBe(out, 8 * static_cast<uint64_t>(depth - i) + inner.size(), 4);
    out += types[static_cast<size_t>(i) % types.size()];
  }
  return out + std::string(inner);
}

std::string NestingBomb(int depth) {
  const std::string deep_udta = Nest(depth, {"meta", "udta"}, QtText("\xa9" "ART", "Zhang Wei"));
  const std::string deep_trak = Nest(depth, {"mdia", "minf", "trak"}, "");
  Parts parts;
  parts.post = [=](uint64_t, uint64_t) {
    return std::vector<std::string>{Box("moov", Box("udta", deep_udta) + Box("trak", deep_trak))};
  };
  return Build(parts).bytes;
}

// A track chunk offset pointing into a top-level uuid box.
std::string ChunkInsideUuid() {
  Parts parts;
  parts.post = [](uint64_t, uint64_t) {
    std::string stco;
    PutBe(stco, 1, 4);
    PutBe(stco, 0, 4);  // patched below
    return std::vector<std::string>{
        Box("moov", Box("trak", Box("mdia", Box("minf", Box("stbl", FullBox("stco", 0, 0, stco)))))),
        Box("uuid", std::string(16, '\x07') + "media samples")};
  };
  std::string f = Build(parts).bytes;
  const size_t uuid = f.rfind("uuid") - 4;
  const size_t stco = f.find("stco");
  std::string off;
  PutBe(off, uuid + 30, 4);
  f.replace(stco + 12, 4, off);  // after type, version/flags, entry count
  return f;
}

// The image item's iloc extent pointing into a top-level udta.
std::string ImageInsideUdta() {
  Parts parts;
  parts.pre = {Box("udta", QtText("\xa9" "ART", "Zhang Wei"))};
  std::string f = Build(parts).bytes;
  const size_t udta = f.find("udta") - 4;
  const size_t iloc = f.find("iloc");
  std::string off;
  PutBe(off, udta + 8, 4);
  f.replace(iloc + 4 + 4 + 2 + 2 + 2 + 2 + 2, 4, off);  // type, vflags, sizes, count, id, dref, extent count
  return f;
}

// co64 declaring 2^28 entries with room for one.
std::string ChunkCountLie() {
  Parts parts;
  parts.post = [](uint64_t, uint64_t) {
    std::string co64;
    PutBe(co64, 0x10000000, 4);
    PutBe(co64, 0, 8);
    return std::vector<std::string>{
        Box("moov", Box("trak", Box("mdia", Box("minf", Box("stbl", FullBox("co64", 0, 0, co64))))) +
                        Box("udta", QtText("\xa9" "ART", "Zhang Wei")))};
  };
  return Build(parts).bytes;
}

// QuickTime keys whose entry sizes lie (0, past the box) and ilst items
// indexing keys that do not exist or holding a short `data` box.
std::string LyingKeys() {
  std::string keys;
  PutBe(keys, 3, 4);
  PutBe(keys, 8 + 36, 4);
  keys += "mdta";
  keys += "com.apple.quicktime.location.ISO6709";
  PutBe(keys, 4, 4);  // smaller than its own header
  keys += "mdta";
  const std::string ilst = Box("ilst", Box(Bin("\0\0\0\x01"), DataBox("+31.2304+121.4737+010.000/")) +
                                           Box(Bin("\0\0\0\x09"), DataBox("Wang Fang")) +
                                           Box(Bin("\0\0\0\x01"), Box("data", "ab")));
  const std::string meta = Box("meta", Hdlr("mdta") + FullBox("keys", 0, 0, keys) + ilst);
  Parts parts;
  parts.post = [=](uint64_t, uint64_t) {
    return std::vector<std::string>{Box("moov", Mvhd() + meta)};
  };
  return Build(parts).bytes;
}

// A uuid box too short for its 16-byte usertype.
std::string ShortUuid() {
  Parts parts;
  parts.post = [](uint64_t, uint64_t) { return std::vector<std::string>{Box("moov", Mvhd() + Box("uuid", "short"))}; };
  return Build(parts).bytes;
}

TEST(IsobmffUdtaTest, LargesizeAndSizeZeroBoxesKeepTheirSizeFields) {
  const std::string f = LargesizeAndSizeZero();
  RecordingSink sink = MustScan(f);
  EXPECT_TRUE(sink.Has("moov/udta", "GPSCoordinates", "+39.9042"));
  EXPECT_TRUE(sink.Has("uuid/XMP", {}, "Sun Qi"));
  CheckScrub(f);
}

absl::Status ScanStatus(std::string_view f) {
  RecordingSink sink;
  return ScanHeif(f, ParseLimits{}, sink);
}

TEST(IsobmffUdtaTest, EveryTruncationFailsCleanlyOrScrubsConsistently) {
  const std::string full = BuildAll().bytes;
  for (size_t n = 0; n < full.size(); ++n) {
    const std::string cut = full.substr(0, n);
    (void)ScanStatus(cut);
    absl::StatusOr<std::string> out = ScrubHeif(cut, {}, ParseLimits{});
    if (!out.ok()) {
      EXPECT_EQ(out.status().code(), absl::StatusCode::kInvalidArgument) << n;
      continue;
    }
    EXPECT_EQ(out->size(), cut.size());
    EXPECT_TRUE(ScanStatus(*out).ok()) << n;
    absl::StatusOr<std::string> again = ScrubHeif(*out, {}, ParseLimits{});
    ASSERT_TRUE(again.ok()) << n;
    EXPECT_EQ(*again, *out) << n;
  }
}

// Property: whatever single byte is corrupted, scrub either refuses
// (kInvalidArgument) or keeps the size and the image item's bytes, gives a
// file that scans cleanly, and is idempotent.
TEST(IsobmffUdtaTest, SingleByteCorruptionsNeverDamageTheImage) {
  const Built b = BuildAll();
  size_t refused = 0;
  for (size_t pos = 0; pos < b.bytes.size(); ++pos) {
    for (int v : {0x00, 0xff, (static_cast<unsigned char>(b.bytes[pos]) ^ 0x01)}) {
      std::string in = b.bytes;
      in[pos] = static_cast<char>(v);
      (void)ScanStatus(in);
      absl::StatusOr<std::string> out = ScrubHeif(in, {}, ParseLimits{});
      if (!out.ok()) {
        ASSERT_EQ(out.status().code(), absl::StatusCode::kInvalidArgument) << pos;
        ++refused;
        continue;
      }
      ASSERT_EQ(out->size(), in.size()) << pos;
      ASSERT_EQ(out->substr(b.image_offset, kImage.size()), in.substr(b.image_offset, kImage.size()))
          << "image damaged, byte " << pos << " = " << v;
      ASSERT_TRUE(ScanStatus(*out).ok()) << pos;
      absl::StatusOr<std::string> again = ScrubHeif(*out, {}, ParseLimits{});
      ASSERT_TRUE(again.ok()) << pos;
      ASSERT_EQ(*again, *out) << pos;
    }
  }
  // Most corruptions of sizes and structure are refused, the rest scrubbed.
  EXPECT_GT(refused, 0u);
  EXPECT_LT(refused, 3 * b.bytes.size());
}

TEST(IsobmffUdtaTest, ChildPastItsParent) {
  // Inside moov (on the way to the user data): an error naming the box and
  // no value.
  absl::Status s = ScanStatus(MoovChildPastParent());
  ASSERT_FALSE(s.ok());
  EXPECT_THAT(s.message(), HasSubstr("'udta'"));
  EXPECT_THAT(s.message(), HasSubstr("declares"));
  EXPECT_THAT(std::string(s.message()), ::testing::Not(HasSubstr("Zhang")));
  EXPECT_FALSE(ScrubHeif(MoovChildPastParent(), {}, ParseLimits{}).ok());

  // Inside udta (removed whole anyway): reported as one opaque item, scrubbed.
  const std::string f = UdtaChildPastParent();
  RecordingSink sink = MustScan(f);
  EXPECT_TRUE(sink.Has("moov/udta", "UserData"));
  CheckScrub(f);
}

TEST(IsobmffUdtaTest, BadLargesizeIsAnError) {
  absl::Status s = ScanStatus(BadLargesize());
  ASSERT_FALSE(s.ok());
  EXPECT_THAT(s.message(), HasSubstr("less than its header"));
  EXPECT_FALSE(ScrubHeif(BadLargesize(), {}, ParseLimits{}).ok());
}

// Deep nesting costs nothing: the walk has a fixed depth (moov/trak/mdia/
// minf/stbl; udta/meta/ilst/item/data), so nested boxes are skipped or
// reported as one item, never recursed into.
TEST(IsobmffUdtaTest, NestingBombsAreNotRecursedInto) {
  const std::string f = NestingBomb(20000);
  EXPECT_TRUE(ScanStatus(f).ok());
  CheckScrub(f);
}

TEST(IsobmffUdtaTest, MediaInsideARemovedBoxIsRefused) {
  absl::StatusOr<std::string> out = ScrubHeif(ChunkInsideUuid(), {}, ParseLimits{});
  ASSERT_FALSE(out.ok());
  EXPECT_THAT(out.status().message(), HasSubstr("track chunk"));
  out = ScrubHeif(ImageInsideUdta(), {}, ParseLimits{});
  ASSERT_FALSE(out.ok()) << "scrub destroyed image data";
  EXPECT_THAT(out.status().message(), HasSubstr("user-data box"));
}

TEST(IsobmffUdtaTest, ChunkCountPastTheBoxIsAnError) {
  absl::Status s = ScanStatus(ChunkCountLie());
  ASSERT_FALSE(s.ok());
  EXPECT_THAT(s.message(), HasSubstr("co64"));
}

TEST(IsobmffUdtaTest, LyingKeysAreSkippedSafely) {
  const std::string f = LyingKeys();
  RecordingSink sink = MustScan(f);
  EXPECT_TRUE(sink.Has("moov/meta/ilst", "GPSCoordinates", "+31.2304"));
  CheckScrub(f);
}

TEST(IsobmffUdtaTest, ShortUuidIsAnError) {
  absl::Status s = ScanStatus(ShortUuid());
  ASSERT_FALSE(s.ok());
  EXPECT_THAT(s.message(), HasSubstr("less than its header"));
}

// Writes the files above (and the well-formed ones) as seeds for the heif
// fuzzer when PIIVAULT_WRITE_FUZZ_SEEDS names a directory:
//   PIIVAULT_WRITE_FUZZ_SEEDS=fuzz/corpus/heif piivault_image_test --gtest_filter='*WriteFuzzSeeds*'
TEST(IsobmffUdtaTest, WriteFuzzSeeds) {
  const char* dir = std::getenv("PIIVAULT_WRITE_FUZZ_SEEDS");
  if (dir == nullptr) GTEST_SKIP() << "PIIVAULT_WRITE_FUZZ_SEEDS not set";
  const std::string all = BuildAll().bytes;
  const std::vector<std::pair<std::string, std::string>> seeds = {
      {"isobmff_all_user_data.heic", all},
      {"isobmff_truncated_in_moov.heic", all.substr(0, all.size() - 300)},
      {"isobmff_largesize_udta_size0_uuid.heic", LargesizeAndSizeZero()},
      {"isobmff_moov_child_past_parent.heic", MoovChildPastParent()},
      {"isobmff_udta_child_past_parent.heic", UdtaChildPastParent()},
      {"isobmff_bad_largesize.heic", BadLargesize()},
      {"isobmff_nesting_bomb.heic", NestingBomb(500)},
      {"isobmff_chunk_inside_uuid.heic", ChunkInsideUuid()},
      {"isobmff_image_inside_udta.heic", ImageInsideUdta()},
      {"isobmff_chunk_count_lie.heic", ChunkCountLie()},
      {"isobmff_lying_keys.heic", LyingKeys()},
      {"isobmff_short_uuid.heic", ShortUuid()},
  };
  for (const auto& [name, bytes] : seeds) {
    std::ofstream out(std::string(dir) + "/" + name, std::ios::binary);
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    ASSERT_TRUE(out.good()) << name;
  }
}

// --- exiftool: an independent reader (and writer) --------------------------

using image_test::Shell;

bool HaveExiftool() { return image_test::HaveTool("exiftool"); }

class TempDir {
 public:
  TempDir() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "piivault_isobmff_XXXXXX").string();
    path_ = ::mkdtemp(tmpl.data()) != nullptr ? tmpl : "";
  }
  ~TempDir() {
    std::error_code ec;
    if (std::getenv("PIIVAULT_KEEP_TEST_FILES") != nullptr) return;  // for debugging
    if (!path_.empty()) std::filesystem::remove_all(path_, ec);
  }
  std::string Write(const std::string& name, std::string_view bytes) const {
    std::string p = path_ + "/" + name;
    std::ofstream(p, std::ios::binary).write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    return p;
  }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

TEST(IsobmffUdtaTest, ExiftoolSeesThePersonalDataBeforeAndNoneAfter) {
  if (!HaveExiftool()) GTEST_SKIP() << "exiftool not installed";
  TempDir dir;
  ASSERT_FALSE(dir.path().empty());
  Built b = BuildAll();
  const std::string in = dir.Write("in.heic", b.bytes);
  // exiftool rewrites the file its own way (moves the mdat, fixes iloc):
  // an independently laid-out input with a value it wrote.
  const std::string rewritten = dir.path() + "/rewritten.heic";
  const std::string wrote = Shell("exiftool -q -m -o '" + rewritten + "' '-UserData:Artist=Li Na' '" + in + "' 2>&1");
  std::ifstream rf(rewritten, std::ios::binary);
  const std::string rewritten_bytes((std::istreambuf_iterator<char>(rf)), std::istreambuf_iterator<char>());
  ASSERT_FALSE(rewritten_bytes.empty()) << wrote;

  const char* kGroups[] = {"[UserData]", "[Keys]", "[XMP-dc]", "GPS", "Zhang Wei", "Sun Qi", "13800138000",
                           "Wang Fang"};
  const std::string seen = Shell("exiftool -a -G1 -u '" + in + "' 2>&1");
  for (const char* g : kGroups) EXPECT_THAT(seen, HasSubstr(g));
  const std::string seen_rewritten = Shell("exiftool -a -G1 -u '" + rewritten + "' 2>&1");
  EXPECT_THAT(seen_rewritten, HasSubstr("Li Na"));

  for (const std::string* src : std::vector<const std::string*>{&b.bytes, &rewritten_bytes}) {
    RecordingSink sink = MustScan(*src);
    EXPECT_TRUE(sink.Has("moov/udta", "GPSCoordinates"));
    EXPECT_TRUE(sink.Has("moov/meta/ilst", "GPSCoordinates"));
    absl::StatusOr<std::string> out = ScrubImage(*src);
    ASSERT_TRUE(out.ok()) << out.status();
    ASSERT_EQ(out->size(), src->size());
    const std::string path = dir.Write(src == &b.bytes ? "out.heic" : "rewritten_out.heic", *out);
    const std::string after = Shell("exiftool -a -G1 -u '" + path + "' 2>&1");
    for (const char* g : kGroups) EXPECT_THAT(after, ::testing::Not(HasSubstr(g))) << after;
    EXPECT_THAT(after, ::testing::Not(HasSubstr("Li Na")));
    EXPECT_THAT(after, HasSubstr("HEIC"));  // still read as a HEIC
    EXPECT_THAT(after, ::testing::Not(HasSubstr("Error")));
    // The image item's bytes, found by exiftool's rewritten iloc, unchanged.
    EXPECT_NE(out->find(kImage), std::string::npos);
  }
}

}  // namespace
}  // namespace piivault::image_internal
