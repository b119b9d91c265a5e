// JPEG: metadata scan (APPn, COM, MPF secondary images, trailers) and the
// allow-list scrub, on a buffer and on a stream with bounded memory.
//
// Scrub output:
//   SOI, JFIF APP0 (first one, thumbnail removed), a fresh minimal Exif APP1
//   (Orientation only, unless ScrubOptions keeps more), the ICC APP2 chunks
//   (only if the set is complete and consistent, in sequence order), then
//   every non-APPn/COM segment before the first SOS in its original order,
//   byte for byte (DQT, DHT, SOFn, DRI, ... and the first Adobe APP14,
//   trimmed to its 12-byte payload), then SOS and everything up to EOI with
//   APPn/COM removed; nothing after EOI. With ParseLimits::redact_text, COM
//   segments stay in place, unchanged or with detected values masked. Fill
//   bytes and garbage between segments are dropped. A file cut inside entropy-coded data keeps what
//   is there and gets an EOI. Scrub(Scrub(x)) == Scrub(x).
#include <algorithm>
#include <cstring>
#include <map>
#include <optional>
#include <string>
#include <vector>

#if defined(__x86_64__)
#include <immintrin.h>
#endif

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "common/status_macros.h"
#include "image/image_internal.h"

namespace piivault::image_internal {
namespace {

constexpr std::string_view kExifSig("Exif\0", 5);
constexpr std::string_view kXmpSig("http://ns.adobe.com/xap/1.0/\0", 29);
constexpr std::string_view kExtXmpSig("http://ns.adobe.com/xmp/extension/\0", 35);
constexpr std::string_view kIccSig("ICC_PROFILE\0", 12);
constexpr std::string_view kMpfSig("MPF\0", 4);
constexpr std::string_view kPhotoshopSig("Photoshop 3.0\0", 14);
constexpr std::string_view kJfifSig("JFIF\0", 5);
constexpr std::string_view kJfxxSig("JFXX\0", 5);
constexpr std::string_view kAdobeSig("Adobe", 5);
constexpr size_t kStreamWindow = 256 * 1024;
constexpr int kMaxEmbeddedDepth = 2;
// Entropy-coded data is scanned and copied in blocks of this size.
constexpr size_t kCopyBlock = 8 * 1024;

bool IsStandalone(uint8_t m) { return m == 0xD8 || m == 0xD9 || (m >= 0xD0 && m <= 0xD7) || m == 0x01; }
bool IsAppOrCom(uint8_t m) { return (m >= 0xE0 && m <= 0xEF) || m == 0xFE; }
bool IsRst(uint8_t m) { return m >= 0xD0 && m <= 0xD7; }

bool StartsWith(std::string_view s, std::string_view prefix) { return s.substr(0, prefix.size()) == prefix; }

// --- Inputs and outputs for the scrub core ----------------------------------

class BufferInput {
 public:
  explicit BufferInput(std::string_view data) : data_(data) {}
  bool Ensure(size_t n) { return data_.size() - pos_ >= n; }
  const unsigned char* p() const { return reinterpret_cast<const unsigned char*>(data_.data()) + pos_; }
  size_t avail() const { return data_.size() - pos_; }
  void Consume(size_t n) { pos_ += n; }
  uint64_t offset() const { return pos_; }
  absl::Status status() const { return absl::OkStatus(); }

 private:
  std::string_view data_;
  size_t pos_ = 0;
};

class StreamInput {
 public:
  explicit StreamInput(ByteSource& src) : src_(src), buf_(kStreamWindow, '\0') {}
  bool Ensure(size_t n) {
    while (end_ - start_ < n && !eof_) {
      if (start_ > 0 && (buf_.size() - end_ < n - (end_ - start_) || end_ == buf_.size())) {
        std::memmove(buf_.data(), buf_.data() + start_, end_ - start_);
        end_ -= start_;
        start_ = 0;
      }
      if (buf_.size() - start_ < n) buf_.resize(start_ + n);
      absl::StatusOr<size_t> got = src_.Read(buf_.data() + end_, buf_.size() - end_);
      if (!got.ok()) {
        status_ = got.status();
        eof_ = true;
        break;
      }
      if (*got == 0) eof_ = true;
      end_ += *got;
    }
    return end_ - start_ >= n;
  }
  const unsigned char* p() const { return reinterpret_cast<const unsigned char*>(buf_.data()) + start_; }
  size_t avail() const { return end_ - start_; }
  void Consume(size_t n) {
    start_ += n;
    consumed_ += n;
  }
  uint64_t offset() const { return consumed_; }
  absl::Status status() const { return status_; }

