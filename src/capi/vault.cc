// C ABI: vault init, open, tokenize, detokenize, consent.
#include <cstring>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "capi/internal.h"
#include "piivault/entity_type.h"
#include "piivault/piivault.h"
#include "piivault/redactor.h"
#include "piivault/vault.h"

using piivault::capi::Guard;
using piivault::capi::NullArgument;

namespace {

absl::Status ParseType(const char* fn, const char* type_name, piivault::EntityType* type) {
  if (type_name == nullptr) return NullArgument(fn, "type_name");
  std::optional<piivault::EntityType> parsed = piivault::ParseEntityType(type_name);
  if (!parsed.has_value() || *parsed == piivault::EntityType::kUnknown) {
    return absl::InvalidArgumentError(
        absl::StrCat(fn, ": unknown entity type name (", std::strlen(type_name),
                     " bytes); names are upper case, e.g. CN_MOBILE"));
  }
  *type = *parsed;
  return absl::OkStatus();
}

// values[i] with lens[i] bytes, or NUL-terminated when lens is NULL.
absl::Status Views(const char* fn, const char* what, const char* const* items,
                   const size_t* lens, size_t count, std::vector<std::string_view>* views) {
  if (items == nullptr && count != 0) return NullArgument(fn, what);
  views->reserve(count);
  for (size_t i = 0; i < count; ++i) {
    if (items[i] == nullptr) {
      if (lens == nullptr || lens[i] != 0) {
        return absl::InvalidArgumentError(absl::StrCat(fn, ": ", what, "[", i, "] is NULL"));
      }
      views->emplace_back();
    } else {
      views->emplace_back(items[i], lens != nullptr ? lens[i] : std::strlen(items[i]));
    }
  }
  return absl::OkStatus();
}

}  // namespace

