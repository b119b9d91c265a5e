// ISO-BMFF metadata outside the top-level `meta` box's items: top-level and
// moov-level `uuid` boxes (XMP, Exif, Canon CMT, C2PA...), `udta` user data
// (QuickTime ©-text atoms such as ©xyz GPS, 3GPP atoms such as loci, XMP_,
// iTunes-style meta/ilst), QuickTime `moov/meta` (mdta keys + ilst, where
// Apple cameras put the ISO 6709 location) and `meta` boxes in tracks.
//
// Also top-level `meco` (additional metadata container) boxes.
//
// Scrub (heif.cc) neutralises each such box in place: same size, type
// "free", zeroed payload. Nothing moves, so no iloc/stco/co64 offset changes.
#include <algorithm>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "common/status_macros.h"
#include "image/bmff_internal.h"
#include "image/image_internal.h"

namespace piivault::image_internal::bmff {
namespace {

// uuid usertypes.
constexpr std::string_view kXmpUuid(
    "\xbe\x7a\xcf\xcb\x97\xa9\x42\xe8\x9c\x71\x99\x94\x91\xe3\xaf\xac", 16);
constexpr std::string_view kJp2ExifUuid("JpgTiffExif->JP2", 16);
constexpr std::string_view kCanonUuid(
    "\x85\xc0\xb6\x87\x82\x0f\x11\xe0\x81\x11\xf4\xce\x46\x2b\x6a\x48", 16);
constexpr std::string_view kC2paUuid(
    "\xd8\xfe\xc3\xd6\x1b\x0e\x48\x3c\x92\x97\x58\x28\x87\x7e\xc4\x81", 16);

struct AtomName {
  std::string_view type;  // 4CC; "\xa9" + 3 characters for QuickTime text atoms
  std::string_view name;
  EntityType sensitive_as;
};

// QuickTime user-data text atoms and iTunes-style ilst items (names as
// exiftool prints them).
constexpr AtomName kAtomNames[] = {
    {"\xa9xyz", "GPSCoordinates", EntityType::kGeoLocation},
    {"\xa9nam", "Title", EntityType::kUnknown},
    {"\xa9" "ART", "Artist", EntityType::kOwnerName},
    {"\xa9" "aut", "Author", EntityType::kOwnerName},
    {"\xa9" "cmt", "Comment", EntityType::kUnknown},
    {"\xa9" "day", "ContentCreateDate", EntityType::kUnknown},
    {"\xa9" "des", "Description", EntityType::kUnknown},
    {"\xa9" "inf", "Information", EntityType::kUnknown},
    {"\xa9" "cpy", "Copyright", EntityType::kOwnerName},
    {"\xa9wrt", "Composer", EntityType::kOwnerName},
    {"\xa9" "dir", "Director", EntityType::kOwnerName},
    {"\xa9prd", "Producer", EntityType::kOwnerName},
    {"\xa9prf", "Performers", EntityType::kOwnerName},
    {"\xa9" "enc", "EncodedBy", EntityType::kOwnerName},
    {"\xa9" "alb", "Album", EntityType::kUnknown},
    {"\xa9mak", "Make", EntityType::kUnknown},
    {"\xa9mod", "Model", EntityType::kUnknown},
    {"\xa9swr", "SoftwareVersion", EntityType::kUnknown},
    {"\xa9too", "Encoder", EntityType::kUnknown},
    {"\xa9hst", "HostComputer", EntityType::kDeviceSerial},
    {"\xa9" "src", "Source", EntityType::kUnknown},
    {"\xa9key", "Keywords", EntityType::kUnknown},
    {"\xa9url", "URL", EntityType::kUnknown},
    {"\xa9lnk", "URLLink", EntityType::kUnknown},
    {"aART", "AlbumArtist", EntityType::kOwnerName},
    {"covr", "CoverArt", EntityType::kThumbnail},
    {"desc", "Description", EntityType::kUnknown},
    {"ldes", "LongDescription", EntityType::kUnknown},
    {"cprt", "Copyright", EntityType::kOwnerName},
    // 3GPP (TS 26.244) user-data atoms.
    {"titl", "Title", EntityType::kUnknown},
    {"auth", "Author", EntityType::kOwnerName},
    {"perf", "Performer", EntityType::kOwnerName},
    {"dscp", "Description", EntityType::kUnknown},
    {"albm", "Album", EntityType::kUnknown},
    {"gnre", "Genre", EntityType::kUnknown},
    {"loci", "Location", EntityType::kGeoLocation},
};

AtomName NameOf(std::string_view type) {
  for (const AtomName& a : kAtomNames) {
    if (a.type == type) return a;
  }
  return {type, {}, EntityType::kUnknown};
}

std::string ItemName(const AtomName& a) {
  if (!a.name.empty()) return std::string(a.name);
  return absl::StrCat("UserData:", TypeName(a.type));
}

// A QuickTime `mdta` key (com.apple.quicktime.location.ISO6709...): always
// sensitive when it names a location, a person or a serial number.
EntityType KeyType(std::string_view key) {
  const std::string k = absl::AsciiStrToLower(std::string(key));
  if (absl::StrContains(k, "location") || absl::StrContains(k, "iso6709") ||
      absl::StrContains(k, "gps")) {
    return EntityType::kGeoLocation;
  }
  for (const char* who : {"author", "artist", "creator", "copyright", "owner", "publisher", "director",
                          "producer", "performer"}) {
    if (absl::StrContains(k, who)) return EntityType::kOwnerName;
  }
  if (absl::StrContains(k, "serial")) return EntityType::kDeviceSerial;
  return EntityType::kUnknown;
}

// Text with a UTF-16 byte-order mark, else UTF-8 (Latin-1 when invalid).
std::string DecodeText(std::string_view s) {
  if (s.size() >= 2 && static_cast<unsigned char>(s[0]) == 0xfe &&
      static_cast<unsigned char>(s[1]) == 0xff) {
    return DecodeUtf16(s.substr(2), /*big_endian=*/true);
  }
  if (s.size() >= 2 && static_cast<unsigned char>(s[0]) == 0xff &&
      static_cast<unsigned char>(s[1]) == 0xfe) {
    return DecodeUtf16(s.substr(2), /*big_endian=*/false);
  }
  if (size_t nul = s.find('\0'); nul != std::string_view::npos) s = s.substr(0, nul);
  return Utf8OrLatin1(s);
}

bool IsTiff(std::string_view s) {
  return s.substr(0, 4) == std::string_view("II*\0", 4) || s.substr(0, 4) == std::string_view("MM\0*", 4);
}

class Walker {
 public:
  Walker(std::string_view file, const ParseLimits& limits, MetadataSink* sink)
      : file_(file), limits_(limits), sink_(sink) {}

