// Tamper evidence: edits made directly to the encrypted database (with the
// right key, i.e. by an insider) are detected; a wrong key is a clean error.
#define SQLITE_HAS_CODEC 1
#include <sqlcipher/sqlite3.h>
#include <sodium.h>

#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "piivault/vault.h"
#include "vault/keys.h"
#include "vault/store.h"
#include "vault/vault_internal.h"
#include "vault_test_util.h"

namespace piivault {
namespace {

using testing_util::TempDir;

class RawDb {
 public:
  explicit RawDb(const std::string& dir) {
    absl::StatusOr<vault_internal::SecretBytes> key =
        vault_internal::DatabaseKeyForTest({.dir = dir, .key = {.use_env = false}});
    EXPECT_TRUE(key.ok());
    EXPECT_EQ(sqlite3_open((dir + "/vault.db").c_str(), &db_), SQLITE_OK);
    std::string spec = "x'" + vault_internal::HexEncode({reinterpret_cast<const char*>(key->data()), key->size()}) + "'";
    sqlite3_key(db_, spec.data(), static_cast<int>(spec.size()));
    Exec("PRAGMA cipher_page_size = 4096");
  }
  ~RawDb() { sqlite3_close(db_); }
  void Exec(const std::string& sql) {
    char* err = nullptr;
    int rc = sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &err);
    EXPECT_EQ(rc, SQLITE_OK) << (err ? err : "") << " in " << sql;
    sqlite3_free(err);
  }
  // All values of the first column.
  std::vector<std::string> Blobs(const std::string& sql) {
    sqlite3_stmt* s = nullptr;
    EXPECT_EQ(sqlite3_prepare_v2(db_, sql.c_str(), -1, &s, nullptr), SQLITE_OK) << sql;
    std::vector<std::string> out;
    while (sqlite3_step(s) == SQLITE_ROW) {
      out.emplace_back(static_cast<const char*>(sqlite3_column_blob(s, 0)),
                       sqlite3_column_bytes(s, 0));
    }
    sqlite3_finalize(s);
    return out;
  }
  void SetBlob(const std::string& sql, const std::string& blob, const std::string& key) {
    sqlite3_stmt* s = nullptr;
    ASSERT_EQ(sqlite3_prepare_v2(db_, sql.c_str(), -1, &s, nullptr), SQLITE_OK) << sql;
    sqlite3_bind_blob(s, 1, blob.data(), static_cast<int>(blob.size()), SQLITE_TRANSIENT);
    sqlite3_bind_blob(s, 2, key.data(), static_cast<int>(key.size()), SQLITE_TRANSIENT);
    EXPECT_EQ(sqlite3_step(s), SQLITE_DONE);
    sqlite3_finalize(s);
  }

 private:
  sqlite3* db_ = nullptr;
};

class TamperTest : public ::testing::Test {
 protected:
  void SetUp() override {
    unsetenv("PIIVAULT_MASTER_KEY");
    dir_ = tmp_.Sub("v");
    ASSERT_TRUE(Vault::Init({.dir = dir_}).ok());
    {
      absl::StatusOr<Vault> v = Vault::Open({.dir = dir_});
      ASSERT_TRUE(v.ok());
      absl::StatusOr<std::vector<std::string>> t = v->Tokenize(
          EntityType::kCnResidentId, {"11010519491231002X", "320102199003074835"});
      ASSERT_TRUE(t.ok());
      tokens_ = *t;
      absl::StatusOr<std::vector<std::string>> s =
          v->Tokenize(EntityType::kCnResidentId, {"510104200111307767"}, {.subject = "alice"});
      ASSERT_TRUE(s.ok());
      subject_token_ = (*s)[0];
      for (int i = 0; i < 3; ++i) {
        ASSERT_TRUE(v->DetokenizeOne(tokens_[0], {.purpose = "identity_verification",
                                                  .principal = "kyc"})
                        .ok());
      }
    }
  }
  absl::StatusCode DetokCode(const std::string& token) {
    absl::StatusOr<Vault> v = Vault::Open({.dir = dir_});
    EXPECT_TRUE(v.ok()) << v.status();
    if (!v.ok()) return v.status().code();
    absl::StatusOr<DetokenizeResult> r =
        v->DetokenizeOne(token, {.purpose = "identity_verification", .principal = "kyc"});
    EXPECT_TRUE(r.ok());
    if (r->status.ok()) EXPECT_FALSE(r->value.empty());
    else EXPECT_TRUE(r->value.empty());
    return r->status.code();
  }
  absl::StatusCode VerifyCode(std::string_view head = {}) {
    absl::StatusOr<Vault> v = Vault::Open({.dir = dir_});
    EXPECT_TRUE(v.ok());
    return v->VerifyAudit(head).status().code();
  }

