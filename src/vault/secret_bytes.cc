#include "vault/secret_bytes.h"

#include <sodium.h>

#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

namespace piivault::vault_internal {

absl::StatusOr<SecretBytes> SecretBytes::Allocate(size_t size) {
  if (sodium_init() < 0) return absl::InternalError("libsodium failed to initialise");
  SecretBytes s;
  if (size == 0) return s;
  void* p = sodium_malloc(size);
  if (p == nullptr) {
    return absl::ResourceExhaustedError(
        absl::StrCat("cannot allocate ", size, " bytes of protected memory"));
  }
  sodium_memzero(p, size);
  s.data_ = static_cast<uint8_t*>(p);
  s.size_ = size;
  return s;
}

SecretBytes::SecretBytes(SecretBytes&& other) noexcept
    : data_(std::exchange(other.data_, nullptr)), size_(std::exchange(other.size_, 0)) {}

SecretBytes& SecretBytes::operator=(SecretBytes&& other) noexcept {
  if (this != &other) {
    if (data_ != nullptr) sodium_free(data_);
    data_ = std::exchange(other.data_, nullptr);
    size_ = std::exchange(other.size_, 0);
  }
  return *this;
}

SecretBytes::~SecretBytes() {
  if (data_ != nullptr) sodium_free(data_);  // sodium_free wipes before unmapping
}

}  // namespace piivault::vault_internal
