// The redactor's token operator backed by the vault, and token restoration.
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "piivault/redactor.h"
#include "piivault/vault.h"
#include "redact/redactor_internal.h"

namespace piivault {
namespace {

class VaultTokenizer : public Tokenizer {
 public:
  VaultTokenizer(std::shared_ptr<Vault> vault, std::string principal)
      : vault_(std::move(vault)), principal_(std::move(principal)) {}

  absl::StatusOr<std::vector<std::string>> TokenizeBatch(
      EntityType type, const std::vector<std::string>& values) override {
    std::vector<std::string_view> views(values.begin(), values.end());
    TokenizeOptions options;
    options.principal = principal_;
    return vault_->Tokenize(type, std::span<const std::string_view>(views.data(), views.size()),
                            options);
  }

 private:
  std::shared_ptr<Vault> vault_;
  std::string principal_;
};

bool IsTokenChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

}  // namespace

std::shared_ptr<Tokenizer> MakeVaultTokenizer(std::shared_ptr<Vault> vault, std::string principal) {
  return std::make_shared<VaultTokenizer>(std::move(vault), std::move(principal));
}

void RestoreReport::Merge(const RestoreReport& other) {
  tokens += other.tokens;
  restored += other.restored;
  refused += other.refused;
  for (const auto& [code, n] : other.refused_by_reason) refused_by_reason[code] += n;
}

absl::StatusOr<std::string> RestoreTokens(std::string_view text, Vault& vault,
                                          std::string_view purpose, std::string_view principal,
                                          RestoreReport* report, bool json_escape) {
  // Candidates: maximal runs of [A-Za-z0-9_]; a run is a token if the vault's
  // own LooksLikeToken says so (random tokens tok_<tag>_<base32> and
  // format-preserving ID/card/USCC tokens).
  struct Span {
    size_t begin, end;
  };
  std::vector<Span> spans;
  std::vector<std::string> tokens;
  for (size_t i = 0; i < text.size();) {
    if (!IsTokenChar(text[i])) {
      ++i;
      continue;
    }
    size_t j = i;
    while (j < text.size() && IsTokenChar(text[j])) ++j;
    std::string_view run = text.substr(i, j - i);
    if (run.size() >= 8 && run.size() <= 64 && LooksLikeToken(run)) {
      spans.push_back({i, j});
      tokens.emplace_back(run);
    }
    i = j;
  }
  RestoreReport local;
  RestoreReport* r = report != nullptr ? report : &local;
  r->tokens += tokens.size();
  if (tokens.empty()) return std::string(text);
  AccessContext context;
  context.purpose = purpose;
  context.principal = principal;
  absl::StatusOr<std::vector<DetokenizeResult>> results =
      vault.Detokenize(std::span<const std::string>(tokens.data(), tokens.size()), context);
  if (!results.ok()) return results.status();
  if (results->size() != tokens.size())
    return absl::InternalError(absl::StrCat("vault returned ", results->size(), " results for ",
                                            tokens.size(), " tokens"));
  std::string out;
  out.reserve(text.size());
  size_t pos = 0;
  for (size_t k = 0; k < spans.size(); ++k) {
    const DetokenizeResult& res = (*results)[k];
    if (!res.status.ok() || res.form == Disclosure::kDeny) {
      ++r->refused;
      ++r->refused_by_reason[res.status.ok() ? absl::StatusCode::kPermissionDenied : res.status.code()];
      continue;
    }
    out.append(text.substr(pos, spans[k].begin - pos));
    out.append(json_escape ? redact_internal::JsonEscape(res.value) : res.value);
    pos = spans[k].end;
    ++r->restored;
  }
  out.append(text.substr(pos));
  return out;
}

}  // namespace piivault
