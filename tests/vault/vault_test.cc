#include "piivault/vault.h"

#include <sys/stat.h>

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <set>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "vault/token_codec.h"
#include "vault_test_util.h"

namespace piivault {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using testing_util::kTestPolicy;
using testing_util::TempDir;

class VaultTest : public ::testing::Test {
 protected:
  void SetUp() override {
    unsetenv("PIIVAULT_MASTER_KEY");
    dir_ = tmp_.Sub("v");
    ASSERT_TRUE(Vault::Init({.dir = dir_, .policy_toml = kTestPolicy}).ok());
    Reopen();
  }
  void Reopen() {
    vault_.reset();
    VaultOptions o;
    o.dir = dir_;
    o.now_unix_seconds = [this] { return now_.load(); };
    o.fsync_every_commit = false;
    absl::StatusOr<Vault> v = Vault::Open(o);
    ASSERT_TRUE(v.ok()) << v.status();
    vault_.emplace(std::move(*v));
  }
  std::string Tok(EntityType f, std::string_view value, std::string_view subject = {}) {
    absl::StatusOr<std::vector<std::string>> t = vault_->Tokenize(f, {value}, {.subject = subject});
    EXPECT_TRUE(t.ok()) << t.status();
    return t.ok() ? (*t)[0] : std::string();
  }
  DetokenizeResult Detok(const std::string& token, std::string_view purpose,
                         std::string_view principal = "svc-test") {
    absl::StatusOr<DetokenizeResult> r =
        vault_->DetokenizeOne(token, {.purpose = purpose, .principal = principal});
    EXPECT_TRUE(r.ok()) << r.status();
    return r.ok() ? *r : DetokenizeResult{};
  }

