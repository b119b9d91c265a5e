// HEIF / HEIC / AVIF (ISO-BMFF): find the Exif and XMP items and the
// thumbnails through meta/iinf + iloc + iref, report them, and scrub them.
//
// Scrub design (see shared/image-metadata.md section 11):
//  - removed items: `infe` item_type 'Exif'; item_type 'mime' with
//    content_type application/rdf+xml (XMP); thumbnails, i.e. the `from`
//    items of 'thmb' references (a thumbnail may show the uncropped
//    original), with the 'dimg' inputs of a derived thumbnail that no kept
//    item uses and the 'auxl' auxiliary images of thumbnails;
//  - their `infe` boxes are dropped from `iinf`, their entries from `iloc`,
//    their associations from `ipma`, and every `iref` reference from them
//    (references *to* them are removed from the to-lists; a reference left
//    with no target is dropped, and an `iref` left empty too); properties in
//    `ipco` stay (unreferenced properties are harmless and keep indices);
//  - their data bytes are overwritten with zeros where they lie (in an
//    `mdat` for construction method 0, in `idat` for method 1); method 2 and
//    external data references hold no bytes of their own;
//  - the rebuilt `meta` is shorter; a top-level `free` box right after it
//    takes up the difference, so no byte outside `meta` moves and no `iloc`
//    offset (nor `stco`/`co64` of a `moov`) needs fixing. Every other box and
//    every kept item's data is byte-identical. A file with nothing to remove
//    is returned unchanged.
// Refused (kInvalidArgument): removed data overlapping a kept item's extent,
// removed method-0 data outside every `mdat`, a kept item whose method-0
// data lies inside `meta` (it would move), the primary item being a metadata
// item, duplicate iinf/iloc/iref/iprp/idat/pitm or top-level meta boxes.
// Metadata outside the meta items (heif_user_data.cc): top-level `uuid`,
// `udta` and `meco` boxes and the `udta`, `meta` and `uuid` boxes of `moov`
// and of each `moov/trak` are reported and, on scrub, overwritten in place
// as `free` boxes of the same size (zeroed payload), so again nothing moves;
// the Exif/XMP items of a nested meta have their mdat bytes zeroed. Refused:
// a kept item's extent or a track chunk offset inside such a box.
// Not handled: timed metadata tracks (GPS/camera samples in the mdat), movie
// fragments, stale bytes in existing `free`/`skip` boxes, Exif orientation
// (HEIF renders with irot/imir properties, which are kept).
#include <algorithm>
#include <iterator>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "common/status_macros.h"
#include "image/bmff_internal.h"
#include "image/image_internal.h"

