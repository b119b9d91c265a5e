// Masking conventions of pii-formats.md §1.6 and §13, applied in place on the
// original text so that separators, full-width digits and line breaks keep
// their positions. Each type has exactly one mask: differently masked copies
// of one number could otherwise be combined to rebuild it.
#include "redact/mask.h"

#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/mask_convention.h"
#include "common/redaction_label.h"

namespace piivault::redact_internal {
namespace {

constexpr uint32_t kInvalid = 0xFFFFFFFF;

// DecodeUtf8 with the common cases inline: ASCII, and the well-formed
// three-byte characters of Chinese text (full-width digits, 一三八 read out).
inline size_t NextCodePoint(std::string_view s, size_t i, uint32_t* cp) {
  const unsigned char c = static_cast<unsigned char>(s[i]);
  if (c < 0x80) {
    *cp = c;
    return 1;
  }
  if ((c & 0xF0) == 0xE0 && i + 2 < s.size()) {
    const unsigned char c1 = static_cast<unsigned char>(s[i + 1]);
    const unsigned char c2 = static_cast<unsigned char>(s[i + 2]);
    if ((c1 & 0xC0) == 0x80 && (c2 & 0xC0) == 0x80) {
      const uint32_t v = ((c & 0x0Fu) << 12) | ((c1 & 0x3Fu) << 6) | (c2 & 0x3Fu);
      if (v >= 0x800 && (v < 0xD800 || v > 0xDFFF)) {
        *cp = v;
        return 3;
      }
    }
  }
  return DecodeUtf8(s, i, cp);
}

struct CodePoint {
  size_t begin;
  size_t end;
  uint32_t cp;
};

std::vector<CodePoint> Split(std::string_view text) {
  std::vector<CodePoint> out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size();) {
    uint32_t cp;
    size_t n = DecodeUtf8(text, i, &cp);
    out.push_back({i, i + n, cp});
    i += n;
  }
  return out;
}

// A character that carries information in an identifier (after the
// detector's normalisation it is an ASCII letter or digit): ASCII letters and
// digits, '*' (already hidden: keeps every mask a fixed point), full-width
// digits and letters, '×' typed for the ID check character, circled and
// parenthesised digits, Chinese and financial numerals. One bit per code
// point of the Basic Multilingual Plane, built at compile time.
struct SignificantTable {
  uint64_t bits[1024] = {};
  constexpr void Set(uint32_t cp) { bits[cp >> 6] |= uint64_t{1} << (cp & 63); }
  constexpr void Range(uint32_t lo, uint32_t hi) {
    for (uint32_t cp = lo; cp <= hi; ++cp) Set(cp);
  }
  constexpr SignificantTable() {
    Set('*');
    Range('0', '9');
    Range('A', 'Z');
    Range('a', 'z');
    Range(0xFF10, 0xFF19);  // full-width
    Range(0xFF21, 0xFF3A);
    Range(0xFF41, 0xFF5A);
    Set(0x00D7);  // ×
    Set(0x24EA);  // circled / parenthesised digits
    Range(0x2460, 0x2468);
    Range(0x2474, 0x247C);
    // (十 and 拾 too: a spoken date's month and day, 十月二十一日, are
    // numerals that are not digits, and a mask must hide them as well.)
    for (char32_t cp : {U'〇', U'零', U'一', U'二', U'三', U'四', U'五', U'六', U'七', U'八', U'九',
                        U'幺', U'两', U'壹', U'贰', U'叁', U'肆', U'伍', U'陆', U'柒', U'捌', U'玖', U'十', U'拾'})
      Set(static_cast<uint32_t>(cp));
  }
};
constexpr SignificantTable kSignificant;

inline bool IsSignificant(uint32_t cp) {
  return cp <= 0xFFFF && ((kSignificant.bits[cp >> 6] >> (cp & 63)) & 1) != 0;
}

bool IsSpace(uint32_t cp) {
  return cp == ' ' || cp == '\t' || cp == '\n' || cp == '\r' || cp == 0x3000 || cp == 0xA0;
}

// IsSignificant / IsSpace restricted to ASCII.
inline bool AsciiSignificant(char c) {
  const char l = static_cast<char>(c | 0x20);
  return c == '*' || (c >= '0' && c <= '9') || (l >= 'a' && l <= 'z');
}
inline bool AsciiSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

// The significant characters of a value: how many, the first two as ASCII
// (full-width forms folded, other characters as '#'; 0 if absent), and where
// each starts, so that the mask edit needs no second decoding pass.
struct Significant {
  static constexpr size_t kMaxAt = 32;  // values with more take the general path
  size_t n = 0;
  char c0 = 0, c1 = 0;
  bool valid = true;        // the value is valid UTF-8
  uint32_t at[kMaxAt + 1];  // byte offset of each of the first kMaxAt (one slot spare)
};
// Also tells whether `raw` is all ASCII (*ascii): one pass, which decodes
// UTF-8 only from the first non-ASCII byte on. Each character's offset is
// stored in the next free slot whether it counts or not (a store, no branch):
// only a significant one moves on to the next slot.
Significant CountSignificant(std::string_view raw, bool* ascii) {
  Significant sig;
  size_t n = 0;
  size_t i = 0;
  for (; i < raw.size(); ++i) {
    const char c = raw[i];
    if (static_cast<unsigned char>(c) >= 0x80) break;
    sig.at[std::min(n, Significant::kMaxAt)] = static_cast<uint32_t>(i);
    n += AsciiSignificant(c);
  }
  *ascii = i == raw.size();
  while (i < raw.size()) {
    uint32_t cp;
    const size_t len = NextCodePoint(raw, i, &cp);
    sig.valid &= cp != kInvalid;
    sig.at[std::min(n, Significant::kMaxAt)] = static_cast<uint32_t>(i);
    n += IsSignificant(cp);
    i += len;
  }
  sig.n = n;
  // The first two as ASCII: full-width forms folded, other characters '#'.
  for (size_t k = 0; k < 2 && k < n; ++k) {
    uint32_t cp;
    NextCodePoint(raw, sig.at[k], &cp);
    if (cp >= 0xFF10 && cp <= 0xFF5A) cp -= 0xFEE0;
    (k == 0 ? sig.c0 : sig.c1) = cp < 0x80 ? static_cast<char>(cp) : '#';
  }
  return sig;
}

// Keeps the first `first` and last `last` significant characters, replaces the
// other significant characters with '*', keeps everything else. `sig` is
// CountSignificant(raw, &ascii).
std::string KeepEnds(std::string_view raw, size_t first, size_t last, bool ascii,
                     const Significant& sig) {
  const size_t n = sig.n;
  if (n != 0 && first + last >= n) {  // short value: always hide at least a third
    first = std::min(first, n / 3);
    last = std::min(last, n / 3);
  }
  if (ascii) {  // most values: same rules, one byte per character, no decoding
    std::string out(raw);
    if (n == 0) {
      for (char& c : out)
        if (!AsciiSpace(c)) c = '*';
      return out;
    }
    size_t k = 0;
    for (char& c : out) {
      if (!AsciiSignificant(c)) continue;
      if (k >= first && k < n - last) c = '*';
      ++k;
    }
    return out;
  }
  // Every character is either kept or becomes one '*': the output is never
  // longer than the input.
  std::string out(raw.size(), '\0');
  char* w = out.data();
  if (n == 0) {
    for (size_t i = 0; i < raw.size();) {
      uint32_t cp;
      const size_t len = NextCodePoint(raw, i, &cp);
      if (IsSpace(cp)) {
        for (size_t j = 0; j < len; ++j) *w++ = raw[i + j];
      } else {
        *w++ = '*';
      }
      i += len;
    }
  } else {
    size_t k = 0;
    for (size_t i = 0; i < raw.size();) {
      uint32_t cp;
      const size_t len = NextCodePoint(raw, i, &cp);
      const bool significant = IsSignificant(cp);
      if (!significant || k < first || k >= n - last) {
        for (size_t j = 0; j < len; ++j) *w++ = raw[i + j];
      } else {
        *w++ = '*';
      }
      k += significant;
      i += len;
    }
  }
  out.resize(static_cast<size_t>(w - out.data()));
  return out;
}

std::string FullMask(std::string_view raw) {
  std::string out;
  for (const CodePoint& c : Split(raw)) {
    if (IsSpace(c.cp)) out.append(raw.substr(c.begin, c.end - c.begin));
    else out.push_back('*');
  }
  return out;
}

std::string MaskEmail(std::string_view raw) {
  size_t at = raw.rfind('@');
  size_t at_len = 1;
  if (at == std::string_view::npos) {
    at = raw.rfind("＠");
    at_len = 3;
  }
  if (at == std::string_view::npos || at == 0) return FullMask(raw);
  uint32_t cp;
  size_t n = DecodeUtf8(raw, 0, &cp);
  return absl::StrCat(std::string(raw.substr(0, n)), "***", std::string(raw.substr(at, at_len)),
                      std::string(raw.substr(at + at_len)));
}

std::string MaskIpv4(std::string_view raw) {
  size_t dot = raw.rfind('.');
  if (dot == std::string_view::npos) return FullMask(raw);
  return absl::StrCat(std::string(raw.substr(0, dot + 1)), "*");
}

// A full-width colon is a colon to the detector: it is counted and kept as
// written, never folded into a masked group (a value that ended at it, an
// address after a label, must still end there when the output is scanned).
// IPv6: keep the first four groups of the address as expanded (the /64
// routing prefix), mask each later group as '*' (pii-formats.md §9.2:
// 2001:db8:85a3:0:*:*:*:*). In a compressed address the groups after "::"
// sit at the end of the eight ("2001:db8::1" -> "2001:db8::*", "::1" ->
// "::*"); an embedded IPv4 address is the last two ("1::21.94.11.5" ->
// "1::*"). Colons (ASCII or full-width) are kept as written.
std::string MaskIpv6(std::string_view raw) {
  // The parts between colons; "::" shows as an empty part.
  struct Part {
    size_t begin, end;
    bool ipv4;
  };
  std::vector<Part> parts;
  size_t written = 0;  // groups as written, an IPv4 tail counting two
  for (size_t i = 0, begin = 0;; ++i) {
    const size_t colon = i >= raw.size()                          ? 0
                         : raw[i] == ':'                          ? 1
                         : raw.compare(i, 3, "\xEF\xBC\x9A") == 0 ? 3
                                                                  : 0;
    if (i < raw.size() && colon == 0) continue;
    const bool ipv4 = raw.substr(begin, i - begin).find('.') != std::string_view::npos;
    parts.push_back({begin, i, ipv4});
    if (i > begin) written += ipv4 ? 2 : 1;
    if (i >= raw.size()) break;
    i += colon - 1;
    begin = i + 1;
  }
  std::string out(raw.substr(0, parts[0].begin));
  size_t position = 0;  // the next group's place among the eight
  bool gap_seen = false;
  for (size_t k = 0; k < parts.size(); ++k) {
    const Part& part = parts[k];
    if (k > 0) out.append(raw.data() + parts[k - 1].end, part.begin - parts[k - 1].end);  // the colon
    if (part.begin == part.end) {
      if (!gap_seen && written < 8) position += 8 - written;  // what "::" stands for
      gap_seen = true;
      continue;
    }
    if (position + (part.ipv4 ? 1 : 0) >= 4) {
      out.push_back('*');
    } else {
      out.append(raw.data() + part.begin, part.end - part.begin);
    }
    position += part.ipv4 ? 2 : 1;
  }
  return out;
}

std::string MaskName(std::string_view raw) {
  std::string out;
  bool kept_first = false;
  for (size_t i = 0; i < raw.size();) {
    uint32_t cp;
    const size_t len = NextCodePoint(raw, i, &cp);
    const bool separator =
        IsSpace(cp) || cp == 0xB7 || cp == 0x2027 || cp == 0x30FB || cp == 0x2022 || cp == '.';
    if (separator || !kept_first) {
      out.append(raw.data() + i, len);
      kept_first |= !separator;
    } else {
      out.push_back('*');
    }
    i += len;
  }
  return out;
}

bool IsAdminSuffix(uint32_t cp, bool* district) {
  *district = cp == U'区' || cp == U'县' || cp == U'旗';
  return *district || cp == U'省' || cp == U'市' || cp == U'州' || cp == U'盟';
}

// Keeps the administrative divisions down to the district, hides the rest
// behind a fixed "****" (so the length of the street part is not shown).
std::string MaskAddress(std::string_view raw) {
  std::vector<CodePoint> cps = Split(raw);
  size_t keep = 0;  // code points kept
  size_t pos = 0;
  while (pos < cps.size()) {
    size_t found = cps.size();
    bool district = false;
    for (size_t j = pos; j < cps.size() && j < pos + 7; ++j) {
      uint32_t cp = cps[j].cp;
      if (IsSignificant(cp) && cp < 0x80) break;  // numbers start the street part
      if (IsAdminSuffix(cp, &district)) {
        found = j;
        break;
      }
    }
    if (found == cps.size()) break;
    keep = found + 1;
    pos = found + 1;
    if (district) break;
  }
  if (keep == cps.size()) return std::string(raw);
  size_t byte_end = keep == 0 ? 0 : cps[keep - 1].end;
  return absl::StrCat(std::string(raw.substr(0, byte_end)), "****");
}

std::string MaskGeo(std::string_view raw) {
  std::string out;
  int decimals = -1;  // -1: not after a decimal point
  for (char ch : raw) {
    if (ch >= '0' && ch <= '9') {
      if (decimals >= 0) {
        ++decimals;
        out.push_back(decimals > 2 ? '*' : ch);
        continue;
      }
      out.push_back(ch);
      continue;
    }
    decimals = ch == '.' ? 0 : -1;
    out.push_back(ch);
  }
  return out;
}

}  // namespace

