// PNG container: scan (text, compressed text, eXIf, tIME, other ancillary
// chunks) and allow-list scrub (buffer and bounded-memory stream).
//
// Scrub policy (see shared/image-metadata.md section 7):
//  - kept byte for byte, CRC included: IHDR, PLTE, IDAT, IEND and the chunks
//    that change how the image renders: tRNS, gAMA, cHRM, sRGB, iCCP, cICP,
//    mDCV, cLLI, sBIT, bKGD, pHYs; APNG acTL/fcTL/fdAT in their original
//    order; and every unknown *critical* chunk (upper-case first letter, e.g.
//    Apple's CgBI), since a decoder cannot render without it;
//  - the first eXIf before the first IDAT is replaced by a minimal Exif
//    holding only Orientation when that is not 1 (browsers honour eXIf
//    orientation before IDAT and ignore it after; with keep_copyright /
//    keep_capture_settings those tags are carried over too), else dropped;
//    every other eXIf is dropped;
//  - with ScrubOptions::keep_copyright, tEXt/zTXt/iTXt chunks whose keyword
//    is "Copyright" are kept;
//  - with ParseLimits::redact_text (ScrubOptions::redact_text_in_place via
//    ImageScanner), text chunks up to kMaxRedactTextBytes are kept unchanged
//    when nothing is detected, re-emitted uncompressed with detected values
//    masked otherwise (tEXt for Latin-1, else iTXt), and dropped when their
//    keyword is always sensitive (Author...) or they carry Exif/XMP/IPTC;
//  - everything else (text, tIME, unknown ancillary chunks such as caBX, hIST,
//    sPLT, private chunks) and all bytes after IEND is dropped.
// CRCs are verified on every chunk (kept or dropped): a bad CRC is an error
// naming the chunk and its offset. There is no tolerant mode: a PNG decoder
// would reject the same file.
#include <zlib.h>

#if defined(__x86_64__)
#include <immintrin.h>
#endif

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstring>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "common/status_macros.h"
#include "image/image_internal.h"