  TempDir tmp_;
  std::string dir_;
  std::atomic<int64_t> now_{1'700'000'000};
  std::optional<Vault> vault_;
};

TEST_F(VaultTest, RandomTokensAreSelfDescribingAndRoundTrip) {
  const std::string t = Tok(EntityType::kCnResidentId, "11010519491231002X");
  ASSERT_EQ(t.size(), 4 + 5 + 26u);
  EXPECT_EQ(t.substr(0, 9), "tok_cnid_");
  EXPECT_TRUE(LooksLikeToken(t));
  DetokenizeResult r = Detok(t, "identity_verification");
  ASSERT_TRUE(r.status.ok()) << r.status;
  EXPECT_EQ(r.value, "11010519491231002X");
  EXPECT_EQ(r.form, Disclosure::kPlaintext);
  EXPECT_EQ(r.field, EntityType::kCnResidentId);
  // Same value again: a different random token.
  EXPECT_NE(Tok(EntityType::kCnResidentId, "11010519491231002X"), t);
}

TEST_F(VaultTest, EveryFieldRoundTripsInBatch) {
  for (EntityType f : AllEntityTypes()) {
    if (f == EntityType::kBankCard || f == EntityType::kCnUscc) continue;  // FPE below
    std::vector<std::string_view> values = {"value-one", "值二", "x"};
    absl::StatusOr<std::vector<std::string>> t = vault_->Tokenize(f, values);
    ASSERT_TRUE(t.ok()) << t.status();
    ASSERT_EQ(t->size(), 3u);
    for (const std::string& tok : *t) EXPECT_TRUE(LooksLikeToken(tok)) << EntityTypeName(f);
  }
  absl::StatusOr<VaultStats> s = vault_->Stats();
  ASSERT_TRUE(s.ok());
  EXPECT_GT(s->fields.size(), 20u);
  EXPECT_EQ(s->schema_version, 1);
  EXPECT_FALSE(s->cipher_version.empty());
}

TEST_F(VaultTest, DeterministicModeDedupsPerSubject) {
  EXPECT_EQ(vault_->ModeFor(EntityType::kCnMobile), TokenMode::kDeterministic);
  const std::string a = Tok(EntityType::kCnMobile, "13812345678");
  EXPECT_EQ(Tok(EntityType::kCnMobile, "13812345678"), a);
  EXPECT_NE(Tok(EntityType::kCnMobile, "13812345679"), a);
  EXPECT_NE(Tok(EntityType::kCnMobile, "13812345678", "subject-1"), a);
  // Within one batch too.
  absl::StatusOr<std::vector<std::string>> b =
      vault_->Tokenize(EntityType::kCnMobile, {"13900000000", "13900000000", "13812345678"});
  ASSERT_TRUE(b.ok());
  EXPECT_EQ((*b)[0], (*b)[1]);
  EXPECT_EQ((*b)[2], a);
  absl::StatusOr<VaultStats> s = vault_->Stats();
  ASSERT_TRUE(s.ok());
  for (const FieldStats& f : s->fields) {
    if (f.field == EntityType::kCnMobile) {
      EXPECT_EQ(f.tokens, 4u);
    }
  }
}

TEST_F(VaultTest, FormatPreservingTokensNeverLookReal) {
  for (int i = 0; i < 50; ++i) {
    const std::string card = Tok(EntityType::kBankCard, "6222025260181590832");
    ASSERT_EQ(card.size(), 19u);
    EXPECT_FALSE(vault_internal::LuhnValid(card)) << i;
    const std::string card16 = Tok(EntityType::kBankCard, "6225886281948214");
    EXPECT_EQ(card16.size(), 16u);
    EXPECT_FALSE(vault_internal::LuhnValid(card16));
    const std::string uscc = Tok(EntityType::kCnUscc, "91110108MA01ABCD5T");
    ASSERT_EQ(uscc.size(), 18u);
    EXPECT_NE(vault_internal::UsccCheckChar(uscc.substr(0, 17)), uscc[17]);
    const std::string id = vault_internal::MakeFpeToken(EntityType::kCnResidentId, "");
    ASSERT_EQ(id.size(), 18u);
    EXPECT_EQ(id.substr(0, 2), "00");     // no province 00
    EXPECT_EQ(id.substr(10, 2), "00");    // month 00
    EXPECT_NE(vault_internal::Gb11643CheckChar(id.substr(0, 17)), id[17]);
    EXPECT_TRUE(LooksLikeToken(id));
  }
  const std::string card = Tok(EntityType::kBankCard, "6222025260181590832");
  DetokenizeResult r = Detok(card, "settlement", "svc-pay");
  ASSERT_TRUE(r.status.ok()) << r.status;
  EXPECT_EQ(r.value, "6222025260181590832");
  r = Detok(card, "receipt");
  ASSERT_TRUE(r.status.ok());
  EXPECT_EQ(r.value, "0832");
  EXPECT_EQ(r.form, Disclosure::kLast4);
  const std::string uscc = Tok(EntityType::kCnUscc, "91110108MA01ABCD5T");
  r = Detok(uscc, "settlement", "svc-pay");
  ASSERT_TRUE(r.status.ok()) << r.status;
  EXPECT_EQ(r.value, "91110108MA01ABCD5T");
}

TEST_F(VaultTest, PolicyMatrix) {
  const std::string id = Tok(EntityType::kCnResidentId, "11010519491231002X");
  const std::string card = Tok(EntityType::kBankCard, "6222025260181590832");
  const std::string mob = Tok(EntityType::kCnMobile, "13812345678");
  struct Case {
    std::string token, purpose, principal;
    absl::StatusCode code;
    std::string value;
  } cases[] = {
      {id, "identity_verification", "anyone", absl::StatusCode::kOk, "11010519491231002X"},
      {id, "customer_service", "agent-1", absl::StatusCode::kOk, "110105********002X"},
      {id, "customer_service", "intruder", absl::StatusCode::kPermissionDenied, ""},
      {id, "marketing", "anyone", absl::StatusCode::kPermissionDenied, ""},
      {id, "export", "anyone", absl::StatusCode::kPermissionDenied, ""},
      {card, "customer_service", "agent-2", absl::StatusCode::kOk, "622202*********0832"},
      {card, "settlement", "svc-other", absl::StatusCode::kPermissionDenied, ""},
      {card, "identity_verification", "anyone", absl::StatusCode::kPermissionDenied, ""},
      {mob, "account_security", "x", absl::StatusCode::kOk, "13812345678"},
      {mob, "customer_service", "agent-1", absl::StatusCode::kOk, "138****5678"},
      {mob, "marketing", "x", absl::StatusCode::kPermissionDenied, ""},
  };
  for (const Case& c : cases) {
    DetokenizeResult r = Detok(c.token, c.purpose, c.principal);
    EXPECT_EQ(r.status.code(), c.code) << c.purpose << " " << c.principal << " " << r.status;
    EXPECT_EQ(r.value, c.value) << c.purpose << " " << c.principal;
    // A refusal names the purpose but never the value or the token.
    EXPECT_THAT(std::string(r.status.message()), Not(HasSubstr("1101051949")));
    EXPECT_THAT(std::string(r.status.message()), Not(HasSubstr(c.token)));
  }
}

TEST_F(VaultTest, ConsentGrantAndWithdraw) {
  const std::string t = Tok(EntityType::kCnMobile, "13812345678", "user-7");
  EXPECT_EQ(Detok(t, "marketing").status.code(), absl::StatusCode::kPermissionDenied);
  ASSERT_TRUE(vault_->SetConsent("user-7", "marketing", true, "crm").ok());
  DetokenizeResult r = Detok(t, "marketing");
  ASSERT_TRUE(r.status.ok()) << r.status;
  EXPECT_EQ(r.value, "13812345678");
  // Another subject's consent does not count.
  const std::string other = Tok(EntityType::kCnMobile, "13812345678", "user-8");
  EXPECT_EQ(Detok(other, "marketing").status.code(), absl::StatusCode::kPermissionDenied);
  ASSERT_TRUE(vault_->SetConsent("user-7", "marketing", false, "crm").ok());
  EXPECT_EQ(Detok(t, "marketing").status.code(), absl::StatusCode::kPermissionDenied);
  // A value without a subject can never satisfy a consent rule.
  EXPECT_EQ(Detok(Tok(EntityType::kEmail, "a@b.cn"), "marketing").status.code(),
            absl::StatusCode::kPermissionDenied);
}

TEST_F(VaultTest, TtlExpiresAndPurges) {
  const std::string t = Tok(EntityType::kEmail, "zhang@example.cn");
  const std::string t2 = Tok(EntityType::kEmail, "li@example.cn");
  EXPECT_TRUE(Detok(t, "account_security").status.ok());
  now_ += 101;
  DetokenizeResult r = Detok(t, "account_security");
  EXPECT_EQ(r.status.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_TRUE(r.value.empty());
  EXPECT_EQ(Detok(t, "account_security").status.code(), absl::StatusCode::kNotFound);
  absl::StatusOr<uint64_t> purged = vault_->PurgeExpired("ops");
  ASSERT_TRUE(purged.ok());
  EXPECT_EQ(*purged, 1u);  // t2; t was purged on read
  EXPECT_EQ(Detok(t2, "account_security").status.code(), absl::StatusCode::kNotFound);
}

TEST_F(VaultTest, FieldKeyRotationAndResumableReencrypt) {
  std::vector<std::string> old_tokens;
  for (int i = 0; i < 25; ++i)
    old_tokens.push_back(Tok(EntityType::kCnResidentId, "11010519491231002X"));
  absl::StatusOr<uint32_t> v2 = vault_->RotateFieldKey(EntityType::kCnResidentId, "ops");
  ASSERT_TRUE(v2.ok()) << v2.status();
  EXPECT_EQ(*v2, 2u);
  const std::string fresh = Tok(EntityType::kCnResidentId, "320102199003074835");
  EXPECT_TRUE(Detok(fresh, "identity_verification").status.ok());
  EXPECT_EQ(Detok(old_tokens[0], "identity_verification").value, "11010519491231002X");
  uint64_t remaining = 0;
  int batches = 0;
  do {
    absl::StatusOr<uint64_t> r = vault_->ReencryptBatch(10, "ops");
    ASSERT_TRUE(r.ok()) << r.status();
    remaining = *r;
    ++batches;
    if (batches == 1) {
      EXPECT_EQ(remaining, 15u);
      Reopen();  // resumable across restarts
    }
  } while (remaining > 0);
  EXPECT_EQ(batches, 3);
  for (const std::string& t : old_tokens)
    EXPECT_EQ(Detok(t, "identity_verification").value, "11010519491231002X");
  absl::StatusOr<VaultStats> s = vault_->Stats();
  for (const FieldStats& f : s->fields) {
    if (f.field == EntityType::kCnResidentId) {
      EXPECT_EQ(f.current_key_version, 2u);
      EXPECT_EQ(f.tokens_on_old_versions, 0u);
    }
  }
  EXPECT_TRUE(vault_->VerifyAudit().ok());
}

TEST_F(VaultTest, ShredDestroysOnlyThatSubject) {
  const std::string a1 = Tok(EntityType::kCnResidentId, "11010519491231002X", "alice");
  const std::string a2 = Tok(EntityType::kCnMobile, "13812345678", "alice");
  const std::string b1 = Tok(EntityType::kCnResidentId, "320102199003074835", "bob");
  const std::string n1 = Tok(EntityType::kCnResidentId, "510104200111307767");
  absl::StatusOr<uint64_t> n = vault_->ShredSubject("alice", "dpo");
  ASSERT_TRUE(n.ok()) << n.status();
  EXPECT_EQ(*n, 2u);
  {
    // The WAL was checkpointed and truncated: no old page image survives there.
    std::error_code ec;
    EXPECT_EQ(std::filesystem::file_size(dir_ + "/vault.db-wal", ec), 0u);
  }
  EXPECT_EQ(Detok(a1, "identity_verification").status.code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(Detok(a2, "account_security").status.code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(Detok(b1, "identity_verification").value, "320102199003074835");
  EXPECT_EQ(Detok(n1, "identity_verification").value, "510104200111307767");
  // Re-tokenising for alice starts from a fresh key.
  const std::string again = Tok(EntityType::kCnMobile, "13812345678", "alice");
  EXPECT_EQ(Detok(again, "account_security").value, "13812345678");
  EXPECT_TRUE(vault_->VerifyAudit().ok());
}

TEST_F(VaultTest, PoisonTokenRaisesAlert) {
  absl::StatusOr<std::string> p = vault_->CreatePoisonToken(EntityType::kBankCard, "secops");
  ASSERT_TRUE(p.ok());
  EXPECT_TRUE(LooksLikeToken(*p));
  DetokenizeResult r = Detok(*p, "settlement", "svc-pay");
  EXPECT_EQ(r.status.code(), absl::StatusCode::kPermissionDenied);
  EXPECT_TRUE(r.value.empty());
  absl::StatusOr<AuditReport> rep = vault_->VerifyAudit();
  ASSERT_TRUE(rep.ok());
  EXPECT_EQ(rep->alerts, 1u);
}

TEST_F(VaultTest, BadInputsAreRejectedWithoutQuotingThem) {
  EXPECT_EQ(vault_->Tokenize(EntityType::kUnknown, {"x"}).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(vault_->Tokenize(EntityType::kEmail, {""}).status().code(),
            absl::StatusCode::kInvalidArgument);
  DetokenizeResult r = Detok("not-a-token-13812345678", "account_security");
  EXPECT_EQ(r.status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(r.status.message()), Not(HasSubstr("13812345678")));
  r = Detok("tok_cnid_aaaaaaaaaaaaaaaaaaaaaaaaaa", "identity_verification");
  EXPECT_EQ(r.status.code(), absl::StatusCode::kNotFound);
  // A valid token of another field type does not read the row.
  const std::string t = Tok(EntityType::kCnResidentId, "11010519491231002X");
  std::string swapped = "tok_mob_" + t.substr(9);
  EXPECT_EQ(Detok(swapped, "account_security").status.code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(vault_->DetokenizeOne(t, {.purpose = "", .principal = "x"}).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(vault_->DetokenizeOne(t, {.purpose = "x", .principal = ""}).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST_F(VaultTest, AuditChainVerifiesAndHeadExportDetectsTruncation) {
  for (int i = 0; i < 5; ++i) Tok(EntityType::kCnResidentId, "11010519491231002X");
  absl::StatusOr<std::string> head = vault_->ExportChainHead();
  ASSERT_TRUE(head.ok());
  EXPECT_THAT(*head, HasSubstr("piivault-head v1 6 "));
  absl::StatusOr<AuditReport> rep = vault_->VerifyAudit(*head);
  ASSERT_TRUE(rep.ok()) << rep.status();
  EXPECT_EQ(rep->rows, 6u);  // init + 5 tokenize
  // A forged signature is refused.
  std::string forged = *head;
  forged[forged.size() - 3] = forged[forged.size() - 3] == 'a' ? 'b' : 'a';
  EXPECT_EQ(vault_->VerifyAudit(forged).status().code(), absl::StatusCode::kDataLoss);
  Tok(EntityType::kCnResidentId, "11010519491231002X");
  EXPECT_TRUE(vault_->VerifyAudit(*head).ok());  // the log grew past the head: fine
}

TEST(VaultKeys, WrongKeyIsACleanError) {
  unsetenv("PIIVAULT_MASTER_KEY");
  TempDir tmp;
  const std::string dir = tmp.Sub("v");
  ASSERT_TRUE(Vault::Init({.dir = dir}).ok());
  absl::StatusOr<Vault> v = Vault::Open({.dir = dir, .key = {.master_key_hex = std::string(64, 'a')}});
  ASSERT_FALSE(v.ok());
  EXPECT_EQ(v.status().code(), absl::StatusCode::kUnauthenticated);
  EXPECT_EQ(v.status().message(), "vault key does not match");
  // Malformed hex never echoes the input.
  v = Vault::Open({.dir = dir, .key = {.master_key_hex = "zz" + std::string(62, 'a')}});
  EXPECT_EQ(v.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(v.status().message()), Not(HasSubstr("zzaaaa")));
  EXPECT_TRUE(Vault::Open({.dir = dir}).ok());
  EXPECT_EQ(Vault::Init({.dir = dir}).code(), absl::StatusCode::kAlreadyExists);
  EXPECT_EQ(Vault::Open({.dir = tmp.Sub("nothing")}).status().code(), absl::StatusCode::kNotFound);
}

TEST(VaultKeys, RefusesGroupOrWorldReadableKeyFile) {
  unsetenv("PIIVAULT_MASTER_KEY");
  TempDir tmp;
  const std::string dir = tmp.Sub("v");
  ASSERT_TRUE(Vault::Init({.dir = dir}).ok());
  struct stat st;
  ASSERT_EQ(stat((dir + "/master.key").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  chmod((dir + "/master.key").c_str(), 0644);
  absl::StatusOr<Vault> v = Vault::Open({.dir = dir});
  EXPECT_EQ(v.status().code(), absl::StatusCode::kPermissionDenied);
  chmod((dir + "/master.key").c_str(), 0640);
  EXPECT_EQ(Vault::Open({.dir = dir}).status().code(), absl::StatusCode::kPermissionDenied);
}

TEST(VaultKeys, EnvironmentKeyAndPassphraseWrapping) {
  TempDir tmp;
  const std::string hex(64, '7');
  ASSERT_TRUE(Vault::Init({.dir = tmp.Sub("env"), .master_key_hex = hex}).ok());
  EXPECT_FALSE(std::filesystem::exists(tmp.Sub("env") + "/master.key"));
  setenv("PIIVAULT_MASTER_KEY", hex.c_str(), 1);
  EXPECT_TRUE(Vault::Open({.dir = tmp.Sub("env")}).ok());
  setenv("PIIVAULT_MASTER_KEY", std::string(64, '8').c_str(), 1);
  EXPECT_EQ(Vault::Open({.dir = tmp.Sub("env")}).status().code(),
            absl::StatusCode::kUnauthenticated);
  unsetenv("PIIVAULT_MASTER_KEY");

  const std::string pdir = tmp.Sub("pass");
  ASSERT_TRUE(Vault::Init({.dir = pdir, .passphrase = "correct horse",
                           .cost = PassphraseCost::Minimum()})
                  .ok());
  EXPECT_EQ(Vault::Open({.dir = pdir}).status().code(), absl::StatusCode::kUnauthenticated);
  EXPECT_EQ(Vault::Open({.dir = pdir, .key = {.passphrase = "wrong horse"}}).status().code(),
            absl::StatusCode::kUnauthenticated);
  absl::StatusOr<Vault> v = Vault::Open({.dir = pdir, .key = {.passphrase = "correct horse"}});
  ASSERT_TRUE(v.ok()) << v.status();
  absl::StatusOr<std::vector<std::string>> t =
      v->Tokenize(EntityType::kCnResidentId, {"11010519491231002X"});
  ASSERT_TRUE(t.ok());
  // Master-key rotation re-wraps only: a new passphrase opens the same data.
  ASSERT_TRUE(v->RotateMasterKey("", "new horse", PassphraseCost::Minimum()).ok());
  EXPECT_EQ(Vault::Open({.dir = pdir, .key = {.passphrase = "correct horse"}}).status().code(),
            absl::StatusCode::kUnauthenticated);
  absl::StatusOr<Vault> v2 = Vault::Open({.dir = pdir, .key = {.passphrase = "new horse"}});
  ASSERT_TRUE(v2.ok()) << v2.status();
  absl::StatusOr<DetokenizeResult> r =
      v2->DetokenizeOne((*t)[0], {.purpose = "identity_verification", .principal = "kyc"});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->value, "11010519491231002X");
  EXPECT_TRUE(v2->VerifyAudit().ok());
}

TEST(VaultKeys, RefusesAPlainSqliteFile) {
  unsetenv("PIIVAULT_MASTER_KEY");
  TempDir tmp;
  const std::string dir = tmp.Sub("v");
  ASSERT_TRUE(Vault::Init({.dir = dir}).ok());
  std::filesystem::remove(dir + "/vault.db");
  std::filesystem::remove(dir + "/vault.db-wal");
  std::filesystem::remove(dir + "/vault.db-shm");
  {
    std::ofstream f(dir + "/vault.db", std::ios::binary);
    std::string page(4096, '\0');
    page.replace(0, 16, std::string("SQLite format 3\0", 16));
    f << page;
  }
  absl::StatusOr<Vault> v = Vault::Open({.dir = dir});
  EXPECT_EQ(v.status().code(), absl::StatusCode::kDataLoss);
  EXPECT_THAT(std::string(v.status().message()), HasSubstr("unencrypted"));
}

TEST(VaultPolicy, RejectsBadPolicyWithLine) {
  unsetenv("PIIVAULT_MASTER_KEY");
  TempDir tmp;
  absl::Status st = Vault::Init({.dir = tmp.Sub("v"), .policy_toml = "version = 1\n[[rules]]\nname = \"x\"\nfields = [\"NOPE\"]\n"});
  EXPECT_EQ(st.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(st.message()), HasSubstr(":4:"));
  st = Vault::Init({.dir = tmp.Sub("v"), .policy_toml = "[fields.EMAIL]\nmode = \"format_preserving\"\n"});
  EXPECT_EQ(st.code(), absl::StatusCode::kInvalidArgument);
  st = Vault::Init({.dir = tmp.Sub("v"), .policy_toml = "[[rules]]\nfields=[\"*\"]\npurposes=[\"a\"]\nprincipals=[\"role:ghost\"]\ndecision=\"plaintext\"\n"});
  EXPECT_EQ(st.code(), absl::StatusCode::kInvalidArgument);
}

TEST(VaultPolicy, DefaultPolicyMirrorsThePlatform) {
  unsetenv("PIIVAULT_MASTER_KEY");
  TempDir tmp;
  ASSERT_TRUE(Vault::Init({.dir = tmp.Sub("v")}).ok());
  absl::StatusOr<Vault> v = Vault::Open({.dir = tmp.Sub("v")});
  ASSERT_TRUE(v.ok());
  auto tok = [&](EntityType f, std::string_view val) {
    return (*v->Tokenize(f, {val}, {.subject = "s1"}))[0];
  };
  const std::string id = tok(EntityType::kCnResidentId, "11010519491231002X");
  const std::string card = tok(EntityType::kBankCard, "6222025260181590832");
  const std::string mob = tok(EntityType::kCnMobile, "13812345678");
  const std::string mail = tok(EntityType::kEmail, "a@b.cn");
  auto ok = [&](const std::string& t, std::string_view purpose) {
    return v->DetokenizeOne(t, {.purpose = purpose, .principal = "anyone"})->status.ok();
  };
  for (const char* p : {"identity_verification", "enterprise_claim", "trademark_notarization"})
    EXPECT_TRUE(ok(id, p)) << p;
  EXPECT_FALSE(ok(id, "settlement"));
  EXPECT_TRUE(ok(card, "rebate_payment"));
  EXPECT_TRUE(ok(card, "settlement"));
  EXPECT_FALSE(ok(card, "customer_service"));
  EXPECT_TRUE(ok(mob, "customer_service"));
  EXPECT_TRUE(ok(mob, "account_security"));
  EXPECT_FALSE(ok(mob, "marketing"));
  ASSERT_TRUE(v->SetConsent("s1", "marketing", true).ok());
  EXPECT_TRUE(ok(mob, "marketing"));
  EXPECT_TRUE(ok(mail, "marketing"));
  EXPECT_FALSE(ok(mail, "customer_service"));
}

}  // namespace
}  // namespace piivault
