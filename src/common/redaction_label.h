// The labels the redactor's label operator writes in its built-in styles
// (<CN_MOBILE>, <CN_MOBILE_2>, [手机号], [手机号2]): made here, and
// recognised here, so that the detector can tell a label in text it scans
// (a second pass over redacted output) from words: "MOBILE" in a label is
// no keyword for the number beside it.
#ifndef PIIVAULT_COMMON_REDACTION_LABEL_H_
#define PIIVAULT_COMMON_REDACTION_LABEL_H_

#include <cstddef>
#include <string>
#include <string_view>

#include "piivault/entity_type.h"

namespace piivault::internal {

// The name a Chinese-style label of `type` carries ("手机号" in [手机号]).
std::string_view ChineseLabelName(EntityType type);

// If a built-in-style label starts at text[i] ('<' or '['), or the hash
// operator's output (<CN_MOBILE#…>, 32 letters g..v), the offset one past
// its end; otherwise 0.
size_t BuiltinLabelEnd(std::string_view text, size_t i);

// A label a policy spells out itself ("<身份证>"), numbered: the number goes
// before a closing '>' (after '_'), ']' or '】', else after "_": <身份证_2>,
// [身份证2], 【身份证2】, ID_2. `number` >= 1.
std::string NumberedCustomLabel(std::string_view label, int number);

// What of a custom label a search looks for first: the label without its
// closing bracket (numbered forms share it), or the whole label.
std::string_view CustomLabelStem(std::string_view label);

// If `label`, or one of its numbered forms, starts at text[i], the offset
// one past its end; otherwise 0.
size_t CustomLabelEnd(std::string_view text, size_t i, std::string_view label);

// If a vault token (tok_<tag>_<26 base32 letters>: tok_mob_…, the token
// operator's output with a random token) starts at text[i], the offset one
// past its end; otherwise 0. (Format-preserving tokens keep the form of
// their value and are read as such.)
size_t VaultTokenEnd(std::string_view text, size_t i);

}  // namespace piivault::internal

#endif  // PIIVAULT_COMMON_REDACTION_LABEL_H_
