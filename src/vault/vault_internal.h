// Test hooks for the vault (not part of the public API).
#ifndef PIIVAULT_VAULT_VAULT_INTERNAL_H_
#define PIIVAULT_VAULT_VAULT_INTERNAL_H_

#include <functional>
#include <memory>

#include "absl/status/statusor.h"
#include "piivault/vault.h"
#include "vault/store.h"

namespace piivault {

struct VaultTestPeer {
  using StoreWrapper =
      std::function<std::unique_ptr<vault_internal::Store>(std::unique_ptr<vault_internal::Store>)>;
  // Vault::Open, with the storage passed through `wrap` (e.g. to inject faults).
  static absl::StatusOr<Vault> OpenWrapped(const VaultOptions& options, StoreWrapper wrap);
  static absl::StatusOr<std::unique_ptr<Vault::Impl>> OpenImpl(const VaultOptions& options,
                                                               const StoreWrapper& wrap);
};

namespace vault_internal {
// The raw SQLCipher key of the vault in `dir` (for tamper tests that edit the
// database directly).
absl::StatusOr<SecretBytes> DatabaseKeyForTest(const VaultOptions& options);
// The audit-chain MAC key (for tests that recompute the chain independently).
absl::StatusOr<SecretBytes> AuditKeyForTest(const VaultOptions& options);
}  // namespace vault_internal

}  // namespace piivault

#endif  // PIIVAULT_VAULT_VAULT_INTERNAL_H_
