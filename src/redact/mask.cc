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
// detector's normalisation it is an ASCII letter or digit).
bool IsSignificant(uint32_t cp) {
  if (cp < 0x80)  // already hidden ('*': keeps every mask a fixed point), or a letter or digit
    return cp == '*' || (cp >= '0' && cp <= '9') || (cp >= 'A' && cp <= 'Z') || (cp >= 'a' && cp <= 'z');
  if ((cp >= 0xFF10 && cp <= 0xFF19) || (cp >= 0xFF21 && cp <= 0xFF3A) ||
      (cp >= 0xFF41 && cp <= 0xFF5A))
    return true;  // full-width
  if (cp == 0x00D7) return true;                   // × typed for the ID check character
  if (cp == 0x24EA || (cp >= 0x2460 && cp <= 0x2468) || (cp >= 0x2474 && cp <= 0x247C))
    return true;  // circled / parenthesised digits
  switch (cp) {   // Chinese and financial numerals
    case U'〇': case U'零': case U'一': case U'二': case U'三': case U'四': case U'五':
    case U'六': case U'七': case U'八': case U'九': case U'幺': case U'两': case U'壹':
    case U'贰': case U'叁': case U'肆': case U'伍': case U'陆': case U'柒': case U'捌':
    case U'玖':
      return true;
    default:
      return false;
  }
}

bool IsSpace(uint32_t cp) {
  return cp == ' ' || cp == '\t' || cp == '\n' || cp == '\r' || cp == 0x3000 || cp == 0xA0;
}

bool IsAscii(std::string_view s) {
  for (char c : s)
    if (static_cast<unsigned char>(c) >= 0x80) return false;
  return true;
}

// IsSignificant / IsSpace restricted to ASCII.
bool AsciiSignificant(char c) {
  const char l = static_cast<char>(c | 0x20);
  return c == '*' || (c >= '0' && c <= '9') || (l >= 'a' && l <= 'z');
}
bool AsciiSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

// Keeps the first `first` and last `last` significant characters, replaces the
// other significant characters with '*', keeps everything else.
std::string KeepEnds(std::string_view raw, size_t first, size_t last) {
  if (IsAscii(raw)) {  // most values: same rules, one byte per character, no decoding
    std::string out(raw);
    size_t n = 0;
    for (char c : out) n += AsciiSignificant(c);
    if (n == 0) {
      for (char& c : out)
        if (!AsciiSpace(c)) c = '*';
      return out;
    }
    if (first + last >= n) {
      first = std::min(first, n / 3);
      last = std::min(last, n / 3);
    }
    size_t k = 0;
    for (char& c : out) {
      if (!AsciiSignificant(c)) continue;
      if (k >= first && k < n - last) c = '*';
      ++k;
    }
    return out;
  }
  // Two decoding passes (count, then write) instead of a code point table:
  // values are short, and this runs once per finding.
  size_t n = 0;
  for (size_t i = 0; i < raw.size();) {
    uint32_t cp;
    i += NextCodePoint(raw, i, &cp);
    n += IsSignificant(cp);
  }
  std::string out;
  out.reserve(raw.size());
  if (n == 0) {
    for (size_t i = 0; i < raw.size();) {
      uint32_t cp;
      const size_t len = NextCodePoint(raw, i, &cp);
      if (IsSpace(cp)) out.append(raw.data() + i, len);
      else out.push_back('*');
      i += len;
    }
    return out;
  }
  if (first + last >= n) {  // short value: always hide at least a third
    first = std::min(first, n / 3);
    last = std::min(last, n / 3);
  }
  size_t k = 0;
  for (size_t i = 0; i < raw.size();) {
    uint32_t cp;
    const size_t len = NextCodePoint(raw, i, &cp);
    const bool significant = IsSignificant(cp);
    if (!significant || k < first || k >= n - last) out.append(raw.data() + i, len);
    else out.push_back('*');
    k += significant;
    i += len;
  }
  return out;
}