namespace piivault::image_internal {
namespace {

constexpr std::string_view kPngSignature("\x89PNG\r\n\x1a\n", 8);
constexpr uint32_t kMaxChunkLength = 0x7fffffffu;
// An eXIf chunk larger than this is dropped without looking for Orientation
// (bounds the memory of the streaming scrubber; real eXIf is < 64 KiB).
constexpr uint32_t kMaxExifForOrientation = 1u << 20;
constexpr size_t kStreamBuffer = 64 * 1024;

uint32_t Be32(const char* p) {
  const auto* u = reinterpret_cast<const unsigned char*>(p);
  return (uint32_t{u[0]} << 24) | (uint32_t{u[1]} << 16) | (uint32_t{u[2]} << 8) | u[3];
}

void PutBe32(std::string& out, uint32_t v) {
  char b[4] = {static_cast<char>(v >> 24), static_cast<char>(v >> 16), static_cast<char>(v >> 8),
               static_cast<char>(v)};
  out.append(b, 4);
}

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define PIIVAULT_PNG_CLMUL_CRC 1
// CRC-32 (ISO-HDLC, reflected) by carry-less multiplication folding, after
// Intel's "Fast CRC Computation for Generic Polynomials Using PCLMULQDQ"
// (constants for the reflected 0x04C11DB7 polynomial, as in zlib/Chromium).
// `len` is a multiple of 16 and >= 64; `crc` is the raw (pre-inverted) state.
__attribute__((target("pclmul,sse4.1"))) uint32_t ClmulCrc32(const unsigned char* buf, size_t len,
                                                              uint32_t crc) {
  alignas(16) static const uint64_t k1k2[] = {0x0154442bd4, 0x01c6e41596};
  alignas(16) static const uint64_t k3k4[] = {0x01751997d0, 0x00ccaa009e};
  alignas(16) static const uint64_t k5k0[] = {0x0163cd6124, 0x0000000000};
  alignas(16) static const uint64_t poly[] = {0x01db710641, 0x01f7011641};
  __m128i x0, x1, x2, x3, x4, x5, x6, x7, x8, y5, y6, y7, y8;
  x1 = _mm_loadu_si128(reinterpret_cast<const __m128i*>(buf + 0x00));
  x2 = _mm_loadu_si128(reinterpret_cast<const __m128i*>(buf + 0x10));
  x3 = _mm_loadu_si128(reinterpret_cast<const __m128i*>(buf + 0x20));
  x4 = _mm_loadu_si128(reinterpret_cast<const __m128i*>(buf + 0x30));
  x1 = _mm_xor_si128(x1, _mm_cvtsi32_si128(static_cast<int>(crc)));
  x0 = _mm_load_si128(reinterpret_cast<const __m128i*>(k1k2));
  buf += 64;
  len -= 64;
  while (len >= 64) {  // fold four lanes in parallel
    x5 = _mm_clmulepi64_si128(x1, x0, 0x00);
    x6 = _mm_clmulepi64_si128(x2, x0, 0x00);
    x7 = _mm_clmulepi64_si128(x3, x0, 0x00);
    x8 = _mm_clmulepi64_si128(x4, x0, 0x00);
    x1 = _mm_clmulepi64_si128(x1, x0, 0x11);
    x2 = _mm_clmulepi64_si128(x2, x0, 0x11);
    x3 = _mm_clmulepi64_si128(x3, x0, 0x11);
    x4 = _mm_clmulepi64_si128(x4, x0, 0x11);
    y5 = _mm_loadu_si128(reinterpret_cast<const __m128i*>(buf + 0x00));
    y6 = _mm_loadu_si128(reinterpret_cast<const __m128i*>(buf + 0x10));
    y7 = _mm_loadu_si128(reinterpret_cast<const __m128i*>(buf + 0x20));
    y8 = _mm_loadu_si128(reinterpret_cast<const __m128i*>(buf + 0x30));
    x1 = _mm_xor_si128(_mm_xor_si128(x1, x5), y5);
    x2 = _mm_xor_si128(_mm_xor_si128(x2, x6), y6);
    x3 = _mm_xor_si128(_mm_xor_si128(x3, x7), y7);
    x4 = _mm_xor_si128(_mm_xor_si128(x4, x8), y8);
    buf += 64;
    len -= 64;
  }
  x0 = _mm_load_si128(reinterpret_cast<const __m128i*>(k3k4));  // fold to 128 bits
  for (__m128i next : {x2, x3, x4}) {
    x5 = _mm_clmulepi64_si128(x1, x0, 0x00);
    x1 = _mm_clmulepi64_si128(x1, x0, 0x11);
    x1 = _mm_xor_si128(_mm_xor_si128(x1, next), x5);
  }
  while (len >= 16) {
    x2 = _mm_loadu_si128(reinterpret_cast<const __m128i*>(buf));
    x5 = _mm_clmulepi64_si128(x1, x0, 0x00);
    x1 = _mm_clmulepi64_si128(x1, x0, 0x11);
    x1 = _mm_xor_si128(_mm_xor_si128(x1, x2), x5);
    buf += 16;
    len -= 16;
  }
  // 128 -> 64 bits.
  x2 = _mm_clmulepi64_si128(x1, x0, 0x10);
  x3 = _mm_setr_epi32(~0, 0, ~0, 0);
  x1 = _mm_srli_si128(x1, 8);
  x1 = _mm_xor_si128(x1, x2);
  x0 = _mm_loadl_epi64(reinterpret_cast<const __m128i*>(k5k0));
  x2 = _mm_srli_si128(x1, 4);
  x1 = _mm_and_si128(x1, x3);
  x1 = _mm_clmulepi64_si128(x1, x0, 0x00);
  x1 = _mm_xor_si128(x1, x2);
  // Barrett reduction to 32 bits.
  x0 = _mm_load_si128(reinterpret_cast<const __m128i*>(poly));
  x2 = _mm_and_si128(x1, x3);
  x2 = _mm_clmulepi64_si128(x2, x0, 0x10);
  x2 = _mm_and_si128(x2, x3);
  x2 = _mm_clmulepi64_si128(x2, x0, 0x00);
  x1 = _mm_xor_si128(x1, x2);
  return static_cast<uint32_t>(_mm_extract_epi32(x1, 1));
}

bool HasClmul() {
  static const bool has = __builtin_cpu_supports("pclmul") && __builtin_cpu_supports("sse4.1");
  return has;
}
#endif

// CRC-32 of PNG chunks, continuing `crc` (0 to start). Large inputs go
// through the PCLMULQDQ path when the CPU has it (~10x zlib's table code);
// the tests check it against zlib on every length and alignment class.
uint32_t Crc(uint32_t crc, std::string_view bytes) {
#ifdef PIIVAULT_PNG_CLMUL_CRC
  if (bytes.size() >= 64 && HasClmul()) {
    const size_t bulk = bytes.size() & ~size_t{15};
    crc = ~ClmulCrc32(reinterpret_cast<const unsigned char*>(bytes.data()), bulk, ~crc);
    bytes.remove_prefix(bulk);
  }
#endif
  // zlib's crc32 takes uInt lengths; chunks are < 2^31 but be safe.
  while (!bytes.empty()) {
    size_t n = std::min<size_t>(bytes.size(), 1u << 30);
    crc = static_cast<uint32_t>(
        crc32(crc, reinterpret_cast<const Bytef*>(bytes.data()), static_cast<uInt>(n)));
    bytes.remove_prefix(n);
  }
  return crc;
}

bool IsChunkLetter(char c) { return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z'); }

// A printable name for a chunk type that is known to be four ASCII letters.
std::string TypeName(std::string_view type) { return std::string(type); }

// A chunk header both the scanner and the scrubber accept: four letters and a
// length within the PNG limit.
absl::Status CheckChunkHeader(std::string_view type, uint32_t length, uint64_t offset) {
  if (!IsChunkLetter(type[0]) || !IsChunkLetter(type[1]) || !IsChunkLetter(type[2]) ||
      !IsChunkLetter(type[3])) {
    return absl::InvalidArgumentError(
        absl::StrFormat("png: chunk at offset %d has an invalid type", offset));
  }
  if (length > kMaxChunkLength) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "png: chunk '%s' at offset %d declares %d bytes (limit 2^31-1)", TypeName(type), offset,
        length));
  }
  return absl::OkStatus();
}

