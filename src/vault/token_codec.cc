#include "vault/token_codec.h"

#include <sodium.h>

#include <cstring>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "piivault/vault.h"

namespace piivault {
namespace {

struct TagEntry {
  EntityType type;
  std::string_view tag;
};

constexpr TagEntry kTags[] = {
    {EntityType::kCnResidentId, "cnid"},    {EntityType::kCnPassport, "cnpp"},
    {EntityType::kCnHkMacauPermit, "hkmo"}, {EntityType::kCnTaiwanPermit, "twp"},
    {EntityType::kCnUscc, "uscc"},          {EntityType::kCnOrgCode, "org"},
    {EntityType::kCnBusinessRegNo, "brn"},  {EntityType::kCnAccountPermit, "acct"},
    {EntityType::kBankCard, "card"},        {EntityType::kCnMobile, "mob"},
    {EntityType::kCnLandline, "tel"},       {EntityType::kCnPlate, "plate"},
    {EntityType::kEmail, "email"},          {EntityType::kIpv4, "ipv4"},
    {EntityType::kIpv6, "ipv6"},            {EntityType::kMacAddress, "mac"},
    {EntityType::kImei, "imei"},            {EntityType::kMeid, "meid"},
    {EntityType::kDeviceId, "dev"},         {EntityType::kQq, "qq"},
    {EntityType::kWechatId, "wx"},          {EntityType::kPersonName, "name"},
    {EntityType::kAddress, "addr"},         {EntityType::kDateOfBirth, "dob"},
    {EntityType::kGeoCoord, "geo"},         {EntityType::kMasked, "mask"},
    {EntityType::kCustom, "cust"},          {EntityType::kGeoLocation, "gloc"},
    {EntityType::kDeviceSerial, "dsn"},     {EntityType::kOwnerName, "owner"},
    {EntityType::kThumbnail, "thumb"},
};

constexpr char kB32[] = "abcdefghijklmnopqrstuvwxyz234567";
constexpr char kUsccAlphabet[] = "0123456789ABCDEFGHJKLMNPQRTUWXY";

int B32Value(char c) {
  if (c >= 'a' && c <= 'z') return c - 'a';
  if (c >= '2' && c <= '7') return c - '2' + 26;
  return -1;
}

uint32_t Uniform(uint32_t n) { return randombytes_uniform(n); }

char RandomDigit() { return static_cast<char>('0' + Uniform(10)); }

}  // namespace

std::string_view TokenTypeTag(EntityType field) {
  for (const TagEntry& e : kTags)
    if (e.type == field) return e.tag;
  return "unk";
}

namespace vault_internal {

std::optional<EntityType> FieldFromTag(std::string_view tag) {
  for (const TagEntry& e : kTags)
    if (e.tag == tag) return e.type;
  return std::nullopt;
}

std::string Base32Encode16(const TokenId& id) {
  std::string out;
  out.reserve(26);
  uint32_t buffer = 0;
  int bits = 0;
  for (uint8_t b : id) {
    buffer = (buffer << 8) | b;
    bits += 8;
    while (bits >= 5) {
      out.push_back(kB32[(buffer >> (bits - 5)) & 31]);
      bits -= 5;
    }
  }
  if (bits > 0) out.push_back(kB32[(buffer << (5 - bits)) & 31]);
  return out;
}

std::optional<TokenId> Base32Decode16(std::string_view text) {
  if (text.size() != 26) return std::nullopt;
  TokenId id{};
  uint32_t buffer = 0;
  int bits = 0;
  size_t n = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    int v = B32Value(text[i]);
    if (v < 0) return std::nullopt;
    buffer = (buffer << 5) | static_cast<uint32_t>(v);
    bits += 5;
    if (bits >= 8) {
      if (n >= id.size()) {
        // Only the final char may leave bits over; they must be zero.
        return std::nullopt;
      }
      id[n++] = static_cast<uint8_t>(buffer >> (bits - 8));
      bits -= 8;
    }
    buffer &= (1u << bits) - 1;
  }
  if (n != id.size() || bits != 2 || (buffer & 3) != 0) return std::nullopt;
  return id;
}

std::string FormatRandomToken(EntityType field, const TokenId& id) {
  std::string out = "tok_";
  out.append(TokenTypeTag(field));
  out.push_back('_');
  out.append(Base32Encode16(id));
  return out;
}

TokenId FpeTokenId(std::string_view token) {
  static constexpr char kDomain[] = "piivault-fpe-v1:";
  crypto_generichash_state st;
  crypto_generichash_init(&st, nullptr, 0, 16);
  crypto_generichash_update(&st, reinterpret_cast<const uint8_t*>(kDomain), sizeof kDomain - 1);
  crypto_generichash_update(&st, reinterpret_cast<const uint8_t*>(token.data()), token.size());
  TokenId id;
  crypto_generichash_final(&st, id.data(), id.size());
  return id;
}

char Gb11643CheckChar(std::string_view s) {
  static constexpr int kW[17] = {7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2};
  int sum = 0;
  for (int i = 0; i < 17; ++i) {
    if (i >= static_cast<int>(s.size()) || s[i] < '0' || s[i] > '9') return 0;
    sum += (s[i] - '0') * kW[i];
  }
  return "10X98765432"[sum % 11];
}

char UsccCheckChar(std::string_view s) {
  static constexpr int kW[17] = {1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28};
  int sum = 0;
  for (int i = 0; i < 17; ++i) {
    if (i >= static_cast<int>(s.size()) || s[i] == 0) return 0;
    const char* p = std::strchr(kUsccAlphabet, s[i]);
    if (p == nullptr) return 0;
    sum += static_cast<int>(p - kUsccAlphabet) * kW[i];
  }
  return kUsccAlphabet[(31 - sum % 31) % 31];
}

bool LuhnValid(std::string_view d) {
  if (d.empty()) return false;
  int sum = 0;
  bool dbl = false;
  for (size_t i = d.size(); i-- > 0;) {
    if (d[i] < '0' || d[i] > '9') return false;
    int v = d[i] - '0';
    if (dbl) {
      v *= 2;
      if (v > 9) v -= 9;
    }
    sum += v;
    dbl = !dbl;
  }
  return sum % 10 == 0;
}

bool SupportsFormatPreserving(EntityType field) {
  return field == EntityType::kCnResidentId || field == EntityType::kBankCard ||
         field == EntityType::kCnUscc;
}

std::string MakeFpeToken(EntityType field, std::string_view value) {
  std::string t;
  switch (field) {
    case EntityType::kCnResidentId: {
      // Region 00xxxx (no province 00), a plausible year, month 00, a day,
      // sequence, then a deliberately wrong check character.
      t = "00";
      for (int i = 0; i < 4; ++i) t.push_back(RandomDigit());
      t.push_back(Uniform(2) ? '1' : '2');
      t.push_back(t.back() == '1' ? '9' : '0');
      t.push_back(RandomDigit());
      t.push_back(RandomDigit());
      t += "00";
      t.push_back(static_cast<char>('0' + Uniform(3)));
      t.push_back(RandomDigit());
      for (int i = 0; i < 3; ++i) t.push_back(RandomDigit());
      const char good = Gb11643CheckChar(t);
      static constexpr char kChecks[] = "0123456789X";
      char c;
      do c = kChecks[Uniform(11)];
      while (c == good);
      t.push_back(c);
      return t;
    }
    case EntityType::kBankCard: {
      size_t len = 0;
      for (char c : value)
        if (c >= '0' && c <= '9') ++len;
      if (len < 14 || len > 19) len = 16;
      // Leading 0: no payment card number starts with MII 0, no Chinese ID
      // starts with 0, and lengths >= 14 exclude landlines. The second digit
      // is never 0: "00" is the international prefix, and 0086 + a landline
      // or mobile number would be real data (found by the detector test).
      t.push_back('0');
      t.push_back(static_cast<char>('1' + Uniform(9)));
      while (t.size() < len - 1) t.push_back(RandomDigit());
      // Pick a last digit for which Luhn fails (exactly one digit passes).
      for (;;) {
        std::string candidate = t;
        candidate.push_back(RandomDigit());
        if (!LuhnValid(candidate)) return candidate;
      }
    }
    case EntityType::kCnUscc: {
      // Region 00xxxx (no province 00) and a letter at position 9 (so it can
      // never be an 18-char ID number), then a wrong check character.
      t.push_back(static_cast<char>('1' + Uniform(9)));
      t.push_back(kUsccAlphabet[Uniform(31)]);
      t += "00";
      for (int i = 0; i < 4; ++i) t.push_back(RandomDigit());
      t.push_back(kUsccAlphabet[10 + Uniform(21)]);
      for (int i = 0; i < 8; ++i) t.push_back(kUsccAlphabet[Uniform(31)]);
      const char good = UsccCheckChar(t);
      char c;
      do c = kUsccAlphabet[Uniform(31)];
      while (c == good);
      t.push_back(c);
      return t;
    }
    default:
      return {};
  }
}

bool IsFpeToken(EntityType field, std::string_view s) {
  switch (field) {
    case EntityType::kCnResidentId: {
      if (s.size() != 18 || s[0] != '0' || s[1] != '0' || s[10] != '0' || s[11] != '0')
        return false;
      for (size_t i = 0; i < 17; ++i)
        if (s[i] < '0' || s[i] > '9') return false;
      if (!((s[17] >= '0' && s[17] <= '9') || s[17] == 'X')) return false;
      return Gb11643CheckChar(s.substr(0, 17)) != s[17];
    }
    case EntityType::kBankCard:
      if (s.size() < 14 || s.size() > 19 || s[0] != '0') return false;
      for (char c : s)
        if (c < '0' || c > '9') return false;
      return !LuhnValid(s);
    case EntityType::kCnUscc: {
      if (s.size() != 18 || s[0] < '1' || s[0] > '9' || s[2] != '0' || s[3] != '0' ||
          (s[8] >= '0' && s[8] <= '9'))
        return false;
      for (size_t i = 4; i < 8; ++i)
        if (s[i] < '0' || s[i] > '9') return false;
      for (char c : s)
        if (c == 0 || std::strchr(kUsccAlphabet, c) == nullptr) return false;
      return UsccCheckChar(s.substr(0, 17)) != s[17];
    }
    default:
      return false;
  }
}

absl::StatusOr<ParsedToken> ParseToken(std::string_view text) {
  ParsedToken p;
  if (text.size() > 4 && text.substr(0, 4) == "tok_") {
    std::string_view rest = text.substr(4);
    size_t us = rest.find('_');
    if (us == std::string_view::npos || us == 0 || us > 8) {
      return absl::InvalidArgumentError("malformed token: bad type tag");
    }
    std::optional<EntityType> field = FieldFromTag(rest.substr(0, us));
    if (!field) return absl::InvalidArgumentError("malformed token: unknown type tag");
    std::optional<TokenId> id = Base32Decode16(rest.substr(us + 1));
    if (!id) return absl::InvalidArgumentError("malformed token: bad base32 body");
    p.field = *field;
    p.id = *id;
    return p;
  }
  for (EntityType f : {EntityType::kCnResidentId, EntityType::kBankCard, EntityType::kCnUscc}) {
    if (IsFpeToken(f, text)) {
      p.format_preserving = true;
      p.field = f;
      p.id = FpeTokenId(text);
      return p;
    }
  }
  return absl::InvalidArgumentError(
      absl::StrCat("not a token (", text.size(), " bytes)"));
}

}  // namespace vault_internal

bool LooksLikeToken(std::string_view text) { return vault_internal::ParseToken(text).ok(); }

}  // namespace piivault