namespace piivault::image_internal {
namespace {

using bmff::Box;
using bmff::Children;
using bmff::Cursor;
using bmff::ReadBox;
using bmff::TypeName;

struct ItemInfo {
  uint32_t id = 0;
  std::string_view type;  // 4CC ("" for infe v0/v1)
  std::string_view content_type;
  std::string_view content_encoding;
  Box box;
};

struct Extent {
  uint64_t offset = 0;
  uint64_t length = 0;
};

struct ItemLocation {
  uint32_t id = 0;
  int construction_method = 0;
  uint16_t data_reference_index = 0;
  uint64_t base_offset = 0;
  std::vector<Extent> extents;
  uint64_t raw_begin = 0;  // the entry's bytes in iloc
  uint64_t raw_end = 0;
};

struct Reference {
  Box box;
  uint32_t from = 0;
  std::vector<uint32_t> to;
};

struct Association {
  uint32_t id = 0;
  uint64_t raw_begin = 0;
  uint64_t raw_end = 0;
};

struct Meta {
  Box box;
  std::vector<Box> children;
  std::optional<uint32_t> primary;
  // iinf
  std::optional<Box> iinf;
  int iinf_version = 0;
  std::vector<ItemInfo> items;
  // iloc
  std::optional<Box> iloc;
  int iloc_version = 0;
  uint64_t iloc_entries_begin = 0;  // after item_count
  std::vector<ItemLocation> locations;
  // iref
  std::optional<Box> iref;
  int iref_version = 0;
  std::vector<Reference> references;
  // iprp/ipma
  std::optional<Box> iprp;
  std::vector<Box> iprp_children;
  struct Ipma {
    Box box;
    int version = 0;
    std::vector<Association> entries;
  };
  std::vector<Ipma> ipmas;
  // idat
  std::optional<Box> idat;
};

struct File {
  std::vector<Box> top;
  std::optional<Meta> meta;
  std::vector<Box> mdats;
};

absl::Status ParseIinf(std::string_view file, const Box& box, Meta& meta) {
  Cursor c(file, box.payload(), box.end(), "iinf");
  PIIVAULT_ASSIGN_OR_RETURN(uint64_t vflags, c.Uint(4));
  meta.iinf_version = static_cast<int>(vflags >> 24);
  PIIVAULT_RETURN_IF_ERROR(c.Uint(meta.iinf_version == 0 ? 2 : 4).status());
  PIIVAULT_ASSIGN_OR_RETURN(std::vector<Box> infes, Children(file, c.pos(), box.end()));
  for (const Box& infe : infes) {
    if (infe.type != "infe") continue;
    Cursor e(file, infe.payload(), infe.end(), "infe");
    ItemInfo item;
    item.box = infe;
    PIIVAULT_ASSIGN_OR_RETURN(uint64_t ivf, e.Uint(4));
    const int version = static_cast<int>(ivf >> 24);
    if (version >= 2) {
      PIIVAULT_ASSIGN_OR_RETURN(uint64_t id, e.Uint(version == 2 ? 2 : 4));
      item.id = static_cast<uint32_t>(id);
      PIIVAULT_RETURN_IF_ERROR(e.Uint(2).status());  // protection index
      PIIVAULT_ASSIGN_OR_RETURN(item.type, e.Bytes(4));
      e.CString();  // item name
      if (item.type == "mime") {
        item.content_type = e.CString();
        if (!e.done()) item.content_encoding = e.CString();
      }
    } else {
      PIIVAULT_ASSIGN_OR_RETURN(uint64_t id, e.Uint(2));
      item.id = static_cast<uint32_t>(id);
      PIIVAULT_RETURN_IF_ERROR(e.Uint(2).status());
      e.CString();
      item.content_type = e.CString();
      if (!e.done()) item.content_encoding = e.CString();
    }
    meta.items.push_back(item);
  }
  return absl::OkStatus();
}

bool ValidFieldSize(uint64_t s) { return s == 0 || s == 4 || s == 8; }

absl::Status ParseIloc(std::string_view file, const Box& box, Meta& meta) {
  Cursor c(file, box.payload(), box.end(), "iloc");
  PIIVAULT_ASSIGN_OR_RETURN(uint64_t vflags, c.Uint(4));
  const int version = static_cast<int>(vflags >> 24);
  if (version > 2) {
    return absl::InvalidArgumentError(
        absl::StrFormat("heif: iloc at offset %d has unknown version %d", box.offset, version));
  }
  meta.iloc_version = version;
  PIIVAULT_ASSIGN_OR_RETURN(uint64_t sizes1, c.Uint(1));
  PIIVAULT_ASSIGN_OR_RETURN(uint64_t sizes2, c.Uint(1));
  const int offset_size = static_cast<int>(sizes1 >> 4);
  const int length_size = static_cast<int>(sizes1 & 15);
  const int base_offset_size = static_cast<int>(sizes2 >> 4);
  const int index_size = version >= 1 ? static_cast<int>(sizes2 & 15) : 0;
  if (!ValidFieldSize(offset_size) || !ValidFieldSize(length_size) ||
      !ValidFieldSize(base_offset_size) || !ValidFieldSize(index_size)) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "heif: iloc at offset %d has field sizes %d/%d/%d/%d (allowed 0, 4, 8)", box.offset,
        offset_size, length_size, base_offset_size, index_size));
  }
  PIIVAULT_ASSIGN_OR_RETURN(uint64_t count, c.Uint(version < 2 ? 2 : 4));
  meta.iloc_entries_begin = c.pos();
  for (uint64_t i = 0; i < count; ++i) {
    ItemLocation loc;
    loc.raw_begin = c.pos();
    PIIVAULT_ASSIGN_OR_RETURN(uint64_t id, c.Uint(version < 2 ? 2 : 4));
    loc.id = static_cast<uint32_t>(id);
    if (version >= 1) {
      PIIVAULT_ASSIGN_OR_RETURN(uint64_t cm, c.Uint(2));
      loc.construction_method = static_cast<int>(cm & 15);
    }
    PIIVAULT_ASSIGN_OR_RETURN(uint64_t dref, c.Uint(2));
    loc.data_reference_index = static_cast<uint16_t>(dref);
    PIIVAULT_ASSIGN_OR_RETURN(loc.base_offset, c.Uint(base_offset_size));
    PIIVAULT_ASSIGN_OR_RETURN(uint64_t extent_count, c.Uint(2));
    if (offset_size + length_size + index_size == 0 && extent_count > 1) {
      // Extents of zero bytes each cost no input: never loop on their count.
      return absl::InvalidArgumentError(absl::StrFormat(
          "heif: iloc at offset %d gives item %d %d extents with no fields", box.offset, loc.id,
          extent_count));
    }
    for (uint64_t k = 0; k < extent_count; ++k) {
      Extent extent;
      PIIVAULT_RETURN_IF_ERROR(c.Uint(index_size).status());
      PIIVAULT_ASSIGN_OR_RETURN(extent.offset, c.Uint(offset_size));
      PIIVAULT_ASSIGN_OR_RETURN(extent.length, c.Uint(length_size));
      loc.extents.push_back(extent);
    }
    loc.raw_end = c.pos();
    meta.locations.push_back(std::move(loc));
  }
  return absl::OkStatus();
}

