// Whole-file I/O with errors that name the path (never the contents).
#ifndef PIIVAULT_COMMON_FILE_UTIL_H_
#define PIIVAULT_COMMON_FILE_UTIL_H_

#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace piivault::internal {

// Reads the whole file. kNotFound if it does not exist, kPermissionDenied,
// kInvalidArgument if it is larger than max_bytes, kInternal on read errors.
absl::StatusOr<std::string> ReadFile(const std::string& path, size_t max_bytes = size_t{1} << 32);

// Writes `contents` to `path` through a temporary file in the same directory,
// fsync, then rename: readers see the old file or the new one, never a torn one,
// and the original survives any failure. `mode` is applied to the new file.
absl::Status WriteFileAtomically(const std::string& path, std::string_view contents,
                                 unsigned mode = 0644);

}  // namespace piivault::internal

#endif  // PIIVAULT_COMMON_FILE_UTIL_H_
