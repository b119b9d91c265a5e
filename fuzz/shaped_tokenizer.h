// A Tokenizer shaped as the vault's, without a vault: shared by the fuzz
// targets and the redaction tests that check idempotence under the token
// operator.
#ifndef PIIVAULT_FUZZ_SHAPED_TOKENIZER_H_
#define PIIVAULT_FUZZ_SHAPED_TOKENIZER_H_

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "piivault/redactor.h"
#include "piivault/vault.h"

namespace piivault::fuzz {

// Tokens shaped as the vault's random ones (tok_<tag>_<26 base32>), the
// same for the same value, without a vault.
class ShapedTokenizer : public Tokenizer {
 public:
  absl::StatusOr<std::vector<std::string>> TokenizeBatch(EntityType type,
                                                         const std::vector<std::string>& values) override {
    std::vector<std::string> out;
    for (const std::string& v : values) {
      uint64_t h = 0xcbf29ce484222325ull;
      for (char c : v) h = (h ^ static_cast<uint8_t>(c)) * 0x100000001b3ull;
      std::string token = "tok_" + std::string(TokenTypeTag(type)) + "_";
      for (int i = 0; i < 26; ++i, h = h * 6364136223846793005ull + 1442695040888963407ull) {
        token += "abcdefghijklmnopqrstuvwxyz234567"[h >> 59];
      }
      out.push_back(std::move(token));
    }
    return out;
  }
};

}  // namespace piivault::fuzz

#endif  // PIIVAULT_FUZZ_SHAPED_TOKENIZER_H_
