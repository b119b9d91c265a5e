// Redaction of named string fields inside one JSON record.
//
// simdjson validates the record (grammar and UTF-8). It does not report where
// in the input a string value lies, and we must splice replacements into the
// original bytes so that everything else stays exactly as it was (including
// the record's own choice of \u escapes), so a small scanner below walks the
// already-validated record, follows the requested paths, and decodes each
// selected string while recording, for every decoded byte, which raw escape
// unit it came from. Replacements are computed on the decoded text and
// re-encoded as JSON; untouched parts of a string keep their original bytes.
#include <simdjson.h>

#include <algorithm>
#include <cstring>
#include <string>
#include <vector>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif
#if defined(__x86_64__)
#include <immintrin.h>
#endif

#include "absl/container/inlined_vector.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "common/status_macros.h"
#include "piivault/redactor.h"
#include "redact/redactor_internal.h"

namespace piivault {
namespace redact_internal {

bool Hex4(std::string_view raw, size_t i, uint32_t* v) {
  if (i + 4 > raw.size()) return false;
  *v = 0;
  for (size_t k = i; k < i + 4; ++k) {
    char c = raw[k];
    int d = (c >= '0' && c <= '9') ? c - '0' : (c >= 'a' && c <= 'f') ? c - 'a' + 10
            : (c >= 'A' && c <= 'F') ? c - 'A' + 10 : -1;
    if (d < 0) return false;
    *v = *v * 16 + static_cast<uint32_t>(d);
  }
  return true;
}

namespace {

struct Step {
  bool each = false;  // [] : every array element
  std::string key;    // object member name
};
using Path = std::vector<Step>;

absl::StatusOr<Path> ParsePath(std::string_view path) {
  if (path.empty()) return absl::InvalidArgumentError("field path is empty");
  Path out;
  for (absl::string_view seg_view : absl::StrSplit(absl::string_view(path.data(), path.size()), '.')) {
    std::string_view seg(seg_view.data(), seg_view.size());
    size_t brackets = 0;
    while (seg.size() >= 2 && seg.substr(seg.size() - 2) == "[]") {
      seg.remove_suffix(2);
      ++brackets;
    }
    if (seg.find_first_of("[]") != std::string_view::npos)
      return absl::InvalidArgumentError(absl::StrCat(
          "field path \"", std::string(path), "\": use name, name[] or a.b[].c"));
    if (seg.empty() && !(out.empty() && brackets > 0))
      return absl::InvalidArgumentError(
          absl::StrCat("field path \"", std::string(path), "\" has an empty segment"));
    if (!seg.empty()) out.push_back({false, std::string(seg)});
    for (size_t i = 0; i < brackets; ++i) out.push_back({true, ""});
  }
  return out;
}

// The first '"' or '\\' in p[0, n), or n. String bodies are most of a
// record's bytes: 16 at a time.
size_t FindQuoteOrBackslash(const char* p, size_t n) {
  size_t i = 0;
#if defined(__SSE2__)
  const __m128i quote = _mm_set1_epi8('"'), backslash = _mm_set1_epi8('\\');
  for (; i + 16 <= n; i += 16) {
    const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + i));
    const int m = _mm_movemask_epi8(
        _mm_or_si128(_mm_cmpeq_epi8(v, quote), _mm_cmpeq_epi8(v, backslash)));
    if (m != 0) return i + static_cast<size_t>(__builtin_ctz(static_cast<unsigned>(m)));
  }
#endif
  for (; i < n; ++i)
    if (p[i] == '"' || p[i] == '\\') return i;
  return n;
}

void AppendUtf8(uint32_t cp, std::string* out) {
  char buf[4];
  size_t n;
  if (cp < 0x80) {
    buf[0] = static_cast<char>(cp);
    n = 1;
  } else if (cp < 0x800) {
    buf[0] = static_cast<char>(0xC0 | (cp >> 6));
    buf[1] = static_cast<char>(0x80 | (cp & 0x3F));
    n = 2;
  } else if (cp < 0x10000) {
    buf[0] = static_cast<char>(0xE0 | (cp >> 12));
    buf[1] = static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    buf[2] = static_cast<char>(0x80 | (cp & 0x3F));
    n = 3;
  } else {
    buf[0] = static_cast<char>(0xF0 | (cp >> 18));
    buf[1] = static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    buf[2] = static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    buf[3] = static_cast<char>(0x80 | (cp & 0x3F));
    n = 4;
  }
  out->append(buf, n);
}

// The character a two-byte escape "\\c" stands for, or 0 if `c` makes no
// such escape ('u' begins a \\uXXXX one; anything else is an error).
inline char SimpleEscape(char c) {
  switch (c) {
    case '"': return '"';
    case '\\': return '\\';
    case '/': return '/';
    case 'b': return '\b';
    case 'f': return '\f';
    case 'n': return '\n';
    case 'r': return '\r';
    case 't': return '\t';
    default: return 0;
  }
}

// Decodes the escape at raw[i] ('\\'), appends its UTF-8 to *out and sets
// *len to its length in `raw` (2, 6, or 12 for a surrogate pair).
absl::Status DecodeEscape(std::string_view raw, size_t i, std::string* out, size_t* len) {
  if (i + 1 >= raw.size()) return absl::InvalidArgumentError("truncated escape in a JSON string");
  const char simple = SimpleEscape(raw[i + 1]);
  if (simple == 0 && raw[i + 1] != 'u') return absl::InvalidArgumentError("bad escape in a JSON string");
  if (simple != 0) {
    out->push_back(simple);
    *len = 2;
    return absl::OkStatus();
  }
  uint32_t cp;
  if (!Hex4(raw, i + 2, &cp)) return absl::InvalidArgumentError("bad \\u escape in a JSON string");
  *len = 6;
  if (cp >= 0xD800 && cp <= 0xDBFF) {
    uint32_t lo;
    if (i + 12 > raw.size() || raw[i + 6] != '\\' || raw[i + 7] != 'u' || !Hex4(raw, i + 8, &lo) ||
        lo < 0xDC00 || lo > 0xDFFF)
      return absl::InvalidArgumentError(
          absl::StrCat("unpaired \\u surrogate in a JSON string at byte ", i));
    cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
    *len = 12;
  } else if (cp >= 0xDC00 && cp <= 0xDFFF) {
    return absl::InvalidArgumentError(
        absl::StrCat("unpaired \\u surrogate in a JSON string at byte ", i));
  }
  AppendUtf8(cp, out);
  return absl::OkStatus();
}

class Scanner {
 public:
  Scanner(std::string_view json, const std::vector<Path>& paths) : s_(json), paths_(paths) {}