 private:
  ByteSource& src_;
  std::string buf_;
  size_t start_ = 0, end_ = 0;
  uint64_t consumed_ = 0;
  bool eof_ = false;
  absl::Status status_;
};

class StringOutput {
 public:
  explicit StringOutput(std::string* s) : s_(s) {}
  absl::Status Write(const void* p, size_t n) {
    s_->append(static_cast<const char*>(p), n);
    return absl::OkStatus();
  }

 private:
  std::string* s_;
};

class SinkOutput {
 public:
  explicit SinkOutput(ByteSink& sink) : sink_(sink) {}
  absl::Status Write(const void* p, size_t n) {
    if (n == 0) return absl::OkStatus();
    return sink_.Write(std::string_view(static_cast<const char*>(p), n));
  }

 private:
  ByteSink& sink_;
};

// What the core keeps: the scrub policy, or only the rendering segments
// (used by JpegRenderBytes for pixel-identity checks).
enum class Mode { kScrub, kRenderOnly };

struct IccChunk {
  uint8_t seq;
  uint8_t count;
  std::string segment;
};

// Returns the chunks in sequence order if they form one consistent profile.
std::vector<const IccChunk*> ValidIcc(const std::vector<IccChunk>& chunks) {
  std::vector<const IccChunk*> out;
  if (chunks.empty()) return out;
  const uint8_t count = chunks[0].count;
  if (count == 0 || chunks.size() != count) return {};
  out.assign(count, nullptr);
  for (const IccChunk& c : chunks) {
    if (c.count != count || c.seq == 0 || c.seq > count || out[c.seq - 1] != nullptr) return {};
    out[c.seq - 1] = &c;
  }
  std::string profile;
  for (const IccChunk* c : out) profile.append(c->segment, 2 + 2 + 14, std::string::npos);
  if (profile.size() < 128) return {};
  const auto* p = reinterpret_cast<const unsigned char*>(profile.data());
  uint64_t declared = uint64_t{p[0]} << 24 | uint64_t{p[1]} << 16 | uint64_t{p[2]} << 8 | p[3];
  if (declared < 128 || declared > profile.size()) return {};
  if (profile.compare(36, 4, "acsp") != 0) return {};
  return out;
}

std::string Segment(uint8_t marker, std::string_view payload) {
  std::string s;
  s.reserve(payload.size() + 4);
  s.push_back('\xFF');
  s.push_back(static_cast<char>(marker));
  s.push_back(static_cast<char>((payload.size() + 2) >> 8));
  s.push_back(static_cast<char>((payload.size() + 2) & 0xFF));
  s.append(payload);
  return s;
}

// Positions `in` at the 0xFF of the next marker, skipping fill bytes and
// garbage. Returns false at end of input.
template <class In>
bool NextMarker(In& in, uint8_t* marker) {
  for (;;) {
    if (!in.Ensure(2)) return false;
    const unsigned char* p = in.p();
    if (p[0] != 0xFF) {
      // Garbage between segments: resynchronise on the next 0xFF.
      const void* ff = std::memchr(p, 0xFF, in.avail());
      in.Consume(ff == nullptr ? in.avail() : static_cast<size_t>(static_cast<const unsigned char*>(ff) - p));
      continue;
    }
    if (p[1] == 0xFF) {
      in.Consume(1);  // fill byte
      continue;
    }
    if (p[1] == 0x00) {
      in.Consume(2);  // stuffed byte outside entropy-coded data: garbage
      continue;
    }
    *marker = p[1];
    return true;
  }
}

// True if 0xFF followed by `next` is part of entropy-coded data: a stuffed
// byte (FF 00), a restart marker (RSTn), or fill (FF FF: the first FF is
// kept as data; the last FF of the run decides).
inline bool EcsContinues(uint8_t next) { return next == 0x00 || IsRst(next) || next == 0xFF; }

// The offset in [i, end) of the first 0xFF that starts a marker, or `end`.
// REQUIRES: p[end] is readable (the byte after a candidate 0xFF).
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define PIIVAULT_JPEG_AVX2 1
__attribute__((target("avx2"))) size_t FindMarkerAvx2(const unsigned char* p, size_t i, size_t end) {
  const __m256i ff = _mm256_set1_epi8(static_cast<char>(0xFF));
  while (i + 64 <= end) {
    __m256i a = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p + i));
    __m256i b = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p + i + 32));
    uint64_t m = static_cast<uint32_t>(_mm256_movemask_epi8(_mm256_cmpeq_epi8(a, ff))) |
                 uint64_t{static_cast<uint32_t>(_mm256_movemask_epi8(_mm256_cmpeq_epi8(b, ff)))} << 32;
    while (m != 0) {
      size_t k = i + static_cast<size_t>(__builtin_ctzll(m));
      if (!EcsContinues(p[k + 1])) return k;
      m &= m - 1;
    }
    i += 64;
  }
  for (; i < end; ++i) {
    if (p[i] == 0xFF && !EcsContinues(p[i + 1])) return i;
  }
  return end;
}
#endif

