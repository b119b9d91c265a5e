// The redactor's token operator backed by the vault, and token restoration.
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
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

namespace {

// A candidate token: text[begin, end) of the scanned text; `raw_begin` and
// `raw_end` are where it is replaced in the output's source bytes.
struct TokenSpan {
  size_t raw_begin, raw_end;
};

// Candidates: maximal runs of [A-Za-z0-9_]; a run is a token if the vault's
// own LooksLikeToken says so (random tokens tok_<tag>_<base32> and
// format-preserving ID/card/USCC tokens). Appends [begin, end) pairs.
void FindTokens(std::string_view text, std::vector<std::pair<size_t, size_t>>* spans) {
  for (size_t i = 0; i < text.size();) {
    if (!IsTokenChar(text[i])) {
      ++i;
      continue;
    }
    size_t j = i;
    while (j < text.size() && IsTokenChar(text[j])) ++j;
    std::string_view run = text.substr(i, j - i);
    if (run.size() >= 8 && run.size() <= 64 && LooksLikeToken(run)) spans->push_back({i, j});
    i = j;
  }
}

// A \u escape of a token character at text[i] ("\u0074"): the character, else 0.
char EscapedTokenChar(std::string_view text, size_t i) {
  uint32_t cp = 0;
  if (i + 6 > text.size() || text[i] != '\\' || text[i + 1] != 'u' || !redact_internal::Hex4(text, i + 2, &cp)) {
    return 0;
  }
  return cp < 0x80 && IsTokenChar(static_cast<char>(cp)) ? static_cast<char>(cp) : 0;
}

// FindTokens over raw JSON, where an escape is one character: a \u escape of
// a token character ("\u0074") is that character, any other escape (\n,
// \", \\, \u4e2d...) ends a run -- without this, "\ntok_..." would read as
// the run "ntok_..." and the token be missed. Appends the raw [begin, end) of
// each token and the token itself (escapes decoded).
void FindJsonTokens(std::string_view text, std::vector<std::pair<size_t, size_t>>* spans,
                    std::vector<std::string>* tokens) {
  std::string run;
  for (size_t i = 0; i < text.size();) {
    const char c = text[i];
    if (!IsTokenChar(c) && !(c == '\\' && EscapedTokenChar(text, i) != 0)) {
      i += c != '\\' ? 1 : i + 1 < text.size() && text[i + 1] == 'u' ? 6 : 2;
      continue;
    }
    const size_t begin = i;
    run.clear();
    while (i < text.size() && run.size() <= 64) {
      if (IsTokenChar(text[i])) {
        run.push_back(text[i++]);
      } else if (const char e = EscapedTokenChar(text, i); e != 0) {
        run.push_back(e);
        i += 6;
      } else {
        break;
      }
    }
    if (run.size() > 64) {  // too long for a token: skip the rest of the run
      while (i < text.size() && (IsTokenChar(text[i]) || EscapedTokenChar(text, i) != 0))
        i += IsTokenChar(text[i]) ? 1 : 6;
      continue;
    }
    if (run.size() >= 8 && LooksLikeToken(run)) {
      spans->push_back({begin, i});
      tokens->push_back(run);
    }
  }
}

// One Detokenize batch for `tokens`; replaces source[spans[k]] by what is
// released (JSON-escaped if asked) and keeps every other byte.
absl::StatusOr<std::string> Release(std::string_view source, const std::vector<TokenSpan>& spans,
                                    const std::vector<std::string>& tokens, Vault& vault,
                                    std::string_view purpose, std::string_view principal,
                                    RestoreReport* r, bool json_escape) {
  r->tokens += tokens.size();
  if (tokens.empty()) return std::string(source);
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
  out.reserve(source.size());
  size_t pos = 0;
  for (size_t k = 0; k < spans.size(); ++k) {
    const DetokenizeResult& res = (*results)[k];
    if (!res.status.ok() || res.form == Disclosure::kDeny) {
      ++r->refused;
      ++r->refused_by_reason[res.status.ok() ? absl::StatusCode::kPermissionDenied : res.status.code()];
      continue;
    }
    out.append(source.substr(pos, spans[k].raw_begin - pos));
    out.append(json_escape ? redact_internal::JsonEscape(res.value) : res.value);
    pos = spans[k].raw_end;
    ++r->restored;
  }
  out.append(source.substr(pos));
  return out;
}

}  // namespace

