// File: piivault/entity_type.h
//
// The kinds of personal data piivault knows. Each has a stable upper-case
// name (e.g. "CN_RESIDENT_ID") that appears in JSON output, policy files and
// pattern files; those names are a contract and never change.
//
//   EntityType t = EntityType::kCnMobile;
//   std::string_view name = EntityTypeName(t);             // "CN_MOBILE"
//   std::optional<EntityType> u = ParseEntityType("EMAIL");  // kEmail
#ifndef PIIVAULT_ENTITY_TYPE_H_
#define PIIVAULT_ENTITY_TYPE_H_

#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

namespace piivault {

enum class EntityType : uint16_t {
  kUnknown = 0,
  // Identity documents.
  kCnResidentId,      // CN_RESIDENT_ID: 18-char (GB 11643), legacy 15-digit, foreigner permanent residence
  kCnPassport,        // CN_PASSPORT
  kCnHkMacauPermit,   // CN_HK_MACAU_PERMIT
  kCnTaiwanPermit,    // CN_TAIWAN_PERMIT
  // Enterprise identifiers.
  kCnUscc,            // CN_USCC: 统一社会信用代码 (GB 32100)
  kCnOrgCode,         // CN_ORG_CODE: 组织机构代码 (GB 11714)
  kCnBusinessRegNo,   // CN_BUSINESS_REG_NO: 15-digit 注册号
  kCnAccountPermit,   // CN_ACCOUNT_PERMIT: 开户许可证核准号
  // Money.
  kBankCard,          // BANK_CARD
  // Phones.
  kCnMobile,          // CN_MOBILE
  kCnLandline,        // CN_LANDLINE
  // Vehicles.
  kCnPlate,           // CN_PLATE
  // Online and device identifiers.
  kEmail,             // EMAIL
  kIpv4,              // IPV4
  kIpv6,              // IPV6
  kMacAddress,        // MAC_ADDRESS
  kImei,              // IMEI
  kMeid,              // MEID
  kDeviceId,          // DEVICE_ID: IDFA / IDFV / OAID / Android ID
  kQq,                // QQ
  kWechatId,          // WECHAT_ID
  // People and places.
  kPersonName,        // PERSON_NAME
  kAddress,           // ADDRESS
  kDateOfBirth,       // DATE_OF_BIRTH
  kGeoCoord,          // GEO_COORD
  // A value that was already masked (138****5678); Finding::masked_as says what it resembles.
  kMasked,            // MASKED
  // A literal term from a caller's deny-list.
  kCustom,            // CUSTOM
  // Image-metadata types (reported by the image scanner).
  kGeoLocation,       // GEO_LOCATION
  kDeviceSerial,      // DEVICE_SERIAL
  kOwnerName,         // OWNER_NAME
  kThumbnail,         // THUMBNAIL
};

// The stable name, e.g. "CN_RESIDENT_ID"; "UNKNOWN" for kUnknown.
std::string_view EntityTypeName(EntityType type);

// Parses a stable name (exact, upper case). nullopt if unknown.
std::optional<EntityType> ParseEntityType(std::string_view name);

// Every type except kUnknown, in declaration order.
std::span<const EntityType> AllEntityTypes();

}  // namespace piivault

#endif  // PIIVAULT_ENTITY_TYPE_H_
