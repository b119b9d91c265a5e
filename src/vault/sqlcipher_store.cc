// SQLCipher 3.4.1 backend. SQL kept to what SQLite 3.15 and SQLCipher 4 both run.
#define SQLITE_HAS_CODEC 1
#include <sqlcipher/sqlite3.h>
#include <sodium.h>

#include <cstdio>
#include <cstring>
#include <map>
#include <utility>

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "vault/store.h"

namespace piivault::vault_internal {
namespace {

absl::Status SqlError(sqlite3* db, int rc, const char* what) {
  std::string msg = absl::StrCat("vault database: ", what, ": ", sqlite3_errstr(rc));
  switch (rc & 0xff) {
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
      return absl::UnavailableError(msg);
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
      return absl::DataLossError(msg);
    case SQLITE_FULL:
      return absl::ResourceExhaustedError(msg);
    case SQLITE_READONLY:
    case SQLITE_PERM:
    case SQLITE_CANTOPEN:
      return absl::PermissionDeniedError(msg);
    default:
      return absl::InternalError(msg);
  }
}

constexpr const char* kMigrations[] = {
    // 1: initial schema.
    R"sql(
CREATE TABLE tokens(
  id BLOB NOT NULL PRIMARY KEY,
  field INTEGER NOT NULL,
  kind INTEGER NOT NULL,
  key_version INTEGER NOT NULL,
  subject BLOB NOT NULL,
  bidx BLOB,
  sealed BLOB NOT NULL,
  created INTEGER NOT NULL,
  expires INTEGER NOT NULL) WITHOUT ROWID;
CREATE UNIQUE INDEX tokens_bidx ON tokens(field, subject, bidx) WHERE bidx IS NOT NULL;
CREATE INDEX tokens_subject ON tokens(subject) WHERE length(subject) > 0;
CREATE INDEX tokens_expires ON tokens(expires) WHERE expires > 0;
CREATE TABLE field_keys(
  field INTEGER NOT NULL, version INTEGER NOT NULL, wrapped BLOB NOT NULL,
  created INTEGER NOT NULL, PRIMARY KEY(field, version)) WITHOUT ROWID;
CREATE TABLE subject_keys(
  subject BLOB NOT NULL, field INTEGER NOT NULL, wrapped BLOB NOT NULL,
  created INTEGER NOT NULL, PRIMARY KEY(subject, field)) WITHOUT ROWID;
CREATE TABLE consent(
  subject BLOB NOT NULL, purpose TEXT NOT NULL, granted INTEGER NOT NULL,
  updated INTEGER NOT NULL, PRIMARY KEY(subject, purpose)) WITHOUT ROWID;
CREATE TABLE audit(
  seq INTEGER PRIMARY KEY, time INTEGER NOT NULL, action TEXT NOT NULL,
  principal TEXT NOT NULL, purpose TEXT NOT NULL, field TEXT NOT NULL,
  token_id BLOB NOT NULL, decision TEXT NOT NULL, rule TEXT NOT NULL,
  policy_hash BLOB NOT NULL, count INTEGER NOT NULL, mac BLOB NOT NULL);
)sql",
};

class Stmt {
 public:
  Stmt() = default;
  Stmt(const Stmt&) = delete;
  Stmt& operator=(const Stmt&) = delete;
  ~Stmt() { sqlite3_finalize(s_); }
  sqlite3_stmt* s_ = nullptr;
};

// Resets a cached statement when the scope ends.
class Use {
 public:
  explicit Use(sqlite3_stmt* s) : s_(s) {}
  ~Use() {
    sqlite3_reset(s_);
    sqlite3_clear_bindings(s_);
  }
  sqlite3_stmt* operator*() const { return s_; }

