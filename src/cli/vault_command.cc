// `piivault vault`: the encrypted token vault.
//
//   piivault vault init [--dir DIR] [--passphrase-env VAR] [--policy FILE]
//   printf '11010519491231002X\n' | piivault vault tokenize --field CN_RESIDENT_ID [--subject S]
//   piivault vault detokenize --purpose identity_verification --principal svc-kyc TOKEN...
//   piivault vault consent --subject S --purpose marketing --grant|--withdraw
//   piivault vault rotate [--field TYPE] | --reencrypt [--batch N] | --master
//   piivault vault shred --subject S
//   piivault vault audit verify [--head FILE] [--export-head FILE]
//   piivault vault stats | poison --field TYPE | purge
//
// Every subcommand takes --dir DIR (default $PIIVAULT_DIR, else ./piivault-data).
// The master key comes from PIIVAULT_MASTER_KEY (64 hex) if set, else
// DIR/master.key; a passphrase-protected key file reads the passphrase from
// the variable named by --passphrase-env (default PIIVAULT_PASSPHRASE).
// Refusals go to stderr with the token's position and the reason; values,
// tokens and keys are never printed to stderr.
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "CLI/CLI.hpp"
#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "cli/cli.h"
#include "common/file_util.h"
#include "piivault/entity_type.h"
#include "piivault/vault.h"