size_t FindMarker(const unsigned char* p, size_t i, size_t end) {
#ifdef PIIVAULT_JPEG_AVX2
  static const bool kHaveAvx2 = __builtin_cpu_supports("avx2");
  if (kHaveAvx2) return FindMarkerAvx2(p, i, end);
#endif
#ifdef __SSE2__
  const __m128i ff = _mm_set1_epi8(static_cast<char>(0xFF));
  auto mask16 = [&](size_t at) {
    __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + at));
    return static_cast<uint64_t>(static_cast<unsigned>(_mm_movemask_epi8(_mm_cmpeq_epi8(v, ff))));
  };
  // 64 bytes per step, one bit per 0xFF; most steps have none or one.
  while (i + 64 <= end) {
    uint64_t m = mask16(i) | mask16(i + 16) << 16 | mask16(i + 32) << 32 | mask16(i + 48) << 48;
    while (m != 0) {
      size_t k = i + static_cast<size_t>(__builtin_ctzll(m));
      if (!EcsContinues(p[k + 1])) return k;
      m &= m - 1;
    }
    i += 64;
  }
#endif
  for (; i < end; ++i) {
    if (p[i] == 0xFF && !EcsContinues(p[i + 1])) return i;
  }
  return end;
}

// Copies entropy-coded data (with stuffed bytes, RSTn and fill) up to the
// next marker, leaving `in` at that marker's 0xFF. Returns false if the
// input ended first (everything there was has been copied).
template <class In, class Out>
absl::StatusOr<bool> CopyEcs(In& in, Out& out) {
  size_t i = 0;  // bytes from in.p() already scanned, not yet written
  for (;;) {
    size_t n = in.avail();
    const unsigned char* p = in.p();
    if (i + 2 > n) {
      if (i > 0) {
        PIIVAULT_RETURN_IF_ERROR(out.Write(p, i));
        in.Consume(i);
        i = 0;
      }
      if (!in.Ensure(2)) {
        PIIVAULT_RETURN_IF_ERROR(in.status());
        // 0 or 1 byte left: keep a last data byte, drop a lone 0xFF.
        if (in.avail() == 1 && in.p()[0] != 0xFF) PIIVAULT_RETURN_IF_ERROR(out.Write(in.p(), 1));
        in.Consume(in.avail());
        return false;
      }
      continue;
    }
    if (i >= kCopyBlock) {
      // Write what was scanned while it is still in cache: one pass over
      // memory instead of a scan pass plus a copy pass.
      PIIVAULT_RETURN_IF_ERROR(out.Write(p, i));
      in.Consume(i);
      i = 0;
      continue;
    }
    const size_t window_end = i + std::min(n - i - 1, kCopyBlock);
    const size_t k = FindMarker(p, i, window_end);
    if (k == window_end) {
      i = window_end;
      continue;
    }
    PIIVAULT_RETURN_IF_ERROR(out.Write(p, k));
    in.Consume(k);
    return true;
  }
}

