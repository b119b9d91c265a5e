// TIFF / Exif structures: the shared IFD parser (JPEG APP1, PNG eXIf, WebP
// EXIF, HEIF Exif items, Photoshop 0x0422) and the standalone TIFF file
// scanner/scrubber.
//
// Everything is bounds-checked against the block; sizes are computed in 64
// bits; IFDs are visited at most once (loops), and IFD count, entries and
// nesting are capped. The metadata parser is lenient: it reports every item
// it can reach and returns the first problem it met at the end.
#include <algorithm>
#include <cstring>
#include <string>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "common/status_macros.h"
#include "image/image_internal.h"

namespace piivault::image_internal {
namespace {

struct TagName {
  uint16_t tag;
  const char* name;
};

// IFD0 / IFD1 / ExifIFD / SubIFD tags (exiftool names). Sorted by tag.
constexpr TagName kTiffTags[] = {
    {0x000B, "ProcessingSoftware"}, {0x00FE, "SubfileType"}, {0x00FF, "OldSubfileType"},
    {0x0100, "ImageWidth"}, {0x0101, "ImageHeight"}, {0x0102, "BitsPerSample"},
    {0x0103, "Compression"}, {0x0106, "PhotometricInterpretation"}, {0x0107, "Thresholding"},
    {0x010A, "FillOrder"}, {0x010D, "DocumentName"}, {0x010E, "ImageDescription"},
    {0x010F, "Make"}, {0x0110, "Model"}, {0x0111, "StripOffsets"}, {0x0112, "Orientation"},
    {0x0115, "SamplesPerPixel"}, {0x0116, "RowsPerStrip"}, {0x0117, "StripByteCounts"},
    {0x011A, "XResolution"}, {0x011B, "YResolution"}, {0x011C, "PlanarConfiguration"},
    {0x011D, "PageName"}, {0x011E, "XPosition"}, {0x011F, "YPosition"},
    {0x0124, "T4Options"}, {0x0125, "T6Options"}, {0x0128, "ResolutionUnit"},
    {0x0129, "PageNumber"}, {0x012D, "TransferFunction"}, {0x0131, "Software"},
    {0x0132, "ModifyDate"}, {0x013B, "Artist"}, {0x013C, "HostComputer"},
    {0x013D, "Predictor"}, {0x013E, "WhitePoint"}, {0x013F, "PrimaryChromaticities"},
    {0x0140, "ColorMap"}, {0x0142, "TileWidth"}, {0x0143, "TileLength"},
    {0x0144, "TileOffsets"}, {0x0145, "TileByteCounts"}, {0x014A, "SubIFD"},
    {0x014C, "InkSet"}, {0x0152, "ExtraSamples"}, {0x0153, "SampleFormat"},
    {0x015B, "JPEGTables"}, {0x0201, "ThumbnailOffset"}, {0x0202, "ThumbnailLength"},
    {0x0211, "YCbCrCoefficients"}, {0x0212, "YCbCrSubSampling"},
    {0x0213, "YCbCrPositioning"}, {0x0214, "ReferenceBlackWhite"}, {0x02BC, "ApplicationNotes"},
    {0x4746, "Rating"}, {0x4749, "RatingPercent"}, {0x8298, "Copyright"},
    {0x829A, "ExposureTime"}, {0x829D, "FNumber"}, {0x83BB, "IPTC-NAA"},
    {0x8649, "PhotoshopSettings"}, {0x8769, "ExifOffset"}, {0x8773, "ICC_Profile"},
    {0x8822, "ExposureProgram"}, {0x8824, "SpectralSensitivity"}, {0x8825, "GPSInfo"},
    {0x8827, "ISO"}, {0x8830, "SensitivityType"}, {0x8832, "RecommendedExposureIndex"},
    {0x9000, "ExifVersion"}, {0x9003, "DateTimeOriginal"}, {0x9004, "CreateDate"},
    {0x9010, "OffsetTime"}, {0x9011, "OffsetTimeOriginal"}, {0x9012, "OffsetTimeDigitized"},
    {0x9101, "ComponentsConfiguration"}, {0x9102, "CompressedBitsPerPixel"},
    {0x9201, "ShutterSpeedValue"}, {0x9202, "ApertureValue"}, {0x9203, "BrightnessValue"},
    {0x9204, "ExposureCompensation"}, {0x9205, "MaxApertureValue"},
    {0x9206, "SubjectDistance"}, {0x9207, "MeteringMode"}, {0x9208, "LightSource"},
    {0x9209, "Flash"}, {0x920A, "FocalLength"}, {0x9214, "SubjectArea"},
    {0x927C, "MakerNote"}, {0x9286, "UserComment"}, {0x9290, "SubSecTime"},
    {0x9291, "SubSecTimeOriginal"}, {0x9292, "SubSecTimeDigitized"},
    {0x9C9B, "XPTitle"}, {0x9C9C, "XPComment"}, {0x9C9D, "XPAuthor"},
    {0x9C9E, "XPKeywords"}, {0x9C9F, "XPSubject"}, {0xA000, "FlashpixVersion"},
    {0xA001, "ColorSpace"}, {0xA002, "ExifImageWidth"}, {0xA003, "ExifImageHeight"},
    {0xA004, "RelatedSoundFile"}, {0xA005, "InteropOffset"}, {0xA20E, "FocalPlaneXResolution"},
    {0xA20F, "FocalPlaneYResolution"}, {0xA210, "FocalPlaneResolutionUnit"},
    {0xA215, "ExposureIndex"}, {0xA217, "SensingMethod"}, {0xA300, "FileSource"},
    {0xA301, "SceneType"}, {0xA302, "CFAPattern"}, {0xA401, "CustomRendered"},
    {0xA402, "ExposureMode"}, {0xA403, "WhiteBalance"}, {0xA404, "DigitalZoomRatio"},
    {0xA405, "FocalLengthIn35mmFormat"}, {0xA406, "SceneCaptureType"},
    {0xA407, "GainControl"}, {0xA408, "Contrast"}, {0xA409, "Saturation"},
    {0xA40A, "Sharpness"}, {0xA40C, "SubjectDistanceRange"}, {0xA420, "ImageUniqueID"},
    {0xA430, "OwnerName"}, {0xA431, "SerialNumber"}, {0xA432, "LensInfo"},
    {0xA433, "LensMake"}, {0xA434, "LensModel"}, {0xA435, "LensSerialNumber"},
    {0xA436, "ImageTitle"}, {0xA437, "Photographer"}, {0xA438, "ImageEditor"},
    {0xA439, "CameraFirmware"}, {0xA43A, "RAWDevelopingSoftware"},
    {0xA43B, "ImageEditingSoftware"}, {0xA43C, "MetadataEditingSoftware"},
    {0xA460, "CompositeImage"}, {0xA500, "Gamma"}, {0xC4A5, "PrintIM"},
    {0xC612, "DNGVersion"}, {0xC614, "UniqueCameraModel"}, {0xC615, "LocalizedCameraModel"},
    {0xC62F, "CameraSerialNumber"}, {0xC68B, "OriginalRawFileName"},
    {0xEA1C, "Padding"}, {0xEA1D, "OffsetSchema"}, {0xFDE8, "OwnerName"},
    {0xFDE9, "SerialNumber"}, {0xFDEA, "Lens"}, {0xFE4C, "RawFile"},
    {0xFE4D, "Converter"}, {0xFE4E, "WhiteBalance"}, {0xFE51, "Exposure"},
    {0xFE52, "Shadows"}, {0xFE53, "Brightness"}, {0xFE54, "Contrast"},
    {0xFE55, "Saturation"}, {0xFE56, "Sharpness"}, {0xFE57, "Smoothness"},
    {0xFE58, "MoireFilter"},
};

constexpr TagName kGpsTags[] = {
    {0x0000, "GPSVersionID"}, {0x0001, "GPSLatitudeRef"}, {0x0002, "GPSLatitude"},
    {0x0003, "GPSLongitudeRef"}, {0x0004, "GPSLongitude"}, {0x0005, "GPSAltitudeRef"},
    {0x0006, "GPSAltitude"}, {0x0007, "GPSTimeStamp"}, {0x0008, "GPSSatellites"},
    {0x0009, "GPSStatus"}, {0x000A, "GPSMeasureMode"}, {0x000B, "GPSDOP"},
    {0x000C, "GPSSpeedRef"}, {0x000D, "GPSSpeed"}, {0x000E, "GPSTrackRef"},
    {0x000F, "GPSTrack"}, {0x0010, "GPSImgDirectionRef"}, {0x0011, "GPSImgDirection"},
    {0x0012, "GPSMapDatum"}, {0x0013, "GPSDestLatitudeRef"}, {0x0014, "GPSDestLatitude"},
    {0x0015, "GPSDestLongitudeRef"}, {0x0016, "GPSDestLongitude"},
    {0x0017, "GPSDestBearingRef"}, {0x0018, "GPSDestBearing"},
    {0x0019, "GPSDestDistanceRef"}, {0x001A, "GPSDestDistance"},
    {0x001B, "GPSProcessingMethod"}, {0x001C, "GPSAreaInformation"},
    {0x001D, "GPSDateStamp"}, {0x001E, "GPSDifferential"}, {0x001F, "GPSHPositioningError"},
};

constexpr TagName kInteropTags[] = {
    {0x0001, "InteropIndex"}, {0x0002, "InteropVersion"}, {0x1000, "RelatedImageFileFormat"},
    {0x1001, "RelatedImageWidth"}, {0x1002, "RelatedImageHeight"},
};

constexpr TagName kMpfTags[] = {
    {0xB000, "MPFVersion"}, {0xB001, "NumberOfImages"}, {0xB002, "MPImageList"},
    {0xB003, "ImageUIDList"}, {0xB004, "TotalFrames"}, {0xB101, "MPIndividualNum"},
    {0xB201, "PanOrientation"},
};

enum class IfdKind { kMain, kExif, kGps, kInterop, kSub };

template <size_t N>
const char* Lookup(const TagName (&table)[N], uint16_t tag) {
  const TagName* it = std::lower_bound(std::begin(table), std::end(table), tag,
                                       [](const TagName& t, uint16_t v) { return t.tag < v; });
  if (it != std::end(table) && it->tag == tag) return it->name;
  return nullptr;
}

std::string TagNameFor(IfdKind kind, uint16_t tag) {
  const char* name = nullptr;
  switch (kind) {
    case IfdKind::kGps:
      name = Lookup(kGpsTags, tag);
      break;
    case IfdKind::kInterop:
      name = Lookup(kInteropTags, tag);
      break;
    default:
      name = Lookup(kTiffTags, tag);
      if (name == nullptr) name = Lookup(kMpfTags, tag);
      break;
  }
  if (name != nullptr) return name;
  return absl::StrFormat("Tag0x%04X", tag);
}

// Size in bytes of one value of a TIFF type; 0 for an unknown type.
size_t TypeSize(uint16_t type) {
  switch (type) {
    case 1: case 2: case 6: case 7:
      return 1;
    case 3: case 8:
      return 2;
    case 4: case 9: case 11: case 13:
      return 4;
    case 5: case 10: case 12:
      return 8;
    default:
      return 0;
  }
}

// Bounds-checked reads in the block's byte order. A BigTIFF block (standalone
// files only) has 8-byte IFD counts, 20-byte entries, 8-byte value fields and
// offsets, and the 8-byte types LONG8/SLONG8/IFD8.
class Block {
 public:
  Block(std::string_view data, bool little_endian, bool big = false)
      : data_(data), le_(little_endian), big_(big) {}
  size_t size() const { return data_.size(); }
  std::string_view data() const { return data_; }
  bool little_endian() const { return le_; }
  bool big() const { return big_; }
  uint64_t count_size() const { return big_ ? 8 : 2; }   // IFD entry count
  uint64_t entry_size() const { return big_ ? 20 : 12; }
  uint64_t field_size() const { return big_ ? 8 : 4; }   // value field, IFD offsets
  // Size of one value of `type`; 0 for a type unknown in this kind of file.
  size_t ElemSize(uint16_t type) const {
    if (type >= 16 && type <= 18) return big_ ? 8 : 0;
    return TypeSize(type);
  }
  // SHORT, LONG (and LONG8): the types of offsets and byte counts.
  bool IsUnsigned(uint16_t type) const { return type == 3 || type == 4 || (big_ && type == 16); }
  // LONG, IFD (and LONG8, IFD8): the types of sub-IFD offset arrays.
  bool IsIfdPointer(uint16_t type) const {
    return type == 4 || type == 13 || (big_ && (type == 16 || type == 18));
  }
  bool Has(uint64_t off, uint64_t n) const { return off <= data_.size() && n <= data_.size() - off; }
  uint16_t U16(uint64_t off) const {  // REQUIRES: Has(off, 2)
    const auto* p = reinterpret_cast<const unsigned char*>(data_.data() + off);
    return le_ ? static_cast<uint16_t>(p[0] | p[1] << 8) : static_cast<uint16_t>(p[0] << 8 | p[1]);
  }
  uint32_t U32(uint64_t off) const {  // REQUIRES: Has(off, 4)
    const auto* p = reinterpret_cast<const unsigned char*>(data_.data() + off);
    return le_ ? (uint32_t{p[0]} | uint32_t{p[1]} << 8 | uint32_t{p[2]} << 16 | uint32_t{p[3]} << 24)
               : (uint32_t{p[0]} << 24 | uint32_t{p[1]} << 16 | uint32_t{p[2]} << 8 | uint32_t{p[3]});
  }
  uint64_t U64(uint64_t off) const {  // REQUIRES: Has(off, 8)
    const uint64_t a = U32(off), b = U32(off + 4);
    return le_ ? (b << 32 | a) : (a << 32 | b);
  }
  // An IFD offset or next-IFD field (4 or 8 bytes).  REQUIRES: Has(off, field_size())
  uint64_t Field(uint64_t off) const { return big_ ? U64(off) : U32(off); }
  // The entry count at the start of an IFD.  REQUIRES: Has(off, count_size())
  uint64_t IfdCount(uint64_t off) const { return big_ ? U64(off) : U16(off); }
  // A value of an entry's SHORT/LONG(/LONG8/IFD8) array.
  uint64_t UInt(uint16_t type, uint64_t off) const {
    if (type == 3) return U16(off);
    if (big_ && (type == 16 || type == 18)) return U64(off);
    return U32(off);
  }