namespace piivault::cli {
namespace {

struct VaultFlags {
  std::string dir;
  std::string passphrase_env = "PIIVAULT_PASSPHRASE";
  // init
  std::string policy_file;
  bool min_kdf_cost = false;
  // tokenize / poison / rotate
  std::string field;
  std::string subject;
  std::string principal;
  // detokenize / consent
  std::string purpose;
  std::vector<std::string> tokens;
  bool grant = false;
  bool withdraw = false;
  // rotate
  bool reencrypt = false;
  bool master = false;
  std::string new_passphrase_env;
  size_t batch = 1000;
  // audit
  std::string head_file;
  std::string export_head_file;
};

std::string ResolveDir(const VaultFlags& f) {
  if (!f.dir.empty()) return f.dir;
  if (const char* env = std::getenv("PIIVAULT_DIR"); env != nullptr && *env != '\0') return env;
  return "piivault-data";
}

std::string Passphrase(const std::string& env_name) {
  if (env_name.empty()) return {};
  const char* p = std::getenv(env_name.c_str());
  return p == nullptr ? std::string() : std::string(p);
}

absl::StatusOr<Vault> OpenVault(const VaultFlags& f) {
  VaultOptions o;
  o.dir = ResolveDir(f);
  o.key.passphrase = Passphrase(f.passphrase_env);
  return Vault::Open(o);
}

absl::StatusOr<EntityType> FieldFlag(const std::string& name) {
  std::optional<EntityType> t = ParseEntityType(name);
  if (!t || *t == EntityType::kUnknown) {
    return absl::InvalidArgumentError(
        absl::StrCat("--field: unknown type name (", name.size(), " bytes); use e.g. CN_RESIDENT_ID"));
  }
  return *t;
}

int Usage(std::string_view message) {
  std::fprintf(stderr, "piivault: %s\n", std::string(message).c_str());
  return kExitUsage;
}

int RunInit(const VaultFlags& f) {
  InitOptions o;
  o.dir = ResolveDir(f);
  o.passphrase = Passphrase(f.passphrase_env);
  if (f.min_kdf_cost) o.cost = PassphraseCost::Minimum();
  if (const char* env = std::getenv("PIIVAULT_MASTER_KEY"); env != nullptr && *env != '\0') {
    o.master_key_hex = env;  // the key lives outside the vault (no key file)
  }
  if (!f.policy_file.empty()) {
    absl::StatusOr<std::string> text = internal::ReadFile(f.policy_file, 1 << 20);
    if (!text.ok()) return ReportError(text.status());
    o.policy_toml = *text;
  }
  absl::Status st = Vault::Init(o);
  if (!st.ok()) return ReportError(st);
  std::fprintf(stderr, "piivault: vault created in %s%s\n", o.dir.c_str(),
               o.master_key_hex.empty() ? " (key file master.key, mode 0600: back it up)"
                                        : " (key from PIIVAULT_MASTER_KEY; no key file written)");
  return kExitOk;
}

int RunTokenize(const VaultFlags& f) {
  absl::StatusOr<EntityType> field = FieldFlag(f.field);
  if (!field.ok()) return Usage(std::string(field.status().message()));
  absl::StatusOr<Vault> vault = OpenVault(f);
  if (!vault.ok()) return ReportError(vault.status());
  constexpr size_t kBatch = 4096;
  std::vector<std::string> lines;
  std::string line;
  size_t line_no = 0;
  auto flush = [&]() -> int {
    if (lines.empty()) return kExitOk;
    std::vector<std::string_view> views(lines.begin(), lines.end());
    absl::StatusOr<std::vector<std::string>> tokens =
        vault->Tokenize(*field, views, {.subject = f.subject, .principal = f.principal});
    if (!tokens.ok()) {
      return ReportError(absl::Status(
          tokens.status().code(),
          absl::StrCat("lines ", line_no - lines.size() + 1, "..", line_no, ": ",
                       tokens.status().message())));
    }
    std::string out;
    for (const std::string& t : *tokens) absl::StrAppend(&out, t, "\n");
    std::fwrite(out.data(), 1, out.size(), stdout);
    lines.clear();
    return kExitOk;
  };
  while (std::getline(std::cin, line)) {
    ++line_no;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty()) {
      std::fprintf(stderr, "piivault: stdin line %zu is empty; nothing after line %zu tokenised\n",
                   line_no, line_no - 1 - lines.size());
      return kExitError;
    }
    lines.push_back(std::move(line));
    if (lines.size() == kBatch) {
      if (int rc = flush(); rc != kExitOk) return rc;
    }
  }
  if (int rc = flush(); rc != kExitOk) return rc;
  return std::fflush(stdout) == 0 ? kExitOk : kExitError;
}

int RunDetokenize(const VaultFlags& f) {
  if (f.purpose.empty()) return Usage("detokenize: --purpose is required");
  if (f.principal.empty()) return Usage("detokenize: --principal is required");
  absl::StatusOr<Vault> vault = OpenVault(f);
  if (!vault.ok()) return ReportError(vault.status());
  std::vector<std::string> tokens = f.tokens;
  if (tokens.empty()) {
    std::string line;
    while (std::getline(std::cin, line)) {
      if (!line.empty() && line.back() == '\r') line.pop_back();
      tokens.push_back(line);
    }
  }
  int rc = kExitOk;
  constexpr size_t kBatch = 4096;
  for (size_t begin = 0; begin < tokens.size(); begin += kBatch) {
    const size_t n = std::min(kBatch, tokens.size() - begin);
    absl::StatusOr<std::vector<DetokenizeResult>> results = vault->Detokenize(
        std::span<const std::string>(tokens.data() + begin, n),
        {.purpose = f.purpose, .principal = f.principal});
    if (!results.ok()) return ReportError(results.status());
    std::string out;
    for (size_t i = 0; i < results->size(); ++i) {
      const DetokenizeResult& r = (*results)[i];
      if (r.status.ok()) {
        absl::StrAppend(&out, r.value, "\n");
      } else {
        out.push_back('\n');  // keep lines aligned with the input
        // The library's reason names the item index within the batch; give the input position.
        std::string reason(r.status.message());
        if (size_t colon = reason.find(": "); reason.rfind("item ", 0) == 0 && colon != std::string::npos)
          reason = reason.substr(colon + 2);
        std::fprintf(stderr, "piivault: token %zu refused (%s): %s\n", begin + i + 1,
                     absl::StatusCodeToString(r.status.code()).c_str(), reason.c_str());
        rc = kExitError;
      }
    }
    std::fwrite(out.data(), 1, out.size(), stdout);
  }
  std::fflush(stdout);
  return rc;
}

int RunConsent(const VaultFlags& f) {
  if (f.subject.empty() || f.purpose.empty()) return Usage("consent: --subject and --purpose are required");
  if (f.grant == f.withdraw) return Usage("consent: give exactly one of --grant or --withdraw");
  absl::StatusOr<Vault> vault = OpenVault(f);
  if (!vault.ok()) return ReportError(vault.status());
  absl::Status st = vault->SetConsent(f.subject, f.purpose, f.grant, f.principal);
  if (!st.ok()) return ReportError(st);
  return kExitOk;
}

int RunRotate(const VaultFlags& f) {
  absl::StatusOr<Vault> vault = OpenVault(f);
  if (!vault.ok()) return ReportError(vault.status());
  if (f.master) {
    const std::string pass = Passphrase(f.new_passphrase_env);
    std::string new_hex;
    if (const char* env = std::getenv("PIIVAULT_NEW_MASTER_KEY"); env != nullptr) new_hex = env;
    absl::Status st = vault->RotateMasterKey(new_hex, pass,
                                             f.min_kdf_cost ? PassphraseCost::Minimum()
                                                            : PassphraseCost{});
    if (!st.ok()) return ReportError(st);
    std::fprintf(stderr, "piivault: master key rotated (root key re-wrapped; data unchanged)\n");
    return kExitOk;
  }
  if (f.reencrypt) {
    uint64_t total_batches = 0;
    for (;;) {
      absl::StatusOr<uint64_t> left = vault->ReencryptBatch(f.batch, f.principal);
      if (!left.ok()) return ReportError(left.status());
      ++total_batches;
      std::fprintf(stderr, "piivault: re-encrypt batch %llu done, %llu values left\n",
                   static_cast<unsigned long long>(total_batches),
                   static_cast<unsigned long long>(*left));
      if (*left == 0) break;
    }
    return kExitOk;
  }
  EntityType field = EntityType::kUnknown;
  if (!f.field.empty()) {
    absl::StatusOr<EntityType> t = FieldFlag(f.field);
    if (!t.ok()) return Usage(std::string(t.status().message()));
    field = *t;
  }
  absl::StatusOr<uint32_t> v = vault->RotateFieldKey(field, f.principal);
  if (!v.ok()) return ReportError(v.status());
  std::printf("%u\n", *v);
  return kExitOk;
}

int RunShred(const VaultFlags& f) {
  if (f.subject.empty()) return Usage("shred: --subject is required");
  absl::StatusOr<Vault> vault = OpenVault(f);
  if (!vault.ok()) return ReportError(vault.status());
  absl::StatusOr<uint64_t> n = vault->ShredSubject(f.subject, f.principal);
  if (!n.ok()) return ReportError(n.status());
  std::printf("%llu\n", static_cast<unsigned long long>(*n));
  return kExitOk;
}

int RunAuditVerify(const VaultFlags& f) {
  absl::StatusOr<Vault> vault = OpenVault(f);
  if (!vault.ok()) return ReportError(vault.status());
  std::string head;
  if (!f.head_file.empty()) {
    absl::StatusOr<std::string> text = internal::ReadFile(f.head_file, 4096);
    if (!text.ok()) return ReportError(text.status());
    head = *text;
  }
  absl::StatusOr<AuditReport> report = vault->VerifyAudit(head);
  if (!report.ok()) return ReportError(report.status());
  std::printf("audit ok: %llu rows, head seq %llu, %llu alerts\n",
              static_cast<unsigned long long>(report->rows),
              static_cast<unsigned long long>(report->head_seq),
              static_cast<unsigned long long>(report->alerts));
  if (!f.export_head_file.empty()) {
    absl::StatusOr<std::string> signed_head = vault->ExportChainHead();
    if (!signed_head.ok()) return ReportError(signed_head.status());
    absl::Status st = internal::WriteFileAtomically(f.export_head_file, *signed_head + "\n", 0644);
    if (!st.ok()) return ReportError(st);
  }
  return kExitOk;
}

int RunStats(const VaultFlags& f) {
  absl::StatusOr<Vault> vault = OpenVault(f);
  if (!vault.ok()) return ReportError(vault.status());
  absl::StatusOr<VaultStats> s = vault->Stats();
  if (!s.ok()) return ReportError(s.status());
  std::printf("schema_version %d\ncipher_version %s\npolicy_hash %s\naudit_rows %llu\nsubjects_with_keys %llu\n",
              s->schema_version, s->cipher_version.c_str(), vault->PolicyHashHex().c_str(),
              static_cast<unsigned long long>(s->audit_rows),
              static_cast<unsigned long long>(s->subjects_with_keys));
  for (const FieldStats& fs : s->fields) {
    std::printf("field %s tokens %llu key_version %u on_old_versions %llu mode %s\n",
                std::string(EntityTypeName(fs.field)).c_str(),
                static_cast<unsigned long long>(fs.tokens), fs.current_key_version,
                static_cast<unsigned long long>(fs.tokens_on_old_versions),
                std::string(TokenModeName(vault->ModeFor(fs.field))).c_str());
  }
  return kExitOk;
}

int RunPoison(const VaultFlags& f) {
  absl::StatusOr<EntityType> field = FieldFlag(f.field);
  if (!field.ok()) return Usage(std::string(field.status().message()));
  absl::StatusOr<Vault> vault = OpenVault(f);
  if (!vault.ok()) return ReportError(vault.status());
  absl::StatusOr<std::string> t = vault->CreatePoisonToken(*field, f.principal);
  if (!t.ok()) return ReportError(t.status());
  std::printf("%s\n", t->c_str());
  return kExitOk;
}

int RunPurge(const VaultFlags& f) {
  absl::StatusOr<Vault> vault = OpenVault(f);
  if (!vault.ok()) return ReportError(vault.status());
  absl::StatusOr<uint64_t> n = vault->PurgeExpired(f.principal);
  if (!n.ok()) return ReportError(n.status());
  std::printf("%llu\n", static_cast<unsigned long long>(*n));
  return kExitOk;
}

void CommonFlags(CLI::App* c, VaultFlags* f) {
  c->add_option("--dir", f->dir, "vault directory (default $PIIVAULT_DIR, else ./piivault-data)");
  c->add_option("--passphrase-env", f->passphrase_env,
                "environment variable holding the key-file passphrase")
      ->capture_default_str();
}

}  // namespace