enum class ChunkAction { kKeep, kDrop, kExif, kText };

ChunkAction Classify(std::string_view type) {
  static constexpr std::array<std::string_view, 18> kKeep = {
      "IHDR", "PLTE", "IDAT", "IEND", "tRNS", "gAMA", "cHRM", "sRGB", "iCCP",
      "cICP", "mDCV", "cLLI", "sBIT", "bKGD", "pHYs", "acTL", "fcTL", "fdAT"};
  for (std::string_view k : kKeep) {
    if (type == k) return ChunkAction::kKeep;
  }
  if (type == "eXIf") return ChunkAction::kExif;
  if (type == "tEXt" || type == "zTXt" || type == "iTXt") return ChunkAction::kText;
  // Unknown critical chunk: needed to render, keep.
  if (type[0] >= 'A' && type[0] <= 'Z') return ChunkAction::kKeep;
  return ChunkAction::kDrop;
}

// The chunk bytes (length, type, data, CRC) of a fresh minimal eXIf, or "".
std::string MinimalExifChunk(std::string_view exif_data, const ScrubOptions& options) {
  std::string tiff = MinimalExifTiff(StripExifPrefix(exif_data), options);
  if (tiff.empty()) return "";
  std::string chunk;
  PutBe32(chunk, static_cast<uint32_t>(tiff.size()));
  chunk.append("eXIf");
  chunk.append(tiff);
  PutBe32(chunk, Crc(Crc(0, "eXIf"), tiff));
  return chunk;
}

// --- Byte sources ------------------------------------------------------------

// Reads from a ByteSource, or from memory without copying (ReadView),
// counting the offset.
class Reader {
 public:
  explicit Reader(ByteSource& src) : src_(&src) {}
  explicit Reader(MemoryByteSource& memory) : src_(&memory), memory_(&memory) {}

  // Copies up to n bytes into dst (fewer only at end of input).
  absl::StatusOr<size_t> ReadFull(char* dst, size_t n) {
    size_t got = 0;
    while (got < n) {
      PIIVAULT_ASSIGN_OR_RETURN(size_t r, src_->Read(dst + got, n - got));
      if (r == 0) break;
      got += r;
    }
    offset_ += got;
    return got;
  }

  // Up to n bytes (fewer only at end of input), valid until the next read:
  // a slice of the input when it is in memory (no copy, any n), else read
  // into `scratch` (at most scratch.size() bytes).
  absl::StatusOr<std::string_view> ReadView(uint64_t n, std::vector<char>& scratch) {
    if (memory_ != nullptr) {
      std::string_view view = memory_->Take(static_cast<size_t>(std::min<uint64_t>(n, SIZE_MAX)));
      offset_ += view.size();
      return view;
    }
    const size_t want = static_cast<size_t>(std::min<uint64_t>(n, scratch.size()));
    PIIVAULT_ASSIGN_OR_RETURN(size_t got, ReadFull(scratch.data(), want));
    return std::string_view(scratch.data(), got);
  }

  uint64_t offset() const { return offset_; }

 private:
  ByteSource* src_;
  MemoryByteSource* memory_ = nullptr;
  uint64_t offset_ = 0;
};

absl::Status Truncated(std::string_view type, uint64_t offset, uint32_t length, uint64_t got) {
  return absl::DataLossError(absl::StrFormat(
      "png: chunk '%s' at offset %d declares %d bytes, only %d remain", TypeName(type), offset,
      length, got));
}

absl::Status BadCrc(std::string_view type, uint64_t offset) {
  return absl::InvalidArgumentError(
      absl::StrFormat("png: chunk '%s' at offset %d has a bad CRC", TypeName(type), offset));
}