template <class In, class Out>
absl::Status ScrubCore(In& in, Out& out, const ScrubOptions& options, Mode mode,
                       const TextRedactor* redact = nullptr) {
  if (!in.Ensure(3) || in.p()[0] != 0xFF || in.p()[1] != 0xD8) {
    PIIVAULT_RETURN_IF_ERROR(in.status());
    return absl::InvalidArgumentError("jpeg: missing SOI marker at offset 0");
  }
  in.Consume(2);
  std::vector<std::string> header;  // kept segments before the first SOS
  std::string jfif;
  std::optional<ExifEssentials> essentials;
  std::vector<IccChunk> icc;
  bool icc_broken = false;
  bool have_adobe = false;
  bool in_header = true;
  static constexpr unsigned char kEoi[2] = {0xFF, 0xD9};

  auto flush_header = [&]() -> absl::Status {
    static constexpr unsigned char kSoi[2] = {0xFF, 0xD8};
    PIIVAULT_RETURN_IF_ERROR(out.Write(kSoi, 2));
    if (!jfif.empty()) PIIVAULT_RETURN_IF_ERROR(out.Write(jfif.data(), jfif.size()));
    if (essentials.has_value()) {
      std::string tiff = BuildMinimalExifTiff(*essentials);
      if (!tiff.empty() && tiff.size() + 6 + 2 <= 0xFFFF) {
        std::string seg = Segment(0xE1, std::string("Exif\0\0", 6) + tiff);
        PIIVAULT_RETURN_IF_ERROR(out.Write(seg.data(), seg.size()));
      }
    }
    if (!icc_broken) {
      for (const IccChunk* c : ValidIcc(icc)) {
        PIIVAULT_RETURN_IF_ERROR(out.Write(c->segment.data(), c->segment.size()));
      }
    }
    for (const std::string& s : header) PIIVAULT_RETURN_IF_ERROR(out.Write(s.data(), s.size()));
    header.clear();
    return absl::OkStatus();
  };

  for (;;) {
    uint8_t m = 0;
    if (!NextMarker(in, &m)) {
      PIIVAULT_RETURN_IF_ERROR(in.status());
      if (in_header) {
        return absl::DataLossError(
            absl::StrCat("jpeg: input ends at offset ", in.offset(), " before any image data"));
      }
      return out.Write(kEoi, 2);  // truncated between scans
    }
    const uint64_t at = in.offset();
    if (m == 0xD9) {
      if (in_header) {
        return absl::InvalidArgumentError(absl::StrCat("jpeg: EOI at offset ", at, " before any image data"));
      }
      return out.Write(kEoi, 2);  // anything after EOI is dropped
    }
    if (IsStandalone(m)) {
      if (m != 0xD8) {  // a stray SOI is dropped
        if (in_header) {
          header.emplace_back(reinterpret_cast<const char*>(in.p()), 2);
        } else {
          PIIVAULT_RETURN_IF_ERROR(out.Write(in.p(), 2));
        }
      }
      in.Consume(2);
      continue;
    }
    if (!in.Ensure(4)) {
      PIIVAULT_RETURN_IF_ERROR(in.status());
      return absl::DataLossError(absl::StrCat("jpeg: segment header truncated at offset ", at));
    }
    const size_t len = size_t{in.p()[2]} << 8 | in.p()[3];
    if (len < 2) {
      return absl::InvalidArgumentError(absl::StrCat("jpeg: segment length ", len, " < 2 at offset ", at));
    }
    if (!in.Ensure(2 + len)) {
      PIIVAULT_RETURN_IF_ERROR(in.status());
      return absl::DataLossError(
          absl::StrCat("jpeg: segment at offset ", at, " (", len, " bytes) runs past the end of input"));
    }
    std::string_view seg(reinterpret_cast<const char*>(in.p()), 2 + len);
    std::string_view payload = seg.substr(4);
    if (m == 0xFE && mode == Mode::kScrub && redact != nullptr) {
      // Comment kept with detected values masked (dropped when the
      // redactor says so or the masked text no longer fits a segment).
      const std::string text = Utf8OrLatin1(payload);
      std::optional<std::string> masked = (*redact)(text);
      if (masked.has_value()) {
        std::string kept = *masked == text ? std::string(seg) : std::string();
        if (kept.empty() && masked->size() + 2 <= 0xFFFF) kept = Segment(0xFE, *masked);
        if (!kept.empty()) {
          if (in_header) {
            header.push_back(std::move(kept));
          } else {
            PIIVAULT_RETURN_IF_ERROR(out.Write(kept.data(), kept.size()));
          }
        }
      }
      in.Consume(seg.size());
      continue;
    }
    if (IsAppOrCom(m)) {
      if (in_header && mode == Mode::kScrub) {
        if (m == 0xE0 && StartsWith(payload, kJfifSig) && payload.size() >= 14 && jfif.empty()) {
          std::string p(payload.substr(0, 12));
          p.append(2, '\0');  // no thumbnail
          jfif = Segment(0xE0, p);
        } else if (m == 0xE1 && StartsWith(payload, kExifSig) && payload.size() >= 6 + 8 &&
                   !essentials.has_value()) {
          absl::StatusOr<ExifEssentials> e = ReadExifEssentials(payload.substr(6), options);
          if (e.ok()) {
            essentials = std::move(*e);
            essentials->write_jpeg_required_tags = true;
          }
        } else if (m == 0xE2 && StartsWith(payload, kIccSig) && payload.size() >= 14) {
          if (icc.size() >= 255) {
            icc_broken = true;
          } else {
            icc.push_back(IccChunk{static_cast<uint8_t>(payload[12]), static_cast<uint8_t>(payload[13]),
                                   std::string(seg)});
          }
        } else if (m == 0xEE && StartsWith(payload, kAdobeSig) && payload.size() >= 12 && !have_adobe) {
          have_adobe = true;
          header.push_back(Segment(0xEE, payload.substr(0, 12)));
        }
      }
      in.Consume(seg.size());
      continue;
    }
    if (m == 0xDA) {
      if (in_header) {
        PIIVAULT_RETURN_IF_ERROR(flush_header());
        in_header = false;
      }
      PIIVAULT_RETURN_IF_ERROR(out.Write(seg.data(), seg.size()));
      in.Consume(seg.size());
      PIIVAULT_ASSIGN_OR_RETURN(bool more, CopyEcs(in, out));
      if (!more) return out.Write(kEoi, 2);  // truncated inside entropy-coded data
      continue;
    }
    if (in_header) {
      header.emplace_back(seg);
    } else {
      PIIVAULT_RETURN_IF_ERROR(out.Write(seg.data(), seg.size()));
    }
    in.Consume(seg.size());
  }
}

