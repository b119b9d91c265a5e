// Helpers shared by the fuzz targets.
#ifndef PIIVAULT_FUZZ_FUZZ_UTIL_H_
#define PIIVAULT_FUZZ_FUZZ_UTIL_H_

#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <string>
#include <utility>

#include <memory>
#include <vector>

#include "absl/status/statusor.h"
#include "piivault/detector.h"
#include "piivault/redactor.h"
#include "piivault/vault.h"
#include "shaped_tokenizer.h"

namespace piivault::fuzz {

// A property the target checks: a violation is a crash libFuzzer reports.
inline void Check(bool ok) {
  if (!ok) std::abort();
}

// Aborts if a second redaction changed the first one's output, printing where
// they first differ (fuzz inputs are synthetic, so printing them is fine).
inline void CheckUnchanged(const std::string& once, const std::string& twice) {
  if (once == twice) return;
  size_t i = 0;
  while (i < once.size() && i < twice.size() && once[i] == twice[i]) ++i;
  std::fprintf(stderr, "second redaction changed the output at byte %zu\n once: %s\ntwice: %s\n", i,
               once.c_str(), twice.c_str());
  std::abort();
}

// The Detector with the built-in patterns, created once per process.
inline const Detector& BuiltinDetector() {
  static const Detector* const d = [] {
    absl::StatusOr<Detector> det = Detector::Create({});
    if (!det.ok()) {
      std::fprintf(stderr, "detector: %s\n", std::string(det.status().message()).c_str());
      std::abort();
    }
    return new Detector(*std::move(det));
  }();
  return *d;
}

// A key file for the hash operator (32 bytes, 0600), written once per
// process and removed at exit.
inline const std::string& HashKeyFile() {
  static const std::string* const path = [] {
    auto* p = new std::string("/tmp/piivault_fuzz_hash_key." + std::to_string(::getpid()));
    const std::string key(32, 'k');
    std::FILE* f = std::fopen(p->c_str(), "wb");
    bool ok = f != nullptr && std::fwrite(key.data(), 1, key.size(), f) == key.size();
    ok = f != nullptr && std::fclose(f) == 0 && ok && ::chmod(p->c_str(), 0600) == 0;
    if (!ok) {
      std::fprintf(stderr, "cannot write the hash key file %s\n", p->c_str());
      std::abort();
    }
    std::atexit([] { ::unlink(HashKeyFile().c_str()); });
    return p;
  }();
  return *path;
}

// The redaction policies the fuzzers pick from with one byte (mod
// kRedactPolicies): 0 the default policy (masks); 1 every finding down to
// confidence 0 labelled, angle style; 2 the same numbered, Chinese style;
// 3 the hash operator; 4 the token operator with ShapedTokenizer.
inline constexpr int kRedactPolicies = 5;

inline RedactorOptions PolicyOptions(int policy) {
  RedactorOptions o;
  if (policy == 0) return o;
  if (policy == 4) {
    o.policy.default_operator = RedactOperator::kToken;
    o.tokenizer = std::make_shared<ShapedTokenizer>();
    return o;
  }
  o.policy.default_min_confidence = 0.0f;
  o.policy.default_operator = policy == 3 ? RedactOperator::kHash : RedactOperator::kLabel;
  o.policy.numbered_labels = policy == 2;
  o.policy.label_style = policy == 2 ? LabelStyle::kChinese : LabelStyle::kAngle;
  if (policy == 3) o.hash_key_file = HashKeyFile();
  return o;
}

// The settle_passes the fuzzers give the settling variant of each policy.
inline constexpr uint32_t kFuzzSettlePasses = 2;

// One Redactor per policy over BuiltinDetector(), created on first use; with
// `settle`, the policy with settle_passes = kFuzzSettlePasses.
inline const Redactor& RedactorForPolicy(int policy, bool settle = false) {
  static const Redactor* r[2][kRedactPolicies] = {};
  const Redactor*& slot = r[settle ? 1 : 0][policy];
  if (slot == nullptr) {
    RedactorOptions options = PolicyOptions(policy);
    if (settle) options.policy.settle_passes = kFuzzSettlePasses;
    absl::StatusOr<Redactor> made = Redactor::Create(BuiltinDetector(), std::move(options));
    Check(made.ok());
    slot = new Redactor(*std::move(made));
  }
  return *slot;
}

}  // namespace piivault::fuzz

#endif  // PIIVAULT_FUZZ_FUZZ_UTIL_H_