  absl::Status Top(const std::vector<Box>& top) {
    for (const Box& box : top) {
      if (box.type == "uuid") {
        Uuid(box, "uuid");
        out_.removed.push_back(box);
      } else if (box.type == "udta") {
        Udta(box, "udta");
        out_.removed.push_back(box);
      } else if (box.type == "meco") {  // additional metadata container: meta boxes
        for (const Box& child : LenientChildren(box.payload(), box.end(), "meco", "Meco")) {
          if (child.type == "meta") {
            Meta(child, "meco/meta");
          } else {
            Opaque(child, "meco", absl::StrCat("Meco:", TypeName(child.type)));
          }
        }
        out_.removed.push_back(box);
      } else if (box.type == "moov") {
        PIIVAULT_RETURN_IF_ERROR(Container(box, "moov"));
      }
    }
    return absl::OkStatus();
  }

  UserData& result() { return out_; }

 private:
  // moov or moov/trak: its udta, meta and uuid children are removed.
  absl::Status Container(const Box& box, const std::string& location) {
    PIIVAULT_ASSIGN_OR_RETURN(std::vector<Box> children, Children(file_, box.payload(), box.end()));
    for (const Box& child : children) {
      const std::string where = absl::StrCat(location, "/", TypeName(child.type));
      if (child.type == "udta") {
        Udta(child, where);
        out_.removed.push_back(child);
      } else if (child.type == "meta") {
        Meta(child, where);
        out_.removed.push_back(child);
      } else if (child.type == "uuid") {
        Uuid(child, where);
        out_.removed.push_back(child);
      } else if (child.type == "trak" && location == "moov") {
        PIIVAULT_RETURN_IF_ERROR(Container(child, where));
      } else if (child.type == "mdia" && location == "moov/trak") {
        PIIVAULT_RETURN_IF_ERROR(ChunkOffsets(child));
      }
    }
    return absl::OkStatus();
  }

