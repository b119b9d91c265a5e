#include "piivault/entity_type.h"

#include <array>
#include <utility>

namespace piivault {
namespace {

constexpr std::array<std::pair<EntityType, std::string_view>, 31> kNames = {{
    {EntityType::kCnResidentId, "CN_RESIDENT_ID"},
    {EntityType::kCnPassport, "CN_PASSPORT"},
    {EntityType::kCnHkMacauPermit, "CN_HK_MACAU_PERMIT"},
    {EntityType::kCnTaiwanPermit, "CN_TAIWAN_PERMIT"},
    {EntityType::kCnUscc, "CN_USCC"},
    {EntityType::kCnOrgCode, "CN_ORG_CODE"},
    {EntityType::kCnBusinessRegNo, "CN_BUSINESS_REG_NO"},
    {EntityType::kCnAccountPermit, "CN_ACCOUNT_PERMIT"},
    {EntityType::kBankCard, "BANK_CARD"},
    {EntityType::kCnMobile, "CN_MOBILE"},
    {EntityType::kCnLandline, "CN_LANDLINE"},
    {EntityType::kCnPlate, "CN_PLATE"},
    {EntityType::kEmail, "EMAIL"},
    {EntityType::kIpv4, "IPV4"},
    {EntityType::kIpv6, "IPV6"},
    {EntityType::kMacAddress, "MAC_ADDRESS"},
    {EntityType::kImei, "IMEI"},
    {EntityType::kMeid, "MEID"},
    {EntityType::kDeviceId, "DEVICE_ID"},
    {EntityType::kQq, "QQ"},
    {EntityType::kWechatId, "WECHAT_ID"},
    {EntityType::kPersonName, "PERSON_NAME"},
    {EntityType::kAddress, "ADDRESS"},
    {EntityType::kDateOfBirth, "DATE_OF_BIRTH"},
    {EntityType::kGeoCoord, "GEO_COORD"},
    {EntityType::kMasked, "MASKED"},
    {EntityType::kCustom, "CUSTOM"},
    {EntityType::kGeoLocation, "GEO_LOCATION"},
    {EntityType::kDeviceSerial, "DEVICE_SERIAL"},
    {EntityType::kOwnerName, "OWNER_NAME"},
    {EntityType::kThumbnail, "THUMBNAIL"},
}};

constexpr std::array<EntityType, kNames.size()> MakeAllTypes() {
  std::array<EntityType, kNames.size()> out{};
  for (size_t i = 0; i < kNames.size(); ++i) out[i] = kNames[i].first;
  return out;
}
constexpr std::array<EntityType, kNames.size()> kAllTypes = MakeAllTypes();

}  // namespace

std::string_view EntityTypeName(EntityType type) {
  for (const auto& [t, name] : kNames) {
    if (t == type) return name;
  }
  return "UNKNOWN";
}

std::optional<EntityType> ParseEntityType(std::string_view name) {
  for (const auto& [t, n] : kNames) {
    if (n == name) return t;
  }
  return std::nullopt;
}

std::span<const EntityType> AllEntityTypes() { return kAllTypes; }

}  // namespace piivault