  absl::Status Run(std::vector<StringRange>* out) {
    out_ = out;
    Active active;
    for (size_t i = 0; i < paths_.size(); ++i) active.push_back({i, 0});
    SkipWs();
    PIIVAULT_RETURN_IF_ERROR(Value(active, 0));
    return absl::OkStatus();
  }

 private:
  // (path index, steps of it matched so far); no allocation for a few paths.
  using Active = absl::InlinedVector<std::pair<size_t, size_t>, 4>;

  absl::Status Bad(std::string_view what) const {
    return absl::InvalidArgumentError(absl::StrCat("malformed JSON at byte ", pos_, ": ", std::string(what)));
  }
  void SkipWs() {
    while (pos_ < s_.size() && (s_[pos_] == ' ' || s_[pos_] == '\t' || s_[pos_] == '\n' || s_[pos_] == '\r'))
      ++pos_;
  }
  // pos_ at the opening quote; leaves pos_ after the closing quote.
  absl::Status SkipString(StringRange* range) {
    size_t start = ++pos_;
    bool escaped = false;
    while (pos_ < s_.size()) {
      pos_ += FindQuoteOrBackslash(s_.data() + pos_, s_.size() - pos_);
      if (pos_ >= s_.size()) break;
      if (s_[pos_] == '\\') {
        escaped = true;
        pos_ += 2;
        continue;
      }
      if (range != nullptr) *range = {start, pos_, escaped};
      ++pos_;
      return absl::OkStatus();
    }
    pos_ = s_.size();
    return Bad("unterminated string");
  }
  absl::Status SkipValue() {
    int depth = 0;
    do {
      SkipWs();
      if (pos_ >= s_.size()) return Bad("unexpected end");
      char c = s_[pos_];
      if (c == '"') {
        PIIVAULT_RETURN_IF_ERROR(SkipString(nullptr));
      } else if (c == '{' || c == '[') {
        ++depth;
        ++pos_;
      } else if (c == '}' || c == ']') {
        --depth;
        ++pos_;
      } else if (c == ',' || c == ':') {
        ++pos_;
      } else {
        while (pos_ < s_.size() && s_[pos_] != ',' && s_[pos_] != '}' && s_[pos_] != ']' &&
               s_[pos_] != ' ' && s_[pos_] != '\t' && s_[pos_] != '\n' && s_[pos_] != '\r')
          ++pos_;
      }
    } while (depth > 0);
    return absl::OkStatus();
  }
  absl::Status Value(const Active& active, int depth) {
    if (active.empty() || depth > 64) return SkipValue();
    SkipWs();
    if (pos_ >= s_.size()) return Bad("unexpected end");
    char c = s_[pos_];
    if (c == '"') {
      StringRange r;
      PIIVAULT_RETURN_IF_ERROR(SkipString(&r));
      for (const auto& [p, step] : active) {
        if (step == paths_[p].size()) {
          out_->push_back(r);
          break;
        }
      }
      return absl::OkStatus();
    }
    if (c == '{') {
      ++pos_;
      SkipWs();
      if (pos_ < s_.size() && s_[pos_] == '}') {
        ++pos_;
        return absl::OkStatus();
      }
      while (true) {
        SkipWs();
        if (pos_ >= s_.size() || s_[pos_] != '"') return Bad("expected a member name");
        StringRange kr;
        PIIVAULT_RETURN_IF_ERROR(SkipString(&kr));
        // A member name without escapes is compared as it stands.
        std::string_view key = s_.substr(kr.begin, kr.end - kr.begin);
        if (kr.escaped) {
          PIIVAULT_RETURN_IF_ERROR(DecodeJsonString(key, &key_buf_, nullptr));
          key = key_buf_;
        }
        Active next;
        for (const auto& [p, step] : active)
          if (step < paths_[p].size() && !paths_[p][step].each && paths_[p][step].key == key)
            next.push_back({p, step + 1});
        SkipWs();
        if (pos_ >= s_.size() || s_[pos_] != ':') return Bad("expected ':'");
        ++pos_;
        PIIVAULT_RETURN_IF_ERROR(Value(next, depth + 1));
        SkipWs();
        if (pos_ < s_.size() && s_[pos_] == ',') {
          ++pos_;
          continue;
        }
        if (pos_ < s_.size() && s_[pos_] == '}') {
          ++pos_;
          return absl::OkStatus();
        }
        return Bad("expected ',' or '}'");
      }
    }
    if (c == '[') {
      ++pos_;
      Active next;
      for (const auto& [p, step] : active)
        if (step < paths_[p].size() && paths_[p][step].each) next.push_back({p, step + 1});
      SkipWs();
      if (pos_ < s_.size() && s_[pos_] == ']') {
        ++pos_;
        return absl::OkStatus();
      }
      while (true) {
        PIIVAULT_RETURN_IF_ERROR(Value(next, depth + 1));
        SkipWs();
        if (pos_ < s_.size() && s_[pos_] == ',') {
          ++pos_;
          continue;
        }
        if (pos_ < s_.size() && s_[pos_] == ']') {
          ++pos_;
          return absl::OkStatus();
        }
        return Bad("expected ',' or ']'");
      }
    }
    return SkipValue();
  }

 public:
  // Decodes a JSON string body. unit_start (if not null) gets, for each
  // decoded byte, the offset in `raw` of the escape or byte it came from, plus
  // a final entry raw.size().
  static absl::Status DecodeJsonString(std::string_view raw, std::string* out,
                                       std::vector<uint32_t>* unit_start) {
    out->clear();
    if (unit_start) unit_start->clear();
    for (size_t i = 0; i < raw.size();) {
      char c = raw[i];
      if (c != '\\') {
        out->push_back(c);
        if (unit_start) unit_start->push_back(static_cast<uint32_t>(i));
        ++i;
        continue;
      }
      const size_t before = out->size();
      size_t len;
      PIIVAULT_RETURN_IF_ERROR(DecodeEscape(raw, i, out, &len));
      if (unit_start) unit_start->insert(unit_start->end(), out->size() - before, static_cast<uint32_t>(i));
      i += len;
    }
    if (unit_start) unit_start->push_back(static_cast<uint32_t>(raw.size()));
    return absl::OkStatus();
  }