  TempDir tmp_;
  std::string dir_;
  std::vector<std::string> tokens_;
  std::string subject_token_;
};

TEST_F(TamperTest, UntouchedVaultVerifies) {
  EXPECT_EQ(DetokCode(tokens_[0]), absl::StatusCode::kOk);
  EXPECT_EQ(DetokCode(subject_token_), absl::StatusCode::kOk);
  EXPECT_EQ(VerifyCode(), absl::StatusCode::kOk);
}

TEST_F(TamperTest, FlippedCiphertextByteIsDetected) {
  {
    RawDb db(dir_);
    std::vector<std::string> ids = db.Blobs("SELECT id FROM tokens WHERE length(subject) = 0 ORDER BY id");
    std::vector<std::string> sealed = db.Blobs("SELECT sealed FROM tokens WHERE length(subject) = 0 ORDER BY id");
    ASSERT_EQ(ids.size(), 2u);
    for (size_t i = 0; i < ids.size(); ++i) {
      sealed[i][30] ^= 0x01;
      db.SetBlob("UPDATE tokens SET sealed = ?1 WHERE id = ?2", sealed[i], ids[i]);
    }
  }
  EXPECT_EQ(DetokCode(tokens_[0]), absl::StatusCode::kDataLoss);
  EXPECT_EQ(DetokCode(tokens_[1]), absl::StatusCode::kDataLoss);
  EXPECT_EQ(DetokCode(subject_token_), absl::StatusCode::kOk);
  EXPECT_EQ(VerifyCode(), absl::StatusCode::kOk);  // the audit itself is intact
}

TEST_F(TamperTest, SwappedCiphertextsAreDetected) {
  {
    RawDb db(dir_);
    std::vector<std::string> ids = db.Blobs("SELECT id FROM tokens WHERE length(subject) = 0 ORDER BY id");
    std::vector<std::string> sealed = db.Blobs("SELECT sealed FROM tokens WHERE length(subject) = 0 ORDER BY id");
    ASSERT_EQ(ids.size(), 2u);
    db.SetBlob("UPDATE tokens SET sealed = ?1 WHERE id = ?2", sealed[1], ids[0]);
    db.SetBlob("UPDATE tokens SET sealed = ?1 WHERE id = ?2", sealed[0], ids[1]);
  }
  EXPECT_EQ(DetokCode(tokens_[0]), absl::StatusCode::kDataLoss);
  EXPECT_EQ(DetokCode(tokens_[1]), absl::StatusCode::kDataLoss);
}

TEST_F(TamperTest, MovingAValueToAnotherSubjectOrFieldIsDetected) {
  {
    RawDb db(dir_);
    db.Exec("UPDATE tokens SET field = 10 WHERE length(subject) = 0");  // re-label as another type
    db.Exec("UPDATE tokens SET subject = X'00112233445566778899aabbccddeeff' WHERE length(subject) > 0");
  }
  EXPECT_NE(DetokCode(tokens_[0]), absl::StatusCode::kOk);
  EXPECT_NE(DetokCode(subject_token_), absl::StatusCode::kOk);
}

TEST_F(TamperTest, FlippedWrappedKeysAreDetected) {
  {
    RawDb db(dir_);
    std::vector<std::string> w = db.Blobs("SELECT wrapped FROM field_keys");
    ASSERT_EQ(w.size(), 1u);
    w[0][40] ^= 0x80;
    db.SetBlob("UPDATE field_keys SET wrapped = ?1 WHERE version = 1 AND ?2 = ?2", w[0], "x");
    std::vector<std::string> s = db.Blobs("SELECT wrapped FROM subject_keys");
    ASSERT_EQ(s.size(), 1u);
    s[0][10] ^= 0x01;
    db.SetBlob("UPDATE subject_keys SET wrapped = ?1 WHERE ?2 = ?2", s[0], "x");
  }
  EXPECT_EQ(DetokCode(tokens_[0]), absl::StatusCode::kDataLoss);
  absl::StatusOr<Vault> v = Vault::Open({.dir = dir_});
  ASSERT_TRUE(v.ok());
  // A damaged subject key fails the whole batch closed (nothing released).
  absl::StatusOr<DetokenizeResult> r =
      v->DetokenizeOne(subject_token_, {.purpose = "identity_verification", .principal = "kyc"});
  EXPECT_EQ(r.ok() ? r->status.code() : r.status().code(), absl::StatusCode::kDataLoss);
}

TEST_F(TamperTest, FlippedRootKeyFileIsDetected) {
  std::string path = dir_ + "/root.key";
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  std::string text = ss.str();
  text[text.size() - 5] = text[text.size() - 5] == '0' ? '1' : '0';
  std::ofstream(path, std::ios::trunc) << text;
  absl::StatusOr<Vault> v = Vault::Open({.dir = dir_});
  EXPECT_EQ(v.status().code(), absl::StatusCode::kDataLoss);
}

TEST_F(TamperTest, EditedAuditRowIsDetected) {
  { RawDb(dir_).Exec("UPDATE audit SET principal = 'someone-else' WHERE seq = 3"); }
  EXPECT_EQ(VerifyCode(), absl::StatusCode::kDataLoss);
}

TEST_F(TamperTest, FlippedAuditMacIsDetected) {
  {
    RawDb db(dir_);
    std::vector<std::string> m = db.Blobs("SELECT mac FROM audit WHERE seq = 2");
    m[0][0] ^= 1;
    db.SetBlob("UPDATE audit SET mac = ?1 WHERE seq = 2 AND ?2 = ?2", m[0], "x");
  }
  EXPECT_EQ(VerifyCode(), absl::StatusCode::kDataLoss);
}

// The chain MAC, recomputed from the raw rows by a plain independent
// implementation of the documented definition, matches every stored MAC (so
// an optimised verifier cannot drift from what the writer produced), and
// VerifyAudit reports the same head.
TEST_F(TamperTest, AuditMacMatchesIndependentDefinition) {
  absl::StatusOr<vault_internal::SecretBytes> key =
      vault_internal::AuditKeyForTest({.dir = dir_, .key = {.use_env = false}});
  ASSERT_TRUE(key.ok()) << key.status();
  sqlite3* db = nullptr;
  {
    absl::StatusOr<vault_internal::SecretBytes> dbkey =
        vault_internal::DatabaseKeyForTest({.dir = dir_, .key = {.use_env = false}});
    ASSERT_TRUE(dbkey.ok());
    ASSERT_EQ(sqlite3_open((dir_ + "/vault.db").c_str(), &db), SQLITE_OK);
    std::string spec = "x'" + vault_internal::HexEncode({reinterpret_cast<const char*>(dbkey->data()), dbkey->size()}) + "'";
    sqlite3_key(db, spec.data(), static_cast<int>(spec.size()));
    ASSERT_EQ(sqlite3_exec(db, "PRAGMA cipher_page_size = 4096", nullptr, nullptr, nullptr), SQLITE_OK);
  }
  sqlite3_stmt* s = nullptr;
  ASSERT_EQ(sqlite3_prepare_v2(db,
                               "SELECT seq, time, action, principal, purpose, field, token_id,"
                               " decision, rule, policy_hash, count, mac FROM audit ORDER BY seq",
                               -1, &s, nullptr),
            SQLITE_OK);
  auto col = [&](int i) {
    const char* p = static_cast<const char*>(sqlite3_column_blob(s, i));
    return std::string(p ? p : "", static_cast<size_t>(sqlite3_column_bytes(s, i)));
  };
  auto le = [](uint64_t v, int n) {
    std::string b;
    for (int i = 0; i < n; ++i) b.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
    return b;
  };
  std::string prev(32, '\0');
  uint64_t rows = 0;
  while (sqlite3_step(s) == SQLITE_ROW) {
    std::string msg = prev + le(static_cast<uint64_t>(sqlite3_column_int64(s, 0)), 8) +
                      le(static_cast<uint64_t>(sqlite3_column_int64(s, 1)), 8);
    for (int c = 2; c <= 9; ++c) {
      std::string v = col(c);
      msg += le(v.size(), 4) + v;
    }
    msg += le(static_cast<uint64_t>(sqlite3_column_int64(s, 10)), 8);
    std::string mac(32, '\0');
    crypto_generichash(reinterpret_cast<uint8_t*>(mac.data()), 32,
                       reinterpret_cast<const uint8_t*>(msg.data()), msg.size(), key->data(),
                       key->size());
    ASSERT_EQ(vault_internal::HexEncode(mac), vault_internal::HexEncode(col(11)))
        << "row " << sqlite3_column_int64(s, 0);
    prev = mac;
    ++rows;
  }
  sqlite3_finalize(s);
  sqlite3_close(db);
  ASSERT_GE(rows, 3u);
  absl::StatusOr<Vault> v = Vault::Open({.dir = dir_});
  ASSERT_TRUE(v.ok());
  absl::StatusOr<AuditReport> r = v->VerifyAudit();
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->rows, rows);
  EXPECT_EQ(r->head_mac_hex, vault_internal::HexEncode(prev));
}