 private:
  sqlite3_stmt* s_;
};

std::string ColBlob(sqlite3_stmt* s, int i) {
  const void* p = sqlite3_column_blob(s, i);
  int n = sqlite3_column_bytes(s, i);
  return p == nullptr ? std::string() : std::string(static_cast<const char*>(p), n);
}
std::string ColText(sqlite3_stmt* s, int i) {
  const unsigned char* p = sqlite3_column_text(s, i);
  int n = sqlite3_column_bytes(s, i);
  return p == nullptr ? std::string() : std::string(reinterpret_cast<const char*>(p), n);
}
void BindBlob(sqlite3_stmt* s, int i, std::string_view b) {
  sqlite3_bind_blob(s, i, b.empty() ? "" : b.data(), static_cast<int>(b.size()), SQLITE_STATIC);
}
void BindText(sqlite3_stmt* s, int i, std::string_view b) {
  sqlite3_bind_text(s, i, b.data(), static_cast<int>(b.size()), SQLITE_STATIC);
}
std::string_view IdView(const TokenId& id) {
  return {reinterpret_cast<const char*>(id.data()), id.size()};
}

class SqlCipherStore final : public Store {
 public:
  explicit SqlCipherStore(sqlite3* db) : db_(db) {}
  ~SqlCipherStore() override {
    stmts_.clear();
    sqlite3_close_v2(db_);
  }

  absl::Status Exec(const char* sql, const char* what) {
    char* err = nullptr;
    int rc = sqlite3_exec(db_, sql, nullptr, nullptr, &err);
    sqlite3_free(err);
    if (rc != SQLITE_OK) return SqlError(db_, rc, what);
    return absl::OkStatus();
  }

  absl::StatusOr<sqlite3_stmt*> Prep(const char* sql) {
    auto it = stmts_.find(sql);
    if (it != stmts_.end()) return it->second->s_;
    auto st = std::make_unique<Stmt>();
    int rc = sqlite3_prepare_v2(db_, sql, -1, &st->s_, nullptr);
    if (rc != SQLITE_OK) return SqlError(db_, rc, "prepare");
    sqlite3_stmt* raw = st->s_;
    stmts_.emplace(sql, std::move(st));
    return raw;
  }

  absl::Status StepDone(sqlite3_stmt* s, const char* what) {
    int rc = sqlite3_step(s);
    if (rc != SQLITE_DONE && rc != SQLITE_ROW) return SqlError(db_, rc, what);
    return absl::OkStatus();
  }

  absl::Status Migrate() {
    PIIVAULT_RETURN_IF_ERROR(Exec("CREATE TABLE IF NOT EXISTS schema_version(version INTEGER NOT NULL)",
                                  "create schema_version"));
    PIIVAULT_RETURN_IF_ERROR(Begin(true));
    absl::Status st = MigrateLocked();
    if (!st.ok()) {
      Rollback();
      return st;
    }
    return Commit();
  }

  absl::Status MigrateLocked() {
    int version = 0;
    {
      PIIVAULT_ASSIGN_OR_RETURN(sqlite3_stmt * s, Prep("SELECT max(version) FROM schema_version"));
      Use u(s);
      if (sqlite3_step(s) == SQLITE_ROW) version = sqlite3_column_int(s, 0);
    }
    if (version > kSchemaVersion) {
      return absl::FailedPreconditionError(absl::StrCat(
          "vault database schema version ", version, " is newer than this build (",
          kSchemaVersion, ")"));
    }
    for (int v = version; v < kSchemaVersion; ++v) {
      PIIVAULT_RETURN_IF_ERROR(Exec(kMigrations[v], "migrate schema"));
      std::string ins = absl::StrCat("INSERT INTO schema_version(version) VALUES(", v + 1, ")");
      PIIVAULT_RETURN_IF_ERROR(Exec(ins.c_str(), "record schema version"));
    }
    schema_version_ = kSchemaVersion;
    return absl::OkStatus();
  }

  absl::Status Begin(bool write) override {
    return Exec(write ? "BEGIN IMMEDIATE" : "BEGIN", "begin transaction");
  }
  absl::Status Commit() override { return Exec("COMMIT", "commit"); }
  void Rollback() override {
    if (!sqlite3_get_autocommit(db_)) sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
  }