 private:
  std::string_view s_;
  const std::vector<Path>& paths_;
  size_t pos_ = 0;
  std::vector<StringRange>* out_ = nullptr;
  std::string key_buf_;  // an escaped member name, decoded
};

}  // namespace

void AppendJsonEscaped(std::string_view s, std::string* out) {
  static constexpr char kHex[] = "0123456789abcdef";
  size_t run = 0;  // start of the bytes not yet appended
  for (size_t i = 0; i < s.size(); ++i) {
    const unsigned char u = static_cast<unsigned char>(s[i]);
    if (u >= 0x20 && u != '"' && u != '\\') continue;
    out->append(s.data() + run, i - run);
    run = i + 1;
    switch (u) {
      case '"': out->append("\\\""); break;
      case '\\': out->append("\\\\"); break;
      case '\n': out->append("\\n"); break;
      case '\r': out->append("\\r"); break;
      case '\t': out->append("\\t"); break;
      case '\b': out->append("\\b"); break;
      case '\f': out->append("\\f"); break;
      default: {
        const char esc[6] = {'\\', 'u', '0', '0', kHex[u >> 4], kHex[u & 15]};
        out->append(esc, sizeof esc);
      }
    }
  }
  out->append(s.data() + run, s.size() - run);
}

std::string JsonEscape(std::string_view s) {
  std::string out;
  out.reserve(s.size() + 8);
  AppendJsonEscaped(s, &out);
  return out;
}

// Exposed for tests: decodes a JSON string body (without quotes).
absl::StatusOr<std::string> DecodeJsonStringForTest(std::string_view raw) {
  std::string out;
  PIIVAULT_RETURN_IF_ERROR(Scanner::DecodeJsonString(raw, &out, nullptr));
  return out;
}

}  // namespace redact_internal

absl::Status Redactor::ValidateFieldPath(std::string_view path) {
  return redact_internal::ParsePath(path).status();
}

namespace redact_internal {

namespace {

// Parsed paths, cached per thread: the CLI passes the same fields for every
// record. A path's step k applies to a value at depth k (each object member
// or array element is one step and one level down), so the StrictWalker
// tracks the paths that reach a value as a bit set, tested against these
// per-depth masks.
struct CompiledPaths {
  static constexpr int kMaxDepth = 64;  // StrictWalker's limit
  std::vector<Path> paths;
  bool maskable = false;  // at most 64 paths: the masks below are valid
  uint64_t all = 0;       // every path
  uint64_t done[kMaxDepth + 1] = {};  // paths complete at depth d
  uint64_t key[kMaxDepth + 1] = {};   // paths whose step d is a member name
  uint64_t each[kMaxDepth + 1] = {};  // paths whose step d is [] (every element)
};

absl::StatusOr<const CompiledPaths*> CachedCompiledPaths(const std::vector<std::string>& fields) {
  thread_local std::vector<std::string> cached_fields;
  thread_local CompiledPaths compiled;
  thread_local bool valid = false;
  if (!valid || cached_fields != fields) {
    valid = false;
    std::vector<Path> parsed;
    for (const std::string& f : fields) {
      PIIVAULT_ASSIGN_OR_RETURN(Path p, ParsePath(f));
      parsed.push_back(std::move(p));
    }
    CompiledPaths c;
    c.maskable = parsed.size() <= 64;
    for (size_t p = 0; c.maskable && p < parsed.size(); ++p) {
      const uint64_t bit = uint64_t{1} << p;
      c.all |= bit;
      const Path& path = parsed[p];
      if (path.size() <= CompiledPaths::kMaxDepth) c.done[path.size()] |= bit;
      for (size_t d = 0; d < path.size() && d <= CompiledPaths::kMaxDepth; ++d)
        (path[d].each ? c.each[d] : c.key[d]) |= bit;
    }
    c.paths = std::move(parsed);
    compiled = std::move(c);
    cached_fields = fields;
    valid = true;
  }
  return &compiled;
}

absl::StatusOr<const std::vector<Path>*> CachedPaths(const std::vector<std::string>& fields) {
  PIIVAULT_ASSIGN_OR_RETURN(const CompiledPaths* c, CachedCompiledPaths(fields));
  return &c->paths;
}

// Marks, one bit per byte of `s` (bit i of word i / 64), every '"', '\\'
// and control character (< 0x20, never allowed raw in a JSON string): the
// bytes where a string body can end or needs a look. One vector pass per
// record; the walker then finds the end of each string with a bit scan
// instead of a search per string (records hold many short strings: keys,
// roles, labels). Bits past the end are 0.
void MarkStringSpecialsScalar(const char* p, size_t from, size_t n, uint64_t* bits) {
  for (size_t i = from; i < n; ++i) {
    const unsigned char c = static_cast<unsigned char>(p[i]);
    if (c == '"' || c == '\\' || c < 0x20) bits[i >> 6] |= uint64_t{1} << (i & 63);
  }
}

void MarkStringSpecialsSse(const char* p, size_t n, uint64_t* bits) {
  size_t i = 0;
#if defined(__SSE2__)
  const __m128i quote = _mm_set1_epi8('"'), backslash = _mm_set1_epi8('\\');
  const __m128i c1f = _mm_set1_epi8(0x1F);
  for (; i + 16 <= n; i += 16) {
    const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + i));
    const __m128i control = _mm_cmpeq_epi8(_mm_min_epu8(v, c1f), v);  // v <= 0x1F
    const uint64_t m = static_cast<uint32_t>(_mm_movemask_epi8(_mm_or_si128(
        _mm_or_si128(_mm_cmpeq_epi8(v, quote), _mm_cmpeq_epi8(v, backslash)), control)));
    bits[i >> 6] |= m << (i & 63);
  }
#endif
  MarkStringSpecialsScalar(p, i, n, bits);
}