// Copies (or skips, when `out` is null) `remaining` data bytes of a chunk,
// then reads and checks its CRC (and writes it when copying).
// Reads a whole chunk body (growing with the bytes actually read, never from
// the declared length) and its CRC into `crc_bytes`, and checks the CRC.
absl::StatusOr<std::string> ReadChunkBody(Reader& in, std::string_view type, uint64_t offset, uint32_t length,
                                          uint32_t type_crc, std::vector<char>& buf, char crc_bytes[4]) {
  std::string data;
  while (data.size() < length) {
    PIIVAULT_ASSIGN_OR_RETURN(std::string_view part, in.ReadView(length - data.size(), buf));
    if (part.empty()) return Truncated(type, offset, length, data.size());
    data.append(part.data(), part.size());
  }
  PIIVAULT_ASSIGN_OR_RETURN(size_t got, in.ReadFull(crc_bytes, 4));
  if (got < 4) {
    return absl::DataLossError(
        absl::StrFormat("png: chunk '%s' at offset %d is cut in its CRC", TypeName(type), offset));
  }
  if (Be32(crc_bytes) != Crc(type_crc, data)) return BadCrc(type, offset);
  return data;
}

absl::Status PassChunkBody(Reader& in, ByteSink* out, std::string_view type, uint64_t offset,
                           uint32_t length, uint32_t already, uint32_t crc, std::vector<char>& buf) {
  uint64_t remaining = length - already;
  while (remaining > 0) {
    PIIVAULT_ASSIGN_OR_RETURN(std::string_view data, in.ReadView(remaining, buf));
    crc = Crc(crc, data);
    if (out != nullptr && !data.empty()) PIIVAULT_RETURN_IF_ERROR(out->Write(data));
    if (data.empty()) return Truncated(type, offset, length, length - remaining);
    remaining -= data.size();
  }
  char crc_bytes[4];
  PIIVAULT_ASSIGN_OR_RETURN(size_t got, in.ReadFull(crc_bytes, 4));
  if (got < 4) {
    return absl::DataLossError(absl::StrFormat("png: chunk '%s' at offset %d is cut in its CRC",
                                               TypeName(type), offset));
  }
  if (Be32(crc_bytes) != crc) return BadCrc(type, offset);
  if (out != nullptr) PIIVAULT_RETURN_IF_ERROR(out->Write(std::string_view(crc_bytes, 4)));
  return absl::OkStatus();
}

// The core of both scrubbers: one chunk at a time, IDAT streamed through a
// fixed buffer; only an eXIf (<= kMaxExifForOrientation) or the first bytes
// of a text chunk are ever held whole.
// Defined with the scanner's inflater below.
std::optional<std::string> RedactedTextChunk(std::string_view type, std::string_view data,
                                             const TextRedactor& redact, size_t& budget);