  // mdia/minf/stbl/{stco,co64}.
  absl::Status ChunkOffsets(const Box& mdia) {
    PIIVAULT_ASSIGN_OR_RETURN(std::vector<Box> mdia_children, Children(file_, mdia.payload(), mdia.end()));
    for (const Box& minf : mdia_children) {
      if (minf.type != "minf") continue;
      PIIVAULT_ASSIGN_OR_RETURN(std::vector<Box> minf_children, Children(file_, minf.payload(), minf.end()));
      for (const Box& stbl : minf_children) {
        if (stbl.type != "stbl") continue;
        PIIVAULT_ASSIGN_OR_RETURN(std::vector<Box> tables, Children(file_, stbl.payload(), stbl.end()));
        for (const Box& t : tables) {
          if (t.type != "stco" && t.type != "co64") continue;
          const int width = t.type == "stco" ? 4 : 8;
          Cursor c(file_, t.payload(), t.end(), t.type == "stco" ? "stco" : "co64");
          PIIVAULT_RETURN_IF_ERROR(c.Uint(4).status());  // version, flags
          PIIVAULT_ASSIGN_OR_RETURN(uint64_t count, c.Uint(4));
          if (count > (t.end() - c.pos()) / width) {
            return absl::InvalidArgumentError(absl::StrFormat(
                "heif: %s at offset %d declares %d entries, room for %d", TypeName(t.type), t.offset,
                count, (t.end() - c.pos()) / width));
          }
          for (uint64_t i = 0; i < count; ++i) {
            PIIVAULT_ASSIGN_OR_RETURN(uint64_t off, c.Uint(width));
            out_.chunk_offsets.push_back(off);
          }
        }
      }
    }
    return absl::OkStatus();
  }

  // The boxes of [begin, end) up to the first that does not parse (QuickTime
  // ends some lists with a 32-bit zero terminator); the rest, unless it is
  // all zeros, is reported as one opaque item named `rest_name`.
  std::vector<Box> LenientChildren(uint64_t begin, uint64_t end, const std::string& location,
                                   std::string_view rest_name) {
    std::vector<Box> boxes;
    uint64_t pos = begin;
    while (pos < end) {
      absl::StatusOr<Box> box = ReadBox(file_, pos, end);
      if (!box.ok()) break;
      boxes.push_back(*box);
      pos = box->end();
    }
    const std::string_view rest = file_.substr(pos, end - pos);
    if (sink_ != nullptr && rest.find_first_not_of('\0') != std::string_view::npos) {
      sink_->AddItem(MakeItem(location, std::string(rest_name), pos, end - pos));
    }
    return boxes;
  }

  void Opaque(const Box& box, const std::string& location, std::string name,
              EntityType type = EntityType::kUnknown) {
    if (sink_ == nullptr) return;
    MetadataItem item = MakeItem(location, std::move(name), box.payload(), box.end() - box.payload());
    item.sensitive_as = type;
    sink_->AddItem(std::move(item));
  }

  void Text(const std::string& location, std::string name, EntityType type, uint64_t offset,
            uint64_t size, std::string_view utf8) {
    if (sink_ == nullptr) return;
    MetadataItem item = MakeItem(location, std::move(name), offset, size);
    item.sensitive_as = type;
    sink_->AddTextItem(std::move(item), utf8);
  }