#if defined(__x86_64__)
// UTF-8 validation on the marking pass's loads, the same check as
// simdjson::validate_utf8 (the "lookup" algorithm of Keiser & Lemire,
// "Validating UTF-8 in less than one instruction per byte", 2021) without a
// second pass over the record: three nibble lookups flag the bad pairs of
// adjacent bytes, and the bytes two and three back say where a third or
// fourth byte of a sequence must be.
struct Utf8State {
  __m256i error;            // non-zero once a byte is wrong
  __m256i prev;             // the previous 32 bytes
  __m256i prev_incomplete;  // non-zero if they end inside a sequence
};

// in[i - N], reaching into `prev` for i < N.
template <int N>
__attribute__((target("avx2"))) inline __m256i BytesBack(__m256i in, __m256i prev) {
  return _mm256_alignr_epi8(in, _mm256_permute2x128_si256(prev, in, 0x21), 16 - N);
}

// Error classes of a pair of adjacent bytes (byte 1, byte 2), for the UTF-8
// check: three tables give the classes each nibble allows, and a pair is bad
// if all three agree on one.
namespace utf8_pairs {
constexpr uint8_t kTooShort = 1 << 0;  // lead, then no continuation
constexpr uint8_t kTooLong = 1 << 1;   // ASCII, then a continuation
constexpr uint8_t kOverlong3 = 1 << 2;
constexpr uint8_t kTooLarge = 1 << 3;
constexpr uint8_t kSurrogate = 1 << 4;
constexpr uint8_t kOverlong2 = 1 << 5;
constexpr uint8_t kTooLarge1000 = 1 << 6;
constexpr uint8_t kOverlong4 = 1 << 6;
constexpr uint8_t kTwoConts = 1 << 7;  // continuation, continuation
constexpr uint8_t kCarry = kTooShort | kTooLong | kTwoConts;  // byte 1's low nibble irrelevant
constexpr uint8_t kBig = kCarry | kTooLarge | kTooLarge1000;
constexpr uint8_t kByte1High[16] = {
    kTooLong, kTooLong, kTooLong, kTooLong, kTooLong, kTooLong, kTooLong, kTooLong,
    kTwoConts, kTwoConts, kTwoConts, kTwoConts, kTooShort | kOverlong2, kTooShort,
    kTooShort | kOverlong3 | kSurrogate, kTooShort | kTooLarge | kTooLarge1000 | kOverlong4};
constexpr uint8_t kByte1Low[16] = {
    kCarry | kOverlong3 | kOverlong2 | kOverlong4, kCarry | kOverlong2, kCarry, kCarry,
    kCarry | kTooLarge, kBig, kBig, kBig, kBig, kBig, kBig, kBig, kBig, kBig | kSurrogate, kBig,
    kBig};
constexpr uint8_t kByte2High[16] = {
    kTooShort, kTooShort, kTooShort, kTooShort, kTooShort, kTooShort, kTooShort, kTooShort,
    kTooLong | kOverlong2 | kTwoConts | kOverlong3 | kTooLarge1000 | kOverlong4,
    kTooLong | kOverlong2 | kTwoConts | kOverlong3 | kTooLarge,
    kTooLong | kOverlong2 | kTwoConts | kSurrogate | kTooLarge,
    kTooLong | kOverlong2 | kTwoConts | kSurrogate | kTooLarge,
    kTooShort, kTooShort, kTooShort, kTooShort};
}  // namespace utf8_pairs

// The marking's and the UTF-8 check's constants, made once per record. Each
// goes through an empty asm, so that the compiler holds it as a value (in a
// register, or spilled and read back as a memory operand) instead of
// rebuilding it with two or three instructions at every use in the loop.
struct SimdConsts {
  __m256i quote, backslash, control_max;
  __m256i byte1_high, byte1_low, byte2_high, low_nibble;
  __m256i third_from;   // 0xE0 - 0x80: a saturating subtract leaves >= 0x80 exactly from E0-FF
  __m256i fourth_from;  // 0xF0 - 0x80: likewise from F0-FF
  __m256i high_bit;
  // Above these, the last three bytes leave a sequence unfinished: a lead
  // last, a 3- or 4-byte lead one before, a 4-byte lead two before.
  __m256i max_at_end;
};

__attribute__((target("avx2"))) inline __m256i Opaque(__m256i v) {
  __asm__("" : "+x"(v));
  return v;
}

__attribute__((target("avx2"))) inline __m256i Table16(const uint8_t* table) {  // in both lanes
  const __m128i t = _mm_loadu_si128(reinterpret_cast<const __m128i*>(table));
  return Opaque(_mm256_broadcastsi128_si256(t));
}

__attribute__((target("avx2"))) inline SimdConsts LoadSimdConsts() {
  const auto splat = [](int c) { return static_cast<char>(c); };
  SimdConsts k;
  k.quote = Opaque(_mm256_set1_epi8('"'));
  k.backslash = Opaque(_mm256_set1_epi8('\\'));
  k.control_max = Opaque(_mm256_set1_epi8(0x1F));
  k.byte1_high = Table16(utf8_pairs::kByte1High);
  k.byte1_low = Table16(utf8_pairs::kByte1Low);
  k.byte2_high = Table16(utf8_pairs::kByte2High);
  k.low_nibble = Opaque(_mm256_set1_epi8(0x0F));
  k.third_from = Opaque(_mm256_set1_epi8(splat(0xE0 - 0x80)));
  k.fourth_from = Opaque(_mm256_set1_epi8(splat(0xF0 - 0x80)));
  k.high_bit = Opaque(_mm256_set1_epi8(splat(0x80)));
  k.max_at_end = Opaque(_mm256_setr_epi8(
      -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
      -1, -1, -1, -1, -1, -1, -1, splat(0xF0 - 1), splat(0xE0 - 1), splat(0xC0 - 1)));
  return k;
}

__attribute__((target("avx2"))) inline uint64_t StringSpecials32(__m256i v, const SimdConsts& k) {
  const __m256i control = _mm256_cmpeq_epi8(_mm256_min_epu8(v, k.control_max), v);  // v <= 0x1F
  return static_cast<uint32_t>(_mm256_movemask_epi8(_mm256_or_si256(
      _mm256_or_si256(_mm256_cmpeq_epi8(v, k.quote), _mm256_cmpeq_epi8(v, k.backslash)), control)));
}

