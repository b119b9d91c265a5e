#include "piivault/vault.h"

#include <sodium.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <map>
#include <mutex>
#include <system_error>
#include <thread>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/numbers.h"
#include "common/file_util.h"
#include "common/status_macros.h"
#include "vault/keys.h"
#include "vault/policy.h"
#include "vault/store.h"
#include "vault/token_codec.h"
#include "vault/vault_internal.h"

namespace piivault {

using vault_internal::AuditRow;
using vault_internal::AuditRowView;
using vault_internal::KeyPurpose;
using vault_internal::SecretBytes;
using vault_internal::Store;
using vault_internal::TokenId;
using vault_internal::TokenKind;
using vault_internal::TokenRow;

namespace {

constexpr uint8_t kFormatVersion = 1;
constexpr size_t kNonceBytes = crypto_aead_xchacha20poly1305_ietf_NPUBBYTES;
constexpr size_t kTagBytes = crypto_aead_xchacha20poly1305_ietf_ABYTES;
constexpr size_t kMaxValueBytes = 64 * 1024;
constexpr char kHeadPrefix[] = "piivault-head v1";

std::string Path(const std::string& dir, const char* name) { return dir + "/" + name; }

bool FileExists(const std::string& path) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0;
}

void PutU16(std::string* s, uint16_t v) {
  s->push_back(static_cast<char>(v & 0xff));
  s->push_back(static_cast<char>(v >> 8));
}
void PutU32(std::string* s, uint32_t v) {
  for (int i = 0; i < 4; ++i) s->push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}
void PutStr(std::string* s, std::string_view v) {
  PutU32(s, static_cast<uint32_t>(v.size()));
  s->append(v);
}

void PutU64(std::string* s, uint64_t v) {
  for (int i = 0; i < 8; ++i) s->push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}

std::string_view IdView(const TokenId& id) {
  return {reinterpret_cast<const char*>(id.data()), id.size()};
}

// AAD for a value: format version, field, token id, key version, subject.
void ValueAadInto(EntityType field, const TokenId& id, uint32_t key_version,
                  std::string_view subject, std::string* out) {
  std::string& aad = *out;
  aad.assign("pvv");
  aad.push_back(static_cast<char>(kFormatVersion));
  PutU16(&aad, static_cast<uint16_t>(field));
  aad.append(IdView(id));
  PutU32(&aad, key_version);
  PutStr(&aad, subject);
}
std::string ValueAad(EntityType field, const TokenId& id, uint32_t key_version,
                     std::string_view subject) {
  std::string aad = "pvv";
  aad.push_back(static_cast<char>(kFormatVersion));
  PutU16(&aad, static_cast<uint16_t>(field));
  aad.append(IdView(id));
  PutU32(&aad, key_version);
  PutStr(&aad, subject);
  return aad;
}
std::string FieldKeyAad(EntityType field, uint32_t version) {
  std::string aad = "pvfk1";
  PutU16(&aad, static_cast<uint16_t>(field));
  PutU32(&aad, version);
  return aad;
}
std::string SubjectKeyAad(EntityType field, std::string_view subject) {
  std::string aad = "pvsk1";
  PutU16(&aad, static_cast<uint16_t>(field));
  PutStr(&aad, subject);
  return aad;
}

// nonce || ciphertext || tag.
void SealWithNonce(const uint8_t* key, std::string_view aad, std::string_view plaintext,
                   const uint8_t* nonce, std::string* out) {
  out->resize(kNonceBytes + plaintext.size() + kTagBytes);
  std::memcpy(out->data(), nonce, kNonceBytes);
  crypto_aead_xchacha20poly1305_ietf_encrypt(
      reinterpret_cast<uint8_t*>(out->data()) + kNonceBytes, nullptr,
      reinterpret_cast<const uint8_t*>(plaintext.data()), plaintext.size(),
      reinterpret_cast<const uint8_t*>(aad.data()), aad.size(), nullptr, nonce, key);
}
std::string Seal(const uint8_t* key, std::string_view aad, std::string_view plaintext) {
  uint8_t nonce[kNonceBytes];
  randombytes_buf(nonce, sizeof nonce);
  std::string out;
  SealWithNonce(key, aad, plaintext, nonce, &out);
  return out;
}
bool OpenSealed(const uint8_t* key, std::string_view aad, std::string_view sealed, uint8_t* out,
          size_t* out_len) {
  if (sealed.size() < kNonceBytes + kTagBytes) return false;
  unsigned long long n = 0;
  if (crypto_aead_xchacha20poly1305_ietf_decrypt(
          out, &n, nullptr, reinterpret_cast<const uint8_t*>(sealed.data()) + kNonceBytes,
          sealed.size() - kNonceBytes, reinterpret_cast<const uint8_t*>(aad.data()), aad.size(),
          reinterpret_cast<const uint8_t*>(sealed.data()), key) != 0) {
    return false;
  }
  *out_len = static_cast<size_t>(n);
  return true;
}

void Wipe(std::string* s) {
  if (!s->empty()) sodium_memzero(s->data(), s->size());
  s->clear();
}

std::string Last4(std::string_view v) {
  // The last four code points.
  size_t i = v.size();
  int cps = 0;
  while (i > 0 && cps < 4) {
    --i;
    if ((static_cast<unsigned char>(v[i]) & 0xC0) != 0x80) ++cps;
  }
  return std::string(v.substr(i));
}

}  // namespace

struct Vault::Impl {
  std::string dir;
  VaultOptions options;
  std::string key_file;   // where the master key came from ("" for hex/env)
  std::mutex mu;
  std::unique_ptr<Store> store;
  SecretBytes master;
  SecretBytes root;
  SecretBytes audit_key;
  SecretBytes subject_key;  // keyed hash of subject identifiers
  SecretBytes sign_sk;      // Ed25519 secret key (64 bytes)
  uint8_t sign_pk[crypto_sign_PUBLICKEYBYTES] = {};
  vault_internal::Policy policy;
  std::map<EntityType, SecretBytes> keks;
  std::map<EntityType, SecretBytes> index_keys;
  std::map<std::pair<EntityType, uint32_t>, SecretBytes> field_keys;

  int64_t Now() const {
    if (options.now_unix_seconds) return options.now_unix_seconds();
    return std::chrono::duration_cast<std::chrono::seconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
  }

  absl::StatusOr<const SecretBytes*> Derived(std::map<EntityType, SecretBytes>& cache,
                                             KeyPurpose base, EntityType field) {
    auto it = cache.find(field);
    if (it != cache.end()) return &it->second;
    PIIVAULT_ASSIGN_OR_RETURN(
        SecretBytes k, vault_internal::DeriveKey(root, static_cast<uint64_t>(base) +
                                                           static_cast<uint64_t>(field)));
    return &cache.emplace(field, std::move(k)).first->second;
  }
  absl::StatusOr<const SecretBytes*> Kek(EntityType f) {
    return Derived(keks, KeyPurpose::kFieldKekBase, f);
  }
  absl::StatusOr<const SecretBytes*> IndexKey(EntityType f) {
    return Derived(index_keys, KeyPurpose::kFieldIndexBase, f);
  }

  std::string SubjectHash(std::string_view subject) const {
    if (subject.empty()) return {};
    std::string out(16, '\0');
    crypto_generichash(reinterpret_cast<uint8_t*>(out.data()), out.size(),
                       reinterpret_cast<const uint8_t*>(subject.data()), subject.size(),
                       subject_key.data(), subject_key.size());
    return out;
  }

