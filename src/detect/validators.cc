// Validation policy per identifier (region tables, dates, checksums via
// checksum.h). Each validator sees the canonical value of a candidate that
// already fully matched its pattern's regex. See ../shared/pii-formats.md.
#include <algorithm>
#include <cstdlib>
#include <ctime>
#include <string>
#include <string_view>

#include "absl/strings/str_format.h"
#include "detect/checksum.h"
#include "detect/pattern_set.h"

namespace piivault::internal {
namespace {

bool IsDigit(char c) { return c >= '0' && c <= '9'; }
bool IsHex(char c) {
  return IsDigit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}
int HexVal(char c) {
  if (IsDigit(c)) return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return c - 'A' + 10;
}
int Num(std::string_view s) {
  int v = 0;
  for (char c : s) v = v * 10 + (c - '0');
  return v;
}
bool AllSame(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [&](char c) { return c == s[0]; });
}

// §2.1 province-level codes.
bool ValidProvince(int p) {
  switch (p) {
    case 11: case 12: case 13: case 14: case 15:
    case 21: case 22: case 23:
    case 31: case 32: case 33: case 34: case 35: case 36: case 37:
    case 41: case 42: case 43: case 44: case 45: case 46:
    case 50: case 51: case 52: case 53: case 54:
    case 61: case 62: case 63: case 64: case 65:
    case 71: case 81: case 82: case 83:
      return true;
    default:
      return false;
  }
}

struct Today {
  int y, m, d;
};
Today Now() {
  // gmtime_r is not free; the date changes rarely.
  thread_local std::time_t cached_hour = -1;
  thread_local Today cached{};
  std::time_t t = std::time(nullptr) + 86400;  // allow +1 day for time zones
  if (t / 3600 != cached_hour) {
    std::tm tm{};
    gmtime_r(&t, &tm);
    cached = {tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday};
    cached_hour = t / 3600;
  }
  return cached;
}

bool RealDate(int y, int m, int d) {
  if (m < 1 || m > 12 || d < 1) return false;
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  int days = kDays[m - 1];
  if (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0)) days = 29;
  return d <= days;
}
bool NotFuture(const Today& t, int y, int m, int d) {
  if (y != t.y) return y < t.y;
  if (m != t.m) return m < t.m;
  return d <= t.d;
}

Verdict Ok(float adjust = 0, bool needs_context = false) {
  Verdict v;
  v.ok = true;
  v.adjust = adjust;
  v.needs_context = needs_context;
  return v;
}
Verdict Reject() { return Verdict{}; }

Verdict None(std::string_view v, const Pattern&, std::string*) { return Ok(); }

Verdict NotRepeated(std::string_view v, const Pattern&, std::string*) {
  return AllSame(v) ? Reject() : Ok();
}

// GB 11643: 18-char citizen IDs, residence permits (81/82/83 0000), 2023
// foreigner PR IDs (leading 9), and 15-digit legacy numbers (context only).
Verdict ResidentId(std::string_view v, const Pattern&, std::string* normalized) {
  if (v.size() == 18) {
    int province;
    int date_at = 6;
    if (v[0] == '9') {
      province = Num(v.substr(1, 2));
      if (province == 81 || province == 82 || province == 83 || province == 71) return Reject();
    } else {
      province = Num(v.substr(0, 2));
      if ((province == 81 || province == 82 || province == 83) && v.substr(2, 4) != "0000") {
        return Reject();
      }
    }
    if (!ValidProvince(province)) return Reject();
    int y = Num(v.substr(date_at, 4)), m = Num(v.substr(date_at + 4, 2)), d = Num(v.substr(date_at + 6, 2));
    if (y < 1800 || !RealDate(y, m, d)) return Reject();
    const Today t = Now();  // (once: it reads the clock)
    if (!NotFuture(t, y, m, d)) return Reject();
    if (!ResidentIdChecksumValid(v)) return Reject();
    float adjust = 0;
    if (y < 1900 || t.y - y > 110) adjust -= 0.15f;
    return Ok(adjust);
  }
  if (v.size() == 15) {
    for (char c : v) {
      if (!IsDigit(c)) return Reject();
    }
    if (!ValidProvince(Num(v.substr(0, 2))) || v[0] == '8') return Reject();
    int y = 1900 + Num(v.substr(6, 2)), m = Num(v.substr(8, 2)), d = Num(v.substr(10, 2));
    if (!RealDate(y, m, d)) return Reject();
    Verdict r = Ok(0, /*needs_context=*/true);
    r.validated_by = "gb11643-1989";
    return r;
  }
  return Reject();
}

