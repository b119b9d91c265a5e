// Token parsing: any input either fails cleanly or parses to a token that
// re-formats to exactly the same text (tok_ tokens) / is a valid FPE shape.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "piivault/vault.h"
#include "vault/token_codec.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size > 256) return 0;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  absl::StatusOr<piivault::vault_internal::ParsedToken> p =
      piivault::vault_internal::ParseToken(text);
  if (piivault::LooksLikeToken(text) != p.ok()) std::abort();
  if (!p.ok()) {
    // The refusal never quotes the input: it is one of a few fixed messages
    // (plus a byte count), whatever the input.
    const std::string msg(p.status().message());
    if (msg.rfind("malformed token: ", 0) != 0 && msg.rfind("not a token (", 0) != 0) std::abort();
    if (msg.size() > 48) std::abort();
    return 0;
  }
  if (p->format_preserving) {
    if (!piivault::vault_internal::IsFpeToken(p->field, text)) std::abort();
    if (p->id != piivault::vault_internal::FpeTokenId(text)) std::abort();
  } else {
    if (piivault::vault_internal::FormatRandomToken(p->field, p->id) != text) std::abort();
  }
  // Base32 of the id round-trips.
  std::string b32 = piivault::vault_internal::Base32Encode16(p->id);
  auto back = piivault::vault_internal::Base32Decode16(b32);
  if (!back || *back != p->id) std::abort();
  // Masking any value never crashes and never grows it unreasonably.
  for (piivault::EntityType t : piivault::AllEntityTypes()) {
    std::string m = piivault::MaskValue(t, text);
    if (m.size() > 3 * size + 16) std::abort();
  }
  return 0;
}