// Every column is covered by the MAC: editing any one of them in a middle row
// is detected.
TEST_F(TamperTest, EditedAuditColumnIsDetectedForEveryColumn) {
  const char* kEdits[] = {
      "UPDATE audit SET time = time + 1 WHERE seq = 2",
      "UPDATE audit SET action = action || 'x' WHERE seq = 2",
      "UPDATE audit SET principal = principal || 'x' WHERE seq = 2",
      "UPDATE audit SET purpose = purpose || 'x' WHERE seq = 2",
      "UPDATE audit SET field = field || 'x' WHERE seq = 2",
      "UPDATE audit SET token_id = X'00' || token_id WHERE seq = 2",
      "UPDATE audit SET decision = decision || 'x' WHERE seq = 2",
      "UPDATE audit SET rule = rule || 'x' WHERE seq = 2",
      "UPDATE audit SET policy_hash = X'00' || policy_hash WHERE seq = 2",
      "UPDATE audit SET count = count + 1 WHERE seq = 2",
  };
  RawDb db(dir_);
  db.Exec("CREATE TEMP TABLE keep AS SELECT * FROM audit WHERE seq = 2");
  ASSERT_EQ(VerifyCode(), absl::StatusCode::kOk);
  for (const char* edit : kEdits) {
    db.Exec(edit);
    EXPECT_EQ(VerifyCode(), absl::StatusCode::kDataLoss) << edit;
    db.Exec("DELETE FROM audit WHERE seq = 2");
    db.Exec("INSERT INTO audit SELECT * FROM keep");
    ASSERT_EQ(VerifyCode(), absl::StatusCode::kOk) << "restoring after " << edit;
  }
}