absl::Status ParseIref(std::string_view file, const Box& box, Meta& meta) {
  Cursor c(file, box.payload(), box.end(), "iref");
  PIIVAULT_ASSIGN_OR_RETURN(uint64_t vflags, c.Uint(4));
  meta.iref_version = static_cast<int>(vflags >> 24);
  const int id_size = meta.iref_version == 0 ? 2 : 4;
  PIIVAULT_ASSIGN_OR_RETURN(std::vector<Box> refs, Children(file, c.pos(), box.end()));
  for (const Box& ref_box : refs) {
    Cursor r(file, ref_box.payload(), ref_box.end(), "iref reference");
    Reference ref;
    ref.box = ref_box;
    PIIVAULT_ASSIGN_OR_RETURN(uint64_t from, r.Uint(id_size));
    ref.from = static_cast<uint32_t>(from);
    PIIVAULT_ASSIGN_OR_RETURN(uint64_t n, r.Uint(2));
    for (uint64_t i = 0; i < n; ++i) {
      PIIVAULT_ASSIGN_OR_RETURN(uint64_t to, r.Uint(id_size));
      ref.to.push_back(static_cast<uint32_t>(to));
    }
    meta.references.push_back(std::move(ref));
  }
  return absl::OkStatus();
}

absl::Status ParseIprp(std::string_view file, const Box& box, Meta& meta) {
  PIIVAULT_ASSIGN_OR_RETURN(meta.iprp_children, Children(file, box.payload(), box.end()));
  for (const Box& child : meta.iprp_children) {
    if (child.type != "ipma") continue;
    Meta::Ipma ipma;
    ipma.box = child;
    Cursor c(file, child.payload(), child.end(), "ipma");
    PIIVAULT_ASSIGN_OR_RETURN(uint64_t vflags, c.Uint(4));
    ipma.version = static_cast<int>(vflags >> 24);
    const bool wide_index = (vflags & 1) != 0;
    PIIVAULT_ASSIGN_OR_RETURN(uint64_t count, c.Uint(4));
    for (uint64_t i = 0; i < count; ++i) {
      Association a;
      a.raw_begin = c.pos();
      PIIVAULT_ASSIGN_OR_RETURN(uint64_t id, c.Uint(ipma.version < 1 ? 2 : 4));
      a.id = static_cast<uint32_t>(id);
      PIIVAULT_ASSIGN_OR_RETURN(uint64_t n, c.Uint(1));
      PIIVAULT_RETURN_IF_ERROR(c.Bytes(n * (wide_index ? 2 : 1)).status());
      a.raw_end = c.pos();
      ipma.entries.push_back(a);
    }
    meta.ipmas.push_back(std::move(ipma));
  }
  return absl::OkStatus();
}

// A meta box whose children start at `children_begin` (after version and
// flags for an ISO FullBox).
absl::StatusOr<Meta> ParseMeta(std::string_view file, const Box& box, uint64_t children_begin) {
  Meta meta;
  meta.box = box;
  PIIVAULT_ASSIGN_OR_RETURN(meta.children, Children(file, children_begin, box.end()));
  for (const Box& child : meta.children) {
    // A second copy of a structural box would hide items from one reader
    // or another (and from this scrubber): refuse.
    const bool second = (child.type == "iinf" && meta.iinf) || (child.type == "iloc" && meta.iloc) ||
                        (child.type == "iref" && meta.iref) || (child.type == "iprp" && meta.iprp) ||
                        (child.type == "idat" && meta.idat) || (child.type == "pitm" && meta.primary);
    if (second) {
      return absl::InvalidArgumentError(absl::StrFormat(
          "heif: meta has a second '%s' box at offset %d", TypeName(child.type), child.offset));
    }
    if (child.type == "iinf" && !meta.iinf) {
      meta.iinf = child;
      PIIVAULT_RETURN_IF_ERROR(ParseIinf(file, child, meta));
    } else if (child.type == "iloc" && !meta.iloc) {
      meta.iloc = child;
      PIIVAULT_RETURN_IF_ERROR(ParseIloc(file, child, meta));
    } else if (child.type == "iref" && !meta.iref) {
      meta.iref = child;
      PIIVAULT_RETURN_IF_ERROR(ParseIref(file, child, meta));
    } else if (child.type == "iprp" && !meta.iprp) {
      meta.iprp = child;
      PIIVAULT_RETURN_IF_ERROR(ParseIprp(file, child, meta));
    } else if (child.type == "idat" && !meta.idat) {
      meta.idat = child;
    } else if (child.type == "pitm") {
      Cursor p(file, child.payload(), child.end(), "pitm");
      PIIVAULT_ASSIGN_OR_RETURN(uint64_t vflags, p.Uint(4));
      PIIVAULT_ASSIGN_OR_RETURN(uint64_t id, p.Uint((vflags >> 24) == 0 ? 2 : 4));
      meta.primary = static_cast<uint32_t>(id);
    }
  }
  return meta;
}

