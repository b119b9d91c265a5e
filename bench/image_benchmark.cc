// Image scrub throughput and latency, with a memcpy of the same bytes as the
// baseline in the same binary.
//
// Inputs (built at start-up from shared/testdata, fixed seed):
//   - JPEG: the header of a real camera file (Exif with GPS, MakerNote and
//     thumbnail; XMP) followed by generated entropy-coded data with byte
//     stuffing and restart markers, then EOI: a valid container of ~20 MB
//     and ~200 KB; plus the real 162 KB file itself.
//   - PNG: IHDR, a tEXt chunk, IDAT chunks of generated data (valid CRCs)
//     and IEND, ~20 MB and ~200 KB.
// Targets (issue #5): scrub >= 50% of memcpy throughput on 20 MB JPEG;
// < 100 us per 200 KB JPEG in-process.
#include <cstring>
#include <fstream>
#include <random>
#include <sstream>
#include <string>

#include "benchmark/benchmark.h"
#include "piivault/image.h"

namespace {

std::string ReadFileOrEmpty(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

const std::string& RealJpeg() {
  static const std::string* s =
      new std::string(ReadFileOrEmpty(std::string(PIIVAULT_SHARED_DIR) + "/testdata/images/jpeg_gps_nikon_DSCN0010.jpg"));
  return *s;
}

// Header of the real JPEG (everything up to the end of the first SOS segment).
std::string JpegHeader() {
  const std::string& j = RealJpeg();
  size_t pos = 2;
  while (pos + 4 <= j.size() && static_cast<unsigned char>(j[pos]) == 0xFF) {
    unsigned char m = static_cast<unsigned char>(j[pos + 1]);
    size_t len = static_cast<unsigned char>(j[pos + 2]) << 8 | static_cast<unsigned char>(j[pos + 3]);
    pos += 2 + len;
    if (m == 0xDA) return j.substr(0, pos);
  }
  return "";
}

std::string MakeJpeg(size_t target) {
  std::string out = JpegHeader();
  if (out.empty()) return out;
  std::mt19937_64 rng(42);
  out.reserve(target + 16);
  int rst = 0;
  size_t since_rst = 0;
  while (out.size() < target) {
    uint64_t r = rng();
    for (int i = 0; i < 8; ++i) {
      char c = static_cast<char>(r >> (8 * i));
      out.push_back(c);
      if (c == '\xFF') out.push_back('\0');  // byte stuffing
    }
    since_rst += 8;
    if (since_rst >= 4096) {  // restart interval
      out.push_back('\xFF');
      out.push_back(static_cast<char>(0xD0 + (rst++ & 7)));
      since_rst = 0;
    }
  }
  out += "\xFF\xD9";
  return out;
}

uint32_t Crc32(std::string_view data) {
  static uint32_t table[256];
  static bool init = [] {
    for (uint32_t i = 0; i < 256; ++i) {
      uint32_t c = i;
      for (int k = 0; k < 8; ++k) c = (c & 1) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
      table[i] = c;
    }
    return true;
  }();
  (void)init;
  uint32_t c = 0xFFFFFFFFu;
  for (unsigned char b : data) c = table[(c ^ b) & 0xFF] ^ (c >> 8);
  return c ^ 0xFFFFFFFFu;
}

void PngChunk(std::string& out, std::string_view type, std::string_view data) {
  auto be32 = [&](uint32_t v) {
    for (int i = 3; i >= 0; --i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xFF));
  };
  be32(static_cast<uint32_t>(data.size()));
  std::string td = std::string(type) + std::string(data);
  out += td;
  be32(Crc32(td));
}

std::string MakePng(size_t target) {
  std::string out("\x89PNG\r\n\x1a\n", 8);
  PngChunk(out, "IHDR", std::string("\x00\x00\x10\x00\x00\x00\x10\x00\x08\x02\x00\x00\x00", 13));
  PngChunk(out, "tEXt", std::string("Author\0Zhang San 13812345678", 28));
  std::mt19937_64 rng(7);
  while (out.size() < target) {
    std::string idat(64 * 1024, '\0');
    for (size_t i = 0; i + 8 <= idat.size(); i += 8) {
      uint64_t r = rng();
      std::memcpy(&idat[i], &r, 8);
    }
    PngChunk(out, "IDAT", idat);
  }
  PngChunk(out, "IEND", "");
  return out;
}

const std::string& Input(int which) {
  static const std::string* inputs[4] = {
      new std::string(MakeJpeg(20u << 20)), new std::string(MakeJpeg(200u << 10)),
      new std::string(MakePng(20u << 20)), new std::string(MakePng(200u << 10))};
  return *inputs[which];
}

enum { kJpeg20M, kJpeg200K, kPng20M, kPng200K };

void BM_Memcpy(benchmark::State& state) {
  const std::string& in = Input(static_cast<int>(state.range(0)));
  std::string dst(in.size(), '\0');
  for (auto _ : state) {
    std::memcpy(dst.data(), in.data(), in.size());
    benchmark::DoNotOptimize(dst.data());
    benchmark::ClobberMemory();
  }
  state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(in.size()));
}
BENCHMARK(BM_Memcpy)->Arg(kJpeg20M)->Arg(kJpeg200K)->Arg(kPng20M)->Arg(kPng200K);