__attribute__((target("avx2"))) inline void CheckUtf8(__m256i in, const SimdConsts& k,
                                                      Utf8State* st) {
  if (_mm256_movemask_epi8(in) == 0) {  // ASCII: wrong only after an unfinished sequence
    st->error = _mm256_or_si256(st->error, st->prev_incomplete);
    st->prev_incomplete = _mm256_setzero_si256();
    st->prev = in;
    return;
  }
  const __m256i prev1 = BytesBack<1>(in, st->prev);
  const __m256i prev1_high = _mm256_and_si256(_mm256_srli_epi16(prev1, 4), k.low_nibble);
  const __m256i in_high = _mm256_and_si256(_mm256_srli_epi16(in, 4), k.low_nibble);
  const __m256i pairs = _mm256_and_si256(
      _mm256_and_si256(_mm256_shuffle_epi8(k.byte1_high, prev1_high),
                       _mm256_shuffle_epi8(k.byte1_low, _mm256_and_si256(prev1, k.low_nibble))),
      _mm256_shuffle_epi8(k.byte2_high, in_high));
  // Third bytes (two after an E0-FF lead) and fourth bytes (three after
  // F0-FF) must be continuations: the pair check says kTwoConts there and
  // only there, so its high bit must be set exactly where these are.
  const __m256i third = _mm256_subs_epu8(BytesBack<2>(in, st->prev), k.third_from);
  const __m256i fourth = _mm256_subs_epu8(BytesBack<3>(in, st->prev), k.fourth_from);
  const __m256i must_cont = _mm256_and_si256(_mm256_or_si256(third, fourth), k.high_bit);
  st->error = _mm256_or_si256(st->error, _mm256_xor_si256(must_cont, pairs));
  st->prev_incomplete = _mm256_subs_epu8(in, k.max_at_end);
  st->prev = in;
}

// One 64-byte block: its marks, and its bytes through the UTF-8 check.
__attribute__((target("avx2"))) inline uint64_t MarkBlock64(const char* p, const SimdConsts& k,
                                                             Utf8State* st) {
  const __m256i lo = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p));
  const __m256i hi = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p + 32));
  CheckUtf8(lo, k, st);
  CheckUtf8(hi, k, st);
  return StringSpecials32(lo, k) | (StringSpecials32(hi, k) << 32);
}

// Writes every word of bits[0, n / 64 + 1); returns whether p[0, n) is valid
// UTF-8.
__attribute__((target("avx2"))) bool MarkStringSpecialsAvx2(const char* p, size_t n, uint64_t* bits) {
  const SimdConsts k = LoadSimdConsts();
  Utf8State st = {_mm256_setzero_si256(), _mm256_setzero_si256(), _mm256_setzero_si256()};
  size_t i = 0;
  for (; i + 64 <= n; i += 64) bits[i >> 6] = MarkBlock64(p + i, k, &st);
  // The last n - i (< 64) bytes as one more block, padded with spaces (never
  // marked, and ASCII: an unfinished last sequence shows as one): most
  // records are short, and a 16-byte and a scalar tail cost more than the
  // block.
  char tail[64];
  std::memset(tail, ' ', sizeof tail);
  std::memcpy(tail, p + i, n - i);
  bits[i >> 6] = MarkBlock64(tail, k, &st);
  const __m256i error = _mm256_or_si256(st.error, st.prev_incomplete);
  return _mm256_testz_si256(error, error) != 0;
}
#endif

// Marks the string specials of `s` into *bits (see above) and returns whether
// `s` is valid UTF-8 (simdjson::validate_utf8's answer); when it is not, the
// marks are unspecified.
bool MarkStringSpecialsCheckUtf8(std::string_view s, std::vector<uint64_t>* bits) {
#if defined(__x86_64__)
  static const bool kHaveAvx2 = __builtin_cpu_supports("avx2");
  if (kHaveAvx2) {
    bits->resize(s.size() / 64 + 1);  // no zeroing: every word is written
    return MarkStringSpecialsAvx2(s.data(), s.size(), bits->data());
  }
#endif
  if (!simdjson::validate_utf8(s.data(), s.size())) return false;
  bits->assign(s.size() / 64 + 1, 0);
  MarkStringSpecialsSse(s.data(), s.size(), bits->data());
  return true;
}

// The first position in [pos, limit) marked in `bits` (the string-special marks of
// a buffer of at least `limit` bytes), or limit. REQUIRES: pos < limit.
inline __attribute__((always_inline)) size_t NextMarked(const uint64_t* bits, size_t pos,
                                                        size_t limit) {
  size_t w = pos >> 6;
  uint64_t m = bits[w] & (~uint64_t{0} << (pos & 63));
  while (m == 0) {
    if ((++w << 6) >= limit) return limit;
    m = bits[w];
  }
  return std::min(limit, (w << 6) + static_cast<size_t>(__builtin_ctzll(m)));
}

// The walker's per-token steps, inlined into its loop (calls were a third of
// the cost of a short string or member name).
#define PIIVAULT_WALK_INLINE inline __attribute__((always_inline))

// One pass that both checks the record and lists the field strings, for the
// records it can vouch for: an object or array root, at most 64 levels deep,
// numbers without exponent and with at most 18 digits (19 with a fraction),
// \u surrogates only in pairs, valid UTF-8 (checked beforehand), at most 64
// field paths. Every record it accepts is one simdjson accepts too (a strict
// subset of what simdjson's DOM parser takes), and its string list is the
// Scanner's. Anything else -- malformed records included -- returns false and
// goes the simdjson way, which decides and words the error exactly as before.

class StrictWalker {
 public:
  // `specials`: the marks of MarkStringSpecialsCheckUtf8(json).
  StrictWalker(std::string_view json, const CompiledPaths& paths,
               const std::vector<uint64_t>& specials, std::vector<StringRange>* out)
      : s_(json), paths_(paths), specials_(specials.data()), out_(out) {}

  bool Run() {
    if (!paths_.maskable) return false;
    // A record it accepts ends with the root's closing bracket and perhaps
    // whitespace. Cut the whitespace and demand the bracket: then every byte
    // the walk reads lies at or before that last byte (whitespace runs,
    // numbers and literals stop at it; strings, ':' and ',' come before it),
    // so reads need no bound check, except after a closing bracket (the last
    // byte may close an inner container) and inside strings.
    size_t end = s_.size();
    while (end > 0 && IsWs(s_[end - 1])) --end;
    if (end == 0 || (s_[end - 1] != '}' && s_[end - 1] != ']')) return false;
    s_ = s_.substr(0, end);
    Ws();
    if (s_[pos_] != '{' && s_[pos_] != '[') return false;
    return Walk() && pos_ == s_.size();
  }

