// Masking conventions of pii-formats.md §13.
#include <string>
#include <string_view>
#include <vector>

#include "piivault/vault.h"

namespace piivault {
namespace {

// Splits UTF-8 into code points (invalid bytes stand alone).
std::vector<std::string_view> CodePoints(std::string_view s) {
  std::vector<std::string_view> out;
  size_t i = 0;
  while (i < s.size()) {
    const unsigned char c = static_cast<unsigned char>(s[i]);
    size_t n = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 1;
    if (i + n > s.size()) n = 1;
    out.push_back(s.substr(i, n));
    i += n;
  }
  return out;
}

// Keeps the first `head` and last `tail` code points, '*' for the rest.
std::string KeepEnds(std::string_view s, size_t head, size_t tail) {
  std::vector<std::string_view> cps = CodePoints(s);
  if (head + tail >= cps.size()) {
    // Too short to keep that much: keep at most a quarter at each end.
    head = cps.size() / 4;
    tail = cps.size() / 4;
  }
  std::string out;
  for (size_t i = 0; i < cps.size(); ++i) {
    if (i < head || i >= cps.size() - tail) out.append(cps[i]);
    else out.push_back('*');
  }
  return out;
}

}  // namespace

std::string MaskValue(EntityType field, std::string_view v) {
  switch (field) {
    case EntityType::kCnResidentId:
      return v.size() == 15 ? KeepEnds(v, 6, 3) : KeepEnds(v, 6, 4);
    case EntityType::kBankCard:
      return KeepEnds(v, 6, 4);
    case EntityType::kCnMobile:
      if (v.size() > 11) return KeepEnds(v, v.size() - 8, 4);  // +86 prefix kept
      return KeepEnds(v, 3, 4);
    case EntityType::kCnLandline: {
      size_t dash = v.find('-');
      if (dash != std::string_view::npos && dash + 1 < v.size()) {
        std::string_view local = v.substr(dash + 1);
        return std::string(v.substr(0, dash + 1)) + KeepEnds(local, 0, 4);
      }
      return KeepEnds(v, 0, 4);
    }
    case EntityType::kCnUscc:
      if (v.size() == 18 && v[0] == '9' && v[1] == '2') return KeepEnds(v, 8, 2);
      return std::string(v);  // an organisation's code is not personal data
    case EntityType::kCnPassport:
    case EntityType::kCnHkMacauPermit:
    case EntityType::kCnTaiwanPermit:
      return KeepEnds(v, 2, 2);
    case EntityType::kCnPlate: {
      std::vector<std::string_view> cps = CodePoints(v);
      if (cps.size() < 4) return KeepEnds(v, 0, 0);
      std::string out(cps[0]);
      out.append(cps[1]);
      out += "\xC2\xB7***";  // "·***"
      out.append(cps[cps.size() - 2]);
      out.append(cps[cps.size() - 1]);
      return out;
    }
    case EntityType::kEmail: {
      size_t at = v.rfind('@');
      if (at == std::string_view::npos || at == 0) return KeepEnds(v, 1, 0);
      return std::string(v.substr(0, 1)) + "***" + std::string(v.substr(at));
    }
    case EntityType::kIpv4: {
      size_t dot = v.rfind('.');
      if (dot == std::string_view::npos) return KeepEnds(v, 0, 0);
      return std::string(v.substr(0, dot + 1)) + "*";
    }
    case EntityType::kIpv6: {
      size_t pos = 0;
      for (int i = 0; i < 4 && pos != std::string_view::npos; ++i) {
        pos = v.find(':', pos == 0 && i == 0 ? 0 : pos + 1);
      }
      if (pos == std::string_view::npos) return KeepEnds(v, v.size() / 2, 0);
      return std::string(v.substr(0, pos)) + ":*";
    }
    case EntityType::kMacAddress:
      if (v.size() == 17) return std::string(v.substr(0, 9)) + "**:**:**";
      return KeepEnds(v, v.size() / 2, 0);
    case EntityType::kImei:
    case EntityType::kMeid:
    case EntityType::kDeviceId:
    case EntityType::kDeviceSerial:
      return KeepEnds(v, 8, 0);
    case EntityType::kQq:
    case EntityType::kWechatId:
      return KeepEnds(v, 2, 2);
    case EntityType::kPersonName:
    case EntityType::kOwnerName:
      return KeepEnds(v, 1, 0);
    case EntityType::kAddress: {
      // Keep up to the district (区/县), else the first third.
      std::vector<std::string_view> cps = CodePoints(v);
      size_t keep = cps.size() / 3;
      for (size_t i = 0; i < cps.size(); ++i) {
        if (cps[i] == "\xE5\x8C\xBA" || cps[i] == "\xE5\x8E\xBF") {  // 区 县
          keep = i + 1;
          break;
        }
      }
      std::string out;
      for (size_t i = 0; i < keep; ++i) out.append(cps[i]);
      return out + "****";
    }
    case EntityType::kDateOfBirth:
      if (v.size() >= 4) return std::string(v.substr(0, 4)) + "-**-**";
      return KeepEnds(v, 0, 0);
    case EntityType::kGeoCoord:
    case EntityType::kGeoLocation: {
      // Round every decimal number to 2 places by truncation.
      std::string out;
      size_t i = 0;
      while (i < v.size()) {
        if (v[i] == '.' && i > 0 && v[i - 1] >= '0' && v[i - 1] <= '9') {
          out.push_back('.');
          ++i;
          size_t digits = 0;
          while (i < v.size() && v[i] >= '0' && v[i] <= '9') {
            if (digits++ < 2) out.push_back(v[i]);
            ++i;
          }
        } else {
          out.push_back(v[i++]);
        }
      }
      return out;
    }
    default:
      return KeepEnds(v, 2, 2);
  }
}

}  // namespace piivault