  void Xmp(uint64_t offset, uint64_t size, const std::string& location) {
    if (sink_ == nullptr) return;
    sink_->AddItem(MakeItem(location, "XMP", offset, size));
    // Errors in the packet leave the items found so far; the box goes anyway.
    (void)ParseXmpMetadata(file_.substr(offset, size), offset, absl::StrCat(location, "/XMP"), limits_,
                           *sink_);
  }

  // Exif as a TIFF structure, optionally after "Exif\0\0".
  void Exif(uint64_t offset, uint64_t size, const std::string& location) {
    if (sink_ == nullptr) return;
    std::string_view data = file_.substr(offset, size);
    sink_->AddItem(MakeItem(location, "Exif", offset, size));
    std::string_view tiff = StripExifPrefix(data);
    (void)ParseTiffMetadata(tiff, offset + (data.size() - tiff.size()), absl::StrCat(location, "/Exif"),
                            limits_, *sink_);
  }

  void Uuid(const Box& box, const std::string& location) {
    if (sink_ == nullptr) return;
    const std::string_view usertype = file_.substr(box.payload() - 16, 16);
    const uint64_t p = box.payload();
    const uint64_t n = box.end() - p;
    const std::string_view payload = file_.substr(p, n);
    if (usertype == kXmpUuid) {
      Xmp(p, n, location);
    } else if (usertype == kJp2ExifUuid || payload.substr(0, 6) == std::string_view("Exif\0\0", 6) ||
               IsTiff(payload)) {
      Exif(p, n, location);
    } else if (usertype == kCanonUuid) {
      absl::StatusOr<std::vector<Box>> children = Children(file_, p, box.end());
      if (!children.ok()) return Opaque(box, location, "CanonUUID");
      for (const Box& c : *children) {
        const uint64_t cp = c.payload();
        const uint64_t cn = c.end() - cp;
        const std::string where = absl::StrCat(location, "/", TypeName(c.type));
        if (absl::StartsWith(std::string(c.type), "CMT")) {
          sink_->AddItem(MakeItem(where, "Exif", cp, cn));
          (void)ParseTiffMetadata(file_.substr(cp, cn), cp, where, limits_, *sink_);
        } else if (c.type == "THMB") {
          Opaque(c, where, "Thumbnail", EntityType::kThumbnail);
        } else {
          Opaque(c, where, absl::StrCat("UserData:", TypeName(c.type)));
        }
      }
    } else if (usertype == kC2paUuid) {
      Opaque(box, location, "C2PA");
    } else {
      Opaque(box, location, "UUID");
    }
  }

  void Udta(const Box& box, const std::string& location) {
    const std::vector<Box> children = LenientChildren(box.payload(), box.end(), location, "UserData");
    for (const Box& child : children) {
      const std::string where = absl::StrCat(location, "/", TypeName(child.type));
      if (child.type == "meta") {
        Meta(child, where);
      } else if (child.type == "uuid") {
        Uuid(child, where);
      } else if (child.type == "XMP_") {
        Xmp(child.payload(), child.end() - child.payload(), location);
      } else if (child.type == "loci") {
        Loci(child, location);
      } else if (child.type == "titl" || child.type == "auth" || child.type == "perf" ||
                 child.type == "dscp" || child.type == "cprt" || child.type == "albm" ||
                 child.type == "gnre") {
        ThreeGppText(child, location);
      } else if (!child.type.empty() && static_cast<unsigned char>(child.type[0]) == 0xa9) {
        QuickTimeText(child, location);
      } else {
        Opaque(child, location, absl::StrCat("UserData:", TypeName(child.type)));
      }
    }
  }

