// File: piivault/vault.h
//
// The encrypted token vault. Values (ID numbers, bank cards, phone numbers,
// licence codes...) go in, tokens come out; the original is released again
// only to a caller that declares a purpose the policy allows (and holds the
// subject's consent where the policy requires it). Every action is recorded
// in a hash-chained, tamper-evident audit log in the same transaction as the
// action, before any plaintext is released.
//
//   absl::StatusOr<piivault::Vault> vault = piivault::Vault::Open({.dir = "piivault-data"});
//   if (!vault.ok()) return vault.status();
//   absl::StatusOr<std::vector<std::string>> tokens = vault->Tokenize(
//       piivault::EntityType::kCnResidentId, {"11010519491231002X"}, {.subject = "user-42"});
//   // (*tokens)[0] == "tok_cnid_..." (26 base32 chars, 128 random bits)
//   absl::StatusOr<std::vector<piivault::DetokenizeResult>> back = vault->Detokenize(
//       *tokens, {.purpose = "identity_verification", .principal = "svc-kyc"});
//   // (*back)[0].status.ok(), (*back)[0].value == "11010519491231002X"
//
// Files under the vault directory:
//   master.key     the master key (0600; a raw key or an argon2id-wrapped one)
//   root.key       the vault root key wrapped under the master key (so a
//                  master-key rotation only re-wraps this file)
//   policy.toml    the purpose policy (format: examples/vault-policy.toml)
//   vault.db       the SQLCipher database (WAL mode)
//
// Keys: every database, field and index key is derived with crypto_kdf from
// the root key; per-field data keys are random, versioned and wrapped under a
// per-field KEK; optional per-subject keys are wrapped under the field KEK with
// the subject bound in the AAD. Values are sealed with XChaCha20-Poly1305 with
// AAD = format version, field, token id, key version and subject.
//
// Deterministic mode (policy `mode = "deterministic"`) maps the same value
// (and subject) to the same token through a keyed BLAKE2b blind index, which
// allows joins and dedup but makes equal values linkable by anyone who sees
// the tokens. Random mode (the default) gives unlinkable tokens.
//
// Audit: every action appends rows in the same transaction as the action:
// one row per Tokenize batch (field, count, principal), one row per token for
// Detokenize (purpose, principal, field, token id, decision, rule, policy
// hash; decoys as "alert"), and one per consent change, rotation, re-encrypt
// batch, shred and purge. Rows never hold values, subjects or blind indexes.
// Each row's MAC is keyed BLAKE2b over the previous row's MAC and its own
// content; ExportChainHead signs the head with Ed25519 so a truncated tail is
// detectable later.
//
// Subject-keyed values (TokenizeOptions::subject) are sealed under a random
// per-subject, per-field key wrapped under the field KEK; field-key rotation
// and ReencryptBatch apply to values without a subject only.
//
// On-disk format: SQLCipher 3 (raw 256-bit key, 4096-byte pages, HMAC-SHA1);
// SQLCipher 4 builds open it in cipher_compatibility = 3 mode.
//
// Error messages never contain a value, a token or key material.
#ifndef PIIVAULT_VAULT_H_
#define PIIVAULT_VAULT_H_

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "piivault/entity_type.h"

