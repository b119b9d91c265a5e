// HEIF/AVIF container: scan and scrub of the shared HEIC and of generated
// files covering iloc versions, field sizes 0/4/8, construction methods 0
// and 1, multi-extent items, iref and ipma clean-up.
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

// Test's own top-level walk: type -> (offset, size).
struct TopBox {
  std::string type;
  size_t offset;
  size_t size;
};
std::vector<TopBox> TopBoxes(std::string_view f) {
  std::vector<TopBox> out;
  size_t pos = 0;
  while (pos + 8 <= f.size()) {
    size_t size = GetBe32(f, pos);
    if (size == 0) size = f.size() - pos;
    if (size < 8 || size > f.size() - pos) break;
    out.push_back({std::string(f.substr(pos + 4, 4)), pos, size});
    pos += size;
  }
  return out;
}

struct HeifSpec {
  int iloc_version = 0;
  int offset_size = 4;
  int length_size = 4;
  int base_offset_size = 0;
  int index_size = 0;
  bool xmp_in_idat = false;  // needs iloc version >= 1
  bool exif_prefixed = false;  // "Exif\0\0" before the TIFF header
  bool thumbnail = false;      // item 4: a 'thmb' of item 1, data after the image
};

struct BuiltHeif {
  std::string bytes;
  std::string image;  // item 1 data
  size_t image_offset = 0;
  std::string thumbnail;  // item 4 data
  size_t thumbnail_offset = 0;
};

constexpr std::string_view kXmp =
    "<x:xmpmeta xmlns:x='adobe:ns:meta/'><rdf:RDF "
    "xmlns:rdf='http://www.w3.org/1999/02/22-rdf-syntax-ns#'><rdf:Description rdf:about='' "
    "xmlns:dc='http://purl.org/dc/elements/1.1/'><dc:creator><rdf:Seq><rdf:li>Sun Qi"
    "</rdf:li></rdf:Seq></dc:creator></rdf:Description></rdf:RDF></x:xmpmeta>";

std::string ExifPayload(bool prefixed) {
  ExifEssentials e;
  e.orientation = 6;
  std::string tiff = BuildMinimalExifTiff(e);
  std::string out;
  PutBe(out, prefixed ? 6 : 0, 4);
  if (prefixed) out += Bin("Exif\0\0");
  return out + tiff;
}