absl::Status ScrubPngCore(Reader& in, ByteSink& out, const ScrubOptions& options,
                          const ParseLimits& limits) {
  char sig[8];
  PIIVAULT_ASSIGN_OR_RETURN(size_t got, in.ReadFull(sig, 8));
  if (got < 8 || std::string_view(sig, 8) != kPngSignature) {
    return absl::InvalidArgumentError("png: no PNG signature at offset 0");
  }
  PIIVAULT_RETURN_IF_ERROR(out.Write(kPngSignature));
  std::vector<char> buf(kStreamBuffer);
  bool seen_ihdr = false;
  bool seen_idat = false;
  bool exif_considered = false;
  size_t budget = limits.max_decompressed_bytes;
  while (true) {
    const uint64_t offset = in.offset();
    char header[8];
    PIIVAULT_ASSIGN_OR_RETURN(got, in.ReadFull(header, 8));
    if (got < 8) {
      return absl::DataLossError(
          absl::StrFormat("png: input ends at offset %d before IEND", offset + got));
    }
    const uint32_t length = Be32(header);
    const std::string_view type(header + 4, 4);
    PIIVAULT_RETURN_IF_ERROR(CheckChunkHeader(type, length, offset));
    if (!seen_ihdr && type != "IHDR") {
      return absl::InvalidArgumentError(
          absl::StrFormat("png: first chunk at offset %d is '%s', not IHDR", offset, TypeName(type)));
    }
    seen_ihdr = true;
    const uint32_t type_crc = Crc(0, type);
    ChunkAction action = Classify(type);
    if (action == ChunkAction::kText && limits.redact_text && length <= kMaxRedactTextBytes) {
      // Held whole (bounded by kMaxRedactTextBytes), then kept unchanged,
      // re-emitted masked, or dropped.
      char crc_bytes[4];
      PIIVAULT_ASSIGN_OR_RETURN(std::string data,
                                ReadChunkBody(in, type, offset, length, type_crc, buf, crc_bytes));
      const bool copyright =
          options.keep_copyright && data.size() >= 10 && data.compare(0, 10, std::string_view("Copyright\0", 10)) == 0;
      std::optional<std::string> chunk =
          copyright ? std::optional<std::string>("") : RedactedTextChunk(type, data, limits.redact_text, budget);
      if (chunk.has_value() && chunk->empty()) {  // unchanged: the original bytes
        PIIVAULT_RETURN_IF_ERROR(out.Write(std::string_view(header, 8)));
        PIIVAULT_RETURN_IF_ERROR(out.Write(data));
        PIIVAULT_RETURN_IF_ERROR(out.Write(std::string_view(crc_bytes, 4)));
      } else if (chunk.has_value()) {
        PIIVAULT_RETURN_IF_ERROR(out.Write(*chunk));
      }
      continue;
    }
    if (action == ChunkAction::kText) {
      action = ChunkAction::kDrop;
      if (options.keep_copyright) {
        // Look at the keyword (at most 80 bytes) before deciding.
        uint32_t prefix_len = std::min<uint32_t>(length, 80);
        char prefix[80];
        PIIVAULT_ASSIGN_OR_RETURN(got, in.ReadFull(prefix, prefix_len));
        if (got < prefix_len) return Truncated(type, offset, length, got);
        std::string_view p(prefix, prefix_len);
        bool keep = p.size() >= 10 && p.substr(0, 10) == std::string_view("Copyright\0", 10);
        if (keep) {
          PIIVAULT_RETURN_IF_ERROR(out.Write(std::string_view(header, 8)));
          PIIVAULT_RETURN_IF_ERROR(out.Write(p));
        }
        PIIVAULT_RETURN_IF_ERROR(PassChunkBody(in, keep ? &out : nullptr, type, offset, length,
                                               prefix_len, Crc(type_crc, p), buf));
        continue;
      }
    }
    if (action == ChunkAction::kExif) {
      if (!seen_idat && !exif_considered && length <= kMaxExifForOrientation) {
        exif_considered = true;
        char crc_bytes[4];
        PIIVAULT_ASSIGN_OR_RETURN(std::string data,
                                  ReadChunkBody(in, type, offset, length, type_crc, buf, crc_bytes));
        std::string chunk = MinimalExifChunk(data, options);
        if (!chunk.empty()) PIIVAULT_RETURN_IF_ERROR(out.Write(chunk));
        continue;
      }
      action = ChunkAction::kDrop;
    }
    const bool keep = action == ChunkAction::kKeep;
    if (keep) PIIVAULT_RETURN_IF_ERROR(out.Write(std::string_view(header, 8)));
    PIIVAULT_RETURN_IF_ERROR(
        PassChunkBody(in, keep ? &out : nullptr, type, offset, length, 0, type_crc, buf));
    if (type == "IDAT") seen_idat = true;
    if (type == "IEND") return absl::OkStatus();  // anything after IEND is dropped
  }
}

// --- Scan --------------------------------------------------------------------


struct Inflated {
  std::string bytes;
  bool complete = false;  // false: corrupt or cut stream (bytes holds what inflated)
};

// Inflates a zlib stream, charging every output byte to `budget`. Exceeding
// the budget is an error (a decompression bomb); a corrupt or truncated
// stream is not (its text up to the damage is still scanned).
absl::StatusOr<Inflated> InflateBounded(std::string_view in, size_t& budget,
                                        std::string_view type, uint64_t offset) {
  z_stream zs;
  std::memset(&zs, 0, sizeof(zs));
  if (inflateInit(&zs) != Z_OK) return absl::InternalError("png: inflateInit failed");
  Inflated result;
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  zs.avail_in = static_cast<uInt>(std::min<size_t>(in.size(), kMaxChunkLength));
  char out[16384];
  int rc = Z_OK;
  while (true) {
    zs.next_out = reinterpret_cast<Bytef*>(out);
    zs.avail_out = sizeof(out);
    rc = inflate(&zs, Z_NO_FLUSH);
    size_t produced = sizeof(out) - zs.avail_out;
    if (produced > budget) {
      inflateEnd(&zs);
      return absl::InvalidArgumentError(absl::StrFormat(
          "png: compressed '%s' at offset %d inflates past the decompression limit",
          TypeName(type), offset));
    }
    budget -= produced;
    result.bytes.append(out, produced);
    if (rc == Z_STREAM_END) {
      result.complete = true;
      break;
    }
    if (rc != Z_OK) break;  // Z_DATA_ERROR, Z_BUF_ERROR (input ended), Z_MEM_ERROR...
  }
  inflateEnd(&zs);
  return result;
}

// Latin-1 bytes for UTF-8 text whose code points are all <= U+00FF, else
// nullopt. `utf8` must be valid UTF-8.
std::optional<std::string> EncodeLatin1(std::string_view utf8) {
  std::string out;
  out.reserve(utf8.size());
  for (size_t i = 0; i < utf8.size(); ++i) {
    const auto c = static_cast<unsigned char>(utf8[i]);
    if (c < 0x80) {
      out.push_back(static_cast<char>(c));
    } else if ((c == 0xC2 || c == 0xC3) && i + 1 < utf8.size()) {
      out.push_back(static_cast<char>(((c & 0x03) << 6) | (static_cast<unsigned char>(utf8[i + 1]) & 0x3F)));
      ++i;
    } else {
      return std::nullopt;
    }
  }
  return out;
}