  absl::StatusOr<SecretBytes> UnwrapKey(EntityType field, std::string_view aad,
                                        std::string_view wrapped, const char* what) {
    PIIVAULT_ASSIGN_OR_RETURN(const SecretBytes* kek, Kek(field));
    PIIVAULT_ASSIGN_OR_RETURN(SecretBytes key, SecretBytes::Allocate(32));
    size_t n = 0;
    if (wrapped.size() != kNonceBytes + 32 + kTagBytes ||
        !OpenSealed(kek->data(), aad, wrapped, key.data(), &n) || n != 32) {
      return absl::DataLossError(absl::StrCat("wrapped ", what, " for ",
                                              std::string(EntityTypeName(field)),
                                              " failed authentication (tampered?)"));
    }
    return key;
  }

  // The key of (field, version), loading and unwrapping it if needed.
  absl::StatusOr<const SecretBytes*> FieldKey(EntityType field, uint32_t version) {
    auto it = field_keys.find({field, version});
    if (it != field_keys.end()) return &it->second;
    PIIVAULT_ASSIGN_OR_RETURN(std::vector<vault_internal::FieldKeyRow> rows,
                              store->FieldKeys(field));
    for (const auto& r : rows) {
      if (r.version != version) continue;
      PIIVAULT_ASSIGN_OR_RETURN(SecretBytes k,
                                UnwrapKey(field, FieldKeyAad(field, r.version), r.wrapped,
                                          "field key"));
      return &field_keys.emplace(std::make_pair(field, version), std::move(k)).first->second;
    }
    return absl::DataLossError(absl::StrCat("field key version ", version, " of ",
                                            std::string(EntityTypeName(field)), " is missing"));
  }

  // Newest key version of `field`, creating version 1 if none. In a write txn.
  absl::StatusOr<uint32_t> CurrentVersion(EntityType field) {
    PIIVAULT_ASSIGN_OR_RETURN(std::vector<vault_internal::FieldKeyRow> rows,
                              store->FieldKeys(field));
    if (!rows.empty()) return rows.back().version;
    PIIVAULT_RETURN_IF_ERROR(AddFieldKey(field, 1));
    return 1u;
  }

  absl::Status AddFieldKey(EntityType field, uint32_t version) {
    PIIVAULT_ASSIGN_OR_RETURN(SecretBytes key, vault_internal::RandomKey());
    PIIVAULT_ASSIGN_OR_RETURN(const SecretBytes* kek, Kek(field));
    std::string wrapped =
        Seal(kek->data(), FieldKeyAad(field, version),
             {reinterpret_cast<const char*>(key.data()), key.size()});
    PIIVAULT_RETURN_IF_ERROR(store->InsertFieldKey({field, version, wrapped}, Now()));
    field_keys.erase({field, version});
    return absl::OkStatus();
  }

  // The subject's key for `field`; created if `create`. In a txn.
  absl::StatusOr<std::optional<SecretBytes>> SubjectKey(EntityType field,
                                                        std::string_view subject_hash,
                                                        bool create) {
    PIIVAULT_ASSIGN_OR_RETURN(std::optional<std::string> wrapped,
                              store->GetSubjectKey(subject_hash, field));
    const std::string aad = SubjectKeyAad(field, subject_hash);
    if (wrapped) {
      PIIVAULT_ASSIGN_OR_RETURN(SecretBytes k, UnwrapKey(field, aad, *wrapped, "subject key"));
      return std::optional<SecretBytes>(std::move(k));
    }
    if (!create) return std::optional<SecretBytes>();
    PIIVAULT_ASSIGN_OR_RETURN(SecretBytes key, vault_internal::RandomKey());
    PIIVAULT_ASSIGN_OR_RETURN(const SecretBytes* kek, Kek(field));
    std::string w = Seal(kek->data(), aad, {reinterpret_cast<const char*>(key.data()), key.size()});
    PIIVAULT_RETURN_IF_ERROR(store->InsertSubjectKey(subject_hash, field, w, Now()));
    return std::optional<SecretBytes>(std::move(key));
  }

  // Audit chain state for the current write transaction.
  struct Chain {
    uint64_t seq = 0;
    std::string mac;
  };

  absl::StatusOr<Chain> LoadChain() {
    PIIVAULT_ASSIGN_OR_RETURN(std::optional<AuditRow> last, store->LastAudit());
    Chain c;
    if (last) {
      c.seq = last->seq;
      c.mac = last->mac;
    } else {
      c.mac.assign(32, '\0');
    }
    return c;
  }

  // The keyed BLAKE2b state after crypto_generichash_init, computed once; each
  // MAC starts from a copy. Note: libsodium only buffers the key block here,
  // so every MAC still compresses it (a 219-byte detokenize row costs three
  // compressions, about 0.39 us); the copy saves the init work only.
  crypto_generichash_state mac_base;

  void InitMacBase() { crypto_generichash_init(&mac_base, audit_key.data(), audit_key.size(), 32); }

  // MAC = BLAKE2b-256_k(prev_mac || input), where input = seq || time || action ||
  // principal || purpose || field || token_id || decision || rule || policy_hash ||
  // count, integers as u64 LE, strings prefixed with their length as u32 LE.
  // AppendMacInput appends `input` to *out (no prev).
  static void AppendMacInput(const AuditRowView& r, std::string* out) {
    PutU64(out, r.seq);
    PutU64(out, static_cast<uint64_t>(r.time));
    PutStr(out, r.action);
    PutStr(out, r.principal);
    PutStr(out, r.purpose);
    PutStr(out, r.field);
    PutStr(out, r.token_id);
    PutStr(out, r.decision);
    PutStr(out, r.rule);
    PutStr(out, r.policy_hash);
    PutU64(out, r.count);
  }

  // `st` is caller-provided scratch holding keyed state: the caller wipes it.
  // `prev` is 32 bytes except when a tampered head row is being extended.
  void MacOf(std::string_view prev, std::string_view input, crypto_generichash_state* st,
             uint8_t out[32]) const {
    *st = mac_base;
    crypto_generichash_update(st, reinterpret_cast<const uint8_t*>(prev.data()), prev.size());
    crypto_generichash_update(st, reinterpret_cast<const uint8_t*>(input.data()), input.size());
    crypto_generichash_final(st, out, 32);
  }

  // Recomputes the audit chain over rows fed in seq order and compares each
  // stored MAC. A long log is checked as a pipeline: the caller's thread steps
  // SQLite and packs rows into batches (Add), a worker thread hashes them (the
  // chain itself is sequential). A log shorter than one batch never starts the
  // thread. Every row is checked exactly as in a row-by-row loop; only the
  // work is split.
  class ChainChecker {
   public:
    explicit ChainChecker(const Impl& impl) : impl_(impl) {}
    ChainChecker(const ChainChecker&) = delete;
    ChainChecker& operator=(const ChainChecker&) = delete;
    ~ChainChecker() { (void)Finish(); }