 private:
  static bool IsWs(char c) {
    return static_cast<unsigned char>(c) <= ' ' && (c == ' ' || c == '\t' || c == '\n' || c == '\r');
  }
  PIIVAULT_WALK_INLINE void Ws() {
    while (IsWs(s_[pos_])) ++pos_;  // stops at the last byte at the latest
  }
  bool HexAt(size_t i, uint32_t* v) const { return Hex4(s_, i, v); }
  // Replaces an escaped member name by its decoded text (until the next
  // call). Rare, so out of line: the walker's hot path then touches no
  // thread_local, and the walker's address never escapes (its position
  // stays in a register).
  __attribute__((noinline)) static bool DecodeKey(std::string_view* key) {
    thread_local std::string decoded;
    if (!Scanner::DecodeJsonString(*key, &decoded, nullptr).ok()) return false;
    *key = decoded;
    return true;
  }
  // The first marked byte at or after `pos`, or s_.size().
  PIIVAULT_WALK_INLINE size_t NextSpecial(size_t pos) const {
    return NextMarked(specials_, pos, s_.size());
  }
  // pos_ at the opening quote; leaves pos_ after the closing quote.
  PIIVAULT_WALK_INLINE bool String(StringRange* range) {
    const size_t start = ++pos_;
    bool escaped = false;
    while (true) {
      pos_ = NextSpecial(pos_);
      if (pos_ >= s_.size()) return false;
      const char c = s_[pos_];
      if (c == '"') break;
      if (c != '\\' || pos_ + 1 >= s_.size()) return false;  // a control character
      escaped = true;
      switch (s_[pos_ + 1]) {
        case '"': case '\\': case '/': case 'b': case 'f': case 'n': case 'r': case 't':
          pos_ += 2;
          continue;
        case 'u': {
          uint32_t cp, lo;
          if (!HexAt(pos_ + 2, &cp)) return false;
          if (cp >= 0xDC00 && cp <= 0xDFFF) return false;
          if (cp >= 0xD800 && cp <= 0xDBFF) {
            if (pos_ + 12 > s_.size() || s_[pos_ + 6] != '\\' || s_[pos_ + 7] != 'u' ||
                !HexAt(pos_ + 8, &lo) || lo < 0xDC00 || lo > 0xDFFF)
              return false;
            pos_ += 12;
          } else {
            pos_ += 6;
          }
          continue;
        }
        default:
          return false;
      }
    }
    *range = {start, pos_, escaped};
    ++pos_;
    return true;
  }
  // What may follow a number or literal here.
  bool AtomEnd() const {
    const char c = s_[pos_];
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == ',' || c == ']' || c == '}';
  }
  bool Number() {
    size_t p = pos_;
    if (s_[p] == '-') ++p;
    size_t digits = 0;
    if (s_[p] == '0') {
      ++p;
      ++digits;
    } else {
      while (s_[p] >= '0' && s_[p] <= '9') ++p, ++digits;
      if (digits == 0) return false;
    }
    bool fraction = false;
    if (s_[p] == '.') {
      ++p;
      size_t frac = 0;
      while (s_[p] >= '0' && s_[p] <= '9') ++p, ++frac;
      if (frac == 0) return false;
      digits += frac;
      fraction = true;
    }
    // Integers that fit an int64 for sure, decimals simdjson's exact fast path
    // takes; beyond that its range checks decide.
    if (digits > (fraction ? 19 : 18)) return false;
    if (s_[p] == 'e' || s_[p] == 'E') return false;  // likewise
    pos_ = p;
    return AtomEnd();
  }
  bool Literal(std::string_view word) {
    if (s_.size() - pos_ < word.size() ||
        std::memcmp(s_.data() + pos_, word.data(), word.size()) != 0)
      return false;
    pos_ += word.size();
    return AtomEnd();
  }
  // A number or literal (pos_ at its first byte).
  bool Atom() {
    switch (s_[pos_]) {
      case 't': return Literal("true");
      case 'f': return Literal("false");
      case 'n': return Literal("null");
      default:
        if (s_[pos_] == '-' || (s_[pos_] >= '0' && s_[pos_] <= '9')) return Number();
        return false;
    }
  }
  // A member name and its colon (whitespace before each); returns the paths
  // (of `reach`, those reaching the object at `level`) that go on into the
  // member's value through `next`.
  PIIVAULT_WALK_INLINE bool Key(uint64_t reach, int level, uint64_t* next) {
    Ws();
    if (s_[pos_] != '"') return false;
    StringRange kr;
    if (!String(&kr)) return false;
    *next = 0;
    const uint64_t named = reach & paths_.key[level];
    if (named != 0) {
      std::string_view key(s_.data() + kr.begin, kr.end - kr.begin);
      if (kr.escaped && !DecodeKey(&key)) return false;
      for (uint64_t m = named; m != 0; m &= m - 1) {
        const int p = __builtin_ctzll(m);
        if (paths_.paths[static_cast<size_t>(p)][static_cast<size_t>(level)].key == key)
          *next |= uint64_t{1} << p;
      }
    }
    Ws();
    if (s_[pos_] != ':') return false;
    ++pos_;
    return true;
  }