std::string BuildChunk(std::string_view type, std::string_view data) {
  std::string chunk;
  chunk.reserve(data.size() + 12);
  PutBe32(chunk, static_cast<uint32_t>(data.size()));
  chunk.append(type);
  chunk.append(data);
  PutBe32(chunk, Crc(Crc(0, type), data));
  return chunk;
}

// A tEXt/zTXt/iTXt chunk's data under ParseLimits::redact_text: "" to keep
// the original chunk, the complete replacement chunk (uncompressed tEXt for
// Latin-1 text, else iTXt; keyword and language kept) when something was
// masked, nullopt to drop it (malformed, always sensitive by keyword, an
// embedded Exif/XMP/IPTC profile, compressed data that does not inflate
// within the budget, or the redactor refused).
std::optional<std::string> RedactedTextChunk(std::string_view type, std::string_view data,
                                             const TextRedactor& redact, size_t& budget) {
  const size_t nul = data.find('\0');
  if (nul == std::string_view::npos || nul == 0 || nul > 79) return std::nullopt;
  const std::string_view keyword = data.substr(0, nul);
  constexpr std::string_view kRaw = "Raw profile type ";
  if (keyword.substr(0, std::min(keyword.size(), kRaw.size())) == kRaw || keyword == "XML:com.adobe.xmp" ||
      ClassifyMetadataName(type, DecodeLatin1(keyword)) != EntityType::kUnknown) {
    return std::nullopt;
  }
  auto inflate = [&](std::string_view z) -> std::optional<std::string> {
    absl::StatusOr<Inflated> inflated = InflateBounded(z, budget, type, 0);
    if (!inflated.ok() || !inflated->complete) return std::nullopt;
    return std::move(inflated->bytes);
  };
  if (type == "tEXt" || type == "zTXt") {
    std::string text;
    if (type == "tEXt") {
      text = DecodeLatin1(data.substr(nul + 1));
    } else {
      if (data.size() - nul < 2 || data[nul + 1] != 0) return std::nullopt;
      std::optional<std::string> raw = inflate(data.substr(nul + 2));
      if (!raw.has_value()) return std::nullopt;
      text = DecodeLatin1(*raw);
    }
    std::optional<std::string> masked = redact(text);
    if (!masked.has_value()) return std::nullopt;
    if (*masked == text) return std::string();
    std::string out(keyword);
    out.push_back('\0');
    if (std::optional<std::string> latin1 = EncodeLatin1(*masked); latin1.has_value()) {
      out.append(*latin1);
      return BuildChunk("tEXt", out);
    }
    out.append(4, '\0');  // iTXt: uncompressed, no language, no translated keyword
    out.append(*masked);
    return BuildChunk("iTXt", out);
  }
  // iTXt: keyword 0 flag method language 0 translated-keyword 0 text
  if (data.size() - nul < 3) return std::nullopt;
  const bool compressed = data[nul + 1] != 0;
  if (compressed && data[nul + 2] != 0) return std::nullopt;
  const std::string_view rest = data.substr(nul + 3);
  const size_t lang_end = rest.find('\0');
  if (lang_end == std::string_view::npos) return std::nullopt;
  const size_t tk_end = rest.find('\0', lang_end + 1);
  if (tk_end == std::string_view::npos) return std::nullopt;
  const std::string_view language = rest.substr(0, lang_end);
  const std::string translated = Utf8OrLatin1(rest.substr(lang_end + 1, tk_end - lang_end - 1));
  std::string text;
  if (compressed) {
    std::optional<std::string> raw = inflate(rest.substr(tk_end + 1));
    if (!raw.has_value()) return std::nullopt;
    text = Utf8OrLatin1(*raw);
  } else {
    text = Utf8OrLatin1(rest.substr(tk_end + 1));
  }
  std::optional<std::string> masked = redact(text);
  std::optional<std::string> masked_tk = redact(translated);
  if (!masked.has_value() || !masked_tk.has_value()) return std::nullopt;
  if (*masked == text && *masked_tk == translated) return std::string();
  std::string out(keyword);
  out.append(3, '\0');  // keyword terminator, uncompressed, method 0
  out.append(language);
  out.push_back('\0');
  out.append(*masked_tk);
  out.push_back('\0');
  out.append(*masked);
  return BuildChunk("iTXt", out);
}