absl::StatusOr<File> ParseFile(std::string_view file) {
  File f;
  PIIVAULT_ASSIGN_OR_RETURN(f.top, Children(file, 0, file.size()));
  if (f.top.empty() || f.top[0].type != "ftyp") {
    return absl::InvalidArgumentError("heif: first box at offset 0 is not 'ftyp'");
  }
  for (const Box& box : f.top) {
    if (box.type == "mdat") f.mdats.push_back(box);
    if (box.type != "meta") continue;
    if (f.meta.has_value()) {
      return absl::InvalidArgumentError(
          absl::StrFormat("heif: second top-level 'meta' box at offset %d", box.offset));
    }
    Cursor c(file, box.payload(), box.end(), "meta");
    PIIVAULT_RETURN_IF_ERROR(c.Uint(4).status());  // version, flags
    PIIVAULT_ASSIGN_OR_RETURN(Meta meta, ParseMeta(file, box, c.pos()));
    f.meta = std::move(meta);
  }
  return f;
}

enum class MetaKind { kNone, kExif, kXmp };

MetaKind KindOf(const ItemInfo& item) {
  if (item.type == "Exif") return MetaKind::kExif;
  if ((item.type == "mime" || item.type.empty()) && item.content_type == "application/rdf+xml") {
    return MetaKind::kXmp;
  }
  return MetaKind::kNone;
}

// Thumbnails: the `from` items of 'thmb' references (never the primary),
// with, when a thumbnail is a derived image (grid), the 'dimg' inputs no other
// item uses, and the auxiliary images ('auxl', alpha/depth) of thumbnails. An
// item that a kept item derives from ('dimg') is never a thumbnail.
absl::flat_hash_set<uint32_t> ThumbnailItems(const Meta& meta,
                                             absl::flat_hash_set<uint32_t>* main = nullptr) {
  absl::flat_hash_set<uint32_t> thumbs;
  for (const Reference& ref : meta.references) {
    if (ref.box.type == "thmb" && ref.from != meta.primary) thumbs.insert(ref.from);
  }
  if (thumbs.empty()) return thumbs;
  if (main != nullptr) *main = thumbs;
  absl::flat_hash_set<uint32_t> extra;
  absl::flat_hash_set<uint32_t> used_by_kept;
  for (const Reference& ref : meta.references) {
    if (ref.box.type != "dimg") continue;
    for (uint32_t to : ref.to) (thumbs.contains(ref.from) ? extra : used_by_kept).insert(to);
  }
  for (const Reference& ref : meta.references) {
    if (ref.box.type != "auxl" || ref.from == meta.primary) continue;
    for (uint32_t to : ref.to) {
      if (thumbs.contains(to)) extra.insert(ref.from);
    }
  }
  thumbs.insert(extra.begin(), extra.end());
  absl::flat_hash_set<uint32_t> out;
  for (uint32_t id : thumbs) {
    if (!used_by_kept.contains(id) && id != meta.primary) out.insert(id);
  }
  if (main != nullptr) {
    absl::flat_hash_set<uint32_t> kept_main;
    for (uint32_t id : *main) {
      if (out.contains(id)) kept_main.insert(id);
    }
    *main = std::move(kept_main);
  }
  return out;
}

// The first iloc entry of each item ID.
absl::flat_hash_map<uint32_t, const ItemLocation*> LocationIndex(const Meta& meta) {
  absl::flat_hash_map<uint32_t, const ItemLocation*> index;
  for (const ItemLocation& loc : meta.locations) index.emplace(loc.id, &loc);
  return index;
}

