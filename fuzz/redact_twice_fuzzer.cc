// Fuzzes the promise that redaction is idempotent (issue 3): redacting a
// redactor's output again finds nothing new and changes nothing.
//
// The first input byte picks the policy (its value mod 5, see
// fuzz::PolicyOptions: masks; labels down to confidence 0, angle style; the
// same numbered, Chinese style; the hash operator; vault-shaped tokens); the
// rest is one plain-text document, redacted whole with Redactor::Redact.
//
// Properties (abort on failure, so libFuzzer reports):
//  - redacting succeeds, whatever the bytes;
//  - with settle_passes (the policy's settling variant), the output of a
//    settled document is a fixed point: redacting it again, settling or not,
//    gives it back unchanged; and where one pass already gives a fixed point,
//    settling gives that same output;
//  - redacting the one-pass output again succeeds and gives it back
//    unchanged (the detector reads its own output; checked last, so that the
//    properties above are checked on every input).
// The JSON Lines and stream fuzzers check the same with the check switched on
// (PIIVAULT_FUZZ_IDEMPOTENT=1), among their other properties; this target
// does nothing else, on bare text, so it runs several times as many inputs
// a second.
#include <cstdint>
#include <string>
#include <string_view>

#include "fuzz_util.h"
#include "piivault/redactor.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0 || size > (size_t{16} << 10)) return 0;
  const piivault::Redactor& redactor =
      piivault::fuzz::RedactorForPolicy(data[0] % piivault::fuzz::kRedactPolicies);
  const std::string_view text(reinterpret_cast<const char*>(data + 1), size - 1);
  absl::StatusOr<std::string> once = redactor.Redact(text, nullptr);
  piivault::fuzz::Check(once.ok());
  absl::StatusOr<std::string> twice = redactor.Redact(*once, nullptr);
  piivault::fuzz::Check(twice.ok());

  const piivault::Redactor& settling =
      piivault::fuzz::RedactorForPolicy(data[0] % piivault::fuzz::kRedactPolicies, /*settle=*/true);
  piivault::RedactionReport report;
  absl::StatusOr<std::string> settled = settling.Redact(text, &report);
  piivault::fuzz::Check(settled.ok());
  if (report.unsettled == 0) {
    absl::StatusOr<std::string> again = settling.Redact(*settled, nullptr);
    piivault::fuzz::Check(again.ok());
    piivault::fuzz::CheckUnchanged(*settled, *again);
    absl::StatusOr<std::string> one_pass = redactor.Redact(*settled, nullptr);
    piivault::fuzz::Check(one_pass.ok());
    piivault::fuzz::CheckUnchanged(*settled, *one_pass);
  }
  if (*once == *twice) piivault::fuzz::CheckUnchanged(*once, *settled);
  piivault::fuzz::CheckUnchanged(*once, *twice);
  return 0;
}