// ImageMagick/exiv2 "Raw profile type <name>" text: "\n<name>\n <length>\n<hex...>".
// Returns the decoded bytes (at most `length`, bounded by the hex present).
std::string DecodeRawProfile(std::string_view text) {
  size_t i = 0;
  auto skip_ws = [&] {
    while (i < text.size() && (text[i] == '\n' || text[i] == ' ' || text[i] == '\r' || text[i] == '\t')) ++i;
  };
  skip_ws();
  while (i < text.size() && text[i] != '\n') ++i;  // profile name
  skip_ws();
  uint64_t length = 0;
  bool any = false;
  while (i < text.size() && text[i] >= '0' && text[i] <= '9' && length < (uint64_t{1} << 40)) {
    length = length * 10 + static_cast<uint64_t>(text[i] - '0');
    ++i;
    any = true;
  }
  if (!any) return "";
  std::string out;
  int hi = -1;
  for (; i < text.size() && out.size() < length; ++i) {
    char c = text[i];
    int v;
    if (c >= '0' && c <= '9') {
      v = c - '0';
    } else if (c >= 'a' && c <= 'f') {
      v = c - 'a' + 10;
    } else if (c >= 'A' && c <= 'F') {
      v = c - 'A' + 10;
    } else {
      continue;  // line breaks and spaces
    }
    if (hi < 0) {
      hi = v;
    } else {
      out.push_back(static_cast<char>((hi << 4) | v));
      hi = -1;
    }
  }
  return out;
}

class PngScanner {
 public:
  PngScanner(std::string_view bytes, const ParseLimits& limits, MetadataSink& sink)
      : bytes_(bytes), limits_(limits), sink_(sink), budget_(limits.max_decompressed_bytes) {}

  absl::Status Run() {
    if (bytes_.size() < 8 || bytes_.substr(0, 8) != kPngSignature) {
      return absl::InvalidArgumentError("png: no PNG signature at offset 0");
    }
    size_t pos = 8;
    bool seen_idat = false;
    while (true) {
      if (bytes_.size() - pos < 8) {
        return absl::DataLossError(
            absl::StrFormat("png: input ends at offset %d before IEND", bytes_.size()));
      }
      const uint32_t length = Be32(bytes_.data() + pos);
      const std::string_view type = bytes_.substr(pos + 4, 4);
      PIIVAULT_RETURN_IF_ERROR(CheckChunkHeader(type, length, pos));
      const size_t remain = bytes_.size() - pos - 8;
      if (length > remain || remain - length < 4) {
        return absl::DataLossError(absl::StrFormat(
            "png: chunk '%s' at offset %d declares %d bytes, %d remain", TypeName(type), pos,
            length, remain));
      }
      if (pos == 8 && type != "IHDR") {
        return absl::InvalidArgumentError(absl::StrFormat(
            "png: first chunk at offset %d is '%s', not IHDR", pos, TypeName(type)));
      }
      const std::string_view data = bytes_.substr(pos + 8, length);
      if (Be32(bytes_.data() + pos + 8 + length) != Crc(Crc(0, type), data)) {
        return BadCrc(type, pos);
      }
      PIIVAULT_RETURN_IF_ERROR(OnChunk(type, data, pos + 8, seen_idat));
      if (type == "IDAT") seen_idat = true;
      pos += 12 + size_t{length};
      if (type == "IEND") break;
    }
    if (pos < bytes_.size()) {
      sink_.AddItem(MakeItem("trailer", "TrailingData", pos, bytes_.size() - pos));
    }
    return absl::OkStatus();
  }