BuiltHeif BuildHeif(const HeifSpec& s) {
  const std::string image = "HEVC-coded-image-bytes-" + std::string(40, '\x5a');
  const std::string exif = ExifPayload(s.exif_prefixed);
  const std::string xmp(kXmp);
  const std::string thumb = s.thumbnail ? "THUMBNAIL-of-the-uncropped-original" : "";
  std::string ftyp = Box("ftyp", Bin("heic\0\0\0\0mif1heic"));
  auto build_meta = [&](uint64_t mdat_payload) {
    std::string iloc;
    iloc.push_back(static_cast<char>((s.offset_size << 4) | s.length_size));
    iloc.push_back(static_cast<char>((s.base_offset_size << 4) | s.index_size));
    const int id_size = s.iloc_version < 2 ? 2 : 4;
    struct E {
      uint64_t off, len;
    };
    auto item = [&](uint32_t id, int method, uint64_t base, std::vector<E> extents) {
      PutBe(iloc, id, id_size);
      if (s.iloc_version >= 1) PutBe(iloc, method, 2);
      PutBe(iloc, 0, 2);
      // Without extent offsets (offset_size 0) a single extent starts at the
      // base offset itself.
      if (s.offset_size == 0) base += extents[0].off;
      if (s.base_offset_size) PutBe(iloc, base, s.base_offset_size);
      PutBe(iloc, extents.size(), 2);
      for (size_t k = 0; k < extents.size(); ++k) {
        if (s.index_size) PutBe(iloc, k, s.index_size);
        if (s.offset_size) PutBe(iloc, extents[k].off, s.offset_size);
        if (s.length_size) PutBe(iloc, extents[k].len, s.length_size);
      }
    };
    // Absolute offsets: with a base offset the extents are relative to it.
    const uint64_t base = s.base_offset_size ? mdat_payload : 0;
    const uint64_t rel = s.base_offset_size ? 0 : mdat_payload;
    PutBe(iloc, s.thumbnail ? 4 : 3, id_size);  // item_count (same width as item IDs)
    item(1, 0, base, {{rel, image.size()}});
    const uint64_t half = exif.size() / 2;
    if (s.offset_size == 0) {
      item(2, 0, base, {{rel + image.size(), exif.size()}});
    } else {
      item(2, 0, base, {{rel + image.size(), half}, {rel + image.size() + half, exif.size() - half}});
    }
    if (s.xmp_in_idat) {
      item(3, 1, 0, {{0, xmp.size()}});
    } else {
      item(3, 0, base, {{rel + image.size() + exif.size(), xmp.size()}});
    }
    const uint64_t thumb_rel = rel + image.size() + exif.size() + (s.xmp_in_idat ? 0 : xmp.size());
    if (s.thumbnail) item(4, 0, base, {{thumb_rel, thumb.size()}});
    std::string iinf;
    PutBe(iinf, s.thumbnail ? 4 : 3, 2);
    iinf += FullBox("infe", 2, 0, Bin("\x00\x01\x00\x00hvc1Image\0"));
    iinf += FullBox("infe", 2, 0, Bin("\x00\x02\x00\x00" "ExifExif\0"));
    iinf += FullBox("infe", 2, 0,
                    Bin("\x00\x03\x00\x00mimeXMP\0") + "application/rdf+xml" + Bin("\0"));
    if (s.thumbnail) iinf += FullBox("infe", 2, 0, Bin("\x00\x04\x00\x00hvc1Thumb\0"));
    std::string iref = FullBox("iref", 0, 0,
                               Box("cdsc", Bin("\x00\x02\x00\x01\x00\x01")) +
                                   Box("cdsc", Bin("\x00\x03\x00\x01\x00\x01")) +
                                   Box("thmb", Bin("\x00\x01\x00\x02\x00\x02\x00\x01")) +
                                   (s.thumbnail ? Box("thmb", Bin("\x00\x04\x00\x01\x00\x01"))
                                                : std::string()));
    std::string ipco = Box("ipco", FullBox("ispe", 0, 0, std::string(8, '\1')));
    std::string ipma_body;
    PutBe(ipma_body, s.thumbnail ? 3 : 2, 4);
    ipma_body += Bin("\x00\x01\x01\x81");  // item 1: property 1 (essential)
    ipma_body += Bin("\x00\x02\x01\x01");  // item 2: property 1
    if (s.thumbnail) ipma_body += Bin("\x00\x04\x01\x81");
    std::string meta_body = FullBox("hdlr", 0, 0, Bin("\0\0\0\0pict\0\0\0\0\0\0\0\0\0\0\0\0\0")) +
                            FullBox("pitm", 0, 0, Bin("\x00\x01")) +
                            FullBox("iloc", s.iloc_version, 0, iloc) + FullBox("iinf", 0, 0, iinf) +
                            iref + Box("iprp", ipco + FullBox("ipma", 0, 0, ipma_body));
    if (s.xmp_in_idat) meta_body += Box("idat", xmp);
    return FullBox("meta", 0, 0, meta_body);
  };
  std::string meta = build_meta(0);
  const uint64_t mdat_payload = ftyp.size() + meta.size() + 8;
  meta = build_meta(mdat_payload);
  std::string mdat_body = image + exif + (s.xmp_in_idat ? "" : xmp) + thumb;
  BuiltHeif h;
  h.bytes = ftyp + meta + Box("mdat", mdat_body);
  h.image = image;
  h.image_offset = mdat_payload;
  h.thumbnail = thumb;
  h.thumbnail_offset = mdat_payload + image.size() + exif.size() + (s.xmp_in_idat ? 0 : xmp.size());
  return h;
}

