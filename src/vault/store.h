// The vault's storage interface: a small set of transactional operations the
// Vault needs, so tests can inject I/O failures (a wrapping Store) and a
// second backend could be added. Implementations need not be thread-safe: the
// Vault serialises calls. All byte strings are opaque (ciphertexts, keyed
// hashes); no plaintext ever reaches a Store.
#ifndef PIIVAULT_VAULT_STORE_H_
#define PIIVAULT_VAULT_STORE_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "piivault/entity_type.h"
#include "vault/secret_bytes.h"
#include "vault/token_codec.h"

namespace piivault::vault_internal {

enum class TokenKind : uint8_t { kRandom = 0, kDeterministic = 1, kFpe = 2, kPoison = 3 };

struct TokenRow {
  TokenId id = {};
  EntityType field = EntityType::kUnknown;
  TokenKind kind = TokenKind::kRandom;
  uint32_t key_version = 0;  // 0: sealed under the subject's key
  std::string subject;       // keyed hash of the subject, or empty
  std::string bidx;          // blind index (deterministic mode), or empty
  std::string sealed;        // nonce || ciphertext || tag
  int64_t created = 0;
  int64_t expires = 0;  // 0: never
};

struct FieldKeyRow {
  EntityType field = EntityType::kUnknown;
  uint32_t version = 0;
  std::string wrapped;
};

struct AuditRow {
  uint64_t seq = 0;
  int64_t time = 0;
  std::string action;     // tokenize, detokenize, consent, rotate, reencrypt, shred, purge, alert...
  std::string principal;
  std::string purpose;
  std::string field;      // field name
  std::string token_id;   // 16 raw bytes or empty
  std::string decision;   // plaintext/masked/last4/deny/ok/...
  std::string rule;
  std::string policy_hash;
  uint64_t count = 0;
  std::string mac;        // 32 bytes
};

// An audit row as read by ScanAudit: the views point into the store's own
// row buffer and are valid only during the callback (no per-row copies).
struct AuditRowView {
  uint64_t seq = 0;
  int64_t time = 0;
  std::string_view action, principal, purpose, field, token_id, decision, rule, policy_hash;
  uint64_t count = 0;
  std::string_view mac;
};

inline AuditRowView ViewOf(const AuditRow& r) {
  return {r.seq,  r.time,     r.action, r.principal,   r.purpose, r.field,
          r.token_id, r.decision, r.rule, r.policy_hash, r.count,   r.mac};
}

struct StoreFieldStats {
  EntityType field = EntityType::kUnknown;
  uint64_t tokens = 0;
  uint32_t current_version = 0;
  uint64_t on_old_versions = 0;
};

struct StoreStats {
  std::vector<StoreFieldStats> fields;
  uint64_t subjects_with_keys = 0;
  uint64_t audit_rows = 0;
  int schema_version = 0;
  std::string cipher_version;
};

class Store {
 public:
  virtual ~Store() = default;

  // write=true takes the write lock at once (BEGIN IMMEDIATE).
  virtual absl::Status Begin(bool write) = 0;
  virtual absl::Status Commit() = 0;
  virtual void Rollback() = 0;

  // false when a row with this id already exists (nothing written).
  virtual absl::StatusOr<bool> InsertToken(const TokenRow& row) = 0;
  virtual absl::StatusOr<std::optional<TokenRow>> GetToken(const TokenId& id) = 0;
  virtual absl::StatusOr<std::optional<TokenId>> FindByIndex(EntityType field,
                                                             std::string_view subject,
                                                             std::string_view bidx) = 0;
  virtual absl::Status UpdateSealed(const TokenId& id, uint32_t key_version,
                                    std::string_view sealed) = 0;
  virtual absl::Status DeleteToken(const TokenId& id) = 0;
  // Rows (not subject-keyed, not poison) whose key_version is below the
  // field's newest version.
  virtual absl::StatusOr<std::vector<TokenRow>> RowsOnOldKeys(size_t limit) = 0;
  virtual absl::StatusOr<uint64_t> CountOnOldKeys() = 0;
  // Deletes the subject's tokens, keys and consent; returns tokens deleted.
  virtual absl::StatusOr<uint64_t> DeleteSubject(std::string_view subject) = 0;
  virtual absl::StatusOr<uint64_t> DeleteExpired(int64_t now) = 0;

  virtual absl::StatusOr<std::vector<FieldKeyRow>> FieldKeys(EntityType field) = 0;
  virtual absl::Status InsertFieldKey(const FieldKeyRow& row, int64_t now) = 0;
  virtual absl::StatusOr<std::vector<EntityType>> FieldsWithKeys() = 0;
  virtual absl::StatusOr<std::optional<std::string>> GetSubjectKey(std::string_view subject,
                                                                   EntityType field) = 0;
  virtual absl::Status InsertSubjectKey(std::string_view subject, EntityType field,
                                        std::string_view wrapped, int64_t now) = 0;

  virtual absl::StatusOr<std::optional<bool>> GetConsent(std::string_view subject,
                                                         std::string_view purpose) = 0;
  virtual absl::Status PutConsent(std::string_view subject, std::string_view purpose,
                                  bool granted, int64_t now) = 0;

  // The last row's seq and mac (other fields may be empty).
  virtual absl::StatusOr<std::optional<AuditRow>> LastAudit() = 0;
  virtual absl::Status AppendAudit(const AuditRow& row) = 0;
  // Rows in ascending seq order. fn returning an error stops the scan.
  virtual absl::Status ScanAudit(const std::function<absl::Status(const AuditRowView&)>& fn) = 0;

  // Checkpoints the WAL into the main file and truncates it.
  virtual absl::Status Checkpoint() = 0;
  virtual absl::StatusOr<StoreStats> Stats() = 0;
};

struct SqlCipherOptions {
  int busy_timeout_ms = 10000;
  bool fsync_every_commit = true;
};

// Opens (creating if needed) the SQLCipher database at `path` with the raw
// 256-bit key `db_key`, verifies encryption is on and migrates the schema.
// kUnauthenticated "vault key does not match" for a wrong key (nothing is
// written), kDataLoss if the file is a plain SQLite database or corrupt.
absl::StatusOr<std::unique_ptr<Store>> OpenSqlCipherStore(const std::string& path,
                                                          const SecretBytes& db_key,
                                                          const SqlCipherOptions& options);

inline constexpr int kSchemaVersion = 1;

}  // namespace piivault::vault_internal

#endif  // PIIVAULT_VAULT_STORE_H_