 private:
  std::string_view data_;
  bool le_;
  bool big_;
};

// Parses the header (8 bytes; BigTIFF 16): byte order and IFD0 offset.
// BigTIFF is accepted only where `allow_big` (standalone files: Exif blocks
// are classic TIFF by definition).
absl::StatusOr<Block> OpenTiff(std::string_view tiff, uint64_t file_offset, uint64_t* ifd0,
                               bool allow_big) {
  if (tiff.size() < 8) {
    return absl::InvalidArgumentError(
        absl::StrCat("tiff: header truncated at offset ", file_offset, " (", tiff.size(), " bytes)"));
  }
  bool le;
  if (tiff[0] == 'I' && tiff[1] == 'I') {
    le = true;
  } else if (tiff[0] == 'M' && tiff[1] == 'M') {
    le = false;
  } else {
    return absl::InvalidArgumentError(absl::StrCat("tiff: bad byte-order mark at offset ", file_offset));
  }
  Block b(tiff, le);
  uint16_t magic = b.U16(2);
  if (magic == 43) {
    if (!allow_big) {
      return absl::InvalidArgumentError(
          absl::StrCat("tiff: BigTIFF inside an Exif block is not supported (offset ", file_offset, ")"));
    }
    if (tiff.size() < 16) {
      return absl::InvalidArgumentError(
          absl::StrCat("tiff: BigTIFF header truncated at offset ", file_offset, " (", tiff.size(), " bytes)"));
    }
    if (b.U16(4) != 8 || b.U16(6) != 0) {
      return absl::InvalidArgumentError(
          absl::StrCat("tiff: BigTIFF offset size is not 8 at offset ", file_offset + 4));
    }
    Block big(tiff, le, /*big=*/true);
    *ifd0 = big.U64(8);
    return big;
  }
  if (magic != 42) {
    return absl::InvalidArgumentError(absl::StrCat("tiff: bad magic at offset ", file_offset + 2));
  }
  *ifd0 = b.U32(4);
  return b;
}

struct Entry {
  uint16_t tag = 0;
  uint16_t type = 0;
  uint64_t count = 0;
  uint64_t entry_off = 0;  // of the 12-byte (BigTIFF: 20-byte) entry
  uint64_t value_off = 0;  // of the value bytes (inline or not)
  uint64_t size = 0;       // count * TypeSize(type)
  bool in_range = false;   // value bytes inside the block
};

Entry ReadEntry(const Block& b, uint64_t entry_off) {
  Entry e;
  e.entry_off = entry_off;
  e.tag = b.U16(entry_off);
  e.type = b.U16(entry_off + 2);
  e.count = b.big() ? b.U64(entry_off + 4) : b.U32(entry_off + 4);
  const size_t ts = b.ElemSize(e.type);
  if (ts == 0) return e;
  if (e.count > b.size()) {  // cannot fit (and count * ts could overflow)
    e.size = UINT64_MAX;
    return e;
  }
  e.size = e.count * ts;
  const uint64_t field = entry_off + (b.big() ? 12 : 8);
  e.value_off = e.size <= b.field_size() ? field : b.Field(field);
  e.in_range = b.Has(e.value_off, e.size);
  return e;
}

// Trims trailing NULs and blanks; inner NULs (Copyright "photographer\0editor") become newlines.
std::string AsciiText(std::string_view v) {
  while (!v.empty() && (v.back() == '\0' || v.back() == ' ' || v.back() == '\n' || v.back() == '\r' ||
                        v.back() == '\t')) {
    v.remove_suffix(1);
  }
  std::string out(v);
  for (char& c : out) {
    if (c == '\0') c = '\n';
  }
  return out;
}

bool AllBlank(std::string_view v) {
  for (char c : v) {
    if (c != '\0' && c != ' ') return false;
  }
  return true;
}

// UserComment / GPSProcessingMethod / GPSAreaInformation: 8-byte charset header.
std::string DecodeCharsetText(std::string_view v, bool file_little_endian) {
  if (v.size() < 8) return AsciiText(v);
  std::string_view header = v.substr(0, 8);
  std::string_view body = v.substr(8);
  auto starts = [&](const char* sig) {
    size_t n = std::strlen(sig);
    if (header.size() < n) return false;
    for (size_t i = 0; i < n; ++i) {
      if (std::tolower(static_cast<unsigned char>(header[i])) != sig[i]) return false;
    }
    return true;
  };
  if (starts("unicode")) {
    // Byte order: the file's, unless the text clearly says otherwise
    // (Microsoft Photo writes little-endian into big-endian files).
    size_t even_zero = 0, odd_zero = 0;
    for (size_t i = 0; i + 1 < body.size(); i += 2) {
      even_zero += body[i] == '\0';
      odd_zero += body[i + 1] == '\0';
    }
    bool big_endian = !file_little_endian;
    if (even_zero > odd_zero * 2 + 1) big_endian = true;
    if (odd_zero > even_zero * 2 + 1) big_endian = false;
    return AsciiText(DecodeUtf16(body, big_endian, /*stop_at_nul=*/true));
  }
  if (starts("ascii") || starts("jis") || AllBlank(header)) return AsciiText(body);
  return AsciiText(v);  // garbage header: scan everything
}

bool IsThumbnailIfd(const Block& b, uint64_t ifd_off, uint64_t count) {
  for (uint64_t i = 0; i < count; ++i) {
    uint64_t eo = ifd_off + b.count_size() + i * b.entry_size();
    if (!b.Has(eo, b.entry_size())) break;
    Entry e = ReadEntry(b, eo);
    if (e.tag == 0x00FE && e.count >= 1 && e.in_range && b.IsUnsigned(e.type)) {
      return (b.UInt(e.type, e.value_off) & 1) != 0;
    }
    if (e.tag == 0x00FF && e.count >= 1 && e.in_range && e.type == 3) {
      return b.U16(e.value_off) == 2;
    }
  }
  return false;
}

// Structural tags a standalone TIFF needs to render (plus Orientation and ICC).
bool IsRenderTag(uint16_t tag) {
  switch (tag) {
    case 0x00FE: case 0x0100: case 0x0101: case 0x0102: case 0x0103: case 0x0106:
    case 0x010A: case 0x0111: case 0x0112: case 0x0115: case 0x0116: case 0x0117:
    case 0x0118: case 0x0119: case 0x011A: case 0x011B: case 0x011C: case 0x0124:
    case 0x0125: case 0x0128: case 0x0129: case 0x012D: case 0x013D: case 0x013E:
    case 0x013F: case 0x0140: case 0x0142: case 0x0143: case 0x0144: case 0x0145:
    case 0x014C: case 0x0152: case 0x0153: case 0x0154: case 0x0155: case 0x015B:
    case 0x0200: case 0x0201: case 0x0202: case 0x0203: case 0x0205: case 0x0206:
    case 0x0207: case 0x0208: case 0x0209: case 0x0211: case 0x0212: case 0x0213:
    case 0x0214: case 0x8773:
      return true;
    default:
      return false;
  }
}

class TiffWalker {
 public:
  TiffWalker(const Block& b, uint64_t file_offset, std::string_view location,
             const ParseLimits& limits, MetadataSink& sink, bool standalone_file)
      : b_(b),
        file_offset_(file_offset),
        location_(location),
        limits_(limits),
        sink_(sink),
        standalone_(standalone_file) {}