    // Queues one row (r.mac must be 32 bytes). false once a queued row has
    // failed (the caller stops; Finish reports that row).
    bool Add(const AuditRowView& r) {
      if (failed_.load(std::memory_order_relaxed)) return false;
      if (cur_.ends.empty()) cur_.first_seq = r.seq;
      AppendMacInput(r, &cur_.input);
      cur_.ends.push_back(cur_.input.size());
      cur_.macs.append(r.mac);
      if (cur_.ends.size() == kBatchRows) Submit(/*may_start=*/true);
      return true;
    }

    // Checks what is still queued; the chain head MAC (32 bytes), or kDataLoss
    // naming the first row whose MAC does not match.
    absl::StatusOr<std::string> Finish() {
      if (!finished_) {
        finished_ = true;
        if (!cur_.ends.empty()) Submit(/*may_start=*/false);
        if (worker_.joinable()) {
          {
            std::lock_guard<std::mutex> lk(mu_);
            closed_ = true;
          }
          cv_.notify_all();
          worker_.join();
        }
        sodium_memzero(&st_, sizeof st_);
      }
      if (bad_seq_ != 0) {
        return absl::DataLossError(absl::StrCat(
            "audit row ", bad_seq_, " fails its chain MAC (edited, inserted or reordered)"));
      }
      return std::string(reinterpret_cast<const char*>(prev_), sizeof prev_);
    }

   private:
    static constexpr size_t kBatchRows = 1024;
    static constexpr size_t kQueueDepth = 4;

    struct Batch {
      uint64_t first_seq = 0;
      std::string input;          // the rows' MAC inputs, back to back
      std::vector<size_t> ends;   // end offset of each row's input
      std::string macs;           // the stored MACs, 32 bytes each
      void Clear() {
        input.clear();
        ends.clear();
        macs.clear();
      }
    };

    // Runs on one thread at a time (the worker, or the caller when there is
    // no worker); prev_, st_ and bad_seq_ belong to it.
    void Check(const Batch& b) {
      size_t begin = 0;
      uint8_t mac[32];
      for (size_t i = 0; i < b.ends.size(); ++i) {
        impl_.MacOf({reinterpret_cast<const char*>(prev_), sizeof prev_},
                    std::string_view(b.input).substr(begin, b.ends[i] - begin), &st_, mac);
        if (crypto_verify_32(mac, reinterpret_cast<const uint8_t*>(b.macs.data()) + 32 * i) != 0) {
          bad_seq_ = b.first_seq + i;
          failed_.store(true, std::memory_order_relaxed);
          return;
        }
        std::memcpy(prev_, mac, sizeof prev_);
        begin = b.ends[i];
      }
    }

    void Submit(bool may_start) {
      if (!worker_.joinable() && may_start && !no_thread_) {
        try {
          worker_ = std::thread([this] { Work(); });
        } catch (const std::system_error&) {
          no_thread_ = true;  // no thread available: check inline
        }
      }
      if (!worker_.joinable()) {
        Check(cur_);
        cur_.Clear();
        return;
      }
      Batch next;
      {
        std::unique_lock<std::mutex> lk(mu_);
        cv_.wait(lk, [&] { return queue_.size() < kQueueDepth; });
        queue_.push_back(std::move(cur_));
        if (!spare_.empty()) {
          next = std::move(spare_.back());
          spare_.pop_back();
        }
      }
      cv_.notify_all();
      cur_ = std::move(next);
    }

    void Work() {
      for (;;) {
        Batch b;
        {
          std::unique_lock<std::mutex> lk(mu_);
          cv_.wait(lk, [&] { return closed_ || !queue_.empty(); });
          if (queue_.empty()) return;
          b = std::move(queue_.front());
          queue_.pop_front();
        }
        cv_.notify_all();  // room in the queue
        if (!failed_.load(std::memory_order_relaxed)) Check(b);
        b.Clear();
        std::lock_guard<std::mutex> lk(mu_);
        spare_.push_back(std::move(b));
      }
    }

    const Impl& impl_;
    Batch cur_;
    uint8_t prev_[32] = {};
    crypto_generichash_state st_;  // keyed scratch state, wiped in Finish
    uint64_t bad_seq_ = 0;         // 0: no bad row
    std::atomic<bool> failed_{false};
    std::mutex mu_;
    std::condition_variable cv_;
    std::deque<Batch> queue_;
    std::vector<Batch> spare_;
    bool closed_ = false;
    bool finished_ = false;
    bool no_thread_ = false;
    std::thread worker_;
  };

  absl::Status Append(Chain& chain, AuditRow& row) {
    row.seq = chain.seq + 1;
    if (row.time == 0) row.time = Now();
    if (row.policy_hash.empty()) row.policy_hash = policy.hash();
    uint8_t mac[32];
    crypto_generichash_state st;
    std::string input;
    AppendMacInput(vault_internal::ViewOf(row), &input);
    MacOf(chain.mac, input, &st, mac);
    sodium_memzero(&st, sizeof st);
    row.mac.assign(reinterpret_cast<const char*>(mac), 32);
    PIIVAULT_RETURN_IF_ERROR(store->AppendAudit(row));
    chain.seq = row.seq;
    chain.mac.assign(row.mac);
    return absl::OkStatus();
  }

  template <typename F>
  absl::Status InWriteTxn(F&& body) {
    PIIVAULT_RETURN_IF_ERROR(store->Begin(true));
    absl::Status st = body();
    if (st.ok()) st = store->Commit();
    if (!st.ok()) store->Rollback();
    return st;
  }

  absl::StatusOr<std::string> SignHead(uint64_t seq, std::string_view mac) const {
    const std::string msg = absl::StrCat(kHeadPrefix, " ", seq, " ", vault_internal::HexEncode(mac));
    uint8_t sig[crypto_sign_BYTES];
    crypto_sign_detached(sig, nullptr, reinterpret_cast<const uint8_t*>(msg.data()), msg.size(),
                         sign_sk.data());
    return absl::StrCat(msg, " ",
                        vault_internal::HexEncode({reinterpret_cast<const char*>(sign_pk),
                                                   sizeof sign_pk}),
                        " ", vault_internal::HexEncode({reinterpret_cast<char*>(sig), sizeof sig}));
  }
};

