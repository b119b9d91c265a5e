// Tamper evidence: edits made directly to the encrypted database (with the
// right key, i.e. by an insider) are detected; a wrong key is a clean error.
#define SQLITE_HAS_CODEC 1
#include <sqlcipher/sqlite3.h>
#include <sodium.h>

#include <fstream>
#include <sstream>
#include <string>
#include <vector>

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