size_t DecodeUtf8(std::string_view s, size_t i, uint32_t* cp) {
  const auto b = [&](size_t k) { return static_cast<unsigned char>(s[k]); };
  unsigned char c = b(i);
  if (c < 0x80) {
    *cp = c;
    return 1;
  }
  size_t n = 0;
  uint32_t v = 0;
  uint32_t min = 0;
  if ((c & 0xE0) == 0xC0) {
    n = 2; v = c & 0x1F; min = 0x80;
  } else if ((c & 0xF0) == 0xE0) {
    n = 3; v = c & 0x0F; min = 0x800;
  } else if ((c & 0xF8) == 0xF0) {
    n = 4; v = c & 0x07; min = 0x10000;
  } else {
    *cp = kInvalid;
    return 1;
  }
  if (i + n > s.size()) {
    *cp = kInvalid;
    return 1;
  }
  for (size_t k = 1; k < n; ++k) {
    if ((b(i + k) & 0xC0) != 0x80) {
      *cp = kInvalid;
      return 1;
    }
    v = (v << 6) | (b(i + k) & 0x3F);
  }
  if (v < min || v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF)) {
    *cp = kInvalid;
    return 1;
  }
  *cp = v;
  return n;
}

namespace {

// How a type's value is masked: most types keep some significant characters
// at each end (KeepEnds), a few leave the value as it is, the rest have a
// mask of their own (MaskValue's second switch).
struct MaskPlan {
  enum Kind { kKeepEnds, kUnchanged, kOther } kind = kOther;
  size_t first = 0, last = 0;
  bool ascii = false;
  Significant sig;
};

MaskPlan Only(MaskPlan::Kind kind) {
  MaskPlan p;
  p.kind = kind;
  return p;
}

MaskPlan KeepEndsPlan(std::string_view raw, size_t first, size_t last) {
  MaskPlan p;
  p.kind = MaskPlan::kKeepEnds;
  p.sig = CountSignificant(raw, &p.ascii);
  p.first = first;
  p.last = last;
  return p;
}

MaskPlan PlanMask(EntityType type, std::string_view raw) {
  switch (type) {
    case EntityType::kMasked:
      return Only(MaskPlan::kUnchanged);
    case EntityType::kCnResidentId: {
      MaskPlan p = KeepEndsPlan(raw, 6, 4);
      if (p.sig.n == 15) p.last = 3;
      return p;
    }
    case EntityType::kCnPassport:
    case EntityType::kCnHkMacauPermit:
    case EntityType::kCnTaiwanPermit:
    case EntityType::kQq:
    case EntityType::kWechatId:
    case EntityType::kCnOrgCode:
      return KeepEndsPlan(raw, 2, 2);
    case EntityType::kCnUscc: {
      // Legal-person codes are public registry data (§13: no mask); only the
      // 92 codes of individual businesses identify a person.
      MaskPlan p = KeepEndsPlan(raw, 8, 2);
      if (p.sig.c0 != '9' || p.sig.c1 != '2') p.kind = MaskPlan::kUnchanged;
      return p;
    }
    case EntityType::kCnBusinessRegNo:
      return KeepEndsPlan(raw, 6, 2);
    case EntityType::kCnAccountPermit:
      return KeepEndsPlan(raw, 5, 4);
    case EntityType::kBankCard:
      return KeepEndsPlan(raw, 6, 4);
    case EntityType::kCnMobile: {
      // 138****5678; with a country code: +86 138****5678.
      MaskPlan p = KeepEndsPlan(raw, 3, 4);
      if (p.sig.n >= 11) p.first = p.sig.n - 8;
      return p;
    }
    case EntityType::kCnLandline: {
      // An extension (转8021, 分机8021, ext 8021) is not part of the number.
      if (internal::LandlineExtensionAt(raw) != std::string_view::npos) return Only(MaskPlan::kOther);
      MaskPlan p = KeepEndsPlan(raw, 0, 4);
      const Significant& sig = p.sig;
      size_t area = 0;
      if (sig.n > 0 && sig.c0 == '0') area = (sig.n > 1 && (sig.c1 == '1' || sig.c1 == '2')) ? 3 : 4;
      if (sig.n < area + 5) area = 0;
      p.first = area;
      return p;
    }
    case EntityType::kCnPlate:
      return KeepEndsPlan(raw, 1, 2);
    case EntityType::kMacAddress:
    case EntityType::kImei:
    case EntityType::kMeid:
    case EntityType::kDeviceId:
      return KeepEndsPlan(raw, type == EntityType::kMacAddress ? 6 : 8, 0);
    case EntityType::kDateOfBirth:
      return KeepEndsPlan(raw, 4, 0);
    default:
      return Only(MaskPlan::kOther);
  }
}

// KeepEnds(raw, ...) as an edit: the first and last character it changes
// bound raw[*pre, raw.size() - *suf), which becomes *replacement. 0: nothing
// changes; 1: an edit; -1: the caller diffs the whole mask instead (a value
// without significant characters, with very many, or not valid UTF-8).
int KeepEndsEdit(std::string_view raw, const MaskPlan& p, size_t* pre, size_t* suf,
                 std::string* replacement) {
  const Significant& sig = p.sig;
  const size_t n = sig.n;
  if (n == 0 || n > Significant::kMaxAt || !sig.valid) return -1;
  size_t first = p.first, last = p.last;
  if (first + last >= n) {  // as KeepEnds
    first = std::min(first, n / 3);
    last = std::min(last, n / 3);
  }
  // Significant characters [first, n - last) are hidden; the changes run
  // from the first to the last of them that is not '*' already.
  size_t kb = first, ke = n - last;
  while (kb < ke && raw[sig.at[kb]] == '*') ++kb;
  while (ke > kb && raw[sig.at[ke - 1]] == '*') --ke;
  if (kb == ke) return 0;
  // Never longer than raw from the first change on: each character stays or
  // becomes one '*'. Written on the stack, so that a short replacement is
  // never a heap allocation.
  char stack[128];
  std::string heap;
  char* out = stack;
  if (raw.size() - sig.at[kb] > sizeof stack) {
    heap.resize(raw.size() - sig.at[kb]);
    out = heap.data();
  }
  size_t w = 0, from = sig.at[kb];
  for (size_t k = kb; k < ke; ++k) {
    for (size_t i = from; i < sig.at[k]; ++i) out[w++] = raw[i];  // separators as written
    out[w++] = '*';
    uint32_t cp;
    from = sig.at[k] + NextCodePoint(raw, sig.at[k], &cp);
  }
  replacement->assign(out, w);
  *pre = sig.at[kb];
  *suf = raw.size() - from;
  return 1;
}

}  // namespace

