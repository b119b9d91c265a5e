// IPTC-IIM records and Photoshop image resource blocks (IRB).
//
// IIM: 0x1C record dataset size:u16be (size & 0x8000: extended length in the
// next (size & 0x7FFF) bytes). IRB: "8BIM" id:u16be pascal-name (padded to
// even) size:u32be data (padded to even). All arithmetic in 64 bits.
#include <algorithm>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "image/image_internal.h"

namespace piivault::image_internal {
namespace {

struct Dataset {
  uint8_t record;
  uint8_t dataset;
  const char* name;
};

constexpr Dataset kDatasets[] = {
    {1, 90, "CodedCharacterSet"},
    {2, 0, "ApplicationRecordVersion"},
    {2, 3, "ObjectTypeReference"},
    {2, 5, "ObjectName"},
    {2, 7, "EditStatus"},
    {2, 10, "Urgency"},
    {2, 12, "SubjectReference"},
    {2, 15, "Category"},
    {2, 20, "SupplementalCategories"},
    {2, 22, "FixtureIdentifier"},
    {2, 25, "Keywords"},
    {2, 26, "ContentLocationCode"},
    {2, 27, "ContentLocationName"},
    {2, 30, "ReleaseDate"},
    {2, 35, "ReleaseTime"},
    {2, 37, "ExpirationDate"},
    {2, 40, "SpecialInstructions"},
    {2, 55, "DateCreated"},
    {2, 60, "TimeCreated"},
    {2, 62, "DigitalCreationDate"},
    {2, 63, "DigitalCreationTime"},
    {2, 65, "OriginatingProgram"},
    {2, 70, "ProgramVersion"},
    {2, 80, "By-line"},
    {2, 85, "By-lineTitle"},
    {2, 90, "City"},
    {2, 92, "Sub-location"},
    {2, 95, "Province-State"},
    {2, 100, "Country-PrimaryLocationCode"},
    {2, 101, "Country-PrimaryLocationName"},
    {2, 103, "OriginalTransmissionReference"},
    {2, 105, "Headline"},
    {2, 110, "Credit"},
    {2, 115, "Source"},
    {2, 116, "CopyrightNotice"},
    {2, 118, "Contact"},
    {2, 120, "Caption-Abstract"},
    {2, 121, "LocalCaption"},
    {2, 122, "Writer-Editor"},
    {2, 200, "ObjectPreviewFileFormat"},
    {2, 201, "ObjectPreviewFileVersion"},
    {2, 202, "ObjectPreviewData"},
};

std::string DatasetName(uint8_t record, uint8_t dataset) {
  for (const Dataset& d : kDatasets) {
    if (d.record == record && d.dataset == dataset) return d.name;
  }
  return absl::StrFormat("IPTC%u:%u", record, dataset);
}

bool IsBinaryDataset(uint8_t record, uint8_t dataset) {
  return (record == 1 && dataset == 90) || (record == 2 && (dataset == 0 || dataset == 10 ||
                                                            dataset == 200 || dataset == 201 ||
                                                            dataset == 202));
}

uint32_t U32Be(const unsigned char* p) {
  return uint32_t{p[0]} << 24 | uint32_t{p[1]} << 16 | uint32_t{p[2]} << 8 | p[3];
}

}  // namespace

absl::Status ParseIptcMetadata(std::string_view iptc, uint64_t file_offset, std::string_view location,
                               MetadataSink& sink) {
  const auto* p = reinterpret_cast<const unsigned char*>(iptc.data());
  const uint64_t n = iptc.size();
  uint64_t i = 0;
  size_t records = 0;
  while (i < n) {
    if (p[i] != 0x1C) {
      // Padding (NULs) after the last record is common; anything else ends parsing.
      while (i < n && p[i] == 0) ++i;
      if (i >= n) break;
      return absl::InvalidArgumentError(
          absl::StrCat("iptc: bad record marker at offset ", file_offset + i));
    }
    if (n - i < 5) {
      return absl::InvalidArgumentError(absl::StrCat("iptc: truncated record at offset ", file_offset + i));
    }
    uint8_t record = p[i + 1];
    uint8_t dataset = p[i + 2];
    uint64_t size = uint64_t{p[i + 3]} << 8 | p[i + 4];
    uint64_t header = 5;
    if (size & 0x8000) {
      uint64_t len_bytes = size & 0x7FFF;
      if (len_bytes == 0 || len_bytes > 8 || n - i - 5 < len_bytes) {
        return absl::InvalidArgumentError(
            absl::StrCat("iptc: bad extended length at offset ", file_offset + i));
      }
      size = 0;
      for (uint64_t k = 0; k < len_bytes; ++k) size = size << 8 | p[i + 5 + k];
      header += len_bytes;
    }
    if (size > n - i - header) {
      return absl::InvalidArgumentError(
          absl::StrCat("iptc: record at offset ", file_offset + i, " runs past the end"));
    }
    MetadataItem item;
    item.location = std::string(location);
    item.name = DatasetName(record, dataset);
    item.offset = file_offset + i + header;
    item.size = size;
    std::string_view value = iptc.substr(i + header, size);
    if (record == 2 && dataset == 202) item.sensitive_as = EntityType::kThumbnail;
    if (IsBinaryDataset(record, dataset)) {
      sink.AddItem(std::move(item));
    } else {
      sink.AddTextItem(std::move(item), value);
    }
    i += header + size;
    if (++records > 100000) break;
  }
  return absl::OkStatus();
}

absl::Status ParsePhotoshopIrb(std::string_view irb, uint64_t file_offset, std::string_view location,
                               const ParseLimits& limits, MetadataSink& sink) {
  const auto* p = reinterpret_cast<const unsigned char*>(irb.data());
  const uint64_t n = irb.size();
  uint64_t i = 0;
  size_t blocks = 0;
  absl::Status first_error;
  while (i < n) {
    if (n - i < 12) {
      // Trailing padding is tolerated; a partial header is not.
      bool all_zero = std::all_of(irb.begin() + i, irb.end(), [](char c) { return c == 0; });
      if (all_zero) break;
      return absl::InvalidArgumentError(absl::StrCat("irb: truncated resource at offset ", file_offset + i));
    }
    std::string_view sig = irb.substr(i, 4);
    if (sig != "8BIM" && sig != "PHUT" && sig != "AgHg" && sig != "DCSR" && sig != "MeSa" && sig != "8B64") {
      return absl::InvalidArgumentError(absl::StrCat("irb: bad resource signature at offset ", file_offset + i));
    }
    uint16_t id = static_cast<uint16_t>(p[i + 4] << 8 | p[i + 5]);
    uint64_t name_len = p[i + 6];
    uint64_t name_field = (1 + name_len + 1) & ~uint64_t{1};
    uint64_t size_at = i + 6 + name_field;
    if (size_at + 4 > n) {
      return absl::InvalidArgumentError(absl::StrCat("irb: truncated resource at offset ", file_offset + i));
    }
    uint64_t size = U32Be(p + size_at);
    uint64_t data_at = size_at + 4;
    if (size > n - data_at) {
      return absl::InvalidArgumentError(
          absl::StrCat("irb: resource at offset ", file_offset + i, " runs past the end"));
    }
    std::string_view data = irb.substr(data_at, size);
    MetadataItem item;
    item.location = std::string(location);
    item.name = absl::StrFormat("Photoshop0x%04X", id);
    item.offset = file_offset + data_at;
    item.size = size;
    absl::Status s;
    switch (id) {
      case 0x0404:
        item.name = "IPTC";
        sink.AddItem(item);
        s = ParseIptcMetadata(data, item.offset, absl::StrCat(std::string(location), "/IPTC"), sink);
        break;
      case 0x0409:
      case 0x040C:
        item.name = "PhotoshopThumbnail";
        item.sensitive_as = EntityType::kThumbnail;
        sink.AddItem(std::move(item));
        break;
      case 0x040F:
        item.name = "ICC_Profile";
        sink.AddItem(std::move(item));
        break;
      case 0x0422:
      case 0x0423:
        item.name = "Exif";
        sink.AddItem(item);
        s = ParseTiffMetadata(data, item.offset, absl::StrCat(std::string(location), "/Exif"), limits, sink);
        break;
      case 0x0424:
        item.name = "XMP";
        sink.AddItem(item);
        s = ParseXmpMetadata(data, item.offset, absl::StrCat(std::string(location), "/XMP"), limits, sink);
        break;
      case 0x03F0:  // caption (Pascal string)
        item.name = "Caption";
        sink.AddTextItem(std::move(item), data.empty() ? data : data.substr(1, std::min<size_t>(p[data_at], data.size() - 1)));
        break;
      case 0x040B:
        item.name = "URL";
        sink.AddTextItem(std::move(item), data);
        break;
      case 0x041E:
        item.name = "URL_List";
        sink.AddTextItem(std::move(item), data);
        break;
      case 0x043E:
        item.name = "AutoSaveFilePath";
        item.sensitive_as = EntityType::kOwnerName;
        sink.AddTextItem(std::move(item), data);
        break;
      default:
        sink.AddItem(std::move(item));
        break;
    }
    if (!s.ok() && first_error.ok()) first_error = s;
    i = data_at + size + (size & 1);
    if (++blocks > 100000) break;
  }
  return first_error;
}

}  // namespace piivault::image_internal