  absl::Status Run(uint64_t ifd0) {
    uint64_t off = ifd0;
    for (int index = 0; off != 0; ++index) {
      absl::StatusOr<uint64_t> next = WalkIfd(off, absl::StrCat("IFD", index), IfdKind::kMain, 0,
                                              /*page_index=*/index);
      if (!next.ok()) break;
      off = *next;
    }
    return first_error_;
  }

 private:
  void Fail(absl::Status s) {
    if (first_error_.ok()) first_error_ = std::move(s);
  }

  uint64_t FileOff(uint64_t off) const { return file_offset_ + off; }

  std::string Loc(const std::string& ifd) const {
    return location_.empty() ? ifd : absl::StrCat(location_, "/", ifd);
  }

  // Returns the next-IFD offset (0 at the end of a chain or on error).
  absl::StatusOr<uint64_t> WalkIfd(uint64_t off, const std::string& ifd_name, IfdKind kind,
                                   size_t depth, int page_index) {
    if (depth > limits_.max_nesting) {
      Fail(absl::InvalidArgumentError(
          absl::StrCat("tiff: IFD nesting deeper than ", limits_.max_nesting, " at offset ", FileOff(off))));
      return uint64_t{0};
    }
    if (!visited_.insert(off).second) {
      Fail(absl::InvalidArgumentError(absl::StrCat("tiff: IFD loop at offset ", FileOff(off))));
      return uint64_t{0};
    }
    if (++ifd_count_ > limits_.max_ifd_count) {
      Fail(absl::InvalidArgumentError(
          absl::StrCat("tiff: more than ", limits_.max_ifd_count, " IFDs (offset ", FileOff(off), ")")));
      return uint64_t{0};
    }
    if (!b_.Has(off, b_.count_size())) {
      Fail(absl::InvalidArgumentError(
          absl::StrCat("tiff: IFD offset ", FileOff(off), " out of range")));
      return uint64_t{0};
    }
    const uint64_t count = b_.IfdCount(off);
    const uint64_t fits = (b_.size() - off - b_.count_size()) / b_.entry_size();
    const uint64_t usable = std::min(count, fits);
    if (usable < count) {
      Fail(absl::InvalidArgumentError(absl::StrCat("tiff: IFD at offset ", FileOff(off), " declares ",
                                                   count, " entries; only ", usable, " fit")));
    }
    entry_total_ += usable;
    if (entry_total_ > limits_.max_ifd_entries) {
      Fail(absl::InvalidArgumentError(absl::StrCat("tiff: more than ", limits_.max_ifd_entries,
                                                   " IFD entries (offset ", FileOff(off), ")")));
      return uint64_t{0};
    }
    const std::string loc = Loc(ifd_name);
    // In a TIFF file IFD0 (and pages) are the image; reduced-resolution
    // IFDs are thumbnails. In Exif, IFD1 and later hold the thumbnail.
    bool thumbnail_ifd;
    if (standalone_) {
      thumbnail_ifd = IsThumbnailIfd(b_, off, usable);
    } else {
      thumbnail_ifd = kind == IfdKind::kMain && page_index >= 1;
    }
    uint64_t jpeg_off = 0, jpeg_len = 0;
    bool has_jpeg_off = false, has_jpeg_len = false;
    const Entry* strip_offsets = nullptr;
    const Entry* strip_counts = nullptr;
    std::vector<Entry> entries;
    entries.reserve(usable);
    for (uint64_t i = 0; i < usable; ++i) {
      entries.push_back(ReadEntry(b_, off + b_.count_size() + i * b_.entry_size()));
    }

    for (const Entry& e : entries) {
      if (b_.ElemSize(e.type) == 0) continue;  // unknown type: size unknown, skip
      if (!e.in_range) {
        Fail(absl::InvalidArgumentError(absl::StrCat("tiff: value of tag 0x", absl::Hex(e.tag),
                                                     " at offset ", FileOff(e.entry_off),
                                                     " lies outside the block")));
        continue;
      }
      std::string_view value = b_.data().substr(e.value_off, e.size);
      // Sub-IFD pointers (any type whose first 4 bytes hold the offset).
      IfdKind sub = IfdKind::kMain;
      const char* sub_name = nullptr;
      if (e.tag == 0x8769 && kind != IfdKind::kGps) {
        sub = IfdKind::kExif;
        sub_name = "ExifIFD";
      } else if (e.tag == 0x8825 && kind != IfdKind::kGps) {
        sub = IfdKind::kGps;
        sub_name = "GPS";
      } else if (e.tag == 0xA005 && kind == IfdKind::kExif) {
        sub = IfdKind::kInterop;
        sub_name = "InteropIFD";
      }
      if (sub_name != nullptr) {
        if (e.size >= 4) {
          const bool wide = e.size >= 8 && (e.type == 16 || e.type == 18);  // BigTIFF LONG8/IFD8
          (void)WalkIfd(wide ? b_.U64(e.value_off) : b_.U32(e.value_off), sub_name, sub, depth + 1, 0);
        } else {
          Fail(absl::InvalidArgumentError(
              absl::StrCat("tiff: bad sub-IFD pointer at offset ", FileOff(e.entry_off))));
        }
        continue;
      }
      if (e.tag == 0x014A && kind == IfdKind::kMain && b_.IsIfdPointer(e.type)) {
        for (uint64_t k = 0; k < e.count && k < 64; ++k) {
          (void)WalkIfd(b_.UInt(e.type, e.value_off + k * b_.ElemSize(e.type)),
                        absl::StrCat(ifd_name, "/SubIFD", k), IfdKind::kSub, depth + 1, 0);
        }
        continue;
      }
      if (kind != IfdKind::kGps && kind != IfdKind::kInterop) {
        if (e.tag == 0x0201 && e.count >= 1 && b_.IsUnsigned(e.type)) {
          jpeg_off = b_.UInt(e.type, e.value_off);
          has_jpeg_off = true;
          if (!standalone_) continue;
        }
        if (e.tag == 0x0202 && e.count >= 1 && b_.IsUnsigned(e.type)) {
          jpeg_len = b_.UInt(e.type, e.value_off);
          has_jpeg_len = true;
          if (!standalone_) continue;
        }
        if (e.tag == 0x0111 && b_.IsUnsigned(e.type)) strip_offsets = &e;
        if (e.tag == 0x0117 && b_.IsUnsigned(e.type)) strip_counts = &e;
      }
      if (standalone_ && kind == IfdKind::kMain && !thumbnail_ifd && IsRenderTag(e.tag) &&
          e.tag != 0x0112 && e.tag != 0x8773) {
        continue;  // structure of the image itself, not metadata
      }
      EmitEntry(e, value, kind, loc);
    }

    if (has_jpeg_off && has_jpeg_len && (thumbnail_ifd || !standalone_)) {
      MetadataItem item;
      item.location = loc;
      item.name = "ThumbnailImage";
      item.sensitive_as = EntityType::kThumbnail;
      if (b_.Has(jpeg_off, jpeg_len)) {
        item.offset = FileOff(jpeg_off);
        item.size = jpeg_len;
      } else {
        // Points outside the block (e.g. MakerNote previews): still report it.
        item.offset = FileOff(std::min<uint64_t>(jpeg_off, b_.size()));
        item.size = 0;
      }
      sink_.AddItem(std::move(item));
    }
    if (thumbnail_ifd && strip_offsets != nullptr && strip_counts != nullptr) {
      uint64_t total = 0, first = UINT64_MAX;
      for (uint64_t k = 0; k < strip_offsets->count && k < strip_counts->count && k < 4096; ++k) {
        uint64_t so = b_.UInt(strip_offsets->type, strip_offsets->value_off + k * b_.ElemSize(strip_offsets->type));
        uint64_t sc = b_.UInt(strip_counts->type, strip_counts->value_off + k * b_.ElemSize(strip_counts->type));
        first = std::min(first, so);
        total += sc;
      }
      MetadataItem item;
      item.location = loc;
      item.name = "ThumbnailImage";
      item.sensitive_as = EntityType::kThumbnail;
      if (first != UINT64_MAX && b_.Has(first, total)) {
        item.offset = FileOff(first);
        item.size = total;
      } else {
        // Strips outside the block: still report the thumbnail, with no extent.
        item.offset = FileOff(std::min<uint64_t>(first == UINT64_MAX ? 0 : first, b_.size()));
        item.size = 0;
      }
      sink_.AddItem(std::move(item));
    }

    if (usable < count) return uint64_t{0};  // the table runs past the end
    const uint64_t next_at = off + b_.count_size() + count * b_.entry_size();
    if (kind != IfdKind::kMain || !b_.Has(next_at, b_.field_size())) return uint64_t{0};
    return b_.Field(next_at);
  }