  absl::StatusOr<bool> InsertToken(const TokenRow& r) override {
    PIIVAULT_ASSIGN_OR_RETURN(
        sqlite3_stmt * s,
        Prep("INSERT OR IGNORE INTO tokens(id, field, kind, key_version, subject, bidx, sealed,"
             " created, expires) VALUES(?,?,?,?,?,?,?,?,?)"));
    Use u(s);
    BindBlob(s, 1, IdView(r.id));
    sqlite3_bind_int(s, 2, static_cast<int>(r.field));
    sqlite3_bind_int(s, 3, static_cast<int>(r.kind));
    sqlite3_bind_int64(s, 4, r.key_version);
    BindBlob(s, 5, r.subject);
    if (r.bidx.empty()) sqlite3_bind_null(s, 6);
    else BindBlob(s, 6, r.bidx);
    BindBlob(s, 7, r.sealed);
    sqlite3_bind_int64(s, 8, r.created);
    sqlite3_bind_int64(s, 9, r.expires);
    PIIVAULT_RETURN_IF_ERROR(StepDone(s, "insert token"));
    return sqlite3_changes(db_) == 1;
  }

  static TokenRow ReadRow(sqlite3_stmt* s) {
    TokenRow r;
    std::string id = ColBlob(s, 0);
    if (id.size() == r.id.size()) std::memcpy(r.id.data(), id.data(), id.size());
    r.field = static_cast<EntityType>(sqlite3_column_int(s, 1));
    r.kind = static_cast<TokenKind>(sqlite3_column_int(s, 2));
    r.key_version = static_cast<uint32_t>(sqlite3_column_int64(s, 3));
    r.subject = ColBlob(s, 4);
    r.bidx = ColBlob(s, 5);
    r.sealed = ColBlob(s, 6);
    r.created = sqlite3_column_int64(s, 7);
    r.expires = sqlite3_column_int64(s, 8);
    return r;
  }

  absl::StatusOr<std::optional<TokenRow>> GetToken(const TokenId& id) override {
    PIIVAULT_ASSIGN_OR_RETURN(
        sqlite3_stmt * s,
        Prep("SELECT id, field, kind, key_version, subject, bidx, sealed, created, expires"
             " FROM tokens WHERE id = ?"));
    Use u(s);
    BindBlob(s, 1, IdView(id));
    int rc = sqlite3_step(s);
    if (rc == SQLITE_DONE) return std::nullopt;
    if (rc != SQLITE_ROW) return SqlError(db_, rc, "read token");
    return ReadRow(s);
  }

  absl::StatusOr<std::optional<TokenId>> FindByIndex(EntityType field, std::string_view subject,
                                                     std::string_view bidx) override {
    PIIVAULT_ASSIGN_OR_RETURN(
        sqlite3_stmt * s,
        Prep("SELECT id FROM tokens WHERE field = ? AND subject = ? AND bidx = ?"));
    Use u(s);
    sqlite3_bind_int(s, 1, static_cast<int>(field));
    BindBlob(s, 2, subject);
    BindBlob(s, 3, bidx);
    int rc = sqlite3_step(s);
    if (rc == SQLITE_DONE) return std::nullopt;
    if (rc != SQLITE_ROW) return SqlError(db_, rc, "look up blind index");
    std::string id = ColBlob(s, 0);
    TokenId out{};
    if (id.size() != out.size()) return absl::DataLossError("vault database: token id has a bad size");
    std::memcpy(out.data(), id.data(), id.size());
    return out;
  }

  absl::Status UpdateSealed(const TokenId& id, uint32_t key_version,
                            std::string_view sealed) override {
    PIIVAULT_ASSIGN_OR_RETURN(sqlite3_stmt * s,
                              Prep("UPDATE tokens SET key_version = ?, sealed = ? WHERE id = ?"));
    Use u(s);
    sqlite3_bind_int64(s, 1, key_version);
    BindBlob(s, 2, sealed);
    BindBlob(s, 3, IdView(id));
    return StepDone(s, "update token");
  }