Verdict Uscc(std::string_view v, const Pattern&, std::string*) {
  if (v.size() != 18) return Reject();
  if (std::string_view("123456789ANY").find(v[0]) == std::string_view::npos) return Reject();
  for (size_t i = 2; i < 8; ++i) {
    if (!IsDigit(v[i])) return Reject();
  }
  if (!UsccChecksumValid(v)) return Reject();
  bool all_digits = std::all_of(v.begin(), v.end(), IsDigit);
  bool embedded = OrgCodeChecksumValid(v.substr(8, 9));
  if (!embedded) {
    if (all_digits) return Reject();  // too easy for a random number to hit
    return Ok(-0.15f);
  }
  // An all-digit USCC is rare and an 18-digit number passes both checks by
  // chance once in ~340 (e.g. an ID number with a typo): context only.
  // ID-number shaped (17 digits + X) too.
  bool id_shaped = std::all_of(v.begin(), v.end() - 1, IsDigit) && v.back() == 'X';
  return Ok(all_digits ? -0.1f : 0.0f, /*needs_context=*/all_digits || id_shaped);
}

Verdict OrgCode(std::string_view v, const Pattern&, std::string*) {
  if (v.size() != 9 || !OrgCodeChecksumValid(v) || AllSame(v.substr(0, 8))) return Reject();
  return Ok();
}

Verdict BusinessRegNo(std::string_view v, const Pattern&, std::string*) {
  if (v.size() != 15 || !Iso7064Mod11_10Valid(v) || AllSame(v)) return Reject();
  return Ok(0, /*needs_context=*/true);
}

// §4: Luhn is strong evidence but not a gate (some real UnionPay cards fail it).
Verdict BankCard(std::string_view v, const Pattern& p, std::string*) {
  if (v.size() < 15 || v.size() > 19 || AllSame(v.substr(1))) return Reject();
  const bool known = p.ListedPrefix(Pattern::KnownList::kBins, v);  // an issuer prefix from the pattern file
  bool luhn = LuhnValid(v);
  if (luhn && known) {
    Verdict r = Ok();
    r.validated_by = "luhn";
    return r;
  }
  if (luhn && (v[0] >= '3' && v[0] <= '6')) {
    Verdict r = Ok(-0.2f, true);
    r.validated_by = "luhn";
    return r;
  }
  if (known) {
    Verdict r = Ok(-0.15f, true);
    r.validated_by = "context";
    return r;
  }
  return Reject();
}

Verdict Imei(std::string_view v, const Pattern&, std::string*) {
  if (v.size() == 15) {
    if (!ImeiValid(v) || AllSame(v.substr(0, 14))) return Reject();
    Verdict r = Ok();
    r.validated_by = "luhn";
    return r;
  }
  if (v.size() == 16) return Ok(-0.1f, /*needs_context=*/true);  // IMEISV
  return Reject();
}

Verdict Meid(std::string_view v, const Pattern&, std::string*) {
  if (v.size() != 14 && v.size() != 15) return Reject();
  for (char c : v) {
    if (!IsHex(c)) return Reject();
  }
  if (HexVal(v[0]) < 0xA) return Reject();  // RR >= A0, below is IMEI/ESN space
  if (AllSame(v.substr(2, 12))) return Reject();
  if (v.size() == 15) {
    if (!MeidHexValid(v)) return Reject();
    Verdict r = Ok();
    r.validated_by = "luhn16";
    return r;
  }
  return Ok(-0.1f, true);
}