namespace piivault {

// How values of one field become tokens (set per field in the policy).
enum class TokenMode : uint8_t {
  kRandom = 0,            // tok_<type>_<26 base32>; unlinkable
  kDeterministic = 1,     // same value + subject -> same token (blind index)
  kFormatPreserving = 2,  // same length/charset, never valid data (ID, card, USCC)
};

// What a detokenisation releases.
enum class Disclosure : uint8_t {
  kDeny = 0,
  kMasked = 1,     // pii-formats.md §13 conventions, e.g. 110105********002X
  kLast4 = 2,      // the last four characters
  kPlaintext = 3,  // the original value
};

// "deny", "masked", "last4", "plaintext".
std::string_view DisclosureName(Disclosure d);
std::optional<Disclosure> ParseDisclosure(std::string_view name);
std::string_view TokenModeName(TokenMode m);  // "random", "deterministic", "format_preserving"

// Where the master key comes from. The first source that applies wins:
//   1. master_key_hex (64 hex chars) if non-empty;
//   2. the environment variable PIIVAULT_MASTER_KEY (64 hex chars) if set and
//      use_env is true;
//   3. the key file (default <dir>/master.key); if it holds a wrapped key,
//      `passphrase` unwraps it (argon2id).
// A key file readable by group or others is refused (kPermissionDenied).
struct KeySource {
  std::string master_key_hex = {};
  bool use_env = true;
  std::string key_file = {};    // empty: <dir>/master.key
  std::string passphrase = {};  // for a wrapped key file
};

// argon2id cost for passphrase wrapping. Tests use the minimum (kMinimum).
struct PassphraseCost {
  uint64_t opslimit = 3;                    // crypto_pwhash_OPSLIMIT_MODERATE
  size_t memlimit = size_t{256} << 20;      // crypto_pwhash_MEMLIMIT_MODERATE
  static PassphraseCost Minimum() { return {1, size_t{8} << 10}; }
};

struct VaultOptions {
  std::string dir = "piivault-data";
  KeySource key = {};
  std::string policy_file = {};  // empty: <dir>/policy.toml
  // Clock in Unix seconds (tests inject one for TTL); null: the system clock.
  std::function<int64_t()> now_unix_seconds = nullptr;
  // How long a writer waits for another process holding the write lock.
  int busy_timeout_ms = 10000;
  // synchronous=FULL (true) or NORMAL in WAL mode (false; durable against
  // process crashes, not power loss).
  bool fsync_every_commit = true;
};

struct InitOptions {
  std::string dir = "piivault-data";
  // Non-empty: wrap the new master key under this passphrase (argon2id).
  std::string passphrase = {};
  PassphraseCost cost = {};
  // Don't write a key file: take the master key from KeySource::master_key_hex
  // or PIIVAULT_MASTER_KEY instead (e.g. a key held in a KMS).
  std::string master_key_hex = {};
  // Policy text to install; empty: the default policy (DefaultPolicyToml()).
  std::string policy_toml = {};
};

// The default policy `vault init` writes (see examples/vault-policy.toml).
std::string_view DefaultPolicyToml();

struct TokenizeOptions {
  // The person the values belong to (any string, e.g. a user id). Non-empty:
  // values are sealed under a per-subject key (shreddable) and consent is
  // looked up for this subject. Stored only as a keyed hash.
  std::string_view subject = {};
  std::string_view principal = {};  // recorded in the audit row
};

struct AccessContext {
  std::string_view purpose = {};    // e.g. "identity_verification"
  std::string_view principal = {};  // who asks, e.g. "svc-kyc" (always audited)
};

// The outcome for one token.
struct DetokenizeResult {
  // ok: `value` holds the released form. Otherwise the reason, without the
  // value: kNotFound (unknown or shredded token), kPermissionDenied (policy,
  // consent, poison token), kFailedPrecondition (expired; purged),
  // kDataLoss (ciphertext or key failed authentication), kInvalidArgument
  // (not a token).
  absl::Status status;
  EntityType field = EntityType::kUnknown;
  Disclosure form = Disclosure::kDeny;
  std::string value;  // empty unless status.ok()
  std::string rule;   // the policy rule that decided ("" for default deny)
};

struct AuditReport {
  uint64_t rows = 0;
  uint64_t head_seq = 0;          // sequence number of the last row (0: empty)
  std::string head_mac_hex = {};  // chain MAC of the last row
  uint64_t alerts = 0;            // poison-token alerts found in the log
};

struct FieldStats {
  EntityType field = EntityType::kUnknown;
  uint64_t tokens = 0;
  uint32_t current_key_version = 0;
  uint64_t tokens_on_old_versions = 0;
};

struct VaultStats {
  std::vector<FieldStats> fields;
  uint64_t subjects_with_keys = 0;
  uint64_t audit_rows = 0;
  int schema_version = 0;
  std::string cipher_version;  // what SQLCipher reports
};

// Thread-safe: all methods may be called concurrently on one Vault; several
// processes may open the same directory (writes serialise on the database
// lock, waiting up to busy_timeout_ms). Movable, not copyable.
class Vault {
 public:
  // Creates dir (0700), the master key file (0600; unless a key is supplied
  // by hex/env), root.key, policy.toml and the database.
  // kAlreadyExists if the directory already holds a vault.
  static absl::Status Init(const InitOptions& options);

  // Opens an existing vault. kNotFound (no vault), kPermissionDenied (key file
  // readable by others), kUnauthenticated "vault key does not match" (wrong
  // master key or passphrase; nothing is written), kDataLoss (the database is
  // not encrypted or is corrupt), kInvalidArgument (bad policy; names line).
  static absl::StatusOr<Vault> Open(const VaultOptions& options);

  Vault(Vault&&) noexcept;
  Vault& operator=(Vault&&) noexcept;
  Vault(const Vault&) = delete;
  Vault& operator=(const Vault&) = delete;
  ~Vault();