// A log longer than one verifier batch (1024 rows), so the pipelined path
// (a worker thread hashing while SQLite steps) runs: every kind of edit, in
// the first, a middle and the last batch, is reported at the right row.
TEST(TamperLongLogTest, EditsAnywhereInALongLogNameTheFirstBadRow) {
  unsetenv("PIIVAULT_MASTER_KEY");
  TempDir tmp;
  const std::string dir = tmp.Sub("v");
  ASSERT_TRUE(Vault::Init({.dir = dir}).ok());
  std::string head;
  uint64_t rows = 0;
  {
    absl::StatusOr<Vault> v = Vault::Open({.dir = dir, .fsync_every_commit = false});
    ASSERT_TRUE(v.ok());
    std::vector<std::string> values;
    for (int i = 0; i < 10; ++i) values.push_back(absl::StrCat("1101051949123100", 10 + i));
    std::vector<std::string_view> views(values.begin(), values.end());
    absl::StatusOr<std::vector<std::string>> t = v->Tokenize(EntityType::kCnResidentId, views);
    ASSERT_TRUE(t.ok());
    std::vector<std::string> ask;
    for (int i = 0; i < 3300; ++i) ask.push_back((*t)[static_cast<size_t>(i) % t->size()]);
    ASSERT_TRUE(v->Detokenize(ask, {.purpose = "identity_verification", .principal = "kyc"}).ok());
    absl::StatusOr<AuditReport> r = v->VerifyAudit();
    ASSERT_TRUE(r.ok()) << r.status();
    rows = r->rows;
    ASSERT_GT(rows, 3000u);
    head = *v->ExportChainHead();
    absl::StatusOr<AuditReport> with_head = v->VerifyAudit(head);
    ASSERT_TRUE(with_head.ok()) << with_head.status();
    EXPECT_EQ(with_head->head_mac_hex, r->head_mac_hex);
  }
  auto verify = [&](std::string_view h = {}) {
    absl::StatusOr<Vault> v = Vault::Open({.dir = dir});
    EXPECT_TRUE(v.ok());
    return v->VerifyAudit(h).status();
  };
  RawDb db(dir);
  db.Exec("CREATE TEMP TABLE keep AS SELECT * FROM audit");
  auto restore = [&] {
    db.Exec("DELETE FROM audit");
    db.Exec("INSERT INTO audit SELECT * FROM keep");
    ASSERT_TRUE(verify(head).ok());
  };
  const uint64_t last = rows;
  for (uint64_t seq : {uint64_t{1}, uint64_t{1024}, uint64_t{1025}, uint64_t{2222}, last}) {
    SCOPED_TRACE(absl::StrCat("seq ", seq));
    db.Exec(absl::StrCat("UPDATE audit SET principal = 'mallory' WHERE seq = ", seq));
    absl::Status st = verify();
    EXPECT_EQ(st.code(), absl::StatusCode::kDataLoss);
    EXPECT_THAT(std::string(st.message()), testing::HasSubstr(absl::StrCat("audit row ", seq, " fails")));
    restore();
    if (seq == last) continue;
    db.Exec(absl::StrCat("DELETE FROM audit WHERE seq = ", seq));
    st = verify();
    EXPECT_EQ(st.code(), absl::StatusCode::kDataLoss);
    EXPECT_THAT(std::string(st.message()), testing::HasSubstr(absl::StrCat("broken at seq ", seq)));
    restore();
    // Swap two rows' contents (seq kept): the first one fails.
    db.Exec(absl::StrCat("UPDATE audit SET mac = (SELECT mac FROM keep WHERE seq = ", seq + 1,
                         ") WHERE seq = ", seq));
    db.Exec(absl::StrCat("UPDATE audit SET mac = (SELECT mac FROM keep WHERE seq = ", seq,
                         ") WHERE seq = ", seq + 1));
    st = verify();
    EXPECT_EQ(st.code(), absl::StatusCode::kDataLoss);
    EXPECT_THAT(std::string(st.message()), testing::HasSubstr(absl::StrCat("audit row ", seq, " fails")));
    restore();
  }
  // A log cut back to seq 2000 still verifies on its own (a prefix of a
  // chain is consistent)...
  db.Exec("DELETE FROM audit WHERE seq > 2000");
  EXPECT_TRUE(verify().ok());
  // ...but the signed head of the longer log exposes the truncation.
  absl::Status st = verify(head);
  EXPECT_EQ(st.code(), absl::StatusCode::kDataLoss);
  EXPECT_THAT(std::string(st.message()), testing::HasSubstr("truncated"));
  restore();
}