std::string SignificantAscii(std::string_view raw) {
  std::string s;
  if (IsAscii(raw)) {
    for (char c : raw)
      if (AsciiSignificant(c)) s.push_back(c);
    return s;
  }
  for (size_t i = 0; i < raw.size();) {
    uint32_t cp;
    i += NextCodePoint(raw, i, &cp);
    if (!IsSignificant(cp)) continue;
    if (cp >= 0xFF10 && cp <= 0xFF5A) cp -= 0xFEE0;
    s.push_back(cp < 0x80 ? static_cast<char>(cp) : '#');
  }
  return s;
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

std::string MaskIpv6(std::string_view raw) {
  std::string out;
  int colons = 0;
  bool in_group = false;
  for (char ch : raw) {
    if (ch == ':') {
      ++colons;
      in_group = false;
      out.push_back(ch);
      continue;
    }
    if (colons < 4) {
      out.push_back(ch);
      continue;
    }
    if (!in_group) out.push_back('*');
    in_group = true;
  }
  return out;
}

std::string MaskName(std::string_view raw) {
  std::vector<CodePoint> cps = Split(raw);
  std::string out;
  bool kept_first = false;
  for (const CodePoint& c : cps) {
    bool separator = IsSpace(c.cp) || c.cp == 0xB7 || c.cp == 0x2027 || c.cp == 0x30FB ||
                     c.cp == 0x2022 || c.cp == '.';
    if (separator) {
      out.append(raw.substr(c.begin, c.end - c.begin));
    } else if (!kept_first) {
      out.append(raw.substr(c.begin, c.end - c.begin));
      kept_first = true;
    } else {
      out.push_back('*');
    }
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

std::string MaskValue(EntityType type, std::string_view raw, std::string_view normalized) {
  switch (type) {
    case EntityType::kMasked:
      return std::string(raw);
    case EntityType::kCnResidentId: {
      std::string sig = SignificantAscii(raw);
      return sig.size() == 15 ? KeepEnds(raw, 6, 3) : KeepEnds(raw, 6, 4);
    }
    case EntityType::kCnPassport:
    case EntityType::kCnHkMacauPermit:
    case EntityType::kCnTaiwanPermit:
    case EntityType::kQq:
    case EntityType::kWechatId:
    case EntityType::kCnOrgCode:
      return KeepEnds(raw, 2, 2);
    case EntityType::kCnUscc: {
      // Legal-person codes are public registry data (§13: no mask); only the
      // 92 codes of individual businesses identify a person.
      std::string sig = SignificantAscii(raw);
      if (sig.rfind("92", 0) == 0) return KeepEnds(raw, 8, 2);
      return std::string(raw);
    }
    case EntityType::kCnBusinessRegNo:
      return KeepEnds(raw, 6, 2);
    case EntityType::kCnAccountPermit:
      return KeepEnds(raw, 5, 4);
    case EntityType::kBankCard:
      return KeepEnds(raw, 6, 4);
    case EntityType::kCnMobile: {
      size_t n = SignificantAscii(raw).size();
      // 138****5678; with a country code: +86 138****5678.
      return n >= 11 ? KeepEnds(raw, n - 8, 4) : KeepEnds(raw, 3, 4);
    }
    case EntityType::kCnLandline: {
      // An extension (转8021, 分机8021, ext 8021) is not part of the number.
      for (std::string_view ext : {"转", "分机", "ext", "EXT", "Ext"}) {
        size_t at = raw.find(ext);
        if (at != std::string_view::npos && at > 0)
          return absl::StrCat(MaskValue(type, raw.substr(0, at), ""), std::string(raw.substr(at)));
      }
      std::string sig = SignificantAscii(raw);
      size_t area = 0;
      if (!sig.empty() && sig[0] == '0') area = (sig.size() > 1 && (sig[1] == '1' || sig[1] == '2')) ? 3 : 4;
      if (sig.size() < area + 5) area = 0;
      return KeepEnds(raw, area, 4);
    }
    case EntityType::kCnPlate:
      return KeepEnds(raw, 1, 2);
    case EntityType::kEmail:
      return MaskEmail(raw);
    case EntityType::kIpv4:
      return MaskIpv4(raw);
    case EntityType::kIpv6:
      return MaskIpv6(raw);
    case EntityType::kMacAddress:
    case EntityType::kImei:
    case EntityType::kMeid:
    case EntityType::kDeviceId:
      return KeepEnds(raw, type == EntityType::kMacAddress ? 6 : 8, 0);
    case EntityType::kPersonName:
    case EntityType::kOwnerName:
      return MaskName(raw);
    case EntityType::kAddress:
      return MaskAddress(raw);
    case EntityType::kDateOfBirth:
      return KeepEnds(raw, 4, 0);
    case EntityType::kGeoCoord:
      return MaskGeo(raw);
    default:
      return FullMask(raw);
  }
}

std::string_view ChineseLabelName(EntityType type) {
  switch (type) {
    case EntityType::kCnResidentId: return "身份证号";
    case EntityType::kCnPassport: return "护照号";
    case EntityType::kCnHkMacauPermit: return "港澳通行证号";
    case EntityType::kCnTaiwanPermit: return "台湾通行证号";
    case EntityType::kCnUscc: return "统一社会信用代码";
    case EntityType::kCnOrgCode: return "组织机构代码";
    case EntityType::kCnBusinessRegNo: return "注册号";
    case EntityType::kCnAccountPermit: return "开户许可证核准号";
    case EntityType::kBankCard: return "银行卡号";
    case EntityType::kCnMobile: return "手机号";
    case EntityType::kCnLandline: return "固定电话";
    case EntityType::kCnPlate: return "车牌号";
    case EntityType::kEmail: return "邮箱";
    case EntityType::kIpv4: return "IP地址";
    case EntityType::kIpv6: return "IPv6地址";
    case EntityType::kMacAddress: return "MAC地址";
    case EntityType::kImei: return "IMEI";
    case EntityType::kMeid: return "MEID";
    case EntityType::kDeviceId: return "设备标识";
    case EntityType::kQq: return "QQ号";
    case EntityType::kWechatId: return "微信号";
    case EntityType::kPersonName: return "姓名";
    case EntityType::kAddress: return "地址";
    case EntityType::kDateOfBirth: return "出生日期";
    case EntityType::kGeoCoord: return "地理坐标";
    case EntityType::kMasked: return "已脱敏";
    case EntityType::kCustom: return "敏感词";
    case EntityType::kGeoLocation: return "位置";
    case EntityType::kDeviceSerial: return "设备序列号";
    case EntityType::kOwnerName: return "所有者";
    case EntityType::kThumbnail: return "缩略图";
    default: return "个人信息";
  }
}

std::string MakeLabel(EntityType type, const TypeRule& rule, LabelStyle style, int number) {
  if (!rule.label.empty()) {
    if (number == 0) return rule.label;
    const std::string& l = rule.label;
    for (std::string_view close : {">", "]", "】"}) {
      if (l.size() > close.size() && l.compare(l.size() - close.size(), close.size(), close) == 0) {
        return absl::StrCat(l.substr(0, l.size() - close.size()), close == ">" ? "_" : "", number,
                            std::string(close));
      }
    }
    return absl::StrCat(l, "_", number);
  }
  if (style == LabelStyle::kChinese) {
    std::string name(ChineseLabelName(type));
    return number == 0 ? absl::StrCat("[", name, "]") : absl::StrCat("[", name, number, "]");
  }
  std::string name(EntityTypeName(type));
  return number == 0 ? absl::StrCat("<", name, ">") : absl::StrCat("<", name, "_", number, ">");
}

}  // namespace piivault::redact_internal
