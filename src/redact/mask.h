// Masking and labelling of one value (pii-formats.md §1.6, §13).
#ifndef PIIVAULT_REDACT_MASK_H_
#define PIIVAULT_REDACT_MASK_H_

#include <string>
#include <string_view>

#include "piivault/entity_type.h"
#include "piivault/redactor.h"

namespace piivault::redact_internal {

// Masks `raw` (the value as it appears in the text) in place: hidden
// characters become '*', separators are kept. `normalized` is the canonical
// value (may be empty). The same type always gets the same mask.
std::string MaskValue(EntityType type, std::string_view raw, std::string_view normalized);

// MaskValue as an edit: false when the mask leaves `raw` as it is; else
// raw[*pre, raw.size() - *suf) (whole UTF-8 characters, the bytes that
// change) is to be replaced by *replacement. Kept characters stay byte for
// byte as written (this matters in JSON, where they may be \u escapes).
bool MaskEdit(EntityType type, std::string_view raw, std::string_view normalized, size_t* pre,
              size_t* suf, std::string* replacement);

// `masked` (raw with some characters replaced) as an edit of `raw`, as
// MaskEdit gives it: false when they are equal; else the bytes that differ,
// widened to whole UTF-8 characters of raw.
bool EditBetween(std::string_view raw, std::string masked, size_t* pre, size_t* suf, std::string* replacement);


// The label text for `type`; number 0 means unnumbered.
std::string MakeLabel(EntityType type, const TypeRule& rule, LabelStyle style, int number);

// Decodes one UTF-8 code point at text[i]; returns its length (1 for an
// invalid byte, with *cp = 0xFFFFFFFF).
size_t DecodeUtf8(std::string_view text, size_t i, uint32_t* cp);

}  // namespace piivault::redact_internal

#endif  // PIIVAULT_REDACT_MASK_H_