  absl::Status DeleteToken(const TokenId& id) override {
    PIIVAULT_ASSIGN_OR_RETURN(sqlite3_stmt * s, Prep("DELETE FROM tokens WHERE id = ?"));
    Use u(s);
    BindBlob(s, 1, IdView(id));
    return StepDone(s, "delete token");
  }

  static constexpr const char* kOldKeysWhere =
      " FROM tokens t JOIN (SELECT field, max(version) AS v FROM field_keys GROUP BY field) k"
      " ON t.field = k.field WHERE t.key_version > 0 AND t.key_version < k.v AND t.kind != 3";

  absl::StatusOr<std::vector<TokenRow>> RowsOnOldKeys(size_t limit) override {
    static const std::string sql = absl::StrCat(
        "SELECT t.id, t.field, t.kind, t.key_version, t.subject, t.bidx, t.sealed, t.created,"
        " t.expires",
        kOldKeysWhere, " LIMIT ?");
    PIIVAULT_ASSIGN_OR_RETURN(sqlite3_stmt * s, Prep(sql.c_str()));
    Use u(s);
    sqlite3_bind_int64(s, 1, static_cast<int64_t>(limit));
    std::vector<TokenRow> out;
    int rc;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) out.push_back(ReadRow(s));
    if (rc != SQLITE_DONE) return SqlError(db_, rc, "scan old-key rows");
    return out;
  }

  absl::StatusOr<uint64_t> CountOnOldKeys() override {
    static const std::string sql = absl::StrCat("SELECT count(*)", kOldKeysWhere);
    PIIVAULT_ASSIGN_OR_RETURN(sqlite3_stmt * s, Prep(sql.c_str()));
    Use u(s);
    int rc = sqlite3_step(s);
    if (rc != SQLITE_ROW) return SqlError(db_, rc, "count old-key rows");
    return static_cast<uint64_t>(sqlite3_column_int64(s, 0));
  }

  absl::StatusOr<uint64_t> DeleteSubject(std::string_view subject) override {
    uint64_t n = 0;
    {
      PIIVAULT_ASSIGN_OR_RETURN(sqlite3_stmt * s,
                                Prep("DELETE FROM tokens WHERE subject = ? AND length(subject) > 0"));
      Use u(s);
      BindBlob(s, 1, subject);
      PIIVAULT_RETURN_IF_ERROR(StepDone(s, "delete subject tokens"));
      n = static_cast<uint64_t>(sqlite3_changes(db_));
    }
    for (const char* sql : {"DELETE FROM subject_keys WHERE subject = ?",
                            "DELETE FROM consent WHERE subject = ?"}) {
      PIIVAULT_ASSIGN_OR_RETURN(sqlite3_stmt * s, Prep(sql));
      Use u(s);
      BindBlob(s, 1, subject);
      PIIVAULT_RETURN_IF_ERROR(StepDone(s, "delete subject keys"));
    }
    return n;
  }

  absl::StatusOr<uint64_t> DeleteExpired(int64_t now) override {
    PIIVAULT_ASSIGN_OR_RETURN(sqlite3_stmt * s,
                              Prep("DELETE FROM tokens WHERE expires > 0 AND expires <= ?"));
    Use u(s);
    sqlite3_bind_int64(s, 1, now);
    PIIVAULT_RETURN_IF_ERROR(StepDone(s, "purge expired"));
    return static_cast<uint64_t>(sqlite3_changes(db_));
  }

