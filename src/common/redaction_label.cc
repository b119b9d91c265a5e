#include "common/redaction_label.h"

#include <algorithm>
#include <array>
#include <cstdint>
#include <string>
#include <vector>

namespace piivault::internal {

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

size_t BuiltinLabelEnd(std::string_view text, size_t i) {
  if (i >= text.size() || (text[i] != '<' && text[i] != '[')) return 0;
  // The names, longest first (so "IPv6地址" is tried before a prefix of it).
  static const std::vector<std::string>* const names[2] = {
      [] {
        auto* v = new std::vector<std::string>;
        for (EntityType t : AllEntityTypes()) v->emplace_back(EntityTypeName(t));
        std::sort(v->begin(), v->end(), [](const std::string& a, const std::string& b) { return a.size() > b.size(); });
        return v;
      }(),
      [] {
        auto* v = new std::vector<std::string>;
        for (EntityType t : AllEntityTypes()) v->emplace_back(ChineseLabelName(t));
        v->emplace_back(ChineseLabelName(EntityType::kUnknown));
        std::sort(v->begin(), v->end(), [](const std::string& a, const std::string& b) { return a.size() > b.size(); });
        return v;
      }()};
  const bool angle = text[i] == '<';
  const std::string_view rest = text.substr(i + 1);
  // Most '[' open a timestamp ("[2024-02-15 17:18:00]"): one table look.
  static const auto* const first_bytes = [] {
    auto* t = new std::array<std::array<bool, 256>, 2>{};
    for (int style = 0; style < 2; ++style)
      for (const std::string& name : *names[style]) (*t)[style][static_cast<uint8_t>(name[0])] = true;
    return t;
  }();
  if (rest.empty() || !(*first_bytes)[angle ? 0 : 1][static_cast<uint8_t>(rest[0])]) return 0;
  for (const std::string& name : *names[angle ? 0 : 1]) {
    if (rest.substr(0, name.size()) != name) continue;
    size_t k = name.size();
    // A number: "_2" in the angle style, "2" in the Chinese one.
    if (angle && k < rest.size() && rest[k] == '_' && k + 1 < rest.size() && rest[k + 1] >= '0' && rest[k + 1] <= '9') ++k;
    while (k < rest.size() && rest[k] >= '0' && rest[k] <= '9') ++k;
    // The hash operator's output, <CN_MOBILE#ghij…>: 32 letters g..v.
    if (angle && k == name.size() && k < rest.size() && rest[k] == '#') {
      size_t h = k + 1;
      while (h < rest.size() && h - k - 1 < 32 && rest[h] >= 'g' && rest[h] <= 'v') ++h;
      if (h - k - 1 == 32 && h < rest.size() && rest[h] == '>') return i + 1 + h + 1;
      continue;
    }
    if (k < rest.size() && rest[k] == (angle ? '>' : ']')) return i + 1 + k + 1;
  }
  return 0;
}

namespace {

// The closing bracket a custom label ends with, if any ("" otherwise).
std::string_view CloseOf(std::string_view label) {
  for (std::string_view close : {">", "]", "】"}) {
    if (label.size() > close.size() && label.substr(label.size() - close.size()) == close) return close;
  }
  return {};
}

}  // namespace

std::string NumberedCustomLabel(std::string_view label, int number) {
  const std::string_view close = CloseOf(label);
  std::string out(label.substr(0, label.size() - close.size()));
  if (close.empty() || close == ">") out += '_';
  out += std::to_string(number);
  out += close;
  return out;
}

std::string_view CustomLabelStem(std::string_view label) { return label.substr(0, label.size() - CloseOf(label).size()); }

size_t CustomLabelEnd(std::string_view text, size_t i, std::string_view label) {
  const std::string_view close = CloseOf(label);
  const std::string_view stem = label.substr(0, label.size() - close.size());
  if (stem.empty() || text.substr(i, stem.size()) != stem) return 0;
  size_t k = i + stem.size();
  const auto number_at = [&](size_t at) {  // one past "[_]digits" at `at` (no leading zero), or 0
    size_t q = at;
    if ((close.empty() || close == ">") && (q >= text.size() || text[q++] != '_')) return size_t{0};
    if (q >= text.size() || text[q] < '1' || text[q] > '9') return size_t{0};
    while (q < text.size() && text[q] >= '0' && text[q] <= '9') ++q;
    return q;
  };
  if (close.empty()) {
    const size_t numbered = number_at(k);
    return numbered != 0 ? numbered : k;
  }
  if (text.substr(k, close.size()) == close) return k + close.size();
  const size_t numbered = number_at(k);
  if (numbered != 0 && text.substr(numbered, close.size()) == close) return numbered + close.size();
  return 0;
}

size_t VaultTokenEnd(std::string_view text, size_t i) {
  // vault/token_codec.cc: "tok_", a tag of 2-5 lower-case letters and
  // digits ("mob", "ipv6"), '_', 26 characters of RFC 4648 base32 in lower
  // case.
  if (text.substr(i, 4) != "tok_") return 0;
  size_t k = i + 4;
  const size_t tag = k;
  while (k < text.size() && k - tag < 6 && ((text[k] >= 'a' && text[k] <= 'z') || (text[k] >= '0' && text[k] <= '9'))) ++k;
  if (k - tag < 2 || k - tag > 5 || k >= text.size() || text[k] != '_') return 0;
  const size_t body = ++k;
  while (k < text.size() && k - body < 26 &&
         ((text[k] >= 'a' && text[k] <= 'z') || (text[k] >= '2' && text[k] <= '7'))) {
    ++k;
  }
  return k - body == 26 ? k : 0;
}

}  // namespace piivault::internal
