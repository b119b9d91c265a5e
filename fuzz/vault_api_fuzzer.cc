// The Vault API fed arbitrary operation sequences against one vault per
// process. Properties: allowed plaintext detokenisation returns exactly what
// was tokenised; refusals never carry a value; the audit chain always
// verifies; no crash, leak or UB (ASan+UBSan in CI).
#include <stdlib.h>
#include <unistd.h>

#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "piivault/vault.h"

namespace {

constexpr char kPolicy[] = R"(
version = 1
[fields.CN_MOBILE]
mode = "deterministic"
[fields.BANK_CARD]
mode = "format_preserving"
[fields.EMAIL]
ttl_seconds = 5
[[rules]]
name = "all-plain"
fields = ["*"]
purposes = ["p"]
principals = ["*"]
decision = "plaintext"
[[rules]]
name = "masked"
fields = ["*"]
purposes = ["m"]
principals = ["*"]
decision = "masked"
[[rules]]
name = "consent"
fields = ["*"]
purposes = ["c"]
principals = ["*"]
decision = "plaintext"
require_consent = true
)";

int64_t g_now = 1'700'000'000;

piivault::Vault* GetVault() {
  static piivault::Vault* vault = [] {
    unsetenv("PIIVAULT_MASTER_KEY");
    std::string tmpl = "/tmp/piivault-fuzz-XXXXXX";
    std::string dir = std::string(mkdtemp(tmpl.data())) + "/v";
    if (!piivault::Vault::Init({.dir = dir, .policy_toml = kPolicy}).ok()) std::abort();
    piivault::VaultOptions o;
    o.dir = dir;
    o.fsync_every_commit = false;
    o.now_unix_seconds = [] { return g_now; };
    absl::StatusOr<piivault::Vault> v = piivault::Vault::Open(o);
    if (!v.ok()) std::abort();
    static std::string cleanup_dir = std::filesystem::path(dir).parent_path();
    std::atexit([] {
      std::error_code ec;
      std::filesystem::remove_all(cleanup_dir, ec);
    });
    return new piivault::Vault(std::move(*v));
  }();
  return vault;
}

struct Reader {
  const uint8_t* p;
  size_t n;
  uint8_t Byte() {
    if (n == 0) return 0;
    --n;
    return *p++;
  }
  std::string Str(size_t max) {
    size_t len = Byte() % (max + 1);
    if (len > n) len = n;
    std::string s(reinterpret_cast<const char*>(p), len);
    p += len;
    n -= len;
    return s;
  }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size > 4096) return 0;
  piivault::Vault* v = GetVault();
  Reader in{data, size};
  const piivault::EntityType fields[] = {piivault::EntityType::kCnResidentId,
                                         piivault::EntityType::kCnMobile,
                                         piivault::EntityType::kBankCard,
                                         piivault::EntityType::kEmail};
  std::map<std::string, std::pair<std::string, bool>> issued;  // token -> (value, has subject)
  int ops = 0;
  while (in.n > 0 && ops++ < 32) {
    const uint8_t op = in.Byte() % 9;
    const piivault::EntityType f = fields[in.Byte() % 4];
    switch (op) {
      case 0:
      case 1: {
        std::vector<std::string> vals;
        for (int i = in.Byte() % 4; i >= 0; --i) vals.push_back(in.Str(24));
        std::vector<std::string_view> views(vals.begin(), vals.end());
        const std::string subject = (in.Byte() & 1) ? "subj" : "";
        absl::StatusOr<std::vector<std::string>> t = v->Tokenize(f, views, {.subject = subject});
        bool any_empty = false;
        for (const std::string& s : vals) any_empty |= s.empty();
        if (t.ok() == any_empty) std::abort();
        if (t.ok()) {
          if (t->size() != vals.size()) std::abort();
          for (size_t i = 0; i < vals.size(); ++i) {
            if (!piivault::LooksLikeToken((*t)[i])) std::abort();
            issued[(*t)[i]] = {vals[i], !subject.empty()};
          }
        }
        break;
      }
      case 2: {
        std::vector<std::string> toks;
        for (const auto& [tok, val] : issued) toks.push_back(tok);
        toks.push_back(in.Str(40));
        const char* purposes[] = {"p", "m", "c", "none"};
        const char* purpose = purposes[in.Byte() % 4];
        absl::StatusOr<std::vector<piivault::DetokenizeResult>> r =
            v->Detokenize(toks, {.purpose = purpose, .principal = "fuzz"});
        if (!r.ok() || r->size() != toks.size()) std::abort();
        for (size_t i = 0; i < toks.size(); ++i) {
          const piivault::DetokenizeResult& res = (*r)[i];
          if (!res.status.ok() && !res.value.empty()) std::abort();
          auto it = issued.find(toks[i]);
          if (res.status.ok() && res.form == piivault::Disclosure::kPlaintext &&
              it != issued.end() && res.value != it->second.first)
            std::abort();
        }
        break;
      }
      case 3:
        (void)v->SetConsent("subj", "c", in.Byte() & 1);
        break;
      case 4:
        if (!v->ShredSubject("subj").ok()) std::abort();
        break;
      case 5:
        if (!v->RotateFieldKey(f).ok()) std::abort();
        break;
      case 6:
        if (!v->ReencryptBatch(1 + in.Byte() % 8).ok()) std::abort();
        break;
      case 7:
        if (!v->CreatePoisonToken(f).ok()) std::abort();
        break;
      case 8:
        g_now += in.Byte() % 8;
        break;
    }
  }
  if (!v->VerifyAudit().ok()) std::abort();
  return 0;
}