  void EmitEntry(const Entry& e, std::string_view value, IfdKind kind, const std::string& loc) {
    MetadataItem item;
    item.location = loc;
    item.name = TagNameFor(kind, e.tag);
    item.offset = FileOff(e.value_off);
    item.size = e.size;
    if (kind == IfdKind::kGps && e.tag != 0x0000) item.sensitive_as = EntityType::kGeoLocation;
    if (kind == IfdKind::kGps) {
      if (e.tag == 0x001B || e.tag == 0x001C) {
        sink_.AddTextItem(std::move(item), DecodeCharsetText(value, b_.little_endian()));
        return;
      }
      if (e.type == 2) {
        sink_.AddTextItem(std::move(item), AsciiText(value));
        return;
      }
      sink_.AddItem(std::move(item));
      return;
    }
    switch (e.tag) {
      case 0x927C:  // MakerNote: opaque vendor blob (serials, owner, previews)
        item.sensitive_as = EntityType::kDeviceSerial;
        sink_.AddItem(std::move(item));
        return;
      case 0x9286:  // UserComment
        sink_.AddTextItem(std::move(item), DecodeCharsetText(value, b_.little_endian()));
        return;
      case 0x9C9B: case 0x9C9C: case 0x9C9D: case 0x9C9E: case 0x9C9F:  // XP*: UCS-2LE
        sink_.AddTextItem(std::move(item), AsciiText(DecodeUtf16(value, /*big_endian=*/false)));
        return;
      case 0x02BC:  // XMP packet
        if (kind != IfdKind::kInterop) {
          item.name = "XMP";
          sink_.AddItem(item);
          (void)ParseXmpMetadata(value, item.offset, absl::StrCat(loc, "/XMP"), limits_, sink_);
          return;
        }
        break;
      case 0x83BB:  // IPTC-NAA
        item.name = "IPTC";
        sink_.AddItem(item);
        (void)ParseIptcMetadata(value, item.offset, absl::StrCat(loc, "/IPTC"), sink_);
        return;
      case 0x8649:  // Photoshop IRB
        item.name = "Photoshop";
        sink_.AddItem(item);
        (void)ParsePhotoshopIrb(value, item.offset, absl::StrCat(loc, "/Photoshop"), limits_, sink_);
        return;
      default:
        break;
    }
    if (e.type == 2) {
      sink_.AddTextItem(std::move(item), AsciiText(value));
      return;
    }
    sink_.AddItem(std::move(item));
  }