extern "C" {

int piivault_vault_init(const char* dir, const char* policy_toml, size_t policy_toml_len) {
  return Guard([&]() -> absl::Status {
    constexpr char kFn[] = "piivault_vault_init";
    if (dir == nullptr) return NullArgument(kFn, "dir");
    piivault::InitOptions options;
    options.dir = dir;
    if (policy_toml != nullptr) {
      if (policy_toml_len == 0) {
        return absl::InvalidArgumentError(
            absl::StrCat(kFn, ": policy_toml is empty; pass NULL for the default policy"));
      }
      options.policy_toml.assign(policy_toml, policy_toml_len);
    } else if (policy_toml_len != 0) {
      return absl::InvalidArgumentError(
          absl::StrCat(kFn, ": policy_toml is NULL but its length is ", policy_toml_len));
    }
    return piivault::Vault::Init(options);
  });
}

int piivault_vault_open(const char* dir, const char* master_key_hex, const char* passphrase,
                        uint32_t flags, piivault_vault** out) {
  return Guard([&]() -> absl::Status {
    constexpr char kFn[] = "piivault_vault_open";
    if (out == nullptr) return NullArgument(kFn, "out");
    *out = nullptr;
    if (dir == nullptr) return NullArgument(kFn, "dir");
    if ((flags & ~PIIVAULT_VAULT_IGNORE_ENV) != 0) {
      return absl::InvalidArgumentError(
          absl::StrCat(kFn, ": unknown flag bits 0x", absl::Hex(flags & ~PIIVAULT_VAULT_IGNORE_ENV)));
    }
    piivault::VaultOptions options;
    options.dir = dir;
    options.key.use_env = (flags & PIIVAULT_VAULT_IGNORE_ENV) == 0;
    if (master_key_hex != nullptr) options.key.master_key_hex = master_key_hex;
    if (passphrase != nullptr) options.key.passphrase = passphrase;
    absl::StatusOr<piivault::Vault> vault = piivault::Vault::Open(options);
    piivault::capi::Wipe(options.key.master_key_hex);
    piivault::capi::Wipe(options.key.passphrase);
    if (!vault.ok()) return vault.status();
    auto handle = std::make_unique<piivault_vault>();
    handle->vault = std::make_shared<piivault::Vault>(*std::move(vault));
    *out = handle.release();
    return absl::OkStatus();
  });
}

void piivault_vault_close(piivault_vault* vault) { delete vault; }

int piivault_vault_tokenize(piivault_vault* vault, const char* type_name,
                            const char* const* values, const size_t* value_lens, size_t count,
                            const char* subject, const char* principal, char*** tokens) {
  return Guard([&]() -> absl::Status {
    constexpr char kFn[] = "piivault_vault_tokenize";
    if (tokens == nullptr) return NullArgument(kFn, "tokens");
    *tokens = nullptr;
    if (vault == nullptr) return NullArgument(kFn, "vault");
    piivault::EntityType type = piivault::EntityType::kUnknown;  // set by ParseType
    if (absl::Status s = ParseType(kFn, type_name, &type); !s.ok()) return s;
    std::vector<std::string_view> views;
    if (absl::Status s = Views(kFn, "values", values, value_lens, count, &views); !s.ok()) {
      return s;
    }
    if (count == 0) return absl::OkStatus();
    piivault::TokenizeOptions options;
    if (subject != nullptr) options.subject = subject;
    if (principal != nullptr) options.principal = principal;
    absl::StatusOr<std::vector<std::string>> made = vault->vault->Tokenize(
        type, std::span<const std::string_view>(views.data(), views.size()), options);
    if (!made.ok()) return made.status();
    if (made->size() != count) {
      return absl::InternalError(absl::StrCat(kFn, ": the vault returned ", made->size(),
                                              " tokens for ", count, " values"));
    }
    piivault::capi::BlockWriter block(count * sizeof(char*));
    for (const std::string& token : *made) block.Reserve(token);
    if (!block.Allocate()) {
      return absl::ResourceExhaustedError(
          absl::StrCat(kFn, ": out of memory for ", count, " tokens"));
    }
    auto* array = static_cast<char**>(block.head());
    for (size_t i = 0; i < count; ++i) array[i] = const_cast<char*>(block.Copy((*made)[i]));
    *tokens = static_cast<char**>(block.Release());
    return absl::OkStatus();
  });
}

void piivault_tokens_free(char** tokens) { piivault::capi::FreeBlock(tokens); }

int piivault_vault_detokenize(piivault_vault* vault, const char* const* tokens,
                              const size_t* token_lens, size_t count, const char* purpose,
                              const char* principal, piivault_detokenized** results) {
  return Guard([&]() -> absl::Status {
    constexpr char kFn[] = "piivault_vault_detokenize";
    if (results == nullptr) return NullArgument(kFn, "results");
    *results = nullptr;
    if (vault == nullptr) return NullArgument(kFn, "vault");
    if (purpose == nullptr) return NullArgument(kFn, "purpose");
    if (principal == nullptr) return NullArgument(kFn, "principal");
    std::vector<std::string_view> views;
    if (absl::Status s = Views(kFn, "tokens", tokens, token_lens, count, &views); !s.ok()) {
      return s;
    }
    if (count == 0) return absl::OkStatus();
    std::vector<std::string> token_strings(views.begin(), views.end());
    piivault::AccessContext context;
    context.purpose = purpose;
    context.principal = principal;
    absl::StatusOr<std::vector<piivault::DetokenizeResult>> got = vault->vault->Detokenize(
        std::span<const std::string>(token_strings.data(), token_strings.size()), context);
    if (!got.ok()) return got.status();
    struct WipeValues {
      std::vector<piivault::DetokenizeResult>& results;
      ~WipeValues() {
        for (piivault::DetokenizeResult& r : results) piivault::capi::Wipe(r.value);
      }
    } wipe{*got};
    if (got->size() != count) {
      return absl::InternalError(absl::StrCat(kFn, ": the vault returned ", got->size(),
                                              " results for ", count, " tokens"));
    }
    piivault::capi::BlockWriter block(count * sizeof(piivault_detokenized));
    for (const piivault::DetokenizeResult& r : *got) {
      const absl::string_view message = r.status.message();
      block.Reserve(std::string_view(message.data(), message.size()));
      block.Reserve(piivault::EntityTypeName(r.field));
      block.Reserve(piivault::DisclosureName(r.form));
      block.Reserve(r.value);
      block.Reserve(r.rule);
    }
    if (!block.Allocate()) {
      return absl::ResourceExhaustedError(
          absl::StrCat(kFn, ": out of memory for ", count, " results"));
    }
    auto* array = static_cast<piivault_detokenized*>(block.head());
    for (size_t i = 0; i < count; ++i) {
      const piivault::DetokenizeResult& r = (*got)[i];
      const absl::string_view message = r.status.message();
      array[i].status = static_cast<int>(r.status.code());
      array[i].message = block.Copy(std::string_view(message.data(), message.size()));
      array[i].type = block.Copy(piivault::EntityTypeName(r.field));
      array[i].form = block.Copy(piivault::DisclosureName(r.form));
      array[i].value = block.Copy(r.value);
      array[i].value_len = r.value.size();
      array[i].rule = block.Copy(r.rule);
    }
    *results = static_cast<piivault_detokenized*>(block.Release());
    return absl::OkStatus();
  });
}

void piivault_detokenized_free(piivault_detokenized* results) {
  piivault::capi::FreeBlock(results);
}

int piivault_vault_restore(piivault_vault* vault, const char* text, size_t text_len,
                           const char* purpose, const char* principal, uint32_t flags,
                           char** out, size_t* out_len, piivault_restore_report* report) {
  return Guard([&]() -> absl::Status {
    constexpr char kFn[] = "piivault_vault_restore";
    if (out != nullptr) *out = nullptr;
    if (out_len != nullptr) *out_len = 0;
    if (out == nullptr) return NullArgument(kFn, "out");
    if (out_len == nullptr) return NullArgument(kFn, "out_len");
    if (vault == nullptr) return NullArgument(kFn, "vault");
    if (purpose == nullptr) return NullArgument(kFn, "purpose");
    if (principal == nullptr) return NullArgument(kFn, "principal");
    if ((flags & ~PIIVAULT_RESTORE_JSON) != 0) {
      return absl::InvalidArgumentError(
          absl::StrCat(kFn, ": unknown flag bits 0x", absl::Hex(flags & ~PIIVAULT_RESTORE_JSON)));
    }
    std::string_view view;
    if (absl::Status s = piivault::capi::InputView(kFn, "text", text, text_len, &view); !s.ok()) {
      return s;
    }
    piivault::RestoreReport cxx_report;
    absl::StatusOr<std::string> restored =
        piivault::RestoreTokens(view, *vault->vault, purpose, principal, &cxx_report,
                                (flags & PIIVAULT_RESTORE_JSON) != 0);
    if (!restored.ok()) return restored.status();
    absl::Status s = piivault::capi::ReturnBuffer(*restored, out, out_len);
    piivault::capi::Wipe(*restored);
    if (!s.ok()) return s;
    if (report != nullptr) {
      report->tokens = cxx_report.tokens;
      report->restored = cxx_report.restored;
      report->refused = cxx_report.refused;
    }
    return absl::OkStatus();
  });
}

int piivault_vault_set_consent(piivault_vault* vault, const char* subject, const char* purpose,
                               int granted, const char* principal) {
  return Guard([&]() -> absl::Status {
    constexpr char kFn[] = "piivault_vault_set_consent";
    if (vault == nullptr) return NullArgument(kFn, "vault");
    if (subject == nullptr) return NullArgument(kFn, "subject");
    if (purpose == nullptr) return NullArgument(kFn, "purpose");
    return vault->vault->SetConsent(subject, purpose, granted != 0,
                                    principal != nullptr ? principal : std::string_view());
  });
}

}  // extern "C"