 private:
  absl::Status OnChunk(std::string_view type, std::string_view data, uint64_t offset,
                       bool after_idat) {
    if (type == "tEXt") {
      size_t nul = data.find('\0');
      std::string_view keyword = data.substr(0, std::min(nul, data.size()));
      std::string_view text = nul == std::string_view::npos ? data : data.substr(nul + 1);
      return OnText(type, keyword, DecodeLatin1(text), offset, data.size());
    }
    if (type == "zTXt") {
      size_t nul = data.find('\0');
      if (nul == std::string_view::npos || data.size() - nul < 2) {
        sink_.AddTextItem(MakeItem(std::string(type), "", offset, data.size()), DecodeLatin1(data));
        return absl::OkStatus();
      }
      std::string_view keyword = data.substr(0, nul);
      PIIVAULT_ASSIGN_OR_RETURN(Inflated text,
                                InflateBounded(data.substr(nul + 2), budget_, type, offset));
      return OnText(type, keyword, DecodeLatin1(text.bytes), offset, data.size());
    }
    if (type == "iTXt") {
      // keyword 0 flag method language 0 translated-keyword 0 text
      size_t nul = data.find('\0');
      if (nul == std::string_view::npos || data.size() - nul < 3) {
        sink_.AddTextItem(MakeItem(std::string(type), "", offset, data.size()), Utf8OrLatin1(data));
        return absl::OkStatus();
      }
      std::string_view keyword = data.substr(0, nul);
      const bool compressed = data[nul + 1] != 0;
      std::string_view rest = data.substr(nul + 3);
      size_t lang_end = rest.find('\0');
      size_t tk_end =
          lang_end == std::string_view::npos ? std::string_view::npos : rest.find('\0', lang_end + 1);
      std::string_view text = tk_end == std::string_view::npos ? rest : rest.substr(tk_end + 1);
      std::string value;
      if (compressed) {
        PIIVAULT_ASSIGN_OR_RETURN(Inflated inflated, InflateBounded(text, budget_, type, offset));
        value = std::move(inflated.bytes);
      } else {
        value = std::string(text);
      }
      if (keyword == "XML:com.adobe.xmp") {
        sink_.AddItem(MakeItem("iTXt", "XMP", offset, data.size()));
        return ParseXmpMetadata(value, offset, "iTXt/XMP", limits_, sink_);
      }
      return OnText(type, keyword, Utf8OrLatin1(value), offset, data.size());
    }
    if (type == "eXIf") {
      std::string_view tiff = StripExifPrefix(data);
      return ParseTiffMetadata(tiff, offset + (data.size() - tiff.size()), "eXIf", limits_, sink_);
    }
    if (type == "tIME") {
      MetadataItem item = MakeItem(std::string(type), "ModifyDate", offset, data.size());
      if (data.size() == 7) {
        const auto* u = reinterpret_cast<const unsigned char*>(data.data());
        std::string when = absl::StrFormat("%04d-%02d-%02d %02d:%02d:%02d", (u[0] << 8) | u[1],
                                           u[2], u[3], u[4], u[5], u[6]);
        sink_.AddTextItem(std::move(item), when);
      } else {
        sink_.AddItem(std::move(item));
      }
      return absl::OkStatus();
    }
    if (type == "iCCP") {
      sink_.AddItem(MakeItem(std::string(type), "ICC_Profile", offset, data.size()));
      return absl::OkStatus();
    }
    if (Classify(type) == ChunkAction::kDrop) {
      sink_.AddItem(MakeItem(std::string(type), TypeName(type), offset, data.size()));
    }
    (void)after_idat;
    return absl::OkStatus();
  }

  absl::Status OnText(std::string_view type, std::string_view keyword, std::string utf8,
                      uint64_t offset, uint64_t size) {
    std::string name = DecodeLatin1(keyword.substr(0, std::min<size_t>(keyword.size(), 79)));
    constexpr std::string_view kRaw = "Raw profile type ";
    if (keyword.substr(0, std::min(keyword.size(), kRaw.size())) == kRaw) {
      std::string_view kind = keyword.substr(kRaw.size());
      sink_.AddItem(MakeItem(std::string(type), name, offset, size));
      std::string raw = DecodeRawProfile(utf8);
      std::string location = absl::StrCat(std::string(type), "/RawProfile");
      if (kind == "exif" || kind == "APP1") {
        std::string_view tiff = StripExifPrefix(raw);
        if (tiff.size() >= 8 && (tiff.substr(0, 2) == "II" || tiff.substr(0, 2) == "MM")) {
          return ParseTiffMetadata(tiff, offset, location + "/Exif", limits_, sink_);
        }
      } else if (kind == "xmp") {
        return ParseXmpMetadata(raw, offset, location + "/XMP", limits_, sink_);
      } else if (kind == "iptc" && !raw.empty() && raw[0] == 0x1C) {
        return ParseIptcMetadata(raw, offset, location + "/IPTC", sink_);
      }
      return absl::OkStatus();
    }
    sink_.AddTextItem(MakeItem(std::string(type), std::move(name), offset, size), utf8);
    return absl::OkStatus();
  }

  std::string_view bytes_;
  const ParseLimits& limits_;
  MetadataSink& sink_;
  size_t budget_;
};

}  // namespace

absl::Status ScanPng(std::string_view bytes, const ParseLimits& limits, MetadataSink& sink) {
  return PngScanner(bytes, limits, sink).Run();
}

absl::StatusOr<std::string> ScrubPng(std::string_view bytes, const ScrubOptions& options,
                                     const ParseLimits& limits) {
  MemoryByteSource memory(bytes);
  Reader reader(memory);
  std::string out;
  out.reserve(bytes.size());
  AppendingByteSink sink(out);
  PIIVAULT_RETURN_IF_ERROR(ScrubPngCore(reader, sink, options, limits));
  return out;
}

absl::Status ScrubPngStream(ByteSource& in, ByteSink& out, const ScrubOptions& options,
                            const ParseLimits& limits) {
  Reader reader(in);
  return ScrubPngCore(reader, out, options, limits);
}

}  // namespace piivault::image_internal
