// Status propagation helpers (Debian's Abseil 20220623 has none of its own).
#ifndef PIIVAULT_COMMON_STATUS_MACROS_H_
#define PIIVAULT_COMMON_STATUS_MACROS_H_

#include "absl/status/status.h"
#include "absl/status/statusor.h"

#define PIIVAULT_RETURN_IF_ERROR(expr)                                 \
  do {                                                                 \
    if (::absl::Status piivault_status_ = (expr); !piivault_status_.ok()) \
      return piivault_status_;                                         \
  } while (0)

#define PIIVAULT_STATUS_CONCAT_INNER_(a, b) a##b
#define PIIVAULT_STATUS_CONCAT_(a, b) PIIVAULT_STATUS_CONCAT_INNER_(a, b)

// PIIVAULT_ASSIGN_OR_RETURN(auto x, MakeX());  or  (x, MakeX()) for an existing x.
#define PIIVAULT_ASSIGN_OR_RETURN(lhs, expr) \
  PIIVAULT_ASSIGN_OR_RETURN_IMPL_(PIIVAULT_STATUS_CONCAT_(piivault_statusor_, __LINE__), lhs, expr)
#define PIIVAULT_ASSIGN_OR_RETURN_IMPL_(statusor, lhs, expr) \
  auto statusor = (expr);                                    \
  if (!statusor.ok()) return std::move(statusor).status();   \
  lhs = std::move(statusor).value()

#endif  // PIIVAULT_COMMON_STATUS_MACROS_H_