  absl::StatusOr<std::vector<FieldKeyRow>> FieldKeys(EntityType field) override {
    PIIVAULT_ASSIGN_OR_RETURN(
        sqlite3_stmt * s,
        Prep("SELECT version, wrapped FROM field_keys WHERE field = ? ORDER BY version"));
    Use u(s);
    sqlite3_bind_int(s, 1, static_cast<int>(field));
    std::vector<FieldKeyRow> out;
    int rc;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
      out.push_back({field, static_cast<uint32_t>(sqlite3_column_int64(s, 0)), ColBlob(s, 1)});
    }
    if (rc != SQLITE_DONE) return SqlError(db_, rc, "read field keys");
    return out;
  }

  absl::Status InsertFieldKey(const FieldKeyRow& r, int64_t now) override {
    PIIVAULT_ASSIGN_OR_RETURN(
        sqlite3_stmt * s,
        Prep("INSERT INTO field_keys(field, version, wrapped, created) VALUES(?,?,?,?)"));
    Use u(s);
    sqlite3_bind_int(s, 1, static_cast<int>(r.field));
    sqlite3_bind_int64(s, 2, r.version);
    BindBlob(s, 3, r.wrapped);
    sqlite3_bind_int64(s, 4, now);
    return StepDone(s, "insert field key");
  }

  absl::StatusOr<std::vector<EntityType>> FieldsWithKeys() override {
    PIIVAULT_ASSIGN_OR_RETURN(sqlite3_stmt * s,
                              Prep("SELECT DISTINCT field FROM field_keys ORDER BY field"));
    Use u(s);
    std::vector<EntityType> out;
    int rc;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW)
      out.push_back(static_cast<EntityType>(sqlite3_column_int(s, 0)));
    if (rc != SQLITE_DONE) return SqlError(db_, rc, "list fields");
    return out;
  }

  absl::StatusOr<std::optional<std::string>> GetSubjectKey(std::string_view subject,
                                                           EntityType field) override {
    PIIVAULT_ASSIGN_OR_RETURN(
        sqlite3_stmt * s, Prep("SELECT wrapped FROM subject_keys WHERE subject = ? AND field = ?"));
    Use u(s);
    BindBlob(s, 1, subject);
    sqlite3_bind_int(s, 2, static_cast<int>(field));
    int rc = sqlite3_step(s);
    if (rc == SQLITE_DONE) return std::nullopt;
    if (rc != SQLITE_ROW) return SqlError(db_, rc, "read subject key");
    return ColBlob(s, 0);
  }

  absl::Status InsertSubjectKey(std::string_view subject, EntityType field,
                                std::string_view wrapped, int64_t now) override {
    PIIVAULT_ASSIGN_OR_RETURN(
        sqlite3_stmt * s,
        Prep("INSERT INTO subject_keys(subject, field, wrapped, created) VALUES(?,?,?,?)"));
    Use u(s);
    BindBlob(s, 1, subject);
    sqlite3_bind_int(s, 2, static_cast<int>(field));
    BindBlob(s, 3, wrapped);
    sqlite3_bind_int64(s, 4, now);
    return StepDone(s, "insert subject key");
  }

  absl::StatusOr<std::optional<bool>> GetConsent(std::string_view subject,
                                                 std::string_view purpose) override {
    PIIVAULT_ASSIGN_OR_RETURN(
        sqlite3_stmt * s, Prep("SELECT granted FROM consent WHERE subject = ? AND purpose = ?"));
    Use u(s);
    BindBlob(s, 1, subject);
    BindText(s, 2, purpose);
    int rc = sqlite3_step(s);
    if (rc == SQLITE_DONE) return std::nullopt;
    if (rc != SQLITE_ROW) return SqlError(db_, rc, "read consent");
    return sqlite3_column_int(s, 0) != 0;
  }

  absl::Status PutConsent(std::string_view subject, std::string_view purpose, bool granted,
                          int64_t now) override {
    PIIVAULT_ASSIGN_OR_RETURN(
        sqlite3_stmt * s,
        Prep("INSERT OR REPLACE INTO consent(subject, purpose, granted, updated) VALUES(?,?,?,?)"));
    Use u(s);
    BindBlob(s, 1, subject);
    BindText(s, 2, purpose);
    sqlite3_bind_int(s, 3, granted ? 1 : 0);
    sqlite3_bind_int64(s, 4, now);
    return StepDone(s, "write consent");
  }

  absl::StatusOr<std::optional<AuditRow>> LastAudit() override {
    PIIVAULT_ASSIGN_OR_RETURN(sqlite3_stmt * s,
                              Prep("SELECT seq, mac FROM audit ORDER BY seq DESC LIMIT 1"));
    Use u(s);
    int rc = sqlite3_step(s);
    if (rc == SQLITE_DONE) return std::nullopt;
    if (rc != SQLITE_ROW) return SqlError(db_, rc, "read audit head");
    AuditRow r;
    r.seq = static_cast<uint64_t>(sqlite3_column_int64(s, 0));
    r.mac = ColBlob(s, 1);
    return r;
  }

  absl::Status AppendAudit(const AuditRow& r) override {
    PIIVAULT_ASSIGN_OR_RETURN(
        sqlite3_stmt * s,
        Prep("INSERT INTO audit(seq, time, action, principal, purpose, field, token_id, decision,"
             " rule, policy_hash, count, mac) VALUES(?,?,?,?,?,?,?,?,?,?,?,?)"));
    Use u(s);
    sqlite3_bind_int64(s, 1, static_cast<int64_t>(r.seq));
    sqlite3_bind_int64(s, 2, r.time);
    BindText(s, 3, r.action);
    BindText(s, 4, r.principal);
    BindText(s, 5, r.purpose);
    BindText(s, 6, r.field);
    BindBlob(s, 7, r.token_id);
    BindText(s, 8, r.decision);
    BindText(s, 9, r.rule);
    BindBlob(s, 10, r.policy_hash);
    sqlite3_bind_int64(s, 11, static_cast<int64_t>(r.count));
    BindBlob(s, 12, r.mac);
    return StepDone(s, "append audit row");
  }

  absl::Status ScanAudit(const std::function<absl::Status(const AuditRowView&)>& fn) override {
    PIIVAULT_ASSIGN_OR_RETURN(
        sqlite3_stmt * s,
        Prep("SELECT seq, time, action, principal, purpose, field, token_id, decision, rule,"
             " policy_hash, count, mac FROM audit ORDER BY seq"));
    Use u(s);
    AuditRowView r;
    int rc;
    // Columns are read by pointer (valid until the next step): no copies.
    // Text columns are declared TEXT and always bound as text, so
    // sqlite3_column_text does no conversion.
    auto text = [s](int i) {
      const unsigned char* p = sqlite3_column_text(s, i);
      const int n = sqlite3_column_bytes(s, i);
      return p == nullptr ? std::string_view()
                          : std::string_view(reinterpret_cast<const char*>(p), static_cast<size_t>(n));
    };
    auto blob = [s](int i) {
      const void* p = sqlite3_column_blob(s, i);
      const int n = sqlite3_column_bytes(s, i);
      return p == nullptr ? std::string_view()
                          : std::string_view(static_cast<const char*>(p), static_cast<size_t>(n));
    };
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
      r.seq = static_cast<uint64_t>(sqlite3_column_int64(s, 0));
      r.time = sqlite3_column_int64(s, 1);
      r.action = text(2);
      r.principal = text(3);
      r.purpose = text(4);
      r.field = text(5);
      r.token_id = blob(6);
      r.decision = text(7);
      r.rule = text(8);
      r.policy_hash = blob(9);
      r.count = static_cast<uint64_t>(sqlite3_column_int64(s, 10));
      r.mac = blob(11);
      PIIVAULT_RETURN_IF_ERROR(fn(r));
    }
    if (rc != SQLITE_DONE) return SqlError(db_, rc, "scan audit");
    return absl::OkStatus();
  }

  absl::Status Checkpoint() override {
    int log = 0, ckpt = 0;
    int rc = sqlite3_wal_checkpoint_v2(db_, nullptr, SQLITE_CHECKPOINT_TRUNCATE, &log, &ckpt);
    if (rc != SQLITE_OK) return SqlError(db_, rc, "checkpoint WAL");
    return absl::OkStatus();
  }

  absl::StatusOr<StoreStats> Stats() override {
    StoreStats st;
    st.schema_version = schema_version_;
    st.cipher_version = cipher_version_;
    {
      PIIVAULT_ASSIGN_OR_RETURN(
          sqlite3_stmt * s,
          Prep("SELECT t.field, coalesce(k.v, 0), count(*),"
               " sum(CASE WHEN t.key_version > 0 AND t.key_version < coalesce(k.v, 0)"
               "  AND t.kind != 3 THEN 1 ELSE 0 END)"
               " FROM tokens t LEFT JOIN"
               " (SELECT field, max(version) AS v FROM field_keys GROUP BY field) k"
               " ON t.field = k.field GROUP BY t.field ORDER BY t.field"));
      Use u(s);
      int rc;
      while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        StoreFieldStats f;
        f.field = static_cast<EntityType>(sqlite3_column_int(s, 0));
        f.current_version = static_cast<uint32_t>(sqlite3_column_int64(s, 1));
        f.tokens = static_cast<uint64_t>(sqlite3_column_int64(s, 2));
        f.on_old_versions = static_cast<uint64_t>(sqlite3_column_int64(s, 3));
        st.fields.push_back(f);
      }
      if (rc != SQLITE_DONE) return SqlError(db_, rc, "stats");
    }
    {
      PIIVAULT_ASSIGN_OR_RETURN(sqlite3_stmt * s,
                                Prep("SELECT (SELECT count(DISTINCT subject) FROM subject_keys),"
                                     " (SELECT count(*) FROM audit)"));
      Use u(s);
      int rc = sqlite3_step(s);
      if (rc != SQLITE_ROW) return SqlError(db_, rc, "stats");
      st.subjects_with_keys = static_cast<uint64_t>(sqlite3_column_int64(s, 0));
      st.audit_rows = static_cast<uint64_t>(sqlite3_column_int64(s, 1));
    }
    return st;
  }

  sqlite3* db_;
  std::map<const char*, std::unique_ptr<Stmt>> stmts_;
  int schema_version_ = 0;
  std::string cipher_version_;
};