// --- Scan -------------------------------------------------------------------

// Printable text runs (ASCII and UTF-8 lead/continuation bytes), >= 4 bytes,
// joined by newlines: lets the detector look inside unknown blobs.
std::string PrintableRuns(std::string_view data, size_t cap = 64 * 1024) {
  std::string out;
  size_t run_start = 0;
  auto flush = [&](size_t end) {
    if (end - run_start >= 4 && out.size() < cap) {
      if (!out.empty()) out.push_back('\n');
      out.append(data.substr(run_start, std::min(end - run_start, cap - out.size())));
    }
  };
  for (size_t i = 0; i < data.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(data[i]);
    bool printable = (c >= 0x20 && c < 0x7F) || c >= 0x80 || c == '\t';
    if (!printable) {
      flush(i);
      run_start = i + 1;
    }
  }
  flush(data.size());
  return out;
}

std::string SignatureName(uint8_t m, std::string_view payload) {
  size_t n = 0;
  while (n < payload.size() && n < 32 && payload[n] >= 0x20 && payload[n] < 0x7F) ++n;
  std::string sig(payload.substr(0, n));
  if (sig.empty()) return absl::StrFormat("APP%d", m - 0xE0);
  return sig;
}

struct ExtXmpChunk {
  uint32_t full_length;
  uint32_t offset;
  std::string_view data;
};

uint32_t Be32(const char* p) {
  const auto* u = reinterpret_cast<const unsigned char*>(p);
  return uint32_t{u[0]} << 24 | uint32_t{u[1]} << 16 | uint32_t{u[2]} << 8 | u[3];
}