  const Block& b_;
  uint64_t file_offset_;
  std::string location_;
  const ParseLimits& limits_;
  MetadataSink& sink_;
  bool standalone_;
  absl::flat_hash_set<uint64_t> visited_;
  size_t ifd_count_ = 0;
  size_t entry_total_ = 0;
  absl::Status first_error_;
};

// Capture-settings tags kept by keep_capture_settings (numeric, plus dates).
bool IsCaptureTag(uint16_t tag) {
  switch (tag) {
    case 0x829A: case 0x829D: case 0x8822: case 0x8827: case 0x9003: case 0x9004:
    case 0x9201: case 0x9202: case 0x9203: case 0x9204: case 0x9205: case 0x9207:
    case 0x9208: case 0x9209: case 0x920A: case 0xA402: case 0xA403: case 0xA404:
    case 0xA405: case 0xA406: case 0xA408: case 0xA409: case 0xA40A: case 0xA40C:
      return true;
    default:
      return false;
  }
}

// Copies a value into little-endian element order.
std::string ToLittleEndian(std::string_view v, uint16_t type, bool src_le) {
  std::string out(v);
  size_t unit = TypeSize(type);
  if (type == 5 || type == 10) unit = 4;  // rationals: two 32-bit halves
  if (src_le || unit <= 1) return out;
  for (size_t i = 0; i + unit <= out.size(); i += unit) std::reverse(out.begin() + i, out.begin() + i + unit);
  return out;
}

void PutU16(std::string& s, uint16_t v) {
  s.push_back(static_cast<char>(v & 0xFF));
  s.push_back(static_cast<char>(v >> 8));
}
void PutU32(std::string& s, uint32_t v) {
  for (int i = 0; i < 4; ++i) s.push_back(static_cast<char>((v >> (8 * i)) & 0xFF));
}
void SetU32(std::string& s, size_t at, uint32_t v) {
  for (int i = 0; i < 4; ++i) s[at + i] = static_cast<char>((v >> (8 * i)) & 0xFF);
}

// Writes one little-endian IFD at the end of `out` with the given entries;
// values over 4 bytes go right after the IFD. Returns nothing; `next_at`
// receives the position of the next-IFD field.
void WriteIfdLe(std::string& out, const std::vector<RawExifTag>& entries, size_t* next_at,
                std::vector<size_t>* value_field_at) {
  size_t ifd = out.size();
  PutU16(out, static_cast<uint16_t>(entries.size()));
  size_t data = ifd + 2 + entries.size() * 12 + 4;
  std::string tail;
  for (const RawExifTag& t : entries) {
    PutU16(out, t.tag);
    PutU16(out, t.type);
    PutU32(out, t.count);
    if (value_field_at != nullptr) value_field_at->push_back(out.size());
    if (t.value.size() <= 4) {
      std::string v = t.value;
      v.resize(4, '\0');
      out += v;
    } else {
      PutU32(out, static_cast<uint32_t>(data + tail.size()));
      tail += t.value;
      if (tail.size() & 1) tail.push_back('\0');
    }
  }
  *next_at = out.size();
  PutU32(out, 0);
  out += tail;
}

}  // namespace

absl::Status ParseTiffMetadata(std::string_view tiff, uint64_t file_offset, std::string_view location,
                               const ParseLimits& limits, MetadataSink& sink) {
  uint64_t ifd0 = 0;
  PIIVAULT_ASSIGN_OR_RETURN(Block b, OpenTiff(tiff, file_offset, &ifd0, /*allow_big=*/false));
  TiffWalker walker(b, file_offset, location, limits, sink, /*standalone_file=*/false);
  return walker.Run(ifd0);
}

absl::StatusOr<ExifEssentials> ReadExifEssentials(std::string_view tiff) {
  return ReadExifEssentials(tiff, ScrubOptions{});
}

absl::StatusOr<ExifEssentials> ReadExifEssentials(std::string_view tiff, const ScrubOptions& options) {
  uint64_t ifd0 = 0;
  PIIVAULT_ASSIGN_OR_RETURN(Block b, OpenTiff(tiff, 0, &ifd0, /*allow_big=*/false));
  if (!b.Has(ifd0, 2)) {
    return absl::InvalidArgumentError(absl::StrCat("tiff: IFD0 offset ", ifd0, " out of range"));
  }
  ExifEssentials out;
  uint16_t count = b.U16(ifd0);
  uint32_t exif_ifd = 0;
  for (uint16_t i = 0; i < count; ++i) {
    uint64_t eo = ifd0 + 2 + uint64_t{i} * 12;
    if (!b.Has(eo, 12)) break;
    Entry e = ReadEntry(b, eo);
    if (!e.in_range) continue;
    if (e.tag == 0x0112 && e.type == 3 && e.count >= 1 && !out.orientation.has_value()) {
      uint16_t v = b.U16(e.value_off);
      if (v >= 1 && v <= 8) out.orientation = v;
    } else if (e.tag == 0x8298 && e.type == 2 && options.keep_copyright && out.copyright.empty()) {
      out.copyright = std::string(b.data().substr(e.value_off, std::min<uint64_t>(e.size, 4096)));
      while (!out.copyright.empty() && out.copyright.back() == '\0') out.copyright.pop_back();
    } else if (e.tag == 0x8769 && e.size >= 4) {
      exif_ifd = b.U32(e.value_off);
    } else if ((e.tag == 0x011A || e.tag == 0x011B) && e.type == 5 && e.count >= 1) {
      uint32_t num = b.U32(e.value_off), den = b.U32(e.value_off + 4);
      if (num != 0 && den != 0) {
        uint32_t* r = e.tag == 0x011A ? out.x_resolution : out.y_resolution;
        r[0] = num;
        r[1] = den;
      }
    } else if (e.tag == 0x0128 && e.type == 3 && e.count >= 1) {
      uint16_t v = b.U16(e.value_off);
      if (v >= 1 && v <= 3) out.resolution_unit = v;
    } else if (e.tag == 0x0213 && e.type == 3 && e.count >= 1) {
      uint16_t v = b.U16(e.value_off);
      if (v == 1 || v == 2) out.ycbcr_positioning = v;
    }
  }
  if (options.keep_capture_settings && exif_ifd != 0 && exif_ifd != ifd0 && b.Has(exif_ifd, 2)) {
    uint16_t n = b.U16(exif_ifd);
    for (uint16_t i = 0; i < n && i < 1024; ++i) {
      uint64_t eo = exif_ifd + 2 + uint64_t{i} * 12;
      if (!b.Has(eo, 12)) break;
      Entry e = ReadEntry(b, eo);
      if (!e.in_range || !IsCaptureTag(e.tag) || e.size == 0 || e.size > 64) continue;
      if (std::any_of(out.capture.begin(), out.capture.end(),
                      [&](const RawExifTag& t) { return t.tag == e.tag; })) {
        continue;
      }
      RawExifTag t;
      t.tag = e.tag;
      t.type = e.type;
      t.count = static_cast<uint32_t>(e.count);  // e.size <= 64
      t.value = ToLittleEndian(b.data().substr(e.value_off, e.size), e.type, b.little_endian());
      out.capture.push_back(std::move(t));
    }
    std::sort(out.capture.begin(), out.capture.end(),
              [](const RawExifTag& x, const RawExifTag& y) { return x.tag < y.tag; });
  }
  return out;
}

std::string BuildMinimalExifTiff(const ExifEssentials& essentials) {
  std::vector<RawExifTag> ifd0;
  if (essentials.orientation.has_value()) {
    RawExifTag t{0x0112, 3, 1, std::string(2, '\0')};
    t.value[0] = static_cast<char>(*essentials.orientation & 0xFF);
    t.value[1] = static_cast<char>(*essentials.orientation >> 8);
    ifd0.push_back(std::move(t));
  }
  if (ifd0.empty() && essentials.copyright.empty() && essentials.capture.empty()) return "";
  if (essentials.write_jpeg_required_tags) {
    auto rational = [](const uint32_t r[2]) {
      std::string v;
      PutU32(v, r[0]);
      PutU32(v, r[1]);
      return v;
    };
    auto short_value = [](uint16_t x) {
      std::string v;
      PutU16(v, x);
      return v;
    };
    ifd0.push_back(RawExifTag{0x011A, 5, 1, rational(essentials.x_resolution)});
    ifd0.push_back(RawExifTag{0x011B, 5, 1, rational(essentials.y_resolution)});
    ifd0.push_back(RawExifTag{0x0128, 3, 1, short_value(essentials.resolution_unit)});
    ifd0.push_back(RawExifTag{0x0213, 3, 1, short_value(essentials.ycbcr_positioning)});
  }
  if (!essentials.copyright.empty()) {
    std::string v = essentials.copyright;
    v.push_back('\0');
    ifd0.push_back(RawExifTag{0x8298, 2, static_cast<uint32_t>(v.size()), v});
  }
  if (!essentials.capture.empty()) ifd0.push_back(RawExifTag{0x8769, 4, 1, std::string(4, '\0')});
  if (ifd0.empty()) return "";
  std::string out("II*\0\x08\0\0\0", 8);
  size_t next_at = 0;
  std::vector<size_t> fields;
  WriteIfdLe(out, ifd0, &next_at, &fields);
  if (!essentials.capture.empty()) {
    if (out.size() & 1) out.push_back('\0');
    SetU32(out, fields.back(), static_cast<uint32_t>(out.size()));
    size_t exif_next = 0;
    WriteIfdLe(out, essentials.capture, &exif_next, nullptr);
  }
  return out;
}

std::string_view StripExifPrefix(std::string_view data) {
  if (data.size() >= 6 && data.substr(0, 4) == "Exif" && data[4] == '\0') data.remove_prefix(6);
  return data;
}

std::string MinimalExifTiff(std::string_view tiff, const ScrubOptions& options) {
  absl::StatusOr<ExifEssentials> essentials = ReadExifEssentials(tiff, options);
  if (!essentials.ok()) return "";
  ExifEssentials keep = *std::move(essentials);
  if (keep.orientation.has_value() && (*keep.orientation <= 1 || *keep.orientation > 8)) {
    keep.orientation.reset();
  }
  if (!keep.orientation.has_value() && keep.copyright.empty() && keep.capture.empty()) return "";
  return BuildMinimalExifTiff(keep);
}

// --- Standalone TIFF files --------------------------------------------------

absl::Status ScanTiff(std::string_view bytes, const ParseLimits& limits, MetadataSink& sink) {
  uint64_t ifd0 = 0;
  PIIVAULT_ASSIGN_OR_RETURN(Block b, OpenTiff(bytes, 0, &ifd0, /*allow_big=*/true));
  if (!b.Has(ifd0, b.count_size())) {
    return absl::InvalidArgumentError(absl::StrCat("tiff: IFD0 offset ", ifd0, " out of range"));
  }
  TiffWalker walker(b, 0, "TIFF", limits, sink, /*standalone_file=*/true);
  absl::Status s = walker.Run(ifd0);
  // A bad value somewhere in metadata still leaves a useful report; only
  // structural problems of IFD0 itself are fatal (checked above).
  (void)s;
  return absl::OkStatus();
}

namespace {

struct OutEntry {
  uint16_t tag = 0;
  uint16_t type = 0;
  uint64_t count = 0;
  std::string value;               // raw bytes in the file's byte order
  std::vector<size_t> data_items;  // for offset arrays: indexes into Page::blobs
};

struct Page {
  std::vector<OutEntry> entries;
  std::vector<std::string_view> blobs;  // strips / tiles / old-JPEG data
};

// Writes `v` as `bytes` bytes (2, 4 or 8) in the file's byte order, appended
// or at `at`.
void PutOrder(std::string& s, uint64_t v, int bytes, bool le) {
  for (int i = 0; i < bytes; ++i) {
    int shift = le ? 8 * i : 8 * (bytes - 1 - i);
    s.push_back(static_cast<char>((v >> shift) & 0xFF));
  }
}
void SetOrder(std::string& s, size_t at, uint64_t v, int bytes, bool le) {
  for (int i = 0; i < bytes; ++i) {
    int shift = le ? 8 * i : 8 * (bytes - 1 - i);
    s[at + i] = static_cast<char>((v >> shift) & 0xFF);
  }
}

// Reads one page's allow-listed entries and pixel data. `count` is the IFD's
// entry count, already checked against the entry cap.
absl::Status ReadPage(const Block& b, uint64_t off, uint64_t count, const ScrubOptions& options, Page* page,
                      uint64_t* next) {
  const uint64_t table = off + b.count_size();
  if (!b.Has(off, b.count_size()) || count > (b.size() - table) / b.entry_size()) {
    return absl::InvalidArgumentError(absl::StrCat("tiff: IFD at offset ", off, " runs past the end"));
  }
  const uint64_t next_at = table + count * b.entry_size();
  *next = b.Has(next_at, b.field_size()) ? b.Field(next_at) : 0;
  std::vector<Entry> entries;
  for (uint64_t i = 0; i < count; ++i) entries.push_back(ReadEntry(b, table + i * b.entry_size()));
  std::stable_sort(entries.begin(), entries.end(), [](const Entry& x, const Entry& y) { return x.tag < y.tag; });
  auto find = [&](uint16_t tag) -> const Entry* {
    for (const Entry& e : entries) {
      if (e.tag == tag) return &e;
    }
    return nullptr;
  };
  uint16_t prev = 0;
  bool first = true;
  for (const Entry& e : entries) {
    if (!first && e.tag == prev) continue;  // duplicated tag: keep the first
    first = false;
    prev = e.tag;
    bool keep = IsRenderTag(e.tag) || (options.keep_copyright && e.tag == 0x8298);
    if (!keep || b.ElemSize(e.type) == 0) continue;
    if (!e.in_range) {
      return absl::InvalidArgumentError(
          absl::StrCat("tiff: value of tag 0x", absl::Hex(e.tag), " at offset ", e.entry_off, " out of range"));
    }
    uint16_t counts_tag = 0;
    if (e.tag == 0x0111) counts_tag = 0x0117;
    if (e.tag == 0x0144) counts_tag = 0x0145;
    if (e.tag == 0x0201) counts_tag = 0x0202;
    OutEntry oe;
    oe.tag = e.tag;
    oe.type = e.type;
    oe.count = e.count;
    if (counts_tag != 0) {
      const Entry* c = find(counts_tag);
      if (c == nullptr || !c->in_range || !b.IsUnsigned(c->type) || !b.IsUnsigned(e.type) ||
          c->count < e.count) {
        return absl::InvalidArgumentError(
            absl::StrCat("tiff: data offsets at ", e.entry_off, " without matching byte counts"));
      }
      oe.type = b.big() ? 16 : 4;  // offsets are rewritten as LONG (BigTIFF: LONG8)
      for (uint64_t k = 0; k < e.count; ++k) {
        uint64_t so = b.UInt(e.type, e.value_off + k * b.ElemSize(e.type));
        uint64_t sc = b.UInt(c->type, c->value_off + k * b.ElemSize(c->type));
        if (!b.Has(so, sc)) {
          return absl::InvalidArgumentError(
              absl::StrCat("tiff: image data block ", k, " of IFD at ", off, " lies outside the file"));
        }
        oe.data_items.push_back(page->blobs.size());
        page->blobs.push_back(b.data().substr(so, sc));
      }
    } else {
      oe.value = std::string(b.data().substr(e.value_off, e.size));
    }
    page->entries.push_back(std::move(oe));
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<std::string> ScrubTiff(std::string_view bytes, const ScrubOptions& options,
                                      const ParseLimits& limits) {
  uint64_t ifd0 = 0;
  PIIVAULT_ASSIGN_OR_RETURN(Block b, OpenTiff(bytes, 0, &ifd0, /*allow_big=*/true));
  const bool le = b.little_endian();
  const bool big = b.big();
  std::vector<Page> pages;
  absl::flat_hash_set<uint64_t> visited;
  uint64_t off = ifd0;
  size_t entries_seen = 0;
  while (off != 0) {
    if (!visited.insert(off).second) {
      return absl::InvalidArgumentError(absl::StrCat("tiff: IFD loop at offset ", off));
    }
    if (visited.size() > limits.max_ifd_count) {
      return absl::InvalidArgumentError(absl::StrCat("tiff: more than ", limits.max_ifd_count, " IFDs"));
    }
    if (!b.Has(off, b.count_size())) {
      return absl::InvalidArgumentError(absl::StrCat("tiff: IFD offset ", off, " out of range"));
    }
    const uint64_t count = b.IfdCount(off);
    if (count > limits.max_ifd_entries - entries_seen) {
      return absl::InvalidArgumentError(absl::StrCat("tiff: more than ", limits.max_ifd_entries, " entries"));
    }
    entries_seen += count;
    bool thumb = !pages.empty() && IsThumbnailIfd(b, off, count);
    Page page;
    uint64_t next = 0;
    PIIVAULT_RETURN_IF_ERROR(ReadPage(b, off, count, options, &page, &next));
    if (!thumb) pages.push_back(std::move(page));
    off = next;
  }
  if (pages.empty()) return absl::InvalidArgumentError("tiff: no image IFD");

  // Layout: header, then per page: pixel data, out-of-line values, IFD. The
  // output keeps the input's kind: classic (4-byte fields, < 4 GiB) or
  // BigTIFF (8-byte fields and counts, offsets as LONG8).
  const int field = static_cast<int>(b.field_size());
  const uint64_t max_offset = big ? UINT64_MAX : UINT32_MAX;
  std::string out;
  out.reserve(bytes.size());
  if (big) {
    out += le ? std::string("II+\0\x08\0\0\0", 8) : std::string("MM\0+\0\x08\0\0", 8);
  } else {
    out += le ? std::string("II*\0", 4) : std::string("MM\0*", 4);
  }
  size_t link_at = out.size();  // where the offset of the next IFD goes
  PutOrder(out, 0, field, le);
  for (const Page& page : pages) {
    std::vector<uint64_t> blob_at(page.blobs.size());
    for (size_t i = 0; i < page.blobs.size(); ++i) {
      if (out.size() & 1) out.push_back('\0');
      if (out.size() + page.blobs[i].size() > max_offset) {
        return absl::InvalidArgumentError("tiff: output would exceed 4 GiB");
      }
      blob_at[i] = out.size();
      out.append(page.blobs[i]);
    }
    // Values (offset arrays rebuilt with the new positions).
    std::vector<std::string> values;
    for (const OutEntry& e : page.entries) {
      if (e.data_items.empty()) {
        values.push_back(e.value);
        continue;
      }
      std::string v;
      for (size_t idx : e.data_items) PutOrder(v, blob_at[idx], field, le);
      values.push_back(std::move(v));
    }
    std::vector<uint64_t> value_at(values.size(), 0);
    for (size_t i = 0; i < values.size(); ++i) {
      if (values[i].size() <= b.field_size()) continue;
      if (out.size() & 1) out.push_back('\0');
      value_at[i] = out.size();
      out += values[i];
    }
    if (out.size() & 1) out.push_back('\0');
    if (out.size() > max_offset) return absl::InvalidArgumentError("tiff: output would exceed 4 GiB");
    SetOrder(out, link_at, out.size(), field, le);
    PutOrder(out, page.entries.size(), static_cast<int>(b.count_size()), le);
    for (size_t i = 0; i < page.entries.size(); ++i) {
      const OutEntry& e = page.entries[i];
      PutOrder(out, e.tag, 2, le);
      PutOrder(out, e.type, 2, le);
      PutOrder(out, e.count, field, le);
      if (values[i].size() <= b.field_size()) {
        std::string v = values[i];
        v.resize(b.field_size(), '\0');
        out += v;
      } else {
        PutOrder(out, value_at[i], field, le);
      }
    }
    link_at = out.size();
    PutOrder(out, 0, field, le);
  }
  return out;
}

}  // namespace piivault::image_internal