void RegisterVaultCommand(CLI::App& app, CommandRunner* runner) {
  auto f = std::make_shared<VaultFlags>();
  CLI::App* cmd = app.add_subcommand("vault", "encrypted token vault: tokenize, detokenize, audit");
  cmd->require_subcommand(1);
  auto sub = [&](const char* name, const char* help, int (*run)(const VaultFlags&)) {
    CLI::App* c = cmd->add_subcommand(name, help);
    CommonFlags(c, f.get());
    c->callback([runner, f, run] { *runner = [f, run] { return run(*f); }; });
    return c;
  };
  CLI::App* init = sub("init", "create a vault: key file (0600), root key, default policy, database", RunInit);
  init->add_option("--policy", f->policy_file, "policy file to install instead of the default");
  init->add_flag("--min-kdf-cost", f->min_kdf_cost, "argon2id at minimum cost (tests only)");

  CLI::App* tok = sub("tokenize", "read values (one per line) from stdin, print one token per line", RunTokenize);
  tok->add_option("--field", f->field, "entity type, e.g. CN_RESIDENT_ID")->required();
  tok->add_option("--subject", f->subject, "the person the values belong to (per-subject key)");
  tok->add_option("--principal", f->principal, "who tokenises (audited)");

  CLI::App* det = sub("detokenize", "print the allowed form of each token, one per line", RunDetokenize);
  det->add_option("--purpose", f->purpose, "declared purpose, e.g. identity_verification")->required();
  det->add_option("--principal", f->principal, "who asks (audited)")->required();
  det->add_option("tokens", f->tokens, "tokens (default: one per line on stdin)");

  CLI::App* con = sub("consent", "grant or withdraw a subject's consent for a purpose", RunConsent);
  con->add_option("--subject", f->subject)->required();
  con->add_option("--purpose", f->purpose)->required();
  con->add_flag("--grant", f->grant);
  con->add_flag("--withdraw", f->withdraw);
  con->add_option("--principal", f->principal);

  CLI::App* rot = sub("rotate", "new field key version; --reencrypt migrates; --master re-wraps", RunRotate);
  rot->add_option("--field", f->field, "field to rotate (default: every field in use)");
  rot->add_flag("--reencrypt", f->reencrypt, "re-encrypt values on old key versions, in batches");
  rot->add_option("--batch", f->batch, "values per re-encrypt transaction")->capture_default_str();
  rot->add_flag("--master", f->master,
                "new master key (random, or $PIIVAULT_NEW_MASTER_KEY hex); only re-wraps the root key");
  rot->add_option("--new-passphrase-env", f->new_passphrase_env,
                  "with --master: protect the new key file with this variable's passphrase");
  rot->add_flag("--min-kdf-cost", f->min_kdf_cost, "argon2id at minimum cost (tests only)");
  rot->add_option("--principal", f->principal);

  CLI::App* shr = sub("shred", "destroy a subject's keys, blind indexes and tokens", RunShred);
  shr->add_option("--subject", f->subject)->required();
  shr->add_option("--principal", f->principal);

  CLI::App* audit = cmd->add_subcommand("audit", "audit log tools");
  audit->require_subcommand(1);
  CLI::App* verify = audit->add_subcommand("verify", "check the audit hash chain");
  CommonFlags(verify, f.get());
  verify->add_option("--head", f->head_file, "a previously exported signed head to check against");
  verify->add_option("--export-head", f->export_head_file, "write the current signed head here");
  verify->callback([runner, f] { *runner = [f] { return RunAuditVerify(*f); }; });

  sub("stats", "token counts, key versions, audit rows", RunStats);
  CLI::App* poi = sub("poison", "create a decoy token whose use raises an audit alert", RunPoison);
  poi->add_option("--field", f->field)->required();
  poi->add_option("--principal", f->principal);
  CLI::App* pur = sub("purge", "delete values past their retention TTL", RunPurge);
  pur->add_option("--principal", f->principal);
}

}  // namespace piivault::cli