std::string MaskValue(EntityType type, std::string_view raw, std::string_view normalized) {
  const MaskPlan p = PlanMask(type, raw);
  if (p.kind == MaskPlan::kUnchanged) return std::string(raw);
  if (p.kind == MaskPlan::kKeepEnds) return KeepEnds(raw, p.first, p.last, p.ascii, p.sig);
  switch (type) {
    case EntityType::kCnLandline: {
      if (const size_t at = internal::LandlineExtensionAt(raw); at != std::string_view::npos)
        return absl::StrCat(MaskValue(type, raw.substr(0, at), ""), std::string(raw.substr(at)));
      return std::string(raw);  // not reached: PlanMask said kKeepEnds
    }
    case EntityType::kEmail:
      return MaskEmail(raw);
    case EntityType::kIpv4:
      return MaskIpv4(raw);
    case EntityType::kIpv6:
      return MaskIpv6(raw);
    case EntityType::kPersonName:
    case EntityType::kOwnerName:
      return MaskName(raw);
    case EntityType::kAddress:
      return MaskAddress(raw);
    case EntityType::kGeoCoord:
      return MaskGeo(raw);
    default:
      return FullMask(raw);
  }
}

bool MaskEdit(EntityType type, std::string_view raw, std::string_view normalized, size_t* pre,
              size_t* suf, std::string* replacement) {
  const MaskPlan p = PlanMask(type, raw);
  if (p.kind == MaskPlan::kUnchanged) return false;
  if (p.kind == MaskPlan::kKeepEnds) {
    const int r = KeepEndsEdit(raw, p, pre, suf, replacement);
    if (r >= 0) return r == 1;
  }
  return EditBetween(raw, MaskValue(type, raw, normalized), pre, suf, replacement);
}