  // Reads the root value and everything in it, without recursion. Each open
  // container remembers whether it is an object and which paths reach it; a
  // value at depth d is reached by `active` and listed if a path ends there.
  // Values deeper than kMaxDepth are refused (an empty container at that
  // depth is fine).
  bool Walk() {
    constexpr int kMax = CompiledPaths::kMaxDepth;
    uint64_t reach[kMax + 1];  // per open container: the paths reaching it
    uint64_t objects = 0;      // bit k: the k-th open container is an object
    int open = 0;              // open containers = depth of the next value
    uint64_t active = paths_.all;
    while (true) {
      // A value at depth `open`, reached by `active`.
      if (open > kMax) return false;
      Ws();
      const char c = s_[pos_];
      if (c == '"') {
        StringRange r;
        if (!String(&r)) return false;
        if ((active & paths_.done[open]) != 0) out_->push_back(r);
      } else if (c == '{' || c == '[') {
        ++pos_;
        Ws();
        if (s_[pos_] == (c == '{' ? '}' : ']')) {
          ++pos_;  // empty
        } else {
          if (open + 1 > kMax) return false;  // its elements would be too deep
          reach[open] = active;
          if (c == '{') {
            objects |= uint64_t{1} << open;
            if (!Key(active, open, &active)) return false;
          } else {
            objects &= ~(uint64_t{1} << open);
            active &= paths_.each[open];
          }
          ++open;
          continue;  // its first element
        }
      } else if (!Atom()) {
        return false;
      }
      // A value ended: close containers, or go on to the next element.
      while (true) {
        if (open == 0) return true;
        if (pos_ == s_.size()) return false;  // the last byte closed an inner container
        Ws();
        const int level = open - 1;
        const bool object = ((objects >> level) & 1) != 0;
        if (s_[pos_] == ',') {
          ++pos_;
          if (object) {
            if (!Key(reach[level], level, &active)) return false;
          } else {
            active = reach[level] & paths_.each[level];
          }
          break;
        }
        if (s_[pos_] != (object ? '}' : ']')) return false;
        ++pos_;
        --open;
      }
    }
  }

  std::string_view s_;
  const CompiledPaths& paths_;
  const uint64_t* specials_;
  std::vector<StringRange>* out_;
  size_t pos_ = 0;
};

#undef PIIVAULT_WALK_INLINE

// StrictFieldStrings, leaving the marks of MarkStringSpecialsCheckUtf8(record)
// in *specials.
bool StrictFieldStringsAndSpecials(std::string_view record, const std::vector<std::string>& fields,
                                   std::vector<StringRange>* ranges,
                                   std::vector<uint64_t>* specials) {
  ranges->clear();
  absl::StatusOr<const CompiledPaths*> paths = CachedCompiledPaths(fields);
  if (!paths.ok()) return false;
  if (!MarkStringSpecialsCheckUtf8(record, specials)) return false;
  if (StrictWalker(record, **paths, *specials, ranges).Run()) return true;
  ranges->clear();
  return false;
}

// FieldStrings; *specials gets the record's string-special marks when the strict
// walker decided, and is emptied when simdjson did.
absl::Status FieldStringsAndSpecials(std::string_view record,
                                     const std::vector<std::string>& fields,
                                     std::vector<StringRange>* ranges,
                                     std::vector<uint64_t>* specials) {
  if (StrictFieldStringsAndSpecials(record, fields, ranges, specials)) return absl::OkStatus();
  specials->clear();
  return SimdjsonFieldStrings(record, fields, ranges);
}

}  // namespace

bool StrictFieldStrings(std::string_view record, const std::vector<std::string>& fields,
                        std::vector<StringRange>* ranges) {
  thread_local std::vector<uint64_t> specials;
  return StrictFieldStringsAndSpecials(record, fields, ranges, &specials);
}

absl::Status SimdjsonFieldStrings(std::string_view record, const std::vector<std::string>& fields,
                                  std::vector<StringRange>* ranges) {
  ranges->clear();
  thread_local simdjson::dom::parser parser;
  simdjson::error_code err = parser.parse(record.data(), record.size(), true).error();
  if (err != simdjson::SUCCESS)
    return absl::InvalidArgumentError(
        absl::StrCat("malformed JSON record: ", simdjson::error_message(err)));
  PIIVAULT_ASSIGN_OR_RETURN(const std::vector<Path>* paths, CachedPaths(fields));
  Scanner scanner(record, *paths);
  return scanner.Run(ranges);
}

absl::Status FieldStrings(std::string_view record, const std::vector<std::string>& fields,
                          std::vector<StringRange>* ranges) {
  thread_local std::vector<uint64_t> specials;
  return FieldStringsAndSpecials(record, fields, ranges, &specials);
}

absl::Status DecodeJsonString(std::string_view raw, std::string* out,
                              std::vector<uint32_t>* unit_start) {
  return Scanner::DecodeJsonString(raw, out, unit_start);
}

}  // namespace redact_internal

namespace redact_internal {
namespace {

// Where one escape of a JSON string body sits in the raw bytes and in the
// decoded text. Between escapes the two map one to one, so a string is
// described by its escapes alone (no per-byte table).
struct EscapeUnit {
  uint32_t dec;      // offset in the decoded text
  uint32_t raw;      // offset in the raw body
  uint8_t dec_len;   // decoded bytes (1..4)
  uint8_t raw_len;   // raw bytes (2, 6 or 12)
};

// Decodes a JSON string body into *out, listing its escapes. `specials`:
// the string-special marks of the record the body begins at offset `base` of, or
// null. In a valid body the marked bytes are the escapes' backslashes and the
// characters they escape (stepped over with their escape), so the next escape
// is a bit scan away; without the marks, a memchr.
absl::Status DecodeWithEscapes(std::string_view raw, const uint64_t* specials, size_t base,
                               std::string* out, std::vector<EscapeUnit>* escapes) {
  escapes->clear();
  // Decoding never lengthens: written in place into a buffer of raw's size.
  out->resize(raw.size());
  char* const dst = out->data();
  size_t w = 0;
  std::string unicode;  // one \u escape's UTF-8 (at most 4 bytes: no allocation)
  for (size_t i = 0; i < raw.size();) {
    size_t p;
    if (specials != nullptr) {
      p = NextMarked(specials, base + i, base + raw.size()) - base;
    } else {
      const void* hit = std::memchr(raw.data() + i, '\\', raw.size() - i);
      p = hit == nullptr ? raw.size() : static_cast<const char*>(hit) - raw.data();
    }
    std::memcpy(dst + w, raw.data() + i, p - i);
    w += p - i;
    if (p == raw.size()) break;
    const char simple = p + 1 < raw.size() ? SimpleEscape(raw[p + 1]) : 0;
    if (simple != 0) {  // the usual escapes (line breaks in chat exports)
      escapes->push_back({static_cast<uint32_t>(w), static_cast<uint32_t>(p), 1, 2});
      dst[w++] = simple;
      i = p + 2;
      continue;
    }
    unicode.clear();
    size_t len;
    if (absl::Status st = DecodeEscape(raw, p, &unicode, &len); !st.ok()) {
      out->resize(w);
      return st;
    }
    escapes->push_back({static_cast<uint32_t>(w), static_cast<uint32_t>(p),
                        static_cast<uint8_t>(unicode.size()), static_cast<uint8_t>(len)});
    std::memcpy(dst + w, unicode.data(), unicode.size());
    w += unicode.size();
    i = p + len;
  }
  out->resize(w);
  return absl::OkStatus();
}

// Maps decoded offsets to the raw body, for offsets that mostly ascend (the
// ends of sorted edits): a cursor over the escapes, not a search per offset.
// An offset strictly inside an escape's decoded bytes maps to the escape's
// start (`is_end` false) or end (`is_end` true): edits always replace whole
// escapes.
class RawOffsets {
 public:
  explicit RawOffsets(const std::vector<EscapeUnit>& escapes) : escapes_(escapes) {}
  size_t Map(size_t d, bool is_end) {
    // next_: the first escape that starts after d.
    while (next_ < escapes_.size() && escapes_[next_].dec <= d) ++next_;
    while (next_ > 0 && escapes_[next_ - 1].dec > d) --next_;
    if (next_ == 0) return d;
    const EscapeUnit& e = escapes_[next_ - 1];
    if (d == e.dec) return e.raw;
    if (d < e.dec + e.dec_len) return is_end ? e.raw + e.raw_len : e.raw;
    return e.raw + e.raw_len + (d - e.dec - e.dec_len);
  }