Verdict Ipv4(std::string_view v, const Pattern&, std::string*) {
  int parts = 0;
  size_t i = 0;
  while (i <= v.size()) {
    size_t j = v.find('.', i);
    if (j == std::string_view::npos) j = v.size();
    std::string_view oct = v.substr(i, j - i);
    if (oct.empty() || oct.size() > 3) return Reject();
    if (oct.size() > 1 && oct[0] == '0') return Reject();
    for (char c : oct) {
      if (!IsDigit(c)) return Reject();
    }
    if (Num(oct) > 255) return Reject();
    ++parts;
    i = j + 1;
    if (j == v.size()) break;
  }
  if (parts != 4) return Reject();
  if (v == "0.0.0.0" || v == "255.255.255.255") return Ok(-0.2f, true);
  return Ok();
}

Verdict Ipv6(std::string_view v, const Pattern&, std::string* normalized) {
  std::string_view addr = v;
  size_t pct = addr.find('%');
  if (pct != std::string_view::npos) addr = addr.substr(0, pct);
  size_t dbl = addr.find("::");
  if (dbl != std::string_view::npos && addr.find("::", dbl + 1) != std::string_view::npos) return Reject();
  int groups = 0;
  bool v4_tail = false;
  size_t i = 0;
  while (i < addr.size()) {
    if (addr[i] == ':') {
      ++i;
      continue;
    }
    size_t j = i;
    while (j < addr.size() && addr[j] != ':') ++j;
    std::string_view g = addr.substr(i, j - i);
    if (g.find('.') != std::string_view::npos) {
      if (j != addr.size()) return Reject();
      std::string tmp;
      if (!Ipv4(g, Pattern(), &tmp).ok) return Reject();
      v4_tail = true;
      groups += 2;
    } else {
      if (g.size() > 4) return Reject();
      for (char c : g) {
        if (!IsHex(c)) return Reject();
      }
      ++groups;
    }
    i = j;
  }
  // ":::" or a lone ':' at either end without "::" is malformed.
  if (dbl == std::string_view::npos) {
    if (groups != 8 || addr.front() == ':' || addr.back() == ':') return Reject();
  } else {
    if (groups > 7) return Reject();
    if (addr.find(":::") != std::string_view::npos) return Reject();
    if (addr.front() == ':' && dbl != 0) return Reject();
    if (addr.back() == ':' && dbl != addr.size() - 2) return Reject();
    if (groups < 2 && !v4_tail && addr != "::1") return Ok(-0.2f, true);
  }
  if (normalized) {
    for (char& c : *normalized) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  return Ok();
}

Verdict Mac(std::string_view v, const Pattern&, std::string* normalized) {
  std::string hex;
  char sep = 0;
  for (char c : v) {
    if (IsHex(c)) {
      hex.push_back(static_cast<char>(std::toupper(static_cast<unsigned char>(c))));
    } else {
      if (sep == 0) sep = c;
      if (c != sep) return Reject();
    }
  }
  if (hex.size() != 12) return Reject();
  if (AllSame(hex)) return Reject();
  if (normalized) {
    normalized->clear();
    for (size_t i = 0; i < 12; i += 2) {
      if (i) normalized->push_back(':');
      normalized->append(hex, i, 2);
    }
  }
  if (sep == 0) return Ok(0, true);  // 12 bare hex digits: context only
  return Ok();
}

// Dates: YYYY[-/.年]M[-/.月]D, or YYYYMMDD, or YYYY-MM (year-month).
Verdict Date(std::string_view v, const Pattern&, std::string* normalized) {
  int parts[3] = {0, 0, 0};
  int n = 0;
  size_t i = 0;
  if (v.size() == 8 && std::all_of(v.begin(), v.end(), IsDigit)) {
    parts[0] = Num(v.substr(0, 4));
    parts[1] = Num(v.substr(4, 2));
    parts[2] = Num(v.substr(6, 2));
    n = 3;
  } else {
    while (i < v.size() && n < 3) {
      size_t j = i;
      while (j < v.size() && IsDigit(v[j])) ++j;
      if (j == i || j - i > 4) return Reject();
      parts[n++] = Num(v.substr(i, j - i));
      i = j;
      while (i < v.size() && !IsDigit(v[i])) ++i;
    }
  }
  if (n < 2) return Reject();
  int y = parts[0], m = parts[1], d = n == 3 ? parts[2] : 1;
  if (y < 1900 || !RealDate(y, m, d) || !NotFuture(Now(), y, m, d)) return Reject();
  if (normalized) {
    *normalized = n == 3 ? absl::StrFormat("%04d-%02d-%02d", y, m, d) : absl::StrFormat("%04d-%02d", y, m);
  }
  return Ok();
}

// "lat,lng" or "lng,lat"; China box gets full confidence.
Verdict Geo(std::string_view v, const Pattern&, std::string* normalized) {
  size_t comma = v.find(',');
  if (comma == std::string_view::npos) return Reject();
  std::string a(v.substr(0, comma)), b(v.substr(comma + 1));
  auto decimals = [](const std::string& s) {
    size_t dot = s.find('.');
    return dot == std::string::npos ? 0 : s.size() - dot - 1;
  };
  double x = std::strtod(a.c_str(), nullptr), y = std::strtod(b.c_str(), nullptr);
  double lat = x, lng = y;
  if (std::abs(x) > 90) std::swap(lat, lng);
  if (std::abs(lat) > 90 || std::abs(lng) > 180) return Reject();
  bool china = lat >= 3.8 && lat <= 53.6 && lng >= 73.4 && lng <= 135.1;
  bool precise = decimals(a) >= 4 && decimals(b) >= 4;
  if (china && precise) return Ok();
  if (precise) return Ok(-0.15f, true);
  return Ok(-0.2f, true);
}

Verdict Email(std::string_view v, const Pattern&, std::string* normalized) {
  size_t at = v.find('@');
  if (at == std::string_view::npos || at == 0 || v.size() > 254) return Reject();
  std::string_view local = v.substr(0, at), domain = v.substr(at + 1);
  if (local.front() == '.' || local.back() == '.' || local.find("..") != std::string_view::npos) return Reject();
  if (domain.find("..") != std::string_view::npos) return Reject();
  size_t dot = domain.rfind('.');
  if (dot == std::string_view::npos) return Reject();
  std::string_view tld = domain.substr(dot + 1);
  if (tld.size() < 2) return Reject();
  for (char c : tld) {
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'))) return Reject();
  }
  // Domain labels must not start or end with '-'.
  size_t i = 0;
  while (i <= domain.size()) {
    size_t j = domain.find('.', i);
    if (j == std::string_view::npos) j = domain.size();
    std::string_view label = domain.substr(i, j - i);
    if (label.empty() || label.front() == '-' || label.back() == '-') return Reject();
    i = j + 1;
  }
  if (normalized) {
    for (size_t k = at + 1; k < normalized->size(); ++k) {
      (*normalized)[k] = static_cast<char>(std::tolower(static_cast<unsigned char>((*normalized)[k])));
    }
  }
  return Ok();
}

Verdict Uuid(std::string_view v, const Pattern&, std::string* normalized) {
  size_t zeros = 0, hex = 0;
  for (char c : v) {
    if (c == '-') continue;
    ++hex;
    if (c == '0') ++zeros;
  }
  if (hex == zeros) return Reject();  // all-zero IDFA/OAID = tracking disabled
  return Ok();
}

// Helpers for UTF-8 code point sequences.
// The first `max` characters of s (by UTF-8 lead byte), and how many there
// are in all (counting stops past max + 1).
struct Chars {
  std::string_view first[2];
  size_t count = 0;
};
Chars FirstChars(std::string_view s, size_t max) {
  Chars out;
  size_t i = 0;
  while (i < s.size() && out.count <= max) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    size_t n = c < 0x80 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
    n = std::min(n, s.size() - i);
    if (out.count < 2) out.first[out.count] = s.substr(i, n);
    ++out.count;
    i += n;
  }
  return out;
}