std::string MustScrub(std::string_view heif) {
  absl::StatusOr<std::string> out = ScrubHeif(heif, {}, ParseLimits{});
  EXPECT_TRUE(out.ok()) << out.status();
  return out.ok() ? *out : std::string();
}

void CheckGenerated(const HeifSpec& spec) {
  SCOPED_TRACE(::testing::Message() << "iloc v" << spec.iloc_version << " sizes " << spec.offset_size
                                  << "/" << spec.length_size << "/" << spec.base_offset_size << "/"
                                  << spec.index_size << " idat " << spec.xmp_in_idat);
  BuiltHeif h = BuildHeif(spec);
  RecordingSink sink;
  absl::Status scan = ScanHeif(h.bytes, ParseLimits{}, sink);
  ASSERT_TRUE(scan.ok()) << scan;
  EXPECT_TRUE(sink.Has("meta/iinf", "Exif"));
  EXPECT_TRUE(sink.Has("meta/iinf/Exif", "Orientation"));
  EXPECT_TRUE(sink.Has("meta/iinf", "XMP"));
  EXPECT_TRUE(sink.AnyTextContains("Sun Qi"));

  std::string out = MustScrub(h.bytes);
  ASSERT_EQ(out.size(), h.bytes.size());  // nothing outside meta moves
  EXPECT_EQ(out.substr(h.image_offset, h.image.size()), h.image);
  EXPECT_EQ(out.find("Sun Qi"), std::string::npos);
  EXPECT_EQ(out.find(Bin("MM\0*")), std::string::npos);
  EXPECT_EQ(out.find(Bin("II*\0")), std::string::npos);
  EXPECT_EQ(out.find("application/rdf+xml"), std::string::npos);
  auto top = TopBoxes(out);
  ASSERT_EQ(top.size(), 4u);
  EXPECT_EQ(top[0].type, "ftyp");
  EXPECT_EQ(top[1].type, "meta");
  EXPECT_EQ(top[2].type, "free");
  EXPECT_EQ(top[3].type, "mdat");
  // The thmb reference from item 1 survives without the removed targets;
  // the cdsc references are gone.
  EXPECT_EQ(out.find("cdsc"), std::string::npos);
  EXPECT_NE(out.find("thmb"), std::string::npos);
  RecordingSink after;
  ASSERT_TRUE(ScanHeif(out, ParseLimits{}, after).ok());
  EXPECT_TRUE(after.items.empty());
  EXPECT_EQ(MustScrub(out), out);
}

TEST(HeifTest, ExifItemOfExifRsHeic) {
  std::string heic = ReadTestImage("heic_exif_item_exifrs.heic");
  ASSERT_FALSE(heic.empty());
  RecordingSink sink;
  ASSERT_TRUE(ScanHeif(heic, ParseLimits{}, sink).ok());
  EXPECT_TRUE(sink.Has("meta/iinf", "Exif"));
  EXPECT_TRUE(sink.Has("meta/iinf/Exif"));
  std::string out = MustScrub(heic);
  ASSERT_EQ(out.size(), heic.size());
  // Everything outside meta and the Exif extent (555, 83 bytes) is identical;
  // the Exif extent is zeros.
  auto top = TopBoxes(heic);
  ASSERT_GE(top.size(), 3u);
  ASSERT_EQ(top[1].type, "meta");
  EXPECT_EQ(out.substr(0, top[1].offset), heic.substr(0, top[1].offset));
  size_t meta_end = top[1].offset + top[1].size;
  EXPECT_EQ(out.substr(meta_end, 555 - meta_end), heic.substr(meta_end, 555 - meta_end));
  EXPECT_EQ(out.substr(555, 83), std::string(83, '\0'));
  EXPECT_EQ(out.substr(555 + 83), heic.substr(555 + 83));
  // The hvcC / ispe properties are untouched.
  EXPECT_NE(out.find(heic.substr(207, 114)), std::string::npos);
  RecordingSink after;
  ASSERT_TRUE(ScanHeif(out, ParseLimits{}, after).ok());
  EXPECT_TRUE(after.items.empty());
  EXPECT_EQ(MustScrub(out), out);
}