// An item's bytes as absolute file ranges. Method 2 (item offsets) and
// external data references have no bytes of their own: empty result.
absl::StatusOr<std::vector<Extent>> ResolveExtents(std::string_view file, const Meta& meta,
                                                   const ItemLocation& loc) {
  std::vector<Extent> out;
  if (loc.data_reference_index != 0) return out;
  uint64_t begin;
  uint64_t size;
  if (loc.construction_method == 0) {
    begin = 0;
    size = file.size();
  } else if (loc.construction_method == 1) {
    if (!meta.idat) {
      return absl::InvalidArgumentError(
          absl::StrFormat("heif: item %d is stored in idat but meta has no idat", loc.id));
    }
    begin = meta.idat->payload();
    size = meta.idat->end() - begin;
  } else {
    return out;
  }
  for (const Extent& e : loc.extents) {
    const uint64_t rel = loc.base_offset + e.offset;
    if (rel < loc.base_offset || rel > size) {
      return absl::InvalidArgumentError(absl::StrFormat(
          "heif: iloc extent of item %d starts at %d, past the %d bytes it indexes", loc.id, rel,
          size));
    }
    const uint64_t length = e.length == 0 ? size - rel : e.length;
    if (length > size - rel) {
      return absl::InvalidArgumentError(absl::StrFormat(
          "heif: iloc extent of item %d at %d declares %d bytes, %d remain", loc.id, rel, length,
          size - rel));
    }
    out.push_back({begin + rel, length});
  }
  return out;
}

