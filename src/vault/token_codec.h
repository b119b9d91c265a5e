// Token text formats: tok_<tag>_<26 base32 chars> (128 random bits) and
// format-preserving tokens that keep length and charset but can never be
// valid data (ID: region 00xxxx + month 00 + wrong check; card: wrong Luhn;
// USCC: wrong check character).
#ifndef PIIVAULT_VAULT_TOKEN_CODEC_H_
#define PIIVAULT_VAULT_TOKEN_CODEC_H_

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "piivault/entity_type.h"

namespace piivault::vault_internal {

using TokenId = std::array<uint8_t, 16>;

struct ParsedToken {
  bool format_preserving = false;
  EntityType field = EntityType::kUnknown;  // known for tok_ tokens only
  TokenId id = {};
};

std::optional<EntityType> FieldFromTag(std::string_view tag);

// 16 bytes -> 26 lower-case RFC 4648 base32 chars (last 2 bits zero).
std::string Base32Encode16(const TokenId& id);
// Strict: exactly 26 chars of the alphabet, canonical trailing bits.
std::optional<TokenId> Base32Decode16(std::string_view text);

std::string FormatRandomToken(EntityType field, const TokenId& id);

// The row id a format-preserving token maps to (BLAKE2b-128 of the text).
TokenId FpeTokenId(std::string_view token);

// Whether format-preserving tokens exist for this field.
bool SupportsFormatPreserving(EntityType field);
// A new random format-preserving token for `field` shaped like `value`.
std::string MakeFpeToken(EntityType field, std::string_view value);
// Whether `text` is a well-formed FPE token of `field`.
bool IsFpeToken(EntityType field, std::string_view text);

// kInvalidArgument (without quoting the text) if it is not a token.
absl::StatusOr<ParsedToken> ParseToken(std::string_view text);

// Checksums (also used by tests).
char Gb11643CheckChar(std::string_view first17);
char UsccCheckChar(std::string_view first17);  // 0 if a char is outside the alphabet
bool LuhnValid(std::string_view digits);

}  // namespace piivault::vault_internal

#endif  // PIIVAULT_VAULT_TOKEN_CODEC_H_
