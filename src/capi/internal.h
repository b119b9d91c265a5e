// Shared by the C ABI's translation units (include/piivault/piivault.h):
// the exception firewall, the thread-local error message, the wiping block
// allocator behind every buffer the C ABI hands out, and the handle structs.
#ifndef PIIVAULT_CAPI_INTERNAL_H_
#define PIIVAULT_CAPI_INTERNAL_H_

#include <cstddef>
#include <cstring>
#include <memory>
#include <new>
#include <string>
#include <string_view>
#include <utility>

#include "absl/status/status.h"
#include "piivault/detector.h"
#include "piivault/piivault.h"
#include "piivault/redactor.h"
#include "piivault/vault.h"

namespace piivault::capi {

// Records `status` as this thread's last error ("" when ok) and returns its
// code as a C status. Never allocates, never throws (the message is copied,
// truncated if needed, into a fixed thread-local buffer).
int SetLastError(const absl::Status& status) noexcept;
int SetLastError(int code, const char* message) noexcept;

// Runs `body` (returning absl::Status) and returns its code, having recorded
// the message; an exception escaping it becomes PIIVAULT_RESOURCE_EXHAUSTED
// (std::bad_alloc) or PIIVAULT_INTERNAL, never a crash across the C boundary.
// what() is not reported: a foreign exception's text is not known to be free
// of personal data.
template <typename Body>
int Guard(Body&& body) noexcept {
  try {
    return SetLastError(std::forward<Body>(body)());
  } catch (const std::bad_alloc&) {
    return SetLastError(PIIVAULT_RESOURCE_EXHAUSTED, "out of memory (std::bad_alloc)");
  } catch (...) {
    return SetLastError(PIIVAULT_INTERNAL, "unexpected C++ exception inside piivault");
  }
}

// "<function>: <what> is NULL".
absl::Status NullArgument(const char* function, const char* what);

// A (pointer, length) input as a view; kInvalidArgument for NULL with len > 0.
absl::Status InputView(const char* function, const char* what, const char* data, size_t len,
                       std::string_view* view);

// Every buffer, array and string the C ABI returns lives in one malloc block
// with a hidden header recording its size, so one free function can wipe it
// (it may hold personal data) and release it. Returns nullptr when out of
// memory. The payload is aligned for any type.
void* AllocBlock(size_t payload_bytes) noexcept;
// Wipes and frees a block from AllocBlock; nullptr is a no-op.
void FreeBlock(void* payload) noexcept;

// Lays out a block: a fixed head (an array of structs) followed by
// NUL-terminated strings. Reserve everything first, then Allocate, then Copy
// in the same order.
class BlockWriter {
 public:
  explicit BlockWriter(size_t head_bytes) : head_bytes_(head_bytes) {}
  void Reserve(std::string_view s) { string_bytes_ += s.size() + 1; }
  // False when out of memory or the size overflows.
  bool Allocate();
  void* head() const { return block_; }
  // Copies `s` plus a NUL after the previous string; returns its address.
  const char* Copy(std::string_view s);
  // Ownership passes to the caller (free with FreeBlock).
  void* Release() { return std::exchange(block_, nullptr); }
  ~BlockWriter() { FreeBlock(block_); }

 private:
  size_t head_bytes_;
  size_t string_bytes_ = 0;
  size_t used_ = 0;
  void* block_ = nullptr;
};

// A text buffer (len bytes + NUL) from AllocBlock; nullptr when out of memory.
char* CopyToBuffer(std::string_view text) noexcept;

// Returns buffers through (out, out_len) and maps "out of memory" to a status.
absl::Status ReturnBuffer(std::string_view text, char** out, size_t* out_len);

// Wipes a string that may hold personal data or key material.
void Wipe(std::string& s) noexcept;

}  // namespace piivault::capi

// ---- Handles (opaque in the C header) --------------------------------------

struct piivault_detector_options {
  piivault::DetectorOptions options;
};

struct piivault_detector {
  std::shared_ptr<const piivault::Detector> detector;
};

struct piivault_vault {
  std::shared_ptr<piivault::Vault> vault;
};

struct piivault_redactor_options {
  piivault::RedactorOptions options;
  std::shared_ptr<piivault::Vault> vault;  // made into a Tokenizer at create
  std::string vault_principal;
};

namespace piivault::capi {
// What a redactor handle and its streams share: the Redactor refers to the
// Detector, so both live together as long as any handle needs them.
struct RedactorHolder {
  std::shared_ptr<const Detector> detector;
  Redactor redactor;
};
}  // namespace piivault::capi

struct piivault_redactor {
  std::shared_ptr<const piivault::capi::RedactorHolder> holder;
};

#endif  // PIIVAULT_CAPI_INTERNAL_H_