// Reports the Exif and XMP items of `meta` (and the items parsed from them)
// under `location` ("meta/iinf", "moov/trak/meta/iinf"...). `budget` bounds
// the bytes copied for all items (items may share bytes).
absl::Status ReportMetaItems(std::string_view bytes, const Meta& meta, const std::string& location,
                             const ParseLimits& limits, MetadataSink& sink, uint64_t& budget) {
  const auto locations = LocationIndex(meta);
  for (const ItemInfo& item : meta.items) {
    const MetaKind kind = KindOf(item);
    if (kind == MetaKind::kNone) continue;
    auto found = locations.find(item.id);
    const ItemLocation* loc = found == locations.end() ? nullptr : found->second;
    std::string data;
    uint64_t first_offset = item.box.offset;
    if (loc != nullptr) {
      PIIVAULT_ASSIGN_OR_RETURN(std::vector<Extent> extents, ResolveExtents(bytes, meta, *loc));
      uint64_t total = 0;
      for (const Extent& e : extents) {
        total += e.length;
        if (total > budget) {
          return absl::InvalidArgumentError(absl::StrFormat(
              "heif: extents of item %d add up to more than the file", item.id));
        }
      }
      budget -= total;
      data.reserve(total);
      for (const Extent& e : extents) data.append(bytes.data() + e.offset, e.length);
      if (!extents.empty()) first_offset = extents[0].offset;
    }
    MetadataItem report;
    report.location = location;
    report.name = kind == MetaKind::kExif ? "Exif" : "XMP";
    report.offset = first_offset;
    report.size = data.size();
    sink.AddItem(std::move(report));
    if (data.empty()) continue;
    if (kind == MetaKind::kExif) {
      // exif_tiff_header_offset:u32be, then (after that many bytes) the TIFF header.
      if (data.size() < 4) {
        return absl::InvalidArgumentError(absl::StrFormat(
            "heif: Exif item %d at offset %d is %d bytes, shorter than its header", item.id,
            first_offset, data.size()));
      }
      const uint64_t skip = (uint64_t{static_cast<unsigned char>(data[0])} << 24) |
                            (uint64_t{static_cast<unsigned char>(data[1])} << 16) |
                            (uint64_t{static_cast<unsigned char>(data[2])} << 8) |
                            static_cast<unsigned char>(data[3]);
      if (skip > data.size() - 4) {
        return absl::InvalidArgumentError(absl::StrFormat(
            "heif: Exif item %d at offset %d puts its TIFF header %d bytes past a %d-byte item",
            item.id, first_offset, skip, data.size()));
      }
      std::string_view tiff = std::string_view(data).substr(4 + skip);
      PIIVAULT_RETURN_IF_ERROR(
          ParseTiffMetadata(tiff, first_offset + 4 + skip, location + "/Exif", limits, sink));
    } else if (item.content_encoding.empty()) {
      PIIVAULT_RETURN_IF_ERROR(
          ParseXmpMetadata(data, first_offset, location + "/XMP", limits, sink));
    }
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status ScanHeif(std::string_view bytes, const ParseLimits& limits, MetadataSink& sink) {
  PIIVAULT_ASSIGN_OR_RETURN(File f, ParseFile(bytes));
  // Items may share bytes; bound the total copied for all of them.
  uint64_t budget = bytes.size() + limits.max_decompressed_bytes;
  if (f.meta) {
    const Meta& meta = *f.meta;
    const auto locations = LocationIndex(meta);
    absl::flat_hash_set<uint32_t> main_thumbnails;
    ThumbnailItems(meta, &main_thumbnails);
    for (const ItemInfo& item : meta.items) {
      if (!main_thumbnails.contains(item.id)) continue;
      MetadataItem report;
      report.location = "meta/iinf";
      report.name = "Thumbnail";
      report.offset = item.box.offset;
      report.sensitive_as = EntityType::kThumbnail;
      auto found = locations.find(item.id);
      if (found != locations.end()) {
        PIIVAULT_ASSIGN_OR_RETURN(std::vector<Extent> extents,
                                  ResolveExtents(bytes, meta, *found->second));
        if (!extents.empty()) report.offset = extents[0].offset;
        for (const Extent& e : extents) report.size += e.length;
      }
      sink.AddItem(std::move(report));
    }
    PIIVAULT_RETURN_IF_ERROR(ReportMetaItems(bytes, meta, "meta/iinf", limits, sink, budget));
  }
  // Metadata outside the top-level meta's items: uuid boxes, user data,
  // meta boxes in moov and its tracks.
  PIIVAULT_ASSIGN_OR_RETURN(bmff::UserData user_data, bmff::FindUserData(bytes, f.top, limits, &sink));
  for (const bmff::NestedMeta& nested : user_data.metas) {
    PIIVAULT_ASSIGN_OR_RETURN(Meta meta, ParseMeta(bytes, nested.box, nested.children_begin));
    PIIVAULT_RETURN_IF_ERROR(
        ReportMetaItems(bytes, meta, nested.location + "/iinf", limits, sink, budget));
  }
  return absl::OkStatus();
}

namespace {

void PutBe(std::string& out, uint64_t v, int bytes) {
  for (int i = bytes - 1; i >= 0; --i) out.push_back(static_cast<char>(v >> (8 * i)));
}

// A box from its type and payload (32-bit size when it fits).
std::string MakeBox(std::string_view type, std::string_view payload) {
  std::string out;
  const uint64_t size = 8 + payload.size();
  if (size <= 0xffffffffu) {
    PutBe(out, size, 4);
    out.append(type.data(), 4);
  } else {
    PutBe(out, 1, 4);
    out.append(type.data(), 4);
    PutBe(out, size + 8, 8);
  }
  out.append(payload.data(), payload.size());
  return out;
}

}  // namespace

absl::StatusOr<std::string> ScrubHeif(std::string_view bytes, const ScrubOptions& options,
                                      const ParseLimits& limits) {
  PIIVAULT_ASSIGN_OR_RETURN(File f, ParseFile(bytes));
  PIIVAULT_ASSIGN_OR_RETURN(bmff::UserData user_data,
                            bmff::FindUserData(bytes, f.top, limits, /*sink=*/nullptr));
  const Meta no_meta;
  const Meta& meta = f.meta ? *f.meta : no_meta;
  absl::flat_hash_set<uint32_t> removed;
  for (const ItemInfo& item : meta.items) {
    if (KindOf(item) != MetaKind::kNone) removed.insert(item.id);
  }
  for (uint32_t id : ThumbnailItems(meta)) removed.insert(id);
  if (removed.empty() && user_data.removed.empty()) {
    return std::string(bytes);  // nothing to do: byte-identical
  }
  if (meta.primary && removed.contains(*meta.primary)) {
    return absl::InvalidArgumentError(
        absl::StrFormat("heif: primary item %d is a metadata item", *meta.primary));
  }
  // Top-level mdats are sorted by offset: the last one starting at or before
  // the extent is the only candidate.
  auto in_mdat = [&f](const Extent& e) {
    auto next = std::upper_bound(f.mdats.begin(), f.mdats.end(), e.offset,
                                 [](uint64_t off, const Box& b) { return off < b.offset; });
    return next != f.mdats.begin() && e.offset >= std::prev(next)->payload() &&
           e.offset + e.length <= std::prev(next)->end();
  };
  // The removed user-data boxes (disjoint, in file order): the one starting
  // at or before `e` is the only one that can hold it.
  const std::vector<Box>& neutralised = user_data.removed;
  auto in_neutralised = [&neutralised](uint64_t offset, uint64_t length) {
    auto next = std::upper_bound(neutralised.begin(), neutralised.end(), offset,
                                 [](uint64_t off, const Box& b) { return off < b.offset; });
    return next != neutralised.begin() && offset >= std::prev(next)->offset &&
           offset + length <= std::prev(next)->end();
  };
  // Does [offset, offset + length) meet any removed user-data box?
  auto meets_neutralised = [&neutralised](uint64_t offset, uint64_t length) {
    auto past = std::lower_bound(neutralised.begin(), neutralised.end(), offset + length,
                                 [](const Box& b, uint64_t end) { return b.offset < end; });
    return past != neutralised.begin() && std::prev(past)->end() > offset;
  };

  // Where the removed items' bytes are, and where the kept items' are.
  std::vector<Extent> zero_file;  // absolute, method 0
  std::vector<Extent> zero_idat;  // absolute, method 1 (inside meta's idat)
  std::vector<Extent> kept;       // absolute, any method
  for (const ItemLocation& loc : meta.locations) {
    PIIVAULT_ASSIGN_OR_RETURN(std::vector<Extent> extents, ResolveExtents(bytes, meta, loc));
    if (removed.contains(loc.id)) {
      for (const Extent& e : extents) {
        if (loc.construction_method == 1) {
          zero_idat.push_back(e);
          continue;
        }
        if (!in_mdat(e)) {
          return absl::InvalidArgumentError(absl::StrFormat(
              "heif: metadata item %d has data at offset %d outside every mdat", loc.id,
              e.offset));
        }
        zero_file.push_back(e);
      }
    } else {
      for (const Extent& e : extents) {
        if (!removed.empty() && loc.construction_method == 0 && e.offset < meta.box.end() &&
            e.offset + e.length > meta.box.offset && e.length > 0) {
          return absl::InvalidArgumentError(absl::StrFormat(
              "heif: item %d has data at offset %d inside the meta box, which is rebuilt",
              loc.id, e.offset));
        }
        if (e.length > 0 && meets_neutralised(e.offset, e.length)) {
          return absl::InvalidArgumentError(absl::StrFormat(
              "heif: item %d has data at offset %d inside a user-data box, which is removed",
              loc.id, e.offset));
        }
        kept.push_back(e);
      }
    }
  }
  // Exif/XMP items of meta boxes below the top level: the boxes themselves
  // are removed (so is an idat in them); item bytes elsewhere must lie in an
  // mdat, where they are zeroed.
  for (const bmff::NestedMeta& nested : user_data.metas) {
    PIIVAULT_ASSIGN_OR_RETURN(Meta inner, ParseMeta(bytes, nested.box, nested.children_begin));
    absl::flat_hash_set<uint32_t> inner_removed;
    for (const ItemInfo& item : inner.items) {
      if (KindOf(item) != MetaKind::kNone) inner_removed.insert(item.id);
    }
    for (const ItemLocation& loc : inner.locations) {
      if (!inner_removed.contains(loc.id)) continue;
      PIIVAULT_ASSIGN_OR_RETURN(std::vector<Extent> extents, ResolveExtents(bytes, inner, loc));
      for (const Extent& e : extents) {
        if (in_neutralised(e.offset, e.length)) continue;
        if (!in_mdat(e)) {
          return absl::InvalidArgumentError(absl::StrFormat(
              "heif: metadata item %d of the meta box at offset %d has data at offset %d outside "
              "every mdat",
              loc.id, nested.box.offset, e.offset));
        }
        zero_file.push_back(e);
      }
    }
  }
  // Media chunks of tracks must not start inside a removed box.
  for (uint64_t chunk : user_data.chunk_offsets) {
    if (meets_neutralised(chunk, 1)) {
      return absl::InvalidArgumentError(absl::StrFormat(
          "heif: a track chunk at offset %d lies inside a user-data box, which is removed", chunk));
    }
  }
  // Overlap check in O((Z + K) log K): kept extents sorted by start, with the
  // running maximum of their ends.
  std::erase_if(kept, [](const Extent& e) { return e.length == 0; });
  std::sort(kept.begin(), kept.end(),
            [](const Extent& a, const Extent& b) { return a.offset < b.offset; });
  std::vector<uint64_t> max_end(kept.size());
  for (size_t i = 0; i < kept.size(); ++i) {
    max_end[i] = std::max(i == 0 ? 0 : max_end[i - 1], kept[i].offset + kept[i].length);
  }
  for (const std::vector<Extent>* zeros : {&zero_file, &zero_idat}) {
    for (const Extent& z : *zeros) {
      if (z.length == 0) continue;
      auto past = std::lower_bound(kept.begin(), kept.end(), z.offset + z.length,
                                   [](const Extent& k, uint64_t end) { return k.offset < end; });
      const size_t n = static_cast<size_t>(past - kept.begin());
      if (n > 0 && max_end[n - 1] > z.offset) {
        return absl::InvalidArgumentError(absl::StrFormat(
            "heif: metadata data at offset %d overlaps image data", z.offset));
      }
    }
  }

  std::string out(bytes);
  if (!removed.empty()) {
    // Rebuild meta.
    std::string meta_payload(bytes.substr(meta.box.payload(), 4));  // version, flags
    for (const Box& child : meta.children) {
      std::string_view raw = bytes.substr(child.offset, child.size);
      if (meta.iinf && child.offset == meta.iinf->offset) {
        std::string p(bytes.substr(child.payload(), 4));
        uint64_t count = 0;
        std::string body;
        for (const ItemInfo& item : meta.items) {
          if (removed.contains(item.id)) continue;
          ++count;
          body.append(bytes.substr(item.box.offset, item.box.size));
        }
        PutBe(p, count, meta.iinf_version == 0 ? 2 : 4);
        p += body;
        // Non-infe children of iinf (none are defined) are dropped.
        meta_payload += MakeBox("iinf", p);
      } else if (meta.iloc && child.offset == meta.iloc->offset) {
        std::string p(bytes.substr(child.payload(), 6));  // version, flags, field sizes
        uint64_t count = 0;
        std::string body;
        for (const ItemLocation& loc : meta.locations) {
          if (removed.contains(loc.id)) continue;
          ++count;
          body.append(bytes.substr(loc.raw_begin, loc.raw_end - loc.raw_begin));
        }
        PutBe(p, count, meta.iloc_version < 2 ? 2 : 4);
        p += body;
        meta_payload += MakeBox("iloc", p);
      } else if (meta.iref && child.offset == meta.iref->offset) {
        const int id_size = meta.iref_version == 0 ? 2 : 4;
        std::string p(bytes.substr(child.payload(), 4));
        bool any = false;
        for (const Reference& ref : meta.references) {
          if (removed.contains(ref.from)) continue;
          std::vector<uint32_t> to;
          for (uint32_t id : ref.to) {
            if (!removed.contains(id)) to.push_back(id);
          }
          if (to.empty()) continue;
          any = true;
          if (to.size() == ref.to.size()) {
            p.append(bytes.substr(ref.box.offset, ref.box.size));
            continue;
          }
          std::string r;
          PutBe(r, ref.from, id_size);
          PutBe(r, to.size(), 2);
          for (uint32_t id : to) PutBe(r, id, id_size);
          p += MakeBox(ref.box.type, r);
        }
        if (any) meta_payload += MakeBox("iref", p);
      } else if (meta.iprp && child.offset == meta.iprp->offset) {
        std::string p;
        size_t next_ipma = 0;  // ipmas were parsed in iprp child order
        for (const Box& pc : meta.iprp_children) {
          const Meta::Ipma* ipma = nullptr;
          if (next_ipma < meta.ipmas.size() && meta.ipmas[next_ipma].box.offset == pc.offset) {
            ipma = &meta.ipmas[next_ipma++];
          }
          if (ipma == nullptr) {
            p.append(bytes.substr(pc.offset, pc.size));
            continue;
          }
          std::string q(bytes.substr(pc.payload(), 4));
          uint64_t count = 0;
          std::string body;
          for (const Association& a : ipma->entries) {
            if (removed.contains(a.id)) continue;
            ++count;
            body.append(bytes.substr(a.raw_begin, a.raw_end - a.raw_begin));
          }
          PutBe(q, count, 4);
          q += body;
          p += MakeBox("ipma", q);
        }
        meta_payload += MakeBox("iprp", p);
      } else if (meta.idat && child.offset == meta.idat->offset) {
        std::string p(bytes.substr(child.payload(), child.end() - child.payload()));
        for (const Extent& z : zero_idat) {
          std::fill_n(p.begin() + static_cast<ptrdiff_t>(z.offset - child.payload()), z.length, '\0');
        }
        meta_payload += MakeBox("idat", p);
      } else {
        meta_payload.append(raw.data(), raw.size());
      }
    }
    std::string new_meta = MakeBox("meta", meta_payload);
    if (new_meta.size() > meta.box.size || meta.box.size - new_meta.size() < 8) {
      if (new_meta.size() != meta.box.size) {
        return absl::InternalError(absl::StrFormat(
            "heif: rebuilt meta is %d bytes for %d: cannot pad", new_meta.size(), meta.box.size));
      }
    }
    const uint64_t pad = meta.box.size - new_meta.size();
    if (pad > 0) {
      std::string free_box;
      if (pad <= 0xffffffffu) {
        PutBe(free_box, pad, 4);
        free_box += "free";
        free_box.append(pad - 8, '\0');
      } else {
        PutBe(free_box, 1, 4);
        free_box += "free";
        PutBe(free_box, pad, 8);
        free_box.append(pad - 16, '\0');
      }
      new_meta += free_box;
    }
    out.replace(meta.box.offset, meta.box.size, new_meta);
  }
  for (const Extent& z : zero_file) {
    std::fill_n(out.begin() + static_cast<ptrdiff_t>(z.offset), z.length, '\0');
  }
  // Same size, so no offset anywhere changes.
  for (const Box& box : user_data.removed) bmff::Neutralise(out, box);
  return out;
}

}  // namespace piivault::image_internal
