// I/O failures injected through the Store interface: every action is all or
// nothing, and no plaintext is released unless its audit row committed.
#include <memory>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "piivault/vault.h"
#include "vault/store.h"
#include "vault/vault_internal.h"
#include "vault_test_util.h"

namespace piivault {
namespace {

using testing_util::TempDir;
using vault_internal::Store;

// Forwards to a real store; fails the `fail_at`-th call of operation `op`.
class FaultyStore final : public Store {
 public:
  FaultyStore(std::unique_ptr<Store> inner, std::string op, int fail_at)
      : inner_(std::move(inner)), op_(std::move(op)), fail_at_(fail_at) {}

  absl::Status Check(const char* op) {
    if (op_ == op && ++calls_ == fail_at_) return absl::InternalError("injected I/O error");
    return absl::OkStatus();
  }
#define FAULT(op) \
  if (absl::Status st = Check(op); !st.ok()) return st
  absl::Status Begin(bool w) override { FAULT("Begin"); return inner_->Begin(w); }
  absl::Status Commit() override { FAULT("Commit"); return inner_->Commit(); }
  void Rollback() override { inner_->Rollback(); }
  absl::StatusOr<bool> InsertToken(const vault_internal::TokenRow& r) override {
    FAULT("InsertToken");
    return inner_->InsertToken(r);
  }
  absl::StatusOr<std::optional<vault_internal::TokenRow>> GetToken(const vault_internal::TokenId& id) override {
    FAULT("GetToken");
    return inner_->GetToken(id);
  }
  absl::StatusOr<std::optional<vault_internal::TokenId>> FindByIndex(EntityType f, std::string_view s,
                                                                     std::string_view b) override {
    FAULT("FindByIndex");
    return inner_->FindByIndex(f, s, b);
  }
  absl::Status UpdateSealed(const vault_internal::TokenId& id, uint32_t v, std::string_view s) override {
    FAULT("UpdateSealed");
    return inner_->UpdateSealed(id, v, s);
  }
  absl::Status DeleteToken(const vault_internal::TokenId& id) override {
    FAULT("DeleteToken");
    return inner_->DeleteToken(id);
  }
  absl::StatusOr<std::vector<vault_internal::TokenRow>> RowsOnOldKeys(size_t n) override {
    FAULT("RowsOnOldKeys");
    return inner_->RowsOnOldKeys(n);
  }
  absl::StatusOr<uint64_t> CountOnOldKeys() override { return inner_->CountOnOldKeys(); }
  absl::StatusOr<uint64_t> DeleteSubject(std::string_view s) override {
    FAULT("DeleteSubject");
    return inner_->DeleteSubject(s);
  }
  absl::StatusOr<uint64_t> DeleteExpired(int64_t now) override { return inner_->DeleteExpired(now); }
  absl::StatusOr<std::vector<vault_internal::FieldKeyRow>> FieldKeys(EntityType f) override {
    FAULT("FieldKeys");
    return inner_->FieldKeys(f);
  }
  absl::Status InsertFieldKey(const vault_internal::FieldKeyRow& r, int64_t now) override {
    FAULT("InsertFieldKey");
    return inner_->InsertFieldKey(r, now);
  }
  absl::StatusOr<std::vector<EntityType>> FieldsWithKeys() override { return inner_->FieldsWithKeys(); }
  absl::StatusOr<std::optional<std::string>> GetSubjectKey(std::string_view s, EntityType f) override {
    FAULT("GetSubjectKey");
    return inner_->GetSubjectKey(s, f);
  }
  absl::Status InsertSubjectKey(std::string_view s, EntityType f, std::string_view w,
                                int64_t now) override {
    FAULT("InsertSubjectKey");
    return inner_->InsertSubjectKey(s, f, w, now);
  }
  absl::StatusOr<std::optional<bool>> GetConsent(std::string_view s, std::string_view p) override {
    FAULT("GetConsent");
    return inner_->GetConsent(s, p);
  }
  absl::Status PutConsent(std::string_view s, std::string_view p, bool g, int64_t now) override {
    FAULT("PutConsent");
    return inner_->PutConsent(s, p, g, now);
  }
  absl::StatusOr<std::optional<vault_internal::AuditRow>> LastAudit() override {
    FAULT("LastAudit");
    return inner_->LastAudit();
  }
  absl::Status AppendAudit(const vault_internal::AuditRow& r) override {
    FAULT("AppendAudit");
    return inner_->AppendAudit(r);
  }
  absl::Status ScanAudit(const std::function<absl::Status(const vault_internal::AuditRowView&)>& fn) override {
    FAULT("ScanAudit");
    return inner_->ScanAudit(fn);
  }
  absl::Status Checkpoint() override { FAULT("Checkpoint"); return inner_->Checkpoint(); }
  absl::StatusOr<vault_internal::StoreStats> Stats() override { return inner_->Stats(); }
#undef FAULT

