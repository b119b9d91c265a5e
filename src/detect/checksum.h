// Check-character arithmetic for Chinese and international identifiers.
//
// Pure functions over ASCII, no allocation: the engine calls them on every
// candidate. Inputs are canonical (separators removed, upper case, ASCII
// digits); anything else returns false / '\0'. Validation *policy* (region
// tables, dates, context) lives in the engine, not here: these are the parts
// cross-checked against python3-stdnum (tests/scripts/stdnum_differential).
//
// See ../shared/pii-formats.md §2–§9 and §12 for the algorithms and vectors.
#ifndef PIIVAULT_DETECT_CHECKSUM_H_
#define PIIVAULT_DETECT_CHECKSUM_H_

#include <string_view>

namespace piivault::internal {

// GB 11643-1999 (ISO 7064 MOD 11-2): check char ('0'-'9' or 'X') for the
// first 17 digits; '\0' if `first17` is not 17 ASCII digits.
char ResidentIdCheckChar(std::string_view first17);
// 18 chars whose last is the correct check char (no date/region checks).
bool ResidentIdChecksumValid(std::string_view id18);

// GB 32100-2015 (mod 31 over the 31-char alphabet 0-9 A-H J-N P-R T-U W-Y):
// check char for the first 17 chars; '\0' if any char is outside the alphabet.
char UsccCheckChar(std::string_view first17);
bool UsccChecksumValid(std::string_view uscc18);

// GB 11714-1997 organisation code: check char ('0'-'9' or 'X') for the first
// 8 chars (digits or upper-case letters); '\0' if malformed.
char OrgCodeCheckChar(std::string_view first8);
// 9 chars (no hyphen) with a correct check char.
bool OrgCodeChecksumValid(std::string_view code9);

// ISO 7064 MOD 11,10 (15-digit business registration numbers).
bool Iso7064Mod11_10Valid(std::string_view digits);

// Luhn (ISO/IEC 7812-1) over ASCII digits; false for empty or non-digits.
bool LuhnValid(std::string_view digits);

// IMEI: exactly 15 digits, Luhn-valid.
bool ImeiValid(std::string_view digits15);

// MEID: 14 hex digits + a base-16 Luhn check digit (15 chars, upper case).
bool MeidHexValid(std::string_view hex15);
// The base-16 Luhn check digit for 14 hex digits; '\0' if malformed.
char MeidHexCheckChar(std::string_view hex14);

}  // namespace piivault::internal

#endif  // PIIVAULT_DETECT_CHECKSUM_H_