// A fresh std::string copy (allocation + memcpy): what any scrub returning a
// new buffer pays at least.
void BM_StringCopy(benchmark::State& state) {
  const std::string& in = Input(static_cast<int>(state.range(0)));
  for (auto _ : state) {
    std::string copy(in);
    benchmark::DoNotOptimize(copy.data());
  }
  state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(in.size()));
}
BENCHMARK(BM_StringCopy)->Arg(kJpeg20M)->Arg(kJpeg200K)->Arg(kPng20M)->Arg(kPng200K);

void BM_Scrub(benchmark::State& state) {
  const std::string& in = Input(static_cast<int>(state.range(0)));
  if (in.empty()) return state.SkipWithError("test image missing");
  {
    absl::StatusOr<std::string> probe = piivault::ScrubImage(in);
    if (!probe.ok()) return state.SkipWithError(std::string(probe.status().message()).c_str());
  }
  for (auto _ : state) {
    absl::StatusOr<std::string> out = piivault::ScrubImage(in);
    benchmark::DoNotOptimize(out);
  }
  state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(in.size()));
}
BENCHMARK(BM_Scrub)->Arg(kJpeg20M)->Arg(kJpeg200K)->Arg(kPng20M)->Arg(kPng200K);

void BM_ScrubStream(benchmark::State& state) {
  const std::string& in = Input(static_cast<int>(state.range(0)));
  if (in.empty()) return state.SkipWithError("test image missing");
  for (auto _ : state) {
    std::istringstream is(in);
    std::ostringstream os;
    absl::Status s = piivault::ScrubImageStream(is, os);
    if (!s.ok()) return state.SkipWithError(std::string(s.message()).c_str());
    benchmark::DoNotOptimize(os);
  }
  state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(in.size()));
}
BENCHMARK(BM_ScrubStream)->Arg(kJpeg20M)->Arg(kPng20M);

// Per-file latency on the real 162 KB camera JPEG (Exif+GPS+MakerNote+thumbnail+XMP).
void BM_ScrubRealJpeg(benchmark::State& state) {
  const std::string& in = RealJpeg();
  if (in.empty()) return state.SkipWithError("test image missing");
  for (auto _ : state) {
    absl::StatusOr<std::string> out = piivault::ScrubImage(in);
    benchmark::DoNotOptimize(out);
  }
  state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(in.size()));
}
BENCHMARK(BM_ScrubRealJpeg);

void BM_ScanRealJpeg(benchmark::State& state) {
  const std::string& in = RealJpeg();
  absl::StatusOr<piivault::ImageScanner> scanner = piivault::ImageScanner::Create({});
  if (!scanner.ok()) return state.SkipWithError("scanner failed to load");
  for (auto _ : state) {
    absl::StatusOr<piivault::ImageReport> r = scanner->Scan(in);
    benchmark::DoNotOptimize(r);
  }
  state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(in.size()));
}
BENCHMARK(BM_ScanRealJpeg);

}  // namespace

BENCHMARK_MAIN();
