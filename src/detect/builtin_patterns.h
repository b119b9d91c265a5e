// The pattern files from patterns/*.toml, compiled into the library.
#ifndef PIIVAULT_DETECT_BUILTIN_PATTERNS_H_
#define PIIVAULT_DETECT_BUILTIN_PATTERNS_H_

#include <cstddef>

#include "common/embedded_file.h"

namespace piivault::internal {

// kBuiltinPatternFilesCount entries, sorted by name, then one empty sentinel.
extern const EmbeddedFile kBuiltinPatternFiles[];
extern const size_t kBuiltinPatternFilesCount;

}  // namespace piivault::internal

#endif  // PIIVAULT_DETECT_BUILTIN_PATTERNS_H_