TEST_F(TamperTest, DeletedAuditRowIsDetected) {
  { RawDb(dir_).Exec("DELETE FROM audit WHERE seq = 2"); }
  EXPECT_EQ(VerifyCode(), absl::StatusCode::kDataLoss);
}

TEST_F(TamperTest, InsertedAuditRowIsDetected) {
  {
    RawDb(dir_).Exec(
        "INSERT INTO audit SELECT 1000, time, action, principal, purpose, field, token_id,"
        " decision, rule, policy_hash, count, mac FROM audit WHERE seq = 2");
  }
  EXPECT_EQ(VerifyCode(), absl::StatusCode::kDataLoss);
}

TEST_F(TamperTest, ReorderedAuditRowsAreDetected) {
  {
    RawDb db(dir_);
    db.Exec("UPDATE audit SET seq = -1 WHERE seq = 4");
    db.Exec("UPDATE audit SET seq = 4 WHERE seq = 5");
    db.Exec("UPDATE audit SET seq = 5 WHERE seq = -1");
  }
  EXPECT_EQ(VerifyCode(), absl::StatusCode::kDataLoss);
}

TEST_F(TamperTest, TruncatedTailIsDetectedAgainstExportedHead) {
  std::string head;
  {
    absl::StatusOr<Vault> v = Vault::Open({.dir = dir_});
    ASSERT_TRUE(v.ok());
    head = *v->ExportChainHead();
  }
  { RawDb(dir_).Exec("DELETE FROM audit WHERE seq >= (SELECT max(seq) - 1 FROM audit)"); }
  EXPECT_EQ(VerifyCode(), absl::StatusCode::kOk);  // a chain prefix is self-consistent...
  EXPECT_EQ(VerifyCode(head), absl::StatusCode::kDataLoss);  // ...but not the signed head
}

TEST_F(TamperTest, WrongDatabaseKeyIsCleanAndWritesNothing) {
  const std::string db_path = dir_ + "/vault.db";
  auto size = [&] { std::ifstream f(db_path, std::ios::binary | std::ios::ate); return static_cast<long>(f.tellg()); };
  const long before = size();
  absl::StatusOr<vault_internal::SecretBytes> wrong = vault_internal::RandomKey();
  ASSERT_TRUE(wrong.ok());
  absl::StatusOr<std::unique_ptr<vault_internal::Store>> s =
      vault_internal::OpenSqlCipherStore(db_path, *wrong, {});
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.status().code(), absl::StatusCode::kUnauthenticated);
  EXPECT_EQ(s.status().message(), "vault key does not match");
  EXPECT_EQ(size(), before);
  EXPECT_EQ(DetokCode(tokens_[0]), absl::StatusCode::kOk);
}

}  // namespace
}  // namespace piivault
