// Move-only secret buffer in sodium_malloc() memory (guard pages, mlock'd),
// wiped and released by sodium_free(); never copied, never printed.
#ifndef PIIVAULT_VAULT_SECRET_BYTES_H_
#define PIIVAULT_VAULT_SECRET_BYTES_H_

#include <cstddef>
#include <cstdint>

#include "absl/status/statusor.h"

namespace piivault::vault_internal {

class SecretBytes {
 public:
  SecretBytes() = default;
  // kResourceExhausted if sodium_malloc fails. Contents are zeroed.
  static absl::StatusOr<SecretBytes> Allocate(size_t size);
  SecretBytes(SecretBytes&& other) noexcept;
  SecretBytes& operator=(SecretBytes&& other) noexcept;
  SecretBytes(const SecretBytes&) = delete;
  SecretBytes& operator=(const SecretBytes&) = delete;
  ~SecretBytes();

  uint8_t* data() { return data_; }
  const uint8_t* data() const { return data_; }
  size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }

 private:
  uint8_t* data_ = nullptr;
  size_t size_ = 0;
};

}  // namespace piivault::vault_internal

#endif  // PIIVAULT_VAULT_SECRET_BYTES_H_
