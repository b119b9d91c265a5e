// Master-key sources, the wrapped root key, and crypto_kdf derivations.
//
// master.key (0600) is one of
//   piivault-master v1 raw <64 hex>
//   piivault-master v1 argon2id <opslimit> <memlimit> <salt hex> <nonce hex> <sealed hex>
// root.key holds the random root key wrapped (XChaCha20-Poly1305) under one
// or more master keys, one line each, selected by a master-key fingerprint:
//   piivault-root v1
//   <fingerprint hex> <nonce hex> <sealed hex>
// Two lines exist only during a master-key rotation, so a crash at any point
// leaves a vault that opens with the old or the new master key.
#ifndef PIIVAULT_VAULT_KEYS_H_
#define PIIVAULT_VAULT_KEYS_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "piivault/vault.h"
#include "vault/secret_bytes.h"

namespace piivault::vault_internal {

inline constexpr size_t kKeyBytes = 32;

// Decodes 64 hex chars into a 32-byte secret (kInvalidArgument otherwise; the
// message never quotes the input).
absl::StatusOr<SecretBytes> KeyFromHex(std::string_view hex);
absl::StatusOr<SecretBytes> RandomKey();

// Resolves the master key per KeySource's order. `dir` locates the default key file.
absl::StatusOr<SecretBytes> LoadMasterKey(const std::string& dir, const KeySource& source);

// The contents of a master.key file for `master` (optionally passphrase-wrapped).
absl::StatusOr<std::string> MasterKeyFileContents(const SecretBytes& master,
                                                  std::string_view passphrase,
                                                  const PassphraseCost& cost);
// Refuses files readable or writable by group/others (kPermissionDenied).
absl::Status CheckKeyFilePermissions(const std::string& path);

std::string MasterFingerprintHex(const SecretBytes& master);
// One root.key line wrapping `root` under `master`.
absl::StatusOr<std::string> WrapRootLine(const SecretBytes& root, const SecretBytes& master);
// Finds the line for `master` in root.key contents and unwraps it.
// kUnauthenticated "vault key does not match" when none matches or it fails.
absl::StatusOr<SecretBytes> UnwrapRoot(std::string_view root_file, const SecretBytes& master);

// crypto_kdf subkeys of the root key.
enum class KeyPurpose : uint64_t {
  kDatabase = 1,
  kAuditMac = 2,
  kSigningSeed = 3,
  kSubjectHash = 4,
  kFieldKekBase = 0x100,    // + field
  kFieldIndexBase = 0x200,  // + field
};
absl::StatusOr<SecretBytes> DeriveKey(const SecretBytes& root, uint64_t id);

std::string HexEncode(std::string_view bytes);

}  // namespace piivault::vault_internal

#endif  // PIIVAULT_VAULT_KEYS_H_