 private:
  const std::vector<EscapeUnit>& escapes_;
  size_t next_ = 0;
};

// Reusable buffers of one thread's record redaction.
struct JsonScratch {
  bool busy = false;
  std::vector<StringRange> ranges;
  std::vector<uint64_t> specials;  // the string-special marks of the record, or empty
  std::string decoded;
  std::vector<EscapeUnit> escapes;
  std::vector<Edit> edits;
};

}  // namespace
}  // namespace redact_internal

absl::Status Redactor::Impl::RedactRecordOnce(std::string_view record,
                                              const std::vector<std::string>& fields,
                                              RedactionReport* report, std::string* out) const {
  using redact_internal::Edit;
  using redact_internal::JsonScratch;
  // Buffers are reused from record to record on each thread (a scan function
  // or tokenizer that redacts records itself gets fresh ones).
  thread_local JsonScratch tls;
  JsonScratch local_scratch;
  JsonScratch& sc = tls.busy ? local_scratch : tls;
  struct Release {
    JsonScratch* sc;
    ~Release() { sc->busy = false; }
  } release{&sc};
  sc.busy = true;

  const size_t out_start = out->size();
  auto fail = [&](absl::Status s) {
    out->resize(out_start);
    return s;
  };
  if (absl::Status s =
          redact_internal::FieldStringsAndSpecials(record, fields, &sc.ranges, &sc.specials);
      !s.ok())
    return fail(std::move(s));
  const uint64_t* const specials = sc.specials.empty() ? nullptr : sc.specials.data();

  RedactionReport* r = report;
  redact_internal::DocState doc;  // one record = one document
  size_t pos = 0;                 // record bytes before this are in *out
  for (const redact_internal::StringRange& range : sc.ranges) {
    std::string_view raw = record.substr(range.begin, range.end - range.begin);
    // Fast path: no escapes, so the decoded string is the raw bytes and
    // offsets map one to one.
    std::string_view text = raw;
    if (range.escaped) {
      if (absl::Status s = redact_internal::DecodeWithEscapes(raw, specials, range.begin,
                                                              &sc.decoded, &sc.escapes);
          !s.ok())
        return fail(std::move(s));
      text = sc.decoded;
    }
    absl::StatusOr<std::vector<Finding>> findings = FindAll(text);
    if (!findings.ok()) return fail(findings.status());
    if (findings->empty()) continue;
    sc.edits.clear();
    if (absl::Status s = Plan(text, *findings, &doc, r, &sc.edits); !s.ok())
      return fail(std::move(s));
    redact_internal::RawOffsets raw_offsets(sc.escapes);
    for (const Edit& e : sc.edits) {
      // Decoded offsets to whole escape units of the raw string.
      const size_t rb = range.escaped ? raw_offsets.Map(e.begin, false) : e.begin;
      const size_t re = range.escaped ? raw_offsets.Map(e.end, true) : e.end;
      const size_t abs_b = range.begin + rb, abs_e = range.begin + re;
      if (abs_b < pos) continue;  // cannot happen for disjoint edits
      out->append(record.data() + pos, abs_b - pos);
      redact_internal::AppendJsonEscaped(e.replacement, out);
      pos = abs_e;
    }
  }
  out->append(record.data() + pos, record.size() - pos);
  return absl::OkStatus();
}

absl::Status Redactor::RedactJsonRecord(std::string_view record,
                                        const std::vector<std::string>& fields,
                                        RedactionReport* report, std::string* out) const {
  RedactionReport local;
  RedactionReport* r = report != nullptr ? report : &local;
  const size_t out_start = out->size();
  PIIVAULT_RETURN_IF_ERROR(impl_->RedactRecordOnce(record, fields, r, out));
  // settle_passes: redact the record again while a pass changes it.
  std::string previous;
  for (const Impl* pass = impl_.get(); pass->next_pass != nullptr || pass->later_pass;
       pass = pass->next_pass.get()) {
    std::string_view produced = std::string_view(*out).substr(out_start);
    if (produced == (pass == impl_.get() ? record : std::string_view(previous))) break;
    if (pass->next_pass == nullptr) {
      ++r->unsettled;  // the last allowed pass still changed the record
      break;
    }
    previous.assign(produced);
    out->resize(out_start);
    if (absl::Status s = pass->next_pass->RedactRecordOnce(previous, fields, r, out); !s.ok()) {
      out->resize(out_start);
      return s;
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<std::string> Redactor::RedactJsonRecord(std::string_view record,
                                                       const std::vector<std::string>& fields,
                                                       RedactionReport* report) const {
  std::string out;
  PIIVAULT_RETURN_IF_ERROR(RedactJsonRecord(record, fields, report, &out));
  return out;
}

}  // namespace piivault