// MPF index: (offset relative to the MPF TIFF header, size) of each image.
std::vector<std::pair<uint64_t, uint64_t>> ReadMpfEntries(std::string_view tiff) {
  std::vector<std::pair<uint64_t, uint64_t>> out;
  if (tiff.size() < 8) return out;
  bool le = tiff[0] == 'I';
  auto u16 = [&](uint64_t o) -> uint32_t {
    const auto* p = reinterpret_cast<const unsigned char*>(tiff.data() + o);
    return le ? (p[0] | p[1] << 8) : (p[0] << 8 | p[1]);
  };
  auto u32 = [&](uint64_t o) -> uint32_t {
    const auto* p = reinterpret_cast<const unsigned char*>(tiff.data() + o);
    return le ? (uint32_t{p[0]} | uint32_t{p[1]} << 8 | uint32_t{p[2]} << 16 | uint32_t{p[3]} << 24)
              : (uint32_t{p[0]} << 24 | uint32_t{p[1]} << 16 | uint32_t{p[2]} << 8 | p[3]);
  };
  uint64_t ifd = u32(4);
  if (ifd + 2 > tiff.size()) return out;
  uint32_t count = u16(ifd);
  for (uint32_t i = 0; i < count && i < 64; ++i) {
    uint64_t e = ifd + 2 + uint64_t{i} * 12;
    if (e + 12 > tiff.size()) break;
    if (u16(e) != 0xB002) continue;
    uint64_t n = u32(e + 4);
    uint64_t at = u32(e + 8);
    if (n > tiff.size() || at > tiff.size() - n) break;
    for (uint64_t k = 0; k + 16 <= n && k < 64 * 16; k += 16) {
      out.emplace_back(u32(at + k + 8), u32(at + k + 4));
    }
  }
  return out;
}

// Skips entropy-coded data from `pos`; returns the offset of the next marker
// or npos at end of input.
size_t SkipEcs(std::string_view b, size_t pos) {
  if (pos + 1 >= b.size()) return std::string_view::npos;
  const auto* p = reinterpret_cast<const unsigned char*>(b.data());
  size_t k = FindMarker(p, pos, b.size() - 1);
  return k == b.size() - 1 ? std::string_view::npos : k;
}