absl::StatusOr<std::string> RestoreTokens(std::string_view text, Vault& vault,
                                          std::string_view purpose, std::string_view principal,
                                          RestoreReport* report, bool json_escape) {
  std::vector<std::pair<size_t, size_t>> found;
  std::vector<std::string> tokens;
  if (json_escape) {
    FindJsonTokens(text, &found, &tokens);
  } else {
    FindTokens(text, &found);
    for (const auto& [b, e] : found) tokens.emplace_back(text.substr(b, e - b));
  }
  std::vector<TokenSpan> spans;
  for (const auto& [b, e] : found) spans.push_back({b, e});
  RestoreReport local;
  return Release(text, spans, tokens, vault, purpose, principal,
                 report != nullptr ? report : &local, json_escape);
}

absl::StatusOr<std::string> RestoreJsonLinesTokens(std::string_view jsonl,
                                                   const std::vector<std::string>& fields,
                                                   Vault& vault, std::string_view purpose,
                                                   std::string_view principal,
                                                   RestoreReport* report) {
  if (fields.empty()) return absl::InvalidArgumentError("no field paths given");
  for (const std::string& f : fields) PIIVAULT_RETURN_IF_ERROR(Redactor::ValidateFieldPath(f));
  std::vector<TokenSpan> spans;
  std::vector<std::string> tokens;
  std::vector<redact_internal::StringRange> ranges;
  std::vector<std::pair<size_t, size_t>> found;
  std::string decoded;
  std::vector<uint32_t> unit;
  uint64_t line = 0;
  for (size_t p = 0; p < jsonl.size();) {
    size_t nl = jsonl.find('\n', p);
    size_t e = nl == std::string_view::npos ? jsonl.size() : nl;
    std::string_view record = jsonl.substr(p, e - p);
    const size_t base = p;
    p = nl == std::string_view::npos ? jsonl.size() : nl + 1;
    ++line;
    if (record.find_first_not_of(" \t\r") == std::string_view::npos) continue;  // blank
    if (absl::Status st = redact_internal::FieldStrings(record, fields, &ranges); !st.ok())
      return absl::Status(st.code(), absl::StrCat("line ", line, ": ", st.message()));
    for (const redact_internal::StringRange& range : ranges) {
      std::string_view raw = record.substr(range.begin, range.end - range.begin);
      // Tokens are found in the decoded string (a token right after an
      // escape such as \n is still a whole run there) and replaced as whole
      // escape units of the raw bytes.
      const bool escaped = raw.find('\\') != std::string_view::npos;
      std::string_view text = raw;
      if (escaped) {
        if (absl::Status st = redact_internal::DecodeJsonString(raw, &decoded, &unit); !st.ok())
          return absl::Status(st.code(), absl::StrCat("line ", line, ": ", st.message()));
        text = decoded;
      }
      found.clear();
      FindTokens(text, &found);
      for (const auto& [tb, te] : found) {
        size_t rb = escaped ? unit[tb] : tb;
        size_t re = escaped ? unit[te] : te;  // te < text.size() or the final entry
        spans.push_back({base + range.begin + rb, base + range.begin + re});
        tokens.emplace_back(text.substr(tb, te - tb));
      }
    }
  }
  RestoreReport local;
  return Release(jsonl, spans, tokens, vault, purpose, principal,
                 report != nullptr ? report : &local, /*json_escape=*/true);
}

}  // namespace piivault