// Names: surname from the lexicon (compound first), not a stop word.
// Is v made of spoken digits only (〇零一二三四五六七八九十两幺)?
bool AllChineseNumerals(std::string_view v) {
  static constexpr std::string_view kNumerals[] = {"〇", "零", "一", "二", "三", "四", "五",
                                                   "六", "七", "八", "九", "十", "两", "幺"};
  if (v.empty() || v.size() % 3 != 0) return false;
  for (size_t i = 0; i < v.size(); i += 3) {
    const std::string_view c = v.substr(i, 3);
    if (std::find(std::begin(kNumerals), std::end(kNumerals), c) == std::end(kNumerals)) return false;
  }
  return true;
}

Verdict CnName(std::string_view v, const Pattern& p, std::string*) {
  if (p.InList(Pattern::KnownList::kStopwords, v)) return Reject();
  // Spoken digits are a number, or what a number's mask kept of it ("姓名：
  // 一九〇****二两五五" was a mobile number, "一九" no name).
  if (AllChineseNumerals(v)) return Reject();
  if (v.find("\xC2\xB7") != std::string_view::npos) return Ok(-0.1f);  // minority name with a dot
  const Chars chars = FirstChars(v, 4);
  if (chars.count < 2 || chars.count > 4) return Reject();
  if (chars.count >= 3 && p.InList(Pattern::KnownList::kCompoundSurnames, v.substr(0, chars.first[0].size() + chars.first[1].size()))) {
    return Ok();
  }
  if (p.InList(Pattern::KnownList::kSurnames, chars.first[0])) return Ok();
  return Ok(-0.25f);  // anchored but unknown surname
}