bool HasPlainSqliteHeader(const std::string& path, bool* exists_nonempty) {
  *exists_nonempty = false;
  FILE* f = std::fopen(path.c_str(), "rb");
  if (f == nullptr) return false;
  char head[16] = {};
  size_t n = std::fread(head, 1, sizeof head, f);
  std::fclose(f);
  *exists_nonempty = n > 0;
  return n == sizeof head && std::memcmp(head, "SQLite format 3", 16) == 0;
}

}  // namespace

absl::StatusOr<std::unique_ptr<Store>> OpenSqlCipherStore(const std::string& path,
                                                          const SecretBytes& db_key,
                                                          const SqlCipherOptions& options) {
  if (db_key.size() != 32) return absl::InternalError("database key must be 32 bytes");
  bool existed = false;
  if (HasPlainSqliteHeader(path, &existed)) {
    return absl::DataLossError(absl::StrCat(
        "vault database ", path, " is a plain (unencrypted) SQLite file; refusing to use it"));
  }
  sqlite3* raw = nullptr;
  int rc = sqlite3_open_v2(path.c_str(), &raw,
                           SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
                           nullptr);
  if (rc != SQLITE_OK) {
    absl::Status st = SqlError(raw, rc, "open");
    sqlite3_close_v2(raw);
    return absl::Status(st.code(), absl::StrCat(st.message(), " (", path, ")"));
  }
  // The busy handler goes on first: another process may hold a lock while
  // this one reads the schema or switches on WAL, and those must wait too.
  sqlite3_busy_timeout(raw, options.busy_timeout_ms);
  auto store = std::make_unique<SqlCipherStore>(raw);
  {
    // sqlite3_key with the "x'<hex>'" form: a raw key, no PBKDF2. The hex
    // lives in sodium memory and is wiped.
    absl::StatusOr<SecretBytes> keyspec = SecretBytes::Allocate(3 + 64 + 1);
    if (!keyspec.ok()) return keyspec.status();
    char* k = reinterpret_cast<char*>(keyspec->data());
    k[0] = 'x';
    k[1] = '\'';
    sodium_bin2hex(k + 2, 65, db_key.data(), db_key.size());
    k[66] = '\'';
    rc = sqlite3_key(raw, k, 67);
    sodium_memzero(k, keyspec->size());
    if (rc != SQLITE_OK) return SqlError(raw, rc, "set key");
  }
  {
    // cipher_version answers without touching the file; an empty answer means
    // the linked library has no codec and would store everything in clear.
    sqlite3_stmt* s = nullptr;
    rc = sqlite3_prepare_v2(raw, "PRAGMA cipher_version", -1, &s, nullptr);
    std::string version;
    if (rc == SQLITE_OK && sqlite3_step(s) == SQLITE_ROW) version = ColText(s, 0);
    sqlite3_finalize(s);
    if (version.empty()) {
      return absl::FailedPreconditionError(
          "the linked SQLite has no SQLCipher codec (PRAGMA cipher_version is empty); "
          "refusing to store data unencrypted");
    }
    store->cipher_version_ = version;
    // The file format is SQLCipher 3's (HMAC-SHA1, raw key); SQLCipher 4+
    // reads it in compatibility mode.
    if (version[0] >= '4' && version[0] <= '9') {
      PIIVAULT_RETURN_IF_ERROR(store->Exec("PRAGMA cipher_compatibility = 3", "set compatibility"));
    }
  }
  // Page size must be set before the first read; part of the file format.
  PIIVAULT_RETURN_IF_ERROR(store->Exec("PRAGMA cipher_page_size = 4096", "set page size"));
  {
    rc = sqlite3_exec(raw, "SELECT count(*) FROM sqlite_master", nullptr, nullptr, nullptr);
    if (rc == SQLITE_NOTADB || rc == SQLITE_CORRUPT) {
      return absl::UnauthenticatedError("vault key does not match");
    }
    if (rc != SQLITE_OK) return SqlError(raw, rc, "read schema");
  }
  PIIVAULT_RETURN_IF_ERROR(store->Exec("PRAGMA journal_mode = WAL", "enable WAL"));
  PIIVAULT_RETURN_IF_ERROR(store->Exec(
      options.fsync_every_commit ? "PRAGMA synchronous = FULL" : "PRAGMA synchronous = NORMAL",
      "set synchronous"));
  PIIVAULT_RETURN_IF_ERROR(store->Exec("PRAGMA cache_size = -16384", "set cache size"));
  PIIVAULT_RETURN_IF_ERROR(store->Exec("PRAGMA temp_store = MEMORY", "set temp store"));
  PIIVAULT_RETURN_IF_ERROR(store->Exec("PRAGMA secure_delete = ON", "set secure_delete"));
  PIIVAULT_RETURN_IF_ERROR(store->Migrate());
  bool nonempty = false;
  if (!HasPlainSqliteHeader(path, &nonempty) && !nonempty) {
    PIIVAULT_RETURN_IF_ERROR(store->Checkpoint());  // a new file: push page 1 out of the WAL
  }
  if (HasPlainSqliteHeader(path, &nonempty) || !nonempty) {
    return absl::DataLossError(
        absl::StrCat("vault database ", path, " was not written encrypted; refusing to use it"));
  }
  return std::unique_ptr<Store>(std::move(store));
}

}  // namespace piivault::vault_internal