 private:
  std::unique_ptr<Store> inner_;
  std::string op_;
  int fail_at_;
  int calls_ = 0;
};

class FaultTest : public ::testing::Test {
 protected:
  void SetUp() override {
    unsetenv("PIIVAULT_MASTER_KEY");
    dir_ = tmp_.Sub("v");
    ASSERT_TRUE(Vault::Init({.dir = dir_}).ok());
    absl::StatusOr<Vault> v = Vault::Open({.dir = dir_, .fsync_every_commit = false});
    ASSERT_TRUE(v.ok());
    absl::StatusOr<std::vector<std::string>> t =
        v->Tokenize(EntityType::kCnResidentId, {"11010519491231002X", "320102199003074835"});
    ASSERT_TRUE(t.ok());
    tokens_ = *t;
  }
  absl::StatusOr<Vault> OpenFaulty(const std::string& op, int at) {
    return VaultTestPeer::OpenWrapped(
        {.dir = dir_, .fsync_every_commit = false},
        [op, at](std::unique_ptr<Store> s) -> std::unique_ptr<Store> {
          return std::make_unique<FaultyStore>(std::move(s), op, at);
        });
  }
  uint64_t TokenCount() {
    absl::StatusOr<Vault> v = Vault::Open({.dir = dir_});
    uint64_t n = 0;
    absl::StatusOr<VaultStats> stats_1 = v->Stats();
    for (const FieldStats& f : stats_1->fields) n += f.tokens;
    return n;
  }
  uint64_t AuditRows() {
    absl::StatusOr<Vault> v = Vault::Open({.dir = dir_});
    absl::StatusOr<AuditReport> r = v->VerifyAudit();
    EXPECT_TRUE(r.ok()) << r.status();
    return r.ok() ? r->rows : 0;
  }

  TempDir tmp_;
  std::string dir_;
  std::vector<std::string> tokens_;
};

TEST_F(FaultTest, DetokenizeReleasesNothingWhenTheAuditWriteFails) {
  const uint64_t rows = AuditRows();
  const std::pair<const char*, int> faults[] = {
      {"AppendAudit", 1}, {"AppendAudit", 2}, {"Commit", 1}, {"GetToken", 1},
      {"GetToken", 2},    {"LastAudit", 1},   {"Begin", 1}};
  for (const auto& [op, at] : faults) {
    {
      absl::StatusOr<Vault> v = OpenFaulty(op, at);
      ASSERT_TRUE(v.ok());
      absl::StatusOr<std::vector<DetokenizeResult>> r = v->Detokenize(
          tokens_, {.purpose = "identity_verification", .principal = "kyc"});
      ASSERT_FALSE(r.ok()) << op << " " << at;
      EXPECT_EQ(std::string(r.status().message()).find("11010519"), std::string::npos);
    }
  }
  EXPECT_EQ(AuditRows(), rows);  // nothing half-written
}

TEST_F(FaultTest, TokenizeBatchIsAllOrNothing) {
  const uint64_t before = TokenCount();
  const uint64_t rows = AuditRows();
  struct Fault {
    const char* op;
    int at;
    const char* subject;
  } faults[] = {{"InsertToken", 3, ""},    {"InsertToken", 1, "s"}, {"AppendAudit", 1, ""},
                {"Commit", 1, "s"},        {"FieldKeys", 1, ""},    {"InsertSubjectKey", 1, "s"},
                {"GetSubjectKey", 1, "s"}, {"LastAudit", 1, ""}};
  for (const Fault& f : faults) {
    absl::StatusOr<Vault> v = OpenFaulty(f.op, f.at);
    ASSERT_TRUE(v.ok());
    std::vector<std::string_view> values = {"a1", "a2", "a3", "a4"};
    absl::StatusOr<std::vector<std::string>> t =
        v->Tokenize(EntityType::kCnResidentId, values, {.subject = f.subject});
    EXPECT_FALSE(t.ok()) << f.op;
  }
  EXPECT_EQ(TokenCount(), before);
  EXPECT_EQ(AuditRows(), rows);
}

TEST_F(FaultTest, FailedShredChangesNothing) {
  {
    absl::StatusOr<Vault> v = Vault::Open({.dir = dir_});
    ASSERT_TRUE(v->Tokenize(EntityType::kCnMobile, {"13812345678"}, {.subject = "bob"}).ok());
  }
  const uint64_t before = TokenCount();
  absl::StatusOr<Vault> v = OpenFaulty("AppendAudit", 1);
  EXPECT_FALSE(v->ShredSubject("bob").ok());
  EXPECT_EQ(TokenCount(), before);
}

}  // namespace
}  // namespace piivault