TEST(HeifTest, IlocVersionsAndFieldSizes) {
  for (int version : {0, 1, 2}) {
    for (int off : {0, 4, 8}) {
      for (int len : {4, 8}) {
        for (int base : {0, 4, 8}) {
          for (int index : {0, 4, 8}) {
            if (version == 0 && index != 0) continue;
            if (off == 0 && base == 0) continue;  // no way to say where data is
            HeifSpec s;
            s.iloc_version = version;
            s.offset_size = off;
            s.length_size = len;
            s.base_offset_size = base;
            s.index_size = index;
            CheckGenerated(s);
            if (version >= 1) {
              s.xmp_in_idat = true;
              CheckGenerated(s);
            }
          }
        }
      }
    }
  }
}

TEST(HeifTest, PrefixedExifPayload) {
  HeifSpec s;
  s.exif_prefixed = true;
  CheckGenerated(s);
}

TEST(HeifTest, ThumbnailItemIsReportedAndRemoved) {
  for (bool idat : {false, true}) {
    HeifSpec s;
    s.iloc_version = 1;
    s.xmp_in_idat = idat;
    s.thumbnail = true;
    BuiltHeif h = BuildHeif(s);
    RecordingSink sink;
    ASSERT_TRUE(ScanHeif(h.bytes, ParseLimits{}, sink).ok());
    bool reported = false;
    for (const auto& r : sink.items) {
      if (r.item.name == "Thumbnail") {
        reported = true;
        EXPECT_EQ(r.item.sensitive_as, EntityType::kThumbnail);
        EXPECT_EQ(r.item.offset, h.thumbnail_offset);
        EXPECT_EQ(r.item.size, h.thumbnail.size());
      }
    }
    EXPECT_TRUE(reported);
    CheckGenerated(s);
    std::string out = MustScrub(h.bytes);
    EXPECT_EQ(out.substr(h.thumbnail_offset, h.thumbnail.size()),
              std::string(h.thumbnail.size(), '\0'));
    EXPECT_EQ(out.find("Thumb"), std::string::npos);  // its infe is gone
  }
}

TEST(HeifTest, NoMetadataMeansByteIdentical) {
  BuiltHeif h = BuildHeif({});
  std::string once = MustScrub(h.bytes);
  EXPECT_EQ(MustScrub(once), once);
}

TEST(HeifTest, ExifOverlappingImageDataIsRefused) {
  HeifSpec s;
  BuiltHeif h = BuildHeif(s);
  // Point item 2's first extent at the image bytes.
  size_t iloc = h.bytes.find("iloc");
  ASSERT_NE(iloc, std::string::npos);
  // v0, sizes 4/4/0: header(4) + sizes(2) + count(2); item 1 = 2+2+2+8 = 14
  // bytes; item 2's first extent offset sits after id(2) dref(2) count(2).
  size_t item2 = iloc + 4 + 4 + 2 + 2 + 14;
  size_t ext = item2 + 6;
  std::string bad = h.bytes;
  std::string off;
  PutBe(off, h.image_offset, 4);
  bad.replace(ext, 4, off);
  absl::StatusOr<std::string> out = ScrubHeif(bad, {}, ParseLimits{});
  ASSERT_FALSE(out.ok());
  EXPECT_THAT(out.status().message(), HasSubstr("overlaps image data"));
}

}  // namespace
}  // namespace piivault::image_internal