  // Tokenises every value (of one field) in one transaction: all or none.
  // Returns one token per value, in order. kInvalidArgument for an empty
  // value or field kUnknown.
  absl::StatusOr<std::vector<std::string>> Tokenize(
      EntityType field, std::span<const std::string_view> values,
      const TokenizeOptions& options = {});
  absl::StatusOr<std::vector<std::string>> Tokenize(
      EntityType field, std::initializer_list<std::string_view> values,
      const TokenizeOptions& options = {}) {
    return Tokenize(field, std::span<const std::string_view>(values.begin(), values.size()),
                    options);
  }

  // Detokenises a batch in one transaction: policy, consent and TTL are
  // checked, one audit row per token is committed, and only then are values
  // released. Per-token outcomes are in the results; the returned status is
  // an error only when the batch could not run (I/O, audit write failed).
  absl::StatusOr<std::vector<DetokenizeResult>> Detokenize(
      std::span<const std::string> tokens, const AccessContext& context);
  absl::StatusOr<DetokenizeResult> DetokenizeOne(std::string_view token,
                                                 const AccessContext& context);

  // Records (granted=true) or withdraws consent of `subject` for `purpose`;
  // effective for the next Detokenize.
  absl::Status SetConsent(std::string_view subject, std::string_view purpose, bool granted,
                          std::string_view principal = {});

  // Creates a decoy token for `field`; detokenising it is always denied and
  // writes an "alert" audit row.
  absl::StatusOr<std::string> CreatePoisonToken(EntityType field,
                                                std::string_view principal = {});

  // Adds a new data-key version for `field` (kUnknown: every field with
  // tokens). New values use it; old values still read. Returns the new version
  // (of the last field rotated).
  absl::StatusOr<uint32_t> RotateFieldKey(EntityType field, std::string_view principal = {});

  // Re-encrypts up to `batch_size` values still on old key versions, in one
  // transaction; returns how many remain (0: done). Resumable: call again.
  absl::StatusOr<uint64_t> ReencryptBatch(size_t batch_size = 1000,
                                          std::string_view principal = {});

  // Re-wraps the root key under a new master key (hex, 64 chars) or a new
  // passphrase; data and the database key do not change. Writes the key file
  // (unless the key came from hex/env) atomically.
  absl::Status RotateMasterKey(std::string_view new_master_key_hex,
                               std::string_view new_passphrase = {},
                               const PassphraseCost& cost = {});

  // Crypto-shreds `subject`: destroys their keys, blind indexes, consent and
  // token rows, then checkpoints and truncates the WAL. Returns how many tokens
  // were destroyed.
  absl::StatusOr<uint64_t> ShredSubject(std::string_view subject,
                                        std::string_view principal = {});

  // Deletes every value whose TTL has passed; returns how many.
  absl::StatusOr<uint64_t> PurgeExpired(std::string_view principal = {});

  // Recomputes the audit hash chain. kDataLoss naming the first bad sequence
  // number if any row was edited, deleted, inserted or reordered.
  // If `signed_head` (from ExportChainHead) is given, also checks it was
  // signed by this vault and that the log still contains that head
  // (kDataLoss: tail truncated or rewritten).
  // A log longer than 1024 rows is hashed on one extra, short-lived worker
  // thread while the calling thread reads the rows (the result is the same).
  absl::StatusOr<AuditReport> VerifyAudit(std::string_view signed_head = {}) const;

  // The current chain head signed with the vault's Ed25519 key, as one line of
  // text: "piivault-head v1 <seq> <mac hex> <public key hex> <signature hex>".
  absl::StatusOr<std::string> ExportChainHead() const;

  absl::StatusOr<VaultStats> Stats() const;

  // The policy in force: the field's token mode and the policy hash (hex).
  TokenMode ModeFor(EntityType field) const;
  std::string PolicyHashHex() const;

 private:
  struct Impl;
  explicit Vault(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
  friend struct VaultTestPeer;
};

// Token helpers (no vault needed).
// True if `text` has the shape of a piivault token: tok_<type>_<26 base32>
// with canonical padding, or a format-preserving token for ID/card/USCC.
bool LooksLikeToken(std::string_view text);
// The short type name used in tokens, e.g. "cnid" for kCnResidentId.
std::string_view TokenTypeTag(EntityType field);
// Masks a value per pii-formats.md §13 (e.g. 13812345678 -> 138****5678).
std::string MaskValue(EntityType field, std::string_view value);

}  // namespace piivault

#endif  // PIIVAULT_VAULT_H_