bool EditBetween(std::string_view raw, std::string masked, size_t* pre, size_t* suf, std::string* replacement) {
  if (masked == raw) return false;
  size_t b = 0;
  while (b < raw.size() && b < masked.size() && raw[b] == masked[b]) ++b;
  while (b > 0 && b < raw.size() && (static_cast<unsigned char>(raw[b]) & 0xC0) == 0x80) --b;
  size_t e = 0;
  while (e < raw.size() - b && e < masked.size() - b &&
         raw[raw.size() - 1 - e] == masked[masked.size() - 1 - e])
    ++e;
  while (e > 0 && (static_cast<unsigned char>(raw[raw.size() - e]) & 0xC0) == 0x80) --e;
  masked.resize(masked.size() - e);
  masked.erase(0, b);
  *replacement = std::move(masked);
  *pre = b;
  *suf = e;
  return true;
}

std::string MakeLabel(EntityType type, const TypeRule& rule, LabelStyle style, int number) {
  if (!rule.label.empty()) return number == 0 ? rule.label : internal::NumberedCustomLabel(rule.label, number);
  if (style == LabelStyle::kChinese) {
    std::string name(internal::ChineseLabelName(type));
    return number == 0 ? absl::StrCat("[", name, "]") : absl::StrCat("[", name, number, "]");
  }
  std::string name(EntityTypeName(type));
  return number == 0 ? absl::StrCat("<", name, ">") : absl::StrCat("<", name, "_", number, ">");
}

}  // namespace piivault::redact_internal