// Addresses: at least two level tokens (省/市/区/路/号...), more is better.
Verdict CnAddress(std::string_view v, const Pattern& p, std::string*) {
  const std::vector<std::string>* levels = p.List("levels");
  if (levels == nullptr) return Reject();
  // Which level words occur (a search for each of ~30 words costs more than
  // the extraction): only those whose first three bytes (a Han character)
  // are in the value, by a 64-bit filter of the value's byte triples.
  auto TripleBit = [](const char* s) {
    const uint32_t x = uint32_t{static_cast<uint8_t>(s[0])} << 16 | uint32_t{static_cast<uint8_t>(s[1])} << 8 |
                       static_cast<uint8_t>(s[2]);
    return uint64_t{1} << ((x * 0x9E3779B1u) >> 26);
  };
  uint64_t triples = 0;
  for (size_t i = 0; i + 3 <= v.size(); ++i) triples |= TripleBit(v.data() + i);
  int hits = 0;
  for (const std::string& t : *levels) {
    if (t.size() >= 3 && !(triples & TripleBit(t.data()))) continue;
    if (v.find(t) != std::string_view::npos) ++hits;
  }
  if (hits < 2) return Reject();
  return Ok(hits >= 3 ? 0.1f : 0.0f);
}

struct Named {
  std::string_view name;
  ValidatorFn fn;
};
constexpr Named kValidators[] = {
    {"none", None},
    {"not_repeated", NotRepeated},
    {"gb11643", ResidentId},
    {"gb32100", Uscc},
    {"gb11714", OrgCode},
    {"iso7064_mod11_10", BusinessRegNo},
    {"bank_card", BankCard},
    {"imei", Imei},
    {"meid", Meid},
    {"ipv4", Ipv4},
    {"ipv6", Ipv6},
    {"mac", Mac},
    {"date", Date},
    {"geo", Geo},
    {"email", Email},
    {"uuid", Uuid},
    {"cn_name", CnName},
    {"cn_address", CnAddress},
};

}  // namespace

ValidatorFn FindValidator(std::string_view name) {
  for (const Named& v : kValidators) {
    if (v.name == name) return v.fn;
  }
  return nullptr;
}

}  // namespace piivault::internal