  // QuickTime international text: {size:u16, language:u16, text[size]}*;
  // an iTunes-style atom holds `data` boxes instead.
  void QuickTimeText(const Box& box, const std::string& location) {
    if (sink_ == nullptr) return;
    const AtomName name = NameOf(box.type);
    if (box.end() - box.payload() >= 8 && file_.substr(box.payload() + 4, 4) == "data") {
      return IlstItem(box, location, ItemName(name), name.sensitive_as);
    }
    Cursor c(file_, box.payload(), box.end(), "user-data text");
    std::string text;
    while (!c.done()) {
      absl::StatusOr<uint64_t> size = c.Uint(2);
      if (!size.ok() || !c.Uint(2).ok()) break;
      absl::StatusOr<std::string_view> bytes = c.Bytes(*size);
      if (!bytes.ok()) break;
      if (!text.empty()) text += '\n';
      text += DecodeText(*bytes);
    }
    if (!c.done()) {  // not the usual layout: the payload as text
      text = DecodeText(file_.substr(box.payload(), box.end() - box.payload()));
    }
    Text(location, ItemName(name), name.sensitive_as, box.payload(), box.end() - box.payload(), text);
  }

  // 3GPP string atom: version/flags, pad(1) + language(15), string.
  void ThreeGppText(const Box& box, const std::string& location) {
    if (sink_ == nullptr) return;
    const AtomName name = NameOf(box.type);
    const uint64_t n = box.end() - box.payload();
    if (n < 6) return Opaque(box, location, ItemName(name), name.sensitive_as);
    Text(location, ItemName(name), name.sensitive_as, box.payload(), n,
         DecodeText(file_.substr(box.payload() + 6, n - 6)));
  }

  // 3GPP location: version/flags, language, name, role:u8, longitude,
  // latitude, altitude (s16.16 each), astronomical body, notes.
  void Loci(const Box& box, const std::string& location) {
    if (sink_ == nullptr) return;
    const uint64_t n = box.end() - box.payload();
    Cursor c(file_, box.payload(), box.end(), "loci");
    std::string text;
    if (c.Uint(4).ok() && c.Uint(2).ok()) {
      text = DecodeText(c.CString());
      absl::StatusOr<uint64_t> role = c.Uint(1);
      absl::StatusOr<uint64_t> lon = role.ok() ? c.Uint(4) : role;
      absl::StatusOr<uint64_t> lat = lon.ok() ? c.Uint(4) : lon;
      if (lat.ok()) {
        auto fixed = [](uint64_t v) { return static_cast<int32_t>(static_cast<uint32_t>(v)) / 65536.0; };
        absl::StrAppend(&text, text.empty() ? "" : " ", absl::StrFormat("%+.6f%+.6f", fixed(*lat), fixed(*lon)));
      }
    }
    Text(location, "Location", EntityType::kGeoLocation, box.payload(), n, text);
  }

  // A meta box below the top level: ISO FullBox, or QuickTime's plain box
  // (its first child, hdlr, right at the payload).
  void Meta(const Box& box, const std::string& location) {
    const uint64_t p = box.payload();
    uint64_t begin = p + 4;
    if (box.end() - p >= 8 && file_.substr(p + 4, 4) == "hdlr") begin = p;
    if (begin > box.end()) return Opaque(box, location, "Meta");
    const std::vector<Box> children = LenientChildren(begin, box.end(), location, "Meta");
    // With item info, heif.cc reads the whole box strictly (and refuses the
    // file if it does not parse: its items' bytes may lie in an mdat).
    if (std::any_of(children.begin(), children.end(), [](const Box& c) { return c.type == "iinf"; })) {
      out_.metas.push_back({box, begin, location});
    }
    std::vector<std::string_view> keys;
    for (const Box& child : children) {
      if (child.type == "keys") {
        Cursor c(file_, child.payload(), child.end(), "keys");
        if (!c.Uint(4).ok() || !c.Uint(4).ok()) continue;  // version/flags, entry count
        while (!c.done()) {
          absl::StatusOr<uint64_t> size = c.Uint(4);
          if (!size.ok() || *size < 8 || !c.Uint(4).ok()) break;
          absl::StatusOr<std::string_view> key = c.Bytes(*size - 8);
          if (!key.ok()) break;
          keys.push_back(*key);
        }
      }
    }
    if (sink_ == nullptr) return;
    for (const Box& child : children) {
      const std::string where = absl::StrCat(location, "/", TypeName(child.type));
      if (child.type == "ilst") {
        Ilst(child, where, keys);
      } else if (child.type == "xml " || child.type == "XMP_") {
        Xmp(child.payload(), child.end() - child.payload(), where);
      } else if (child.type != "hdlr" && child.type != "keys" && child.type != "free" &&
                 child.type != "skip" && child.type != "iinf" && child.type != "iloc" &&
                 child.type != "iref" && child.type != "iprp" && child.type != "pitm" &&
                 child.type != "idat" && child.type != "dinf") {  // items: heif.cc
        Opaque(child, where, absl::StrCat("Meta:", TypeName(child.type)));
      }
    }
  }

