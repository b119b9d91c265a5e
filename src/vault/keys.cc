#include "vault/keys.h"

#include <sodium.h>
#include <sys/stat.h>

#include <cstdlib>
#include <cstring>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "common/file_util.h"
#include "common/status_macros.h"

namespace piivault::vault_internal {
namespace {

constexpr char kKdfContext[crypto_kdf_CONTEXTBYTES + 1] = "pvault01";
constexpr char kRootHeader[] = "piivault-root v1";
constexpr char kMasterRaw[] = "piivault-master v1 raw";
constexpr std::string_view kMasterArgon = "piivault-master v1 argon2id";
constexpr char kMasterArgonC[] = "piivault-master v1 argon2id";

// Splits on any of `seps`, dropping empty pieces.
std::vector<std::string> Split(std::string_view s, std::string_view seps) {
  std::vector<std::string> out;
  size_t i = 0;
  while (i < s.size()) {
    while (i < s.size() && seps.find(s[i]) != std::string_view::npos) ++i;
    size_t j = i;
    while (j < s.size() && seps.find(s[j]) == std::string_view::npos) ++j;
    if (j > i) out.emplace_back(s.substr(i, j - i));
    i = j;
  }
  return out;
}

absl::Status Mismatch() { return absl::UnauthenticatedError("vault key does not match"); }

bool HexToBytes(std::string_view hex, std::string* out) {
  if (hex.size() % 2 != 0) return false;
  out->resize(hex.size() / 2);
  size_t n = 0;
  if (sodium_hex2bin(reinterpret_cast<unsigned char*>(out->data()), out->size(), hex.data(),
                     hex.size(), nullptr, &n, nullptr) != 0 ||
      n != out->size()) {
    return false;
  }
  return true;
}

absl::Status EnsureSodium() {
  if (sodium_init() < 0) return absl::InternalError("libsodium failed to initialise");
  return absl::OkStatus();
}

}  // namespace

std::string HexEncode(std::string_view bytes) {
  std::string out(bytes.size() * 2 + 1, '\0');
  sodium_bin2hex(out.data(), out.size(), reinterpret_cast<const unsigned char*>(bytes.data()),
                 bytes.size());
  out.pop_back();
  return out;
}

absl::StatusOr<SecretBytes> KeyFromHex(std::string_view hex) {
  PIIVAULT_RETURN_IF_ERROR(EnsureSodium());
  while (!hex.empty() && (hex.back() == '\n' || hex.back() == '\r' || hex.back() == ' '))
    hex.remove_suffix(1);
  if (hex.size() != 2 * kKeyBytes) {
    return absl::InvalidArgumentError(
        absl::StrCat("master key must be ", 2 * kKeyBytes, " hex characters, got ", hex.size()));
  }
  PIIVAULT_ASSIGN_OR_RETURN(SecretBytes key, SecretBytes::Allocate(kKeyBytes));
  size_t n = 0;
  if (sodium_hex2bin(key.data(), key.size(), hex.data(), hex.size(), nullptr, &n, nullptr) != 0 ||
      n != kKeyBytes) {
    return absl::InvalidArgumentError("master key is not valid hex");
  }
  return key;
}

absl::StatusOr<SecretBytes> RandomKey() {
  PIIVAULT_RETURN_IF_ERROR(EnsureSodium());
  PIIVAULT_ASSIGN_OR_RETURN(SecretBytes key, SecretBytes::Allocate(kKeyBytes));
  randombytes_buf(key.data(), key.size());
  return key;
}

absl::Status CheckKeyFilePermissions(const std::string& path) {
  struct stat st;
  if (::stat(path.c_str(), &st) != 0) {
    return absl::NotFoundError(absl::StrCat("key file ", path, " does not exist"));
  }
  if ((st.st_mode & 077) != 0) {
    return absl::PermissionDeniedError(absl::StrCat(
        "key file ", path, " is accessible by group or others (mode ",
        absl::StrFormat("%04o", st.st_mode & 07777), "); chmod 600 it"));
  }
  return absl::OkStatus();
}

absl::StatusOr<SecretBytes> LoadMasterKey(const std::string& dir, const KeySource& source) {
  PIIVAULT_RETURN_IF_ERROR(EnsureSodium());
  if (!source.master_key_hex.empty()) return KeyFromHex(source.master_key_hex);
  if (source.use_env) {
    if (const char* env = std::getenv("PIIVAULT_MASTER_KEY"); env != nullptr && *env != '\0') {
      absl::StatusOr<SecretBytes> k = KeyFromHex(env);
      if (!k.ok()) {
        return absl::InvalidArgumentError(
            absl::StrCat("PIIVAULT_MASTER_KEY: ", k.status().message()));
      }
      return k;
    }
  }
  const std::string path = source.key_file.empty() ? dir + "/master.key" : source.key_file;
  PIIVAULT_RETURN_IF_ERROR(CheckKeyFilePermissions(path));
  PIIVAULT_ASSIGN_OR_RETURN(std::string text, internal::ReadFile(path, 4096));
  std::vector<std::string> parts = Split(text, " \n\r\t");
  auto bad = [&] {
    sodium_memzero(text.data(), text.size());
    for (std::string& p : parts) sodium_memzero(p.data(), p.size());
    return absl::InvalidArgumentError(absl::StrCat("key file ", path, " is malformed"));
  };
  if (parts.size() == 4 && parts[0] == "piivault-master" && parts[1] == "v1" &&
      parts[2] == "raw") {
    absl::StatusOr<SecretBytes> k = KeyFromHex(parts[3]);
    sodium_memzero(text.data(), text.size());
    sodium_memzero(parts[3].data(), parts[3].size());
    if (!k.ok()) return absl::InvalidArgumentError(absl::StrCat("key file ", path, ": ", k.status().message()));
    return k;
  }
  if (parts.size() == 8 && parts[0] == "piivault-master" && parts[1] == "v1" &&
      parts[2] == "argon2id") {
    uint64_t ops = 0, mem = 0;
    std::string salt, nonce, sealed;
    if (!absl::SimpleAtoi(parts[3], &ops) || !absl::SimpleAtoi(parts[4], &mem) ||
        !HexToBytes(parts[5], &salt) || salt.size() != crypto_pwhash_SALTBYTES ||
        !HexToBytes(parts[6], &nonce) ||
        nonce.size() != crypto_aead_xchacha20poly1305_ietf_NPUBBYTES ||
        !HexToBytes(parts[7], &sealed) ||
        sealed.size() != kKeyBytes + crypto_aead_xchacha20poly1305_ietf_ABYTES ||
        ops < crypto_pwhash_OPSLIMIT_MIN || ops > crypto_pwhash_OPSLIMIT_MAX ||
        mem < crypto_pwhash_MEMLIMIT_MIN || mem > (uint64_t{4} << 30)) {
      return bad();
    }
    if (source.passphrase.empty()) {
      return absl::UnauthenticatedError(
          absl::StrCat("key file ", path, " is passphrase-protected; a passphrase is needed"));
    }
    PIIVAULT_ASSIGN_OR_RETURN(SecretBytes kek, SecretBytes::Allocate(kKeyBytes));
    if (crypto_pwhash(kek.data(), kek.size(), source.passphrase.data(), source.passphrase.size(),
                      reinterpret_cast<const uint8_t*>(salt.data()), ops, mem,
                      crypto_pwhash_ALG_ARGON2ID13) != 0) {
      return absl::ResourceExhaustedError("argon2id ran out of memory");
    }
    PIIVAULT_ASSIGN_OR_RETURN(SecretBytes master, SecretBytes::Allocate(kKeyBytes));
    unsigned long long n = 0;
    if (crypto_aead_xchacha20poly1305_ietf_decrypt(
            master.data(), &n, nullptr, reinterpret_cast<const uint8_t*>(sealed.data()),
            sealed.size(), reinterpret_cast<const uint8_t*>(kMasterArgon.data()),
            kMasterArgon.size(), reinterpret_cast<const uint8_t*>(nonce.data()), kek.data()) != 0) {
      return Mismatch();
    }
    return master;
  }
  return bad();
}

absl::StatusOr<std::string> MasterKeyFileContents(const SecretBytes& master,
                                                  std::string_view passphrase,
                                                  const PassphraseCost& cost) {
  PIIVAULT_RETURN_IF_ERROR(EnsureSodium());
  if (passphrase.empty()) {
    std::string hex = HexEncode({reinterpret_cast<const char*>(master.data()), master.size()});
    std::string out = absl::StrCat(kMasterRaw, " ", hex, "\n");
    sodium_memzero(hex.data(), hex.size());
    return out;
  }
  uint8_t salt[crypto_pwhash_SALTBYTES];
  uint8_t nonce[crypto_aead_xchacha20poly1305_ietf_NPUBBYTES];
  randombytes_buf(salt, sizeof salt);
  randombytes_buf(nonce, sizeof nonce);
  PIIVAULT_ASSIGN_OR_RETURN(SecretBytes kek, SecretBytes::Allocate(kKeyBytes));
  if (crypto_pwhash(kek.data(), kek.size(), passphrase.data(), passphrase.size(), salt,
                    cost.opslimit, cost.memlimit, crypto_pwhash_ALG_ARGON2ID13) != 0) {
    return absl::ResourceExhaustedError("argon2id failed (cost too high for this machine?)");
  }
  std::string sealed(kKeyBytes + crypto_aead_xchacha20poly1305_ietf_ABYTES, '\0');
  crypto_aead_xchacha20poly1305_ietf_encrypt(
      reinterpret_cast<uint8_t*>(sealed.data()), nullptr, master.data(), master.size(),
      reinterpret_cast<const uint8_t*>(kMasterArgon.data()), kMasterArgon.size(), nullptr, nonce,
      kek.data());
  return absl::StrCat(kMasterArgonC, " ", cost.opslimit, " ", cost.memlimit, " ",
                      HexEncode({reinterpret_cast<char*>(salt), sizeof salt}), " ",
                      HexEncode({reinterpret_cast<char*>(nonce), sizeof nonce}), " ",
                      HexEncode(sealed), "\n");
}

std::string MasterFingerprintHex(const SecretBytes& master) {
  static constexpr char kLabel[] = "piivault master fingerprint v1";
  uint8_t fp[16];
  crypto_generichash(fp, sizeof fp, reinterpret_cast<const uint8_t*>(kLabel), sizeof kLabel - 1,
                     master.data(), master.size());
  return HexEncode({reinterpret_cast<char*>(fp), sizeof fp});
}

absl::StatusOr<std::string> WrapRootLine(const SecretBytes& root, const SecretBytes& master) {
  PIIVAULT_RETURN_IF_ERROR(EnsureSodium());
  const std::string fp = MasterFingerprintHex(master);
  const std::string aad = absl::StrCat(kRootHeader, " ", fp);
  uint8_t nonce[crypto_aead_xchacha20poly1305_ietf_NPUBBYTES];
  randombytes_buf(nonce, sizeof nonce);
  std::string sealed(root.size() + crypto_aead_xchacha20poly1305_ietf_ABYTES, '\0');
  crypto_aead_xchacha20poly1305_ietf_encrypt(
      reinterpret_cast<uint8_t*>(sealed.data()), nullptr, root.data(), root.size(),
      reinterpret_cast<const uint8_t*>(aad.data()), aad.size(), nullptr, nonce, master.data());
  return absl::StrCat(fp, " ", HexEncode({reinterpret_cast<char*>(nonce), sizeof nonce}), " ",
                      HexEncode(sealed));
}

absl::StatusOr<SecretBytes> UnwrapRoot(std::string_view root_file, const SecretBytes& master) {
  PIIVAULT_RETURN_IF_ERROR(EnsureSodium());
  std::vector<std::string> lines = Split(root_file, "\n");
  if (lines.empty() || lines[0] != kRootHeader) {
    return absl::DataLossError("root.key is malformed (bad header)");
  }
  const std::string fp = MasterFingerprintHex(master);
  for (size_t i = 1; i < lines.size(); ++i) {
    std::vector<std::string> parts = Split(lines[i], " ");
    if (parts.size() != 3) return absl::DataLossError(absl::StrCat("root.key line ", i + 1, " is malformed"));
    if (parts[0] != fp) continue;
    std::string nonce, sealed;
    if (!HexToBytes(parts[1], &nonce) ||
        nonce.size() != crypto_aead_xchacha20poly1305_ietf_NPUBBYTES ||
        !HexToBytes(parts[2], &sealed) ||
        sealed.size() != kKeyBytes + crypto_aead_xchacha20poly1305_ietf_ABYTES) {
      return absl::DataLossError(absl::StrCat("root.key line ", i + 1, " is malformed"));
    }
    const std::string aad = absl::StrCat(kRootHeader, " ", fp);
    PIIVAULT_ASSIGN_OR_RETURN(SecretBytes root, SecretBytes::Allocate(kKeyBytes));
    unsigned long long n = 0;
    if (crypto_aead_xchacha20poly1305_ietf_decrypt(
            root.data(), &n, nullptr, reinterpret_cast<const uint8_t*>(sealed.data()),
            sealed.size(), reinterpret_cast<const uint8_t*>(aad.data()), aad.size(),
            reinterpret_cast<const uint8_t*>(nonce.data()), master.data()) != 0) {
      return absl::DataLossError(
          absl::StrCat("root.key line ", i + 1, " failed authentication (file tampered?)"));
    }
    return root;
  }
  return Mismatch();
}

absl::StatusOr<SecretBytes> DeriveKey(const SecretBytes& root, uint64_t id) {
  PIIVAULT_ASSIGN_OR_RETURN(SecretBytes out, SecretBytes::Allocate(kKeyBytes));
  if (crypto_kdf_derive_from_key(out.data(), out.size(), id, kKdfContext, root.data()) != 0) {
    return absl::InternalError("key derivation failed");
  }
  return out;
}

}  // namespace piivault::vault_internal