absl::Status ScanJpegImpl(std::string_view b, uint64_t base, const std::string& prefix,
                          const ParseLimits& limits, MetadataSink& sink, int depth) {
  const auto* u = reinterpret_cast<const unsigned char*>(b.data());
  if (b.size() < 3 || u[0] != 0xFF || u[1] != 0xD8) {
    return absl::InvalidArgumentError(absl::StrCat("jpeg: missing SOI marker at offset ", base));
  }
  auto item = [&](std::string loc, std::string name, uint64_t off, uint64_t size,
                  EntityType type = EntityType::kUnknown) {
    MetadataItem it;
    it.location = prefix + loc;
    it.name = std::move(name);
    it.offset = base + off;
    it.size = size;
    it.sensitive_as = type;
    return it;
  };
  std::map<std::string, std::vector<ExtXmpChunk>> ext_xmp;
  std::vector<std::pair<uint64_t, std::string_view>> irb_parts;  // (offset, data)
  std::vector<std::pair<uint64_t, uint64_t>> mpf_images;           // absolute (offset, size) in b
  size_t pos = 2;
  size_t trailer = std::string_view::npos;
  absl::Status status;
  while (pos < b.size()) {
    // Next marker (skip fill and garbage).
    if (u[pos] != 0xFF) {
      const void* ff = std::memchr(u + pos, 0xFF, b.size() - pos);
      if (ff == nullptr) break;
      pos = static_cast<size_t>(static_cast<const unsigned char*>(ff) - u);
      continue;
    }
    if (pos + 1 >= b.size()) break;
    uint8_t m = u[pos + 1];
    if (m == 0xFF) {
      ++pos;
      continue;
    }
    if (m == 0x00) {
      pos += 2;
      continue;
    }
    if (m == 0xD9) {
      trailer = pos + 2;
      break;
    }
    if (IsStandalone(m)) {
      pos += 2;
      continue;
    }
    if (pos + 4 > b.size()) {
      status = absl::DataLossError(absl::StrCat("jpeg: segment header truncated at offset ", base + pos));
      break;
    }
    size_t len = size_t{u[pos + 2]} << 8 | u[pos + 3];
    if (len < 2) {
      status = absl::InvalidArgumentError(
          absl::StrCat("jpeg: segment length ", len, " < 2 at offset ", base + pos));
      break;
    }
    if (pos + 2 + len > b.size()) {
      status = absl::DataLossError(
          absl::StrCat("jpeg: segment at offset ", base + pos, " runs past the end of input"));
      break;
    }
    const size_t pay = pos + 4;
    std::string_view payload = b.substr(pay, len - 2);
    const std::string app = absl::StrFormat("APP%d", m - 0xE0);
    if (m == 0xE0) {
      if (StartsWith(payload, kJfifSig) && payload.size() >= 14) {
        sink.AddItem(item(app, "JFIF", pay, payload.size()));
        size_t thumb = size_t{static_cast<unsigned char>(payload[12])} * static_cast<unsigned char>(payload[13]) * 3;
        if (thumb > 0) {
          sink.AddItem(item(app, "JFIFThumbnail", pay + 14, std::min(thumb, payload.size() - 14),
                            EntityType::kThumbnail));
        }
      } else if (StartsWith(payload, kJfxxSig)) {
        sink.AddItem(item(app, "JFXXThumbnail", pay, payload.size(), EntityType::kThumbnail));
      } else {
        sink.AddTextItem(item(app, SignatureName(m, payload), pay, payload.size()), PrintableRuns(payload));
      }
    } else if (m == 0xE1 && StartsWith(payload, kExifSig) && payload.size() >= 6) {
      sink.AddItem(item(app, "Exif", pay + 6, payload.size() - 6));
      (void)ParseTiffMetadata(payload.substr(6), base + pay + 6, prefix + "APP1/Exif", limits, sink);
    } else if (m == 0xE1 && StartsWith(payload, kXmpSig)) {
      sink.AddItem(item(app, "XMP", pay + kXmpSig.size(), payload.size() - kXmpSig.size()));
      (void)ParseXmpMetadata(payload.substr(kXmpSig.size()), base + pay + kXmpSig.size(), prefix + "APP1/XMP",
                             limits, sink);
    } else if (m == 0xE1 && StartsWith(payload, kExtXmpSig)) {
      sink.AddItem(item(app, "ExtendedXMP", pay + kExtXmpSig.size(), payload.size() - kExtXmpSig.size()));
      std::string_view rest = payload.substr(kExtXmpSig.size());
      if (rest.size() >= 40 && ext_xmp.size() < 16) {
        ext_xmp[std::string(rest.substr(0, 32))].push_back(
            ExtXmpChunk{Be32(rest.data() + 32), Be32(rest.data() + 36), rest.substr(40)});
      }
    } else if (m == 0xE2 && StartsWith(payload, kIccSig)) {
      sink.AddItem(item(app, "ICC_Profile", pay, payload.size()));
    } else if (m == 0xE2 && StartsWith(payload, kMpfSig)) {
      sink.AddItem(item(app, "MPF", pay + 4, payload.size() - 4));
      std::string_view tiff = payload.substr(4);
      (void)ParseTiffMetadata(tiff, base + pay + 4, prefix + "APP2/MPF", limits, sink);
      for (const auto& [off, size] : ReadMpfEntries(tiff)) {
        if (off == 0) continue;  // the first image: this one
        uint64_t abs = pay + 4 + off;
        if (abs < b.size() && size <= b.size() - abs) mpf_images.emplace_back(abs, size);
      }
    } else if (m == 0xE2 && StartsWith(payload, std::string_view("FPXR\0", 5))) {
      sink.AddItem(item(app, "FlashPix", pay, payload.size(), EntityType::kThumbnail));
    } else if (m == 0xED && StartsWith(payload, kPhotoshopSig)) {
      sink.AddItem(item(app, "Photoshop", pay, payload.size()));
      irb_parts.emplace_back(pay + kPhotoshopSig.size(), payload.substr(kPhotoshopSig.size()));
    } else if (m == 0xEE && StartsWith(payload, kAdobeSig)) {
      sink.AddItem(item(app, "Adobe", pay, payload.size()));
    } else if (m == 0xFE) {
      sink.AddTextItem(item("COM", "Comment", pay, payload.size()), payload);
    } else if (IsAppOrCom(m)) {
      sink.AddTextItem(item(app, SignatureName(m, payload), pay, payload.size()), PrintableRuns(payload));
    }
    pos += 2 + len;
    if (m == 0xDA) {
      size_t next = SkipEcs(b, pos);
      if (next == std::string_view::npos) break;  // truncated inside image data
      pos = next;
    }
  }

  // Photoshop IRB: one resource may be split over several APP13 segments.
  if (irb_parts.size() == 1) {
    (void)ParsePhotoshopIrb(irb_parts[0].second, base + irb_parts[0].first, prefix + "APP13/Photoshop", limits,
                            sink);
  } else if (!irb_parts.empty()) {
    std::string joined;
    for (const auto& part : irb_parts) joined.append(part.second);
    (void)ParsePhotoshopIrb(joined, base + irb_parts[0].first, prefix + "APP13/Photoshop", limits, sink);
  }
  // Extended XMP: reassemble each GUID's chunks (bounded by the bytes present).
  for (auto& [guid, chunks] : ext_xmp) {
    std::sort(chunks.begin(), chunks.end(),
              [](const ExtXmpChunk& x, const ExtXmpChunk& y) { return x.offset < y.offset; });
    std::string packet;
    for (const ExtXmpChunk& c : chunks) {
      if (c.offset != packet.size() || packet.size() + c.data.size() > limits.max_decompressed_bytes) break;
      packet.append(c.data);
    }
    (void)ParseXmpMetadata(packet, base, prefix + "APP1/ExtendedXMP", limits, sink);
  }
  // MPF secondary images and trailers: report them and what they carry.
  for (size_t k = 0; k < mpf_images.size() && k < 64; ++k) {
    const auto& [off, size] = mpf_images[k];
    std::string name = absl::StrCat("MPImage", k + 2);
    sink.AddItem(item("MPF", name, off, size, EntityType::kThumbnail));
    if (depth < kMaxEmbeddedDepth) {
      (void)ScanJpegImpl(b.substr(off, size), base + off, absl::StrCat(prefix, name, "/"), limits, sink,
                         depth + 1);
    }
  }
  if (trailer != std::string_view::npos && trailer < b.size()) {
    std::string_view t = b.substr(trailer);
    bool covered = !mpf_images.empty() && mpf_images[0].first >= trailer;
    if (!covered) {
      if (t.size() >= 3 && static_cast<unsigned char>(t[0]) == 0xFF && static_cast<unsigned char>(t[1]) == 0xD8 &&
          depth < kMaxEmbeddedDepth) {
        sink.AddItem(item("Trailer", "EmbeddedImage", trailer, t.size(), EntityType::kThumbnail));
        (void)ScanJpegImpl(t, base + trailer, prefix + "Trailer/", limits, sink, depth + 1);
      } else {
        sink.AddTextItem(item("Trailer", "Trailer", trailer, t.size()), PrintableRuns(t));
        size_t iptc = t.find(std::string_view("\x1C\x02", 2));
        if (iptc != std::string_view::npos) {
          (void)ParseIptcMetadata(t.substr(iptc), base + trailer + iptc, prefix + "Trailer/IPTC", sink);
        }
      }
    }
  }
  return status;
}

}  // namespace