Vault::Vault(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Vault::Vault(Vault&&) noexcept = default;
Vault& Vault::operator=(Vault&&) noexcept = default;
Vault::~Vault() = default;

namespace {

absl::Status MakeDir(const std::string& dir) {
  if (::mkdir(dir.c_str(), 0700) == 0) return absl::OkStatus();
  if (errno == EEXIST) return absl::OkStatus();
  return absl::PermissionDeniedError(
      absl::StrCat("cannot create vault directory ", dir, ": ", std::strerror(errno)));
}

}  // namespace

absl::Status Vault::Init(const InitOptions& options) {
  if (sodium_init() < 0) return absl::InternalError("libsodium failed to initialise");
  const std::string& dir = options.dir;
  if (FileExists(Path(dir, "root.key")) || FileExists(Path(dir, "vault.db"))) {
    return absl::AlreadyExistsError(absl::StrCat("a vault already exists in ", dir));
  }
  const std::string policy_text =
      options.policy_toml.empty() ? std::string(DefaultPolicyToml()) : options.policy_toml;
  PIIVAULT_RETURN_IF_ERROR(vault_internal::Policy::Parse(policy_text, "policy").status());
  PIIVAULT_RETURN_IF_ERROR(MakeDir(dir));
  SecretBytes master;
  bool write_key_file = options.master_key_hex.empty();
  if (write_key_file) {
    PIIVAULT_ASSIGN_OR_RETURN(master, vault_internal::RandomKey());
  } else {
    PIIVAULT_ASSIGN_OR_RETURN(master, vault_internal::KeyFromHex(options.master_key_hex));
  }
  PIIVAULT_ASSIGN_OR_RETURN(SecretBytes root, vault_internal::RandomKey());
  PIIVAULT_ASSIGN_OR_RETURN(std::string line, vault_internal::WrapRootLine(root, master));
  if (write_key_file) {
    PIIVAULT_ASSIGN_OR_RETURN(
        std::string contents,
        vault_internal::MasterKeyFileContents(master, options.passphrase, options.cost));
    absl::Status st = internal::WriteFileAtomically(Path(dir, "master.key"), contents, 0600);
    sodium_memzero(contents.data(), contents.size());
    PIIVAULT_RETURN_IF_ERROR(st);
  }
  PIIVAULT_RETURN_IF_ERROR(internal::WriteFileAtomically(
      Path(dir, "root.key"), absl::StrCat("piivault-root v1\n", line, "\n"), 0600));
  PIIVAULT_RETURN_IF_ERROR(
      internal::WriteFileAtomically(Path(dir, "policy.toml"), policy_text, 0600));
  VaultOptions vo;
  vo.dir = dir;
  vo.key.use_env = false;
  vo.key.master_key_hex = vault_internal::HexEncode(
      {reinterpret_cast<const char*>(master.data()), master.size()});
  absl::StatusOr<std::unique_ptr<Impl>> impl = VaultTestPeer::OpenImpl(vo, nullptr);
  sodium_memzero(vo.key.master_key_hex.data(), vo.key.master_key_hex.size());
  if (!impl.ok()) return impl.status();
  Impl& v = **impl;
  std::lock_guard<std::mutex> lock(v.mu);
  return v.InWriteTxn([&]() -> absl::Status {
    PIIVAULT_ASSIGN_OR_RETURN(Impl::Chain chain, v.LoadChain());
    AuditRow row;
    row.action = "init";
    row.decision = "ok";
    return v.Append(chain, row);
  });
}

absl::StatusOr<std::unique_ptr<Vault::Impl>> VaultTestPeer::OpenImpl(
    const VaultOptions& options, const StoreWrapper& wrap) {
  if (sodium_init() < 0) return absl::InternalError("libsodium failed to initialise");
  auto impl = std::make_unique<Vault::Impl>();
  impl->dir = options.dir;
  impl->options = options;
  const std::string root_path = Path(options.dir, "root.key");
  if (!FileExists(root_path)) {
    return absl::NotFoundError(
        absl::StrCat("no vault in ", options.dir, " (run `piivault vault init`)"));
  }
  PIIVAULT_ASSIGN_OR_RETURN(impl->master, vault_internal::LoadMasterKey(options.dir, options.key));
  // The Impl keeps a copy of the options: drop the key material from it.
  for (std::string* secret : {&impl->options.key.master_key_hex, &impl->options.key.passphrase}) {
    if (!secret->empty()) sodium_memzero(secret->data(), secret->size());
    secret->clear();
    secret->shrink_to_fit();
  }
  bool from_file = options.key.master_key_hex.empty() &&
                   !(options.key.use_env && std::getenv("PIIVAULT_MASTER_KEY") != nullptr &&
                     *std::getenv("PIIVAULT_MASTER_KEY") != '\0');
  if (from_file) {
    impl->key_file =
        options.key.key_file.empty() ? Path(options.dir, "master.key") : options.key.key_file;
  }
  PIIVAULT_ASSIGN_OR_RETURN(std::string root_text, internal::ReadFile(root_path, 1 << 16));
  PIIVAULT_ASSIGN_OR_RETURN(impl->root, vault_internal::UnwrapRoot(root_text, impl->master));
  const std::string policy_path =
      options.policy_file.empty() ? Path(options.dir, "policy.toml") : options.policy_file;
  PIIVAULT_ASSIGN_OR_RETURN(std::string policy_text, internal::ReadFile(policy_path, 1 << 20));
  PIIVAULT_ASSIGN_OR_RETURN(impl->policy, vault_internal::Policy::Parse(policy_text, policy_path));
  PIIVAULT_ASSIGN_OR_RETURN(
      SecretBytes db_key,
      vault_internal::DeriveKey(impl->root, static_cast<uint64_t>(KeyPurpose::kDatabase)));
  PIIVAULT_ASSIGN_OR_RETURN(
      impl->store, vault_internal::OpenSqlCipherStore(
                       Path(options.dir, "vault.db"), db_key,
                       {.busy_timeout_ms = options.busy_timeout_ms,
                        .fsync_every_commit = options.fsync_every_commit}));
  if (wrap) impl->store = wrap(std::move(impl->store));
  PIIVAULT_ASSIGN_OR_RETURN(
      impl->audit_key,
      vault_internal::DeriveKey(impl->root, static_cast<uint64_t>(KeyPurpose::kAuditMac)));
  PIIVAULT_ASSIGN_OR_RETURN(
      impl->subject_key,
      vault_internal::DeriveKey(impl->root, static_cast<uint64_t>(KeyPurpose::kSubjectHash)));
  PIIVAULT_ASSIGN_OR_RETURN(
      SecretBytes seed,
      vault_internal::DeriveKey(impl->root, static_cast<uint64_t>(KeyPurpose::kSigningSeed)));
  PIIVAULT_ASSIGN_OR_RETURN(impl->sign_sk, SecretBytes::Allocate(crypto_sign_SECRETKEYBYTES));
  crypto_sign_seed_keypair(impl->sign_pk, impl->sign_sk.data(), seed.data());
  impl->InitMacBase();
  return impl;
}

absl::StatusOr<Vault> Vault::Open(const VaultOptions& options) {
  PIIVAULT_ASSIGN_OR_RETURN(std::unique_ptr<Impl> impl, VaultTestPeer::OpenImpl(options, nullptr));
  return Vault(std::move(impl));
}

absl::StatusOr<Vault> VaultTestPeer::OpenWrapped(const VaultOptions& options, StoreWrapper wrap) {
  PIIVAULT_ASSIGN_OR_RETURN(std::unique_ptr<Vault::Impl> impl, OpenImpl(options, wrap));
  return Vault(std::move(impl));
}

absl::StatusOr<SecretBytes> vault_internal::DatabaseKeyForTest(const VaultOptions& options) {
  PIIVAULT_ASSIGN_OR_RETURN(SecretBytes master, LoadMasterKey(options.dir, options.key));
  PIIVAULT_ASSIGN_OR_RETURN(std::string root_text,
                            internal::ReadFile(Path(options.dir, "root.key"), 1 << 16));
  PIIVAULT_ASSIGN_OR_RETURN(SecretBytes root, UnwrapRoot(root_text, master));
  return DeriveKey(root, static_cast<uint64_t>(KeyPurpose::kDatabase));
}

absl::StatusOr<SecretBytes> vault_internal::AuditKeyForTest(const VaultOptions& options) {
  PIIVAULT_ASSIGN_OR_RETURN(SecretBytes master, LoadMasterKey(options.dir, options.key));
  PIIVAULT_ASSIGN_OR_RETURN(std::string root_text,
                            internal::ReadFile(Path(options.dir, "root.key"), 1 << 16));
  PIIVAULT_ASSIGN_OR_RETURN(SecretBytes root, UnwrapRoot(root_text, master));
  return DeriveKey(root, static_cast<uint64_t>(KeyPurpose::kAuditMac));
}

TokenMode Vault::ModeFor(EntityType field) const { return impl_->policy.ForField(field).mode; }
std::string Vault::PolicyHashHex() const { return vault_internal::HexEncode(impl_->policy.hash()); }

absl::StatusOr<std::vector<std::string>> Vault::Tokenize(EntityType field,
                                                        std::span<const std::string_view> values,
                                                        const TokenizeOptions& options) {
  if (field == EntityType::kUnknown || EntityTypeName(field) == "UNKNOWN") {
    return absl::InvalidArgumentError("tokenize: field type is unknown");
  }
  for (size_t i = 0; i < values.size(); ++i) {
    if (values[i].empty() || values[i].size() > kMaxValueBytes) {
      return absl::InvalidArgumentError(absl::StrCat("tokenize: value ", i, " is ",
                                                     values[i].size(), " bytes; need 1..",
                                                     kMaxValueBytes));
    }
  }
  std::vector<std::string> tokens;
  if (values.empty()) return tokens;
  Impl& v = *impl_;
  const vault_internal::FieldPolicy fp = v.policy.ForField(field);
  std::lock_guard<std::mutex> lock(v.mu);
  const int64_t now = v.Now();
  const std::string subject = v.SubjectHash(options.subject);
  // One CSPRNG call for the batch: 16 id bytes + 24 nonce bytes per value.
  constexpr size_t kPer = 16 + kNonceBytes;
  std::string random(values.size() * kPer, '\0');
  {
    uint8_t seed[randombytes_SEEDBYTES];
    randombytes_buf(seed, sizeof seed);
    randombytes_buf_deterministic(random.data(), random.size(), seed);
    sodium_memzero(seed, sizeof seed);
  }
  absl::Status st = v.InWriteTxn([&]() -> absl::Status {
    tokens.clear();
    tokens.reserve(values.size());
    PIIVAULT_ASSIGN_OR_RETURN(Impl::Chain chain, v.LoadChain());
    uint32_t version = 0;
    const uint8_t* key = nullptr;
    std::optional<SecretBytes> subject_key;
    if (!subject.empty()) {
      PIIVAULT_ASSIGN_OR_RETURN(subject_key, v.SubjectKey(field, subject, /*create=*/true));
      key = subject_key->data();
    } else {
      PIIVAULT_ASSIGN_OR_RETURN(version, v.CurrentVersion(field));
      PIIVAULT_ASSIGN_OR_RETURN(const SecretBytes* fk, v.FieldKey(field, version));
      key = fk->data();
    }
    const SecretBytes* index_key = nullptr;
    if (fp.mode == TokenMode::kDeterministic) {
      PIIVAULT_ASSIGN_OR_RETURN(index_key, v.IndexKey(field));
    }
    TokenRow row;
    std::string aad;
    aad.reserve(64);
    row.field = field;
    row.key_version = version;
    row.subject = subject;
    row.created = now;
    row.expires = fp.ttl_seconds > 0 ? now + fp.ttl_seconds : 0;
    uint64_t created = 0;
    for (size_t i = 0; i < values.size(); ++i) {
      const std::string_view value = values[i];
      row.bidx.clear();
      if (index_key != nullptr) {
        row.bidx.resize(32);
        crypto_generichash(reinterpret_cast<uint8_t*>(row.bidx.data()), 32,
                           reinterpret_cast<const uint8_t*>(value.data()), value.size(),
                           index_key->data(), index_key->size());
        PIIVAULT_ASSIGN_OR_RETURN(std::optional<TokenId> found,
                                  v.store->FindByIndex(field, subject, row.bidx));
        if (found) {
          tokens.push_back(vault_internal::FormatRandomToken(field, *found));
          continue;
        }
      }
      const uint8_t* rnd = reinterpret_cast<const uint8_t*>(random.data()) + i * kPer;
      std::string token;
      for (int attempt = 0;; ++attempt) {
        if (attempt >= 16) {
          return absl::InternalError("tokenize: could not find a free token id after 16 tries");
        }
        if (fp.mode == TokenMode::kFormatPreserving) {
          token = vault_internal::MakeFpeToken(field, value);
          row.id = vault_internal::FpeTokenId(token);
          row.kind = TokenKind::kFpe;
        } else {
          if (attempt == 0) std::memcpy(row.id.data(), rnd, 16);
          else randombytes_buf(row.id.data(), 16);
          row.kind = index_key != nullptr ? TokenKind::kDeterministic : TokenKind::kRandom;
        }
        ValueAadInto(field, row.id, version, subject, &aad);
        SealWithNonce(key, aad, value, rnd + 16, &row.sealed);
        PIIVAULT_ASSIGN_OR_RETURN(bool inserted, v.store->InsertToken(row));
        if (inserted) break;
      }
      if (fp.mode != TokenMode::kFormatPreserving) {
        token = vault_internal::FormatRandomToken(field, row.id);
      }
      tokens.push_back(std::move(token));
      ++created;
    }
    AuditRow a;
    a.action = "tokenize";
    a.principal = std::string(options.principal);
    a.field = std::string(EntityTypeName(field));
    a.decision = "ok";
    a.count = values.size();
    a.time = now;
    return v.Append(chain, a);
  });
  sodium_memzero(random.data(), random.size());
  if (!st.ok()) return st;
  return tokens;
}

absl::StatusOr<std::vector<DetokenizeResult>> Vault::Detokenize(
    std::span<const std::string> tokens, const AccessContext& context) {
  if (context.purpose.empty() || context.purpose.size() > 256) {
    return absl::InvalidArgumentError("detokenize: a purpose (1..256 bytes) is required");
  }
  if (context.principal.empty() || context.principal.size() > 256) {
    return absl::InvalidArgumentError("detokenize: a principal (1..256 bytes) is required");
  }
  Impl& v = *impl_;
  std::vector<DetokenizeResult> results;
  std::lock_guard<std::mutex> lock(v.mu);
  const int64_t now = v.Now();
  const std::string purpose(context.purpose);
  const std::string principal(context.principal);
  std::string plain;
  absl::Status st = v.InWriteTxn([&]() -> absl::Status {
    for (DetokenizeResult& r : results) Wipe(&r.value);
    results.assign(tokens.size(), DetokenizeResult{});
    PIIVAULT_ASSIGN_OR_RETURN(Impl::Chain chain, v.LoadChain());
    std::string aad;
    AuditRow a;
    a.principal = principal;
    a.purpose = purpose;
    a.time = now;
    a.count = 1;
    for (size_t i = 0; i < tokens.size(); ++i) {
      DetokenizeResult& res = results[i];
      a.action.assign("detokenize");
      a.field.clear();
      a.token_id.clear();
      a.rule.clear();
      absl::StatusOr<vault_internal::ParsedToken> parsed = vault_internal::ParseToken(tokens[i]);
      if (!parsed.ok()) {
        res.status = absl::InvalidArgumentError(
            absl::StrCat("item ", i, ": not a piivault token"));
        a.decision = "invalid";
        PIIVAULT_RETURN_IF_ERROR(v.Append(chain, a));
        continue;
      }
      a.token_id.assign(IdView(parsed->id));
      PIIVAULT_ASSIGN_OR_RETURN(std::optional<TokenRow> row, v.store->GetToken(parsed->id));
      if (row && ((parsed->format_preserving) != (row->kind == TokenKind::kFpe) ||
                  (!parsed->format_preserving && row->field != parsed->field))) {
        row.reset();  // a token of another shape never reads this row
      }
      if (!row) {
        res.status = absl::NotFoundError(
            absl::StrCat("item ", i, ": unknown token (never issued, shredded or purged)"));
        a.decision = "unknown";
        PIIVAULT_RETURN_IF_ERROR(v.Append(chain, a));
        continue;
      }
      res.field = row->field;
      a.field.assign(EntityTypeName(row->field));
      if (row->kind == TokenKind::kPoison) {
        res.status = absl::PermissionDeniedError(
            absl::StrCat("item ", i, ": decoy token; access recorded as an alert"));
        a.action = "alert";
        a.decision = "deny";
        a.rule = "poison";
        PIIVAULT_RETURN_IF_ERROR(v.Append(chain, a));
        continue;
      }
      if (row->expires > 0 && row->expires <= now) {
        PIIVAULT_RETURN_IF_ERROR(v.store->DeleteToken(row->id));
        res.status = absl::FailedPreconditionError(
            absl::StrCat("item ", i, ": value expired (retention) and was purged"));
        a.decision = "expired";
        a.rule = "ttl";
        PIIVAULT_RETURN_IF_ERROR(v.Append(chain, a));
        continue;
      }
      vault_internal::PolicyDecision d = v.policy.Evaluate(row->field, purpose, principal);
      a.rule = d.rule;
      if (d.form == Disclosure::kDeny) {
        res.status = absl::PermissionDeniedError(absl::StrCat(
            "item ", i, ": policy ", d.rule.empty() ? "has no rule allowing" : "rule " + d.rule + " denies",
            " purpose '", purpose, "' for ", std::string(EntityTypeName(row->field))));
        res.rule = d.rule;
        a.decision = "deny";
        PIIVAULT_RETURN_IF_ERROR(v.Append(chain, a));
        continue;
      }
      if (d.require_consent) {
        bool granted = false;
        if (!row->subject.empty()) {
          PIIVAULT_ASSIGN_OR_RETURN(std::optional<bool> c,
                                    v.store->GetConsent(row->subject, purpose));
          granted = c.value_or(false);
        }
        if (!granted) {
          res.status = absl::PermissionDeniedError(absl::StrCat(
              "item ", i, ": purpose '", purpose, "' needs the subject's consent, which ",
              row->subject.empty() ? "cannot exist (value has no subject)" : "is not granted"));
          res.rule = d.rule;
          a.decision = "deny";
          a.rule = d.rule + "/consent";
          PIIVAULT_RETURN_IF_ERROR(v.Append(chain, a));
          continue;
        }
      }
      const uint8_t* key = nullptr;
      std::optional<SecretBytes> subject_key;
      if (row->key_version == 0) {
        PIIVAULT_ASSIGN_OR_RETURN(subject_key, v.SubjectKey(row->field, row->subject, false));
        if (!subject_key) {
          res.status = absl::NotFoundError(
              absl::StrCat("item ", i, ": the subject's key was destroyed (shredded)"));
          a.decision = "shredded";
          PIIVAULT_RETURN_IF_ERROR(v.Append(chain, a));
          continue;
        }
        key = subject_key->data();
      } else {
        absl::StatusOr<const SecretBytes*> fk = v.FieldKey(row->field, row->key_version);
        if (!fk.ok()) {
          if (fk.status().code() != absl::StatusCode::kDataLoss) return fk.status();
          res.status = absl::DataLossError(absl::StrCat("item ", i, ": ", fk.status().message()));
          a.decision = "tamper";
          PIIVAULT_RETURN_IF_ERROR(v.Append(chain, a));
          continue;
        }
        key = (*fk)->data();
      }
      plain.resize(row->sealed.size());
      size_t n = 0;
      ValueAadInto(row->field, row->id, row->key_version, row->subject, &aad);
      if (!OpenSealed(key, aad, row->sealed,
                reinterpret_cast<uint8_t*>(plain.data()), &n)) {
        Wipe(&plain);
        res.status = absl::DataLossError(
            absl::StrCat("item ", i, ": stored ciphertext failed authentication (tampered or moved)"));
        a.decision = "tamper";
        PIIVAULT_RETURN_IF_ERROR(v.Append(chain, a));
        continue;
      }
      const std::string_view value(plain.data(), n);
      switch (d.form) {
        case Disclosure::kPlaintext: res.value.assign(value); break;
        case Disclosure::kMasked: res.value = MaskValue(row->field, value); break;
        case Disclosure::kLast4: res.value = Last4(value); break;
        case Disclosure::kDeny: break;
      }
      sodium_memzero(plain.data(), plain.size());
      res.form = d.form;
      res.rule = d.rule;
      res.status = absl::OkStatus();
      a.decision.assign(DisclosureName(d.form));
      PIIVAULT_RETURN_IF_ERROR(v.Append(chain, a));
    }
    return absl::OkStatus();
  });
  Wipe(&plain);
  if (!st.ok()) {
    // Fail closed: nothing is released unless the audit rows committed.
    for (DetokenizeResult& r : results) Wipe(&r.value);
    return st;
  }
  return results;
}

absl::StatusOr<DetokenizeResult> Vault::DetokenizeOne(std::string_view token,
                                                      const AccessContext& context) {
  std::string t(token);
  PIIVAULT_ASSIGN_OR_RETURN(std::vector<DetokenizeResult> r,
                            Detokenize(std::span<const std::string>(&t, 1), context));
  return std::move(r[0]);
}

absl::Status Vault::SetConsent(std::string_view subject, std::string_view purpose, bool granted,
                               std::string_view principal) {
  if (subject.empty() || purpose.empty() || purpose.size() > 256) {
    return absl::InvalidArgumentError("consent: subject and purpose (1..256 bytes) are required");
  }
  Impl& v = *impl_;
  std::lock_guard<std::mutex> lock(v.mu);
  const std::string s = v.SubjectHash(subject);
  return v.InWriteTxn([&]() -> absl::Status {
    PIIVAULT_ASSIGN_OR_RETURN(Impl::Chain chain, v.LoadChain());
    PIIVAULT_RETURN_IF_ERROR(v.store->PutConsent(s, purpose, granted, v.Now()));
    AuditRow a;
    a.action = "consent";
    a.principal = std::string(principal);
    a.purpose = std::string(purpose);
    a.decision = granted ? "granted" : "withdrawn";
    return v.Append(chain, a);
  });
}

absl::StatusOr<std::string> Vault::CreatePoisonToken(EntityType field,
                                                     std::string_view principal) {
  if (field == EntityType::kUnknown || EntityTypeName(field) == "UNKNOWN") {
    return absl::InvalidArgumentError("poison token: field type is unknown");
  }
  Impl& v = *impl_;
  std::lock_guard<std::mutex> lock(v.mu);
  std::string token;
  PIIVAULT_RETURN_IF_ERROR(v.InWriteTxn([&]() -> absl::Status {
    PIIVAULT_ASSIGN_OR_RETURN(Impl::Chain chain, v.LoadChain());
    TokenRow row;
    row.field = field;
    row.kind = TokenKind::kPoison;
    row.created = v.Now();
    row.sealed.resize(kNonceBytes + 16 + kTagBytes);
    randombytes_buf(row.sealed.data(), row.sealed.size());
    for (;;) {
      randombytes_buf(row.id.data(), row.id.size());
      PIIVAULT_ASSIGN_OR_RETURN(bool inserted, v.store->InsertToken(row));
      if (inserted) break;
    }
    token = vault_internal::FormatRandomToken(field, row.id);
    AuditRow a;
    a.action = "poison";
    a.principal = std::string(principal);
    a.field = std::string(EntityTypeName(field));
    a.decision = "ok";
    a.count = 1;
    return v.Append(chain, a);
  }));
  return token;
}

absl::StatusOr<uint32_t> Vault::RotateFieldKey(EntityType field, std::string_view principal) {
  Impl& v = *impl_;
  std::lock_guard<std::mutex> lock(v.mu);
  uint32_t last = 0;
  PIIVAULT_RETURN_IF_ERROR(v.InWriteTxn([&]() -> absl::Status {
    PIIVAULT_ASSIGN_OR_RETURN(Impl::Chain chain, v.LoadChain());
    std::vector<EntityType> fields;
    if (field == EntityType::kUnknown) {
      PIIVAULT_ASSIGN_OR_RETURN(fields, v.store->FieldsWithKeys());
    } else {
      fields.push_back(field);
    }
    for (EntityType f : fields) {
      PIIVAULT_ASSIGN_OR_RETURN(std::vector<vault_internal::FieldKeyRow> rows, v.store->FieldKeys(f));
      const uint32_t next = rows.empty() ? 1 : rows.back().version + 1;
      PIIVAULT_RETURN_IF_ERROR(v.AddFieldKey(f, next));
      last = next;
      AuditRow a;
      a.action = "rotate";
      a.principal = std::string(principal);
      a.field = std::string(EntityTypeName(f));
      a.decision = "ok";
      a.count = next;
      PIIVAULT_RETURN_IF_ERROR(v.Append(chain, a));
    }
    return absl::OkStatus();
  }));
  return last;
}

absl::StatusOr<uint64_t> Vault::ReencryptBatch(size_t batch_size, std::string_view principal) {
  if (batch_size == 0) return absl::InvalidArgumentError("reencrypt: batch size must be > 0");
  Impl& v = *impl_;
  std::lock_guard<std::mutex> lock(v.mu);
  uint64_t remaining = 0;
  PIIVAULT_RETURN_IF_ERROR(v.InWriteTxn([&]() -> absl::Status {
    PIIVAULT_ASSIGN_OR_RETURN(std::vector<TokenRow> rows, v.store->RowsOnOldKeys(batch_size));
    if (rows.empty()) return absl::OkStatus();
    PIIVAULT_ASSIGN_OR_RETURN(Impl::Chain chain, v.LoadChain());
    std::string plain;
    std::map<EntityType, uint32_t> current;
    for (TokenRow& row : rows) {
      if (!current.contains(row.field)) {
        PIIVAULT_ASSIGN_OR_RETURN(current[row.field], v.CurrentVersion(row.field));
      }
      const uint32_t to = current[row.field];
      PIIVAULT_ASSIGN_OR_RETURN(const SecretBytes* old_key, v.FieldKey(row.field, row.key_version));
      plain.resize(row.sealed.size());
      size_t n = 0;
      if (!OpenSealed(old_key->data(), ValueAad(row.field, row.id, row.key_version, row.subject),
                row.sealed, reinterpret_cast<uint8_t*>(plain.data()), &n)) {
        Wipe(&plain);
        return absl::DataLossError(absl::StrCat(
            "reencrypt: a stored ", std::string(EntityTypeName(row.field)),
            " ciphertext failed authentication; nothing in this batch was changed"));
      }
      PIIVAULT_ASSIGN_OR_RETURN(const SecretBytes* new_key, v.FieldKey(row.field, to));
      std::string sealed = Seal(new_key->data(), ValueAad(row.field, row.id, to, row.subject),
                                std::string_view(plain.data(), n));
      sodium_memzero(plain.data(), plain.size());
      PIIVAULT_RETURN_IF_ERROR(v.store->UpdateSealed(row.id, to, sealed));
    }
    Wipe(&plain);
    AuditRow a;
    a.action = "reencrypt";
    a.principal = std::string(principal);
    a.decision = "ok";
    a.count = rows.size();
    return v.Append(chain, a);
  }));
  {
    PIIVAULT_RETURN_IF_ERROR(v.store->Begin(false));
    absl::StatusOr<uint64_t> n = v.store->CountOnOldKeys();
    v.store->Rollback();
    if (!n.ok()) return n.status();
    remaining = *n;
  }
  return remaining;
}

absl::Status Vault::RotateMasterKey(std::string_view new_master_key_hex,
                                    std::string_view new_passphrase, const PassphraseCost& cost) {
  Impl& v = *impl_;
  std::lock_guard<std::mutex> lock(v.mu);
  SecretBytes next;
  if (!new_master_key_hex.empty()) {
    PIIVAULT_ASSIGN_OR_RETURN(next, vault_internal::KeyFromHex(new_master_key_hex));
  } else if (!v.key_file.empty()) {
    PIIVAULT_ASSIGN_OR_RETURN(next, vault_internal::RandomKey());
  } else {
    return absl::InvalidArgumentError(
        "rotate master key: the current key comes from hex/env; give the new key as hex");
  }
  const std::string root_path = Path(v.dir, "root.key");
  PIIVAULT_ASSIGN_OR_RETURN(std::string old_line, vault_internal::WrapRootLine(v.root, v.master));
  PIIVAULT_ASSIGN_OR_RETURN(std::string new_line, vault_internal::WrapRootLine(v.root, next));
  // Both wraps first, then the key file, then only the new wrap: a crash at
  // any step leaves a vault that opens with the old or the new key.
  PIIVAULT_RETURN_IF_ERROR(internal::WriteFileAtomically(
      root_path, absl::StrCat("piivault-root v1\n", old_line, "\n", new_line, "\n"), 0600));
  if (!v.key_file.empty()) {
    PIIVAULT_ASSIGN_OR_RETURN(std::string contents,
                              vault_internal::MasterKeyFileContents(next, new_passphrase, cost));
    absl::Status st = internal::WriteFileAtomically(v.key_file, contents, 0600);
    sodium_memzero(contents.data(), contents.size());
    PIIVAULT_RETURN_IF_ERROR(st);
  }
  PIIVAULT_RETURN_IF_ERROR(internal::WriteFileAtomically(
      root_path, absl::StrCat("piivault-root v1\n", new_line, "\n"), 0600));
  v.master = std::move(next);
  return v.InWriteTxn([&]() -> absl::Status {
    PIIVAULT_ASSIGN_OR_RETURN(Impl::Chain chain, v.LoadChain());
    AuditRow a;
    a.action = "rotate_master";
    a.decision = "ok";
    return v.Append(chain, a);
  });
}

absl::StatusOr<uint64_t> Vault::ShredSubject(std::string_view subject,
                                             std::string_view principal) {
  if (subject.empty()) return absl::InvalidArgumentError("shred: a subject is required");
  Impl& v = *impl_;
  std::lock_guard<std::mutex> lock(v.mu);
  const std::string s = v.SubjectHash(subject);
  uint64_t n = 0;
  PIIVAULT_RETURN_IF_ERROR(v.InWriteTxn([&]() -> absl::Status {
    PIIVAULT_ASSIGN_OR_RETURN(Impl::Chain chain, v.LoadChain());
    PIIVAULT_ASSIGN_OR_RETURN(n, v.store->DeleteSubject(s));
    AuditRow a;
    a.action = "shred";
    a.principal = std::string(principal);
    a.decision = "ok";
    a.count = n;
    return v.Append(chain, a);
  }));
  // secure_delete zeroed the freed pages; the checkpoint moves them into the
  // main file and truncates the WAL, so no old page image survives there.
  PIIVAULT_RETURN_IF_ERROR(v.store->Checkpoint());
  return n;
}

absl::StatusOr<uint64_t> Vault::PurgeExpired(std::string_view principal) {
  Impl& v = *impl_;
  std::lock_guard<std::mutex> lock(v.mu);
  uint64_t n = 0;
  PIIVAULT_RETURN_IF_ERROR(v.InWriteTxn([&]() -> absl::Status {
    PIIVAULT_ASSIGN_OR_RETURN(Impl::Chain chain, v.LoadChain());
    PIIVAULT_ASSIGN_OR_RETURN(n, v.store->DeleteExpired(v.Now()));
    AuditRow a;
    a.action = "purge";
    a.principal = std::string(principal);
    a.decision = "ok";
    a.rule = "ttl";
    a.count = n;
    return v.Append(chain, a);
  }));
  return n;
}

absl::StatusOr<AuditReport> Vault::VerifyAudit(std::string_view signed_head) const {
  Impl& v = *impl_;
  // Parse the exported head first (it is independent of the log).
  uint64_t head_seq = 0;
  std::string head_mac;
  if (!signed_head.empty()) {
    std::vector<std::string> parts =
        absl::StrSplit(absl::string_view(signed_head.data(), signed_head.size()),
                       absl::ByAnyChar(" \n"), absl::SkipEmpty());
    std::string mac_bin, pk, sig;
    auto hex = [](const std::string& h, std::string* out) {
      out->resize(h.size() / 2);
      size_t n = 0;
      return h.size() % 2 == 0 &&
             sodium_hex2bin(reinterpret_cast<uint8_t*>(out->data()), out->size(), h.data(),
                            h.size(), nullptr, &n, nullptr) == 0 &&
             n == out->size();
    };
    if (parts.size() != 6 || absl::StrCat(parts[0], " ", parts[1]) != kHeadPrefix ||
        !absl::SimpleAtoi(parts[2], &head_seq) || !hex(parts[3], &mac_bin) ||
        mac_bin.size() != 32 || !hex(parts[4], &pk) || pk.size() != crypto_sign_PUBLICKEYBYTES ||
        !hex(parts[5], &sig) || sig.size() != crypto_sign_BYTES) {
      return absl::InvalidArgumentError("signed chain head is malformed");
    }
    if (std::memcmp(pk.data(), v.sign_pk, pk.size()) != 0) {
      return absl::DataLossError("signed chain head was signed by another vault's key");
    }
    const std::string msg = absl::StrCat(parts[0], " ", parts[1], " ", parts[2], " ", parts[3]);
    if (crypto_sign_verify_detached(reinterpret_cast<const uint8_t*>(sig.data()),
                                    reinterpret_cast<const uint8_t*>(msg.data()), msg.size(),
                                    v.sign_pk) != 0) {
      return absl::DataLossError("signed chain head has a bad signature");
    }
    head_mac = mac_bin;
  }
  std::lock_guard<std::mutex> lock(v.mu);
  AuditReport report;
  Impl::ChainChecker checker(v);
  uint64_t expected = 1;
  bool head_seen = head_seq == 0;
  absl::Status producer_error;  // the first error this thread found (by seq)
  PIIVAULT_RETURN_IF_ERROR(v.store->Begin(false));
  absl::Status scan = v.store->ScanAudit([&](const AuditRowView& r) -> absl::Status {
    if (r.seq != expected) {
      producer_error = absl::DataLossError(absl::StrCat(
          "audit log broken at seq ", expected, ": found seq ", r.seq,
          " (row deleted, inserted or reordered)"));
      return absl::CancelledError();
    }
    if (r.mac.size() != 32) {
      producer_error = absl::DataLossError(
          absl::StrCat("audit row ", r.seq, " fails its chain MAC (edited, inserted or reordered)"));
      return absl::CancelledError();
    }
    // The checker verifies this row's stored MAC against the recomputed
    // chain; comparing the stored MAC with the signed head here is then the
    // same as comparing the recomputed one.
    if (!checker.Add(r)) return absl::CancelledError();  // it already failed earlier
    if (r.seq == head_seq) {
      if (sodium_memcmp(r.mac.data(), head_mac.data(), 32) != 0) {
        producer_error = absl::DataLossError(absl::StrCat(
            "audit row ", r.seq, " differs from the exported signed head (log rewritten)"));
        return absl::CancelledError();
      }
      head_seen = true;
    }
    if (r.action == "alert") ++report.alerts;
    ++expected;
    return absl::OkStatus();
  });
  v.store->Rollback();
  // Rows are checked in seq order, and every row the checker saw precedes any
  // row this thread rejected, so a checker failure is the first bad row.
  PIIVAULT_ASSIGN_OR_RETURN(std::string head, checker.Finish());
  if (!scan.ok() && !absl::IsCancelled(scan)) return scan;
  PIIVAULT_RETURN_IF_ERROR(producer_error);
  report.rows = expected - 1;
  report.head_seq = report.rows;
  report.head_mac_hex = report.rows == 0 ? "" : vault_internal::HexEncode(head);
  if (!head_seen) {
    return absl::DataLossError(absl::StrCat("audit log truncated: the exported head is seq ",
                                            head_seq, " but the log ends at seq ", report.rows));
  }
  return report;
}

absl::StatusOr<std::string> Vault::ExportChainHead() const {
  Impl& v = *impl_;
  std::lock_guard<std::mutex> lock(v.mu);
  PIIVAULT_RETURN_IF_ERROR(v.store->Begin(false));
  absl::StatusOr<std::optional<AuditRow>> last = v.store->LastAudit();
  v.store->Rollback();
  if (!last.ok()) return last.status();
  if (!*last) return v.SignHead(0, std::string(32, '\0'));
  return v.SignHead((*last)->seq, (*last)->mac);
}

absl::StatusOr<VaultStats> Vault::Stats() const {
  Impl& v = *impl_;
  std::lock_guard<std::mutex> lock(v.mu);
  PIIVAULT_RETURN_IF_ERROR(v.store->Begin(false));
  absl::StatusOr<vault_internal::StoreStats> s = v.store->Stats();
  v.store->Rollback();
  if (!s.ok()) return s.status();
  VaultStats out;
  for (const auto& f : s->fields) {
    out.fields.push_back({f.field, f.tokens, f.current_version, f.on_old_versions});
  }
  out.subjects_with_keys = s->subjects_with_keys;
  out.audit_rows = s->audit_rows;
  out.schema_version = s->schema_version;
  out.cipher_version = s->cipher_version;
  return out;
}

}  // namespace piivault
