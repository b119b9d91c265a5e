// What the redactor's masks keep, where the detector needs to know it too
// (a second pass over masked output must read a kept part as the first pass
// read the value). One place, so that redact and detect cannot drift apart.
#ifndef PIIVAULT_COMMON_MASK_CONVENTION_H_
#define PIIVAULT_COMMON_MASK_CONVENTION_H_

#include <cstddef>
#include <string_view>

namespace piivault::internal {

// Where a landline number's extension begins in its raw text ("转8021",
// "分机8021", "ext 8021"): the mask keeps the extension as written
// ("010-****5678转8021"). std::string_view::npos if it has none (a marker
// at offset 0 starts no extension).
inline size_t LandlineExtensionAt(std::string_view raw) {
  for (std::string_view marker : {"转", "分机", "ext", "EXT", "Ext"}) {
    const size_t at = raw.find(marker);
    if (at != std::string_view::npos && at > 0) return at;
  }
  return std::string_view::npos;
}

}  // namespace piivault::internal

#endif  // PIIVAULT_COMMON_MASK_CONVENTION_H_
