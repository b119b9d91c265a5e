// A file compiled into the library (see cmake/embed_files.cmake).
#ifndef PIIVAULT_COMMON_EMBEDDED_FILE_H_
#define PIIVAULT_COMMON_EMBEDDED_FILE_H_

#include <cstddef>
#include <string_view>

namespace piivault::internal {

struct EmbeddedFile {
  std::string_view name;      // base name, e.g. "resident_id.toml"
  std::string_view contents;  // the file's bytes; static storage
};

}  // namespace piivault::internal

#endif  // PIIVAULT_COMMON_EMBEDDED_FILE_H_