  // ilst: one box per item, named by a 4CC or (with `keys`) by a 1-based key
  // index.
  void Ilst(const Box& box, const std::string& location, const std::vector<std::string_view>& keys) {
    for (const Box& item : LenientChildren(box.payload(), box.end(), location, "ItemList")) {
      if (!keys.empty()) {
        uint64_t index = 0;
        for (char ch : item.type) index = (index << 8) | static_cast<unsigned char>(ch);
        if (index >= 1 && index <= keys.size()) {
          std::string_view key = keys[index - 1];
          const bool iso6709 = absl::EndsWith(std::string(key), "ISO6709");
          IlstItem(item, location, iso6709 ? "GPSCoordinates" : TypeName(key), KeyType(key));
          continue;
        }
      }
      const AtomName name = NameOf(item.type);
      IlstItem(item, location, ItemName(name), name.sensitive_as);
    }
  }

  // An ilst item: `data` boxes of type indicator:u32 (UTF-8 = 1, UTF-16 = 2),
  // locale:u32, value.
  void IlstItem(const Box& box, const std::string& location, const std::string& name, EntityType type) {
    absl::StatusOr<std::vector<Box>> children = Children(file_, box.payload(), box.end());
    if (!children.ok()) return Opaque(box, location, name, type);
    bool any = false;
    for (const Box& data : *children) {
      if (data.type != "data" || data.end() - data.payload() < 8) continue;
      any = true;
      const uint64_t p = data.payload() + 8;
      const uint64_t n = data.end() - p;
      const uint64_t well_known = (uint64_t{static_cast<unsigned char>(file_[data.payload() + 1])} << 16) |
                                  (uint64_t{static_cast<unsigned char>(file_[data.payload() + 2])} << 8) |
                                  static_cast<unsigned char>(file_[data.payload() + 3]);
      std::string_view value = file_.substr(p, n);
      if (well_known == 1 || well_known == 4) {
        Text(location, name, type, p, n, Utf8OrLatin1(value));
      } else if (well_known == 2 || well_known == 5) {
        Text(location, name, type, p, n, DecodeUtf16(value, /*big_endian=*/true));
      } else {
        MetadataItem item = MakeItem(location, name, p, n);
        item.sensitive_as = type;
        sink_->AddItem(std::move(item));
      }
    }
    if (!any) Opaque(box, location, name, type);
  }

  std::string_view file_;
  const ParseLimits& limits_;
  MetadataSink* sink_;
  UserData out_;
};

}  // namespace

absl::StatusOr<UserData> FindUserData(std::string_view file, const std::vector<Box>& top,
                                      const ParseLimits& limits, MetadataSink* sink) {
  Walker walker(file, limits, sink);
  PIIVAULT_RETURN_IF_ERROR(walker.Top(top));
  return std::move(walker.result());
}

void Neutralise(std::string& out, const Box& box) {
  out.replace(box.offset + 4, 4, "free");
  const uint64_t from = box.size_header();
  std::fill(out.begin() + static_cast<ptrdiff_t>(box.offset + from),
            out.begin() + static_cast<ptrdiff_t>(box.end()), '\0');
}

}  // namespace piivault::image_internal::bmff