absl::Status ScanJpeg(std::string_view bytes, const ParseLimits& limits, MetadataSink& sink) {
  return ScanJpegImpl(bytes, 0, "", limits, sink, 0);
}

absl::StatusOr<std::string> ScrubJpeg(std::string_view bytes, const ScrubOptions& options,
                                      const ParseLimits& limits) {
  std::string out;
  out.reserve(bytes.size() + 64);
  BufferInput in(bytes);
  StringOutput o(&out);
  PIIVAULT_RETURN_IF_ERROR(
      ScrubCore(in, o, options, Mode::kScrub, limits.redact_text ? &limits.redact_text : nullptr));
  return out;
}

absl::Status ScrubJpegStream(ByteSource& in, ByteSink& out, const ScrubOptions& options,
                             const ParseLimits& limits) {
  StreamInput input(in);
  SinkOutput output(out);
  return ScrubCore(input, output, options, Mode::kScrub,
                   limits.redact_text ? &limits.redact_text : nullptr);
}

absl::StatusOr<std::string> JpegRenderBytes(std::string_view jpeg) {
  std::string out;
  out.reserve(jpeg.size());
  BufferInput in(jpeg);
  StringOutput o(&out);
  PIIVAULT_RETURN_IF_ERROR(ScrubCore(in, o, ScrubOptions{}, Mode::kRenderOnly));
  return out;
}

}  // namespace piivault::image_internal
