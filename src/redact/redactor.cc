// The redactor: findings -> policy decisions -> edits, for whole buffers and
// for streams cut into fixed windows.
#include "piivault/redactor.h"

#include <sodium.h>
#include <sys/stat.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>

#include "absl/strings/str_cat.h"
#include "common/file_util.h"
#include "common/status_macros.h"
#include "redact/mask.h"
#include "redact/redactor_internal.h"

namespace piivault {

using redact_internal::DocState;
using redact_internal::Edit;

namespace {

constexpr size_t kHashBytes = 16;

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Reads the hash key into sodium_malloc memory; wipes every other copy.
absl::Status LoadHashKey(const std::string& path, uint8_t** key, size_t* key_size) {
  struct stat st;
  if (::stat(path.c_str(), &st) != 0)
    return absl::NotFoundError(absl::StrCat("key file ", path, " not found"));
  if (st.st_mode & S_IROTH)
    return absl::PermissionDeniedError(
        absl::StrCat("key file ", path, " is world-readable; chmod 600 it"));
  absl::StatusOr<std::string> data = internal::ReadFile(path, 4096);
  if (!data.ok()) return data.status();
  std::string& s = *data;
  size_t n = s.size();
  while (n > 0 && (s[n - 1] == '\n' || s[n - 1] == '\r')) --n;
  bool hex = n >= 64 && n <= 128 && n % 2 == 0;
  for (size_t i = 0; hex && i < n; ++i) hex = HexValue(s[i]) >= 0;
  size_t size = hex ? n / 2 : s.size();
  absl::Status status = absl::OkStatus();
  if (size < 32 || size > crypto_generichash_KEYBYTES_MAX) {
    status = absl::InvalidArgumentError(absl::StrCat(
        "key file ", path, " must hold 32..64 raw bytes or 64..128 hex digits (has ", s.size(),
        " bytes)"));
  } else if (sodium_init() < 0) {
    status = absl::InternalError("libsodium failed to initialise");
  } else {
    uint8_t* k = static_cast<uint8_t*>(sodium_malloc(size));
    if (k == nullptr) {
      status = absl::ResourceExhaustedError("sodium_malloc failed for the hash key");
    } else {
      for (size_t i = 0; i < size; ++i)
        k[i] = hex ? static_cast<uint8_t>(HexValue(s[2 * i]) * 16 + HexValue(s[2 * i + 1]))
                   : static_cast<uint8_t>(s[i]);
      sodium_mprotect_readonly(k);
      *key = k;
      *key_size = size;
    }
  }
  sodium_memzero(s.data(), s.size());
  return status;
}

// Deny-list occurrences in `text` (every position where a term starts; the
// later merge unions overlaps).
void FindDenyTerms(std::string_view text, const std::vector<std::string>& terms,
                   std::vector<Finding>* out) {
  for (const std::string& term : terms) {
    for (size_t pos = text.find(term); pos != std::string_view::npos;
         pos = text.find(term, pos + 1)) {
      Finding f;
      f.type = EntityType::kCustom;
      f.begin = pos;
      f.end = pos + term.size();
      f.confidence = 1.0f;
      f.validated_by = "deny-list";
      out->push_back(std::move(f));
    }
  }
}

// Sorts and unions overlapping findings so that no byte of any of them is
// left out; the longer finding (then the non-MASKED one) gives the type.
std::vector<Finding> MergeOverlaps(std::vector<Finding> all) {
  std::sort(all.begin(), all.end(), [](const Finding& a, const Finding& b) {
    return a.begin != b.begin ? a.begin < b.begin : a.end > b.end;
  });
  std::vector<Finding> out;
  out.reserve(all.size());
  for (Finding& f : all) {
    if (f.end <= f.begin) continue;
    if (out.empty() || f.begin >= out.back().end) {
      out.push_back(std::move(f));
      continue;
    }
    Finding& cur = out.back();
    bool f_wins = (f.end - f.begin) > (cur.end - cur.begin) ||
                  (cur.type == EntityType::kMasked && f.type != EntityType::kMasked);
    size_t begin = cur.begin, end = std::max(cur.end, f.end);
    if (f_wins) cur = std::move(f);
    if (cur.begin != begin || cur.end != end) cur.normalized.clear();  // spans changed
    cur.begin = begin;
    cur.end = end;
  }
  return out;
}

std::string HashValue(const uint8_t* key, size_t key_size, EntityType type,
                      std::string_view canonical) {
  std::string input = absl::StrCat(std::string(EntityTypeName(type)), std::string(1, '\0'),
                                   std::string(canonical));
  unsigned char digest[kHashBytes];
  crypto_generichash(digest, sizeof digest, reinterpret_cast<const unsigned char*>(input.data()),
                     input.size(), key, key_size);
  sodium_memzero(input.data(), input.size());
  std::string out = absl::StrCat("<", std::string(EntityTypeName(type)), "#");
  for (unsigned char b : digest) {  // letters g..v: never hex, never digits
    out.push_back(static_cast<char>('g' + (b >> 4)));
    out.push_back(static_cast<char>('g' + (b & 15)));
  }
  out.push_back('>');
  return out;
}

// 128-bit BLAKE2b of the type and canonical value: numbered labels remember
// values by this, never by the value itself.
std::pair<uint64_t, uint64_t> ValueKey(uint16_t type, std::string_view canonical) {
  crypto_generichash_state st;
  crypto_generichash_init(&st, nullptr, 0, 16);
  const unsigned char t[2] = {static_cast<unsigned char>(type & 0xFF), static_cast<unsigned char>(type >> 8)};
  crypto_generichash_update(&st, t, sizeof t);
  crypto_generichash_update(&st, reinterpret_cast<const unsigned char*>(canonical.data()),
                            canonical.size());
  unsigned char digest[16];
  crypto_generichash_final(&st, digest, sizeof digest);
  std::pair<uint64_t, uint64_t> key;
  std::memcpy(&key.first, digest, 8);
  std::memcpy(&key.second, digest + 8, 8);
  return key;
}

// Punctuation a span of several values keeps: ASCII and full-width
// punctuation (but '*'), CJK 、。 and the spaces. They bound values -- an
// e-mail's '@', an IPv6 address's "::", the '，' that ends an address -- and
// a mask that hid them would let a second pass read through.
bool KeptInSpan(uint32_t cp) {
  if (cp == ' ' || cp == '\t' || cp == '\n' || cp == '\r' || cp == 0x3000 || cp == 0xA0) return true;
  if (cp < 0x80) return cp != '*' && cp > 0x20 && cp < 0x7F && !((cp | 0x20) >= 'a' && (cp | 0x20) <= 'z') &&
                        !(cp >= '0' && cp <= '9');
  return (cp >= 0xFF01 && cp <= 0xFF0F && cp != 0xFF0A) || (cp >= 0xFF1A && cp <= 0xFF20) ||
         (cp >= 0xFF3B && cp <= 0xFF40) || (cp >= 0xFF5B && cp <= 0xFF65) || cp == 0x3001 || cp == 0x3002;
}

// The mask of a span of several values (overlapping candidates covered
// whole): every character becomes '*' but the punctuation above, as an
// edit (see MaskEdit). False when nothing changes.
bool MaskSpanEdit(std::string_view raw, size_t* pre, size_t* suf, std::string* replacement) {
  std::string masked;
  masked.reserve(raw.size());
  for (size_t i = 0; i < raw.size();) {
    uint32_t cp;
    const size_t n = redact_internal::DecodeUtf8(raw, i, &cp);
    if (KeptInSpan(cp)) {
      masked.append(raw.data() + i, n);
    } else {
      masked.push_back('*');
    }
    i += n;
  }
  return redact_internal::EditBetween(raw, std::move(masked), pre, suf, replacement);
}

}  // namespace

namespace redact_internal {

bool ChangesText(std::string_view text, const std::vector<Edit>& edits) {
  for (const Edit& e : edits)
    if (text.substr(e.begin, e.end - e.begin) != e.replacement) return true;
  return false;
}

void ApplyEdits(std::string_view text, size_t from, size_t to, const std::vector<Edit>& edits,
                std::string* out) {
  size_t pos = from;
  for (const Edit& e : edits) {
    if (e.end <= from || e.begin >= to) continue;
    if (e.begin > pos) out->append(text.substr(pos, e.begin - pos));
    out->append(e.replacement);
    pos = e.end;
  }
  if (pos < to) out->append(text.substr(pos, to - pos));
}

void ApplyEditsNoting(std::string_view text, size_t from, size_t to, const std::vector<Edit>& edits,
                      std::string* out, uint64_t base, std::vector<std::pair<uint64_t, uint64_t>>* changed) {
  const size_t start = out->size();
  size_t pos = from;
  for (const Edit& e : edits) {
    if (e.end <= from || e.begin >= to) continue;
    if (e.begin > pos) out->append(text.substr(pos, e.begin - pos));
    const uint64_t at = base + (out->size() - start);
    out->append(e.replacement);
    if (text.substr(e.begin, e.end - e.begin) != e.replacement) changed->emplace_back(at, base + (out->size() - start));
    pos = e.end;
  }
  if (pos < to) out->append(text.substr(pos, to - pos));
}

}  // namespace redact_internal

absl::StatusOr<std::vector<Finding>> Redactor::Impl::FindAll(std::string_view text) const {
  absl::StatusOr<std::vector<Finding>> scanned = scan(text);
  // Most texts (chat messages) hold nothing: hand the scan's result on as it is.
  if (!scanned.ok() || (scanned->empty() && deny.empty())) return scanned;
  std::vector<Finding>& found = *scanned;
  if (!deny.empty()) FindDenyTerms(text, deny, &found);
  // Defensive: clamp anything out of range, then union overlaps.
  for (Finding& f : found) {
    f.end = std::min(f.end, text.size());
    f.begin = std::min(f.begin, f.end);
  }
  bool sorted_disjoint = true;
  for (size_t i = 1; i < found.size() && sorted_disjoint; ++i)
    sorted_disjoint = found[i].begin >= found[i - 1].end;
  if (sorted_disjoint && deny.empty()) {
    std::erase_if(found, [](const Finding& f) { return f.end <= f.begin; });
  } else {
    found = MergeOverlaps(std::move(found));
  }
  return scanned;  // every path returns `scanned`: constructed in place, never moved
}

absl::Status Redactor::Impl::Plan(std::string_view text, const std::vector<Finding>& findings,
                                  DocState* doc, RedactionReport* report,
                                  std::vector<Edit>* edits) const {
  struct Pending {
    size_t edit_index;
    std::string value;
  };
  absl::flat_hash_map<uint16_t, std::vector<Pending>> to_tokenize;
  for (const Finding& f : findings) {
    std::string_view raw = text.substr(f.begin, f.end - f.begin);
    if (f.validated_by == redact_internal::kFragment) {
      edits->push_back({f.begin, f.end, redact_internal::MaskValue(EntityType::kCustom, raw, "")});
      Count(report, f.type, RedactOperator::kMask);
      continue;
    }
    const TypeRule& rule = rules[static_cast<uint16_t>(f.type) & 0xFF];
    if (f.type == EntityType::kMasked) {
      Count(report, f.type, RedactOperator::kKeep);
      continue;
    }
    if (f.confidence < rule.min_confidence) {
      if (!later_pass) ++report->below_threshold;
      continue;
    }
    std::string_view canonical = f.normalized.empty() ? raw : std::string_view(f.normalized);
    if (!allow.empty() && (allow.contains(std::string(raw)) || allow.contains(std::string(canonical)))) {
      if (!later_pass) ++report->allow_listed;
      continue;
    }
    if (rule.op != RedactOperator::kMask) Count(report, f.type, rule.op);
    switch (rule.op) {
      case RedactOperator::kKeep:
        break;
      case RedactOperator::kMask: {
        // Replace only the bytes that change (whole UTF-8 characters), so
        // that the kept characters stay byte for byte as written. A mask that
        // leaves the value as it is (already masked, or a public legal-person
        // USCC) counts as keep.
        size_t pre = 0, suf = 0;
        std::string replacement;
        // A span of more than one value (overlapping candidates covered
        // whole, or findings merged) has no normalized value: masked whole
        // but its punctuation (MaskSpanEdit), because a type's mask keeps
        // characters that may be the other value's.
        const bool changes = f.normalized.empty()
                                 ? MaskSpanEdit(raw, &pre, &suf, &replacement)
                                 : redact_internal::MaskEdit(f.type, raw, f.normalized, &pre, &suf, &replacement);
        Count(report, f.type, changes ? RedactOperator::kMask : RedactOperator::kKeep);
        if (changes) edits->push_back({f.begin + pre, f.end - suf, std::move(replacement)});
        break;
      }
      case RedactOperator::kLabel: {
        int number = 0;
        if (policy.numbered_labels) {
          const uint16_t t = static_cast<uint16_t>(f.type);
          const std::pair<uint64_t, uint64_t> key = ValueKey(t, canonical);
          if (auto it = doc->numbers.find(key); it != doc->numbers.end()) {
            number = static_cast<int>(it->second);
          } else if (doc->numbers.size() < policy.max_numbered_values) {
            number = static_cast<int>(++doc->next[t]);
            doc->numbers.emplace(key, static_cast<uint32_t>(number));
          } else {
            ++report->numbering_capped;  // plain label: the document has too many values
          }
        }
        edits->push_back(
            {f.begin, f.end, redact_internal::MakeLabel(f.type, rule, policy.label_style, number)});
        break;
      }
      case RedactOperator::kHash:
        if (hash_key == nullptr)
          return absl::FailedPreconditionError(absl::StrCat(
              "hash operator for ", std::string(EntityTypeName(f.type)),
              " needs a secret key (RedactorOptions::hash_key_file / --key-file)"));
        edits->push_back({f.begin, f.end, HashValue(hash_key, hash_key_size, f.type, canonical)});
        break;
      case RedactOperator::kToken:
        if (tokenizer == nullptr)
          return absl::FailedPreconditionError(absl::StrCat(
              "token operator for ", std::string(EntityTypeName(f.type)),
              ": no vault configured (use --vault DIR)"));
        to_tokenize[static_cast<uint16_t>(f.type)].push_back({edits->size(), std::string(canonical)});
        edits->push_back({f.begin, f.end, ""});
        break;
      case RedactOperator::kDrop:
        edits->push_back({f.begin, f.end, ""});
        break;
    }
  }
  for (auto& [type, pending] : to_tokenize) {
    std::vector<std::string> values;
    values.reserve(pending.size());
    for (Pending& p : pending) values.push_back(std::move(p.value));
    absl::StatusOr<std::vector<std::string>> tokens =
        tokenizer->TokenizeBatch(static_cast<EntityType>(type), values);
    for (std::string& v : values) sodium_memzero(v.data(), v.size());
    if (!tokens.ok()) return tokens.status();
    if (tokens->size() != pending.size())
      return absl::InternalError(absl::StrCat("tokenizer returned ", tokens->size(), " tokens for ",
                                              pending.size(), " values"));
    for (size_t i = 0; i < pending.size(); ++i)
      (*edits)[pending[i].edit_index].replacement = std::move((*tokens)[i]);
  }
  return absl::OkStatus();
}

absl::StatusOr<std::string> Redactor::Impl::RedactWhole(std::string_view text,
                                                        RedactionReport* report) const {
  PIIVAULT_ASSIGN_OR_RETURN(std::vector<Finding> findings, FindAll(text));
  DocState doc;
  std::vector<Edit> edits;
  PIIVAULT_RETURN_IF_ERROR(Plan(text, findings, &doc, report, &edits));
  std::string out;
  out.reserve(text.size());
  redact_internal::ApplyEdits(text, 0, text.size(), edits, &out);
  // An edit may write what it replaced (a label that equals its value): only
  // a changed text needs another pass.
  if (!ChangesText(text, edits)) return out;
  if (next_pass != nullptr) return next_pass->RedactWhole(out, report);
  if (later_pass) ++report->unsettled;
  return out;
}

// ---------------------------------------------------------------------------

Redactor::Redactor(std::shared_ptr<const Impl> impl) : impl_(std::move(impl)) {}
Redactor::Redactor(Redactor&&) noexcept = default;
Redactor& Redactor::operator=(Redactor&&) noexcept = default;
Redactor::~Redactor() = default;

absl::StatusOr<Redactor> Redactor::Create(const Detector& detector, RedactorOptions options) {
  const Detector* d = &detector;
  // The labels this policy writes, beyond the angle style the detector
  // always knows: a second pass must read them as the values they replaced.
  auto labels = std::make_shared<RedactionLabels>();
  for (EntityType type : AllEntityTypes()) {
    const TypeRule rule = options.policy.RuleFor(type);
    labels->vault_tokens |= rule.op == RedactOperator::kToken && options.tokenizer != nullptr;
    if (rule.op != RedactOperator::kLabel) continue;
    if (!rule.label.empty()) {
      if (std::find(labels->custom.begin(), labels->custom.end(), rule.label) == labels->custom.end())
        labels->custom.push_back(rule.label);
    } else {
      labels->chinese_style |= options.policy.label_style == LabelStyle::kChinese;
    }
  }
  // Covering findings: masking the winner of overlapping candidates must not
  // leave the rest of a loser readable.
  if (!labels->chinese_style && !labels->vault_tokens && labels->custom.empty()) {
    return CreateWithScanner([d](std::string_view text) { return d->ScanCovering(text); },
                             detector.max_finding_bytes(), detector.context_window_bytes(), std::move(options));
  }
  return CreateWithScanner([d, labels](std::string_view text) { return d->ScanCovering(text, *labels); },
                           detector.max_finding_bytes(), detector.context_window_bytes(), std::move(options));
}

absl::StatusOr<Redactor> Redactor::CreateWithScanner(ScanFunction scan, size_t max_finding_bytes,
                                                     size_t context_window_bytes,
                                                     RedactorOptions options) {
  if (!scan) return absl::InvalidArgumentError("scan function is empty");
  if (sodium_init() < 0) return absl::InternalError("libsodium failed to initialise");
  if (options.stream_window_bytes == 0)
    return absl::InvalidArgumentError("stream_window_bytes must be at least 1");
  if (options.policy.settle_passes > kMaxSettlePasses)
    return absl::InvalidArgumentError(
        absl::StrCat("settle_passes must be at most ", kMaxSettlePasses));
  auto impl = std::make_shared<Impl>();
  impl->scan = std::move(scan);
  impl->policy = std::move(options.policy);
  impl->tokenizer = std::move(options.tokenizer);
  impl->window_bytes = options.stream_window_bytes;
  size_t longest_term = 0;
  for (const std::string& t : impl->policy.deny_list) {
    if (t.empty()) return absl::InvalidArgumentError("deny-list terms must not be empty");
    impl->deny.push_back(t);
    longest_term = std::max(longest_term, t.size());
  }
  for (const std::string& v : impl->policy.allow_list) impl->allow.insert(v);
  impl->max_finding_bytes = std::max(max_finding_bytes, longest_term);
  impl->context_bytes = context_window_bytes;
  impl->hold_back = 2 * (impl->max_finding_bytes + impl->context_bytes);
  impl->order_independent = !impl->policy.numbered_labels && impl->tokenizer == nullptr;
  for (size_t i = 0; i < impl->rules.size(); ++i)
    impl->rules[i] = impl->policy.RuleFor(static_cast<EntityType>(i));
  bool needs_key = impl->policy.default_operator == RedactOperator::kHash;
  for (const auto& [type, rule] : impl->policy.rules) needs_key |= rule.op == RedactOperator::kHash;
  if (!options.hash_key_file.empty()) {
    uint8_t* key = nullptr;
    PIIVAULT_RETURN_IF_ERROR(LoadHashKey(options.hash_key_file, &key, &impl->hash_key_size));
    impl->hash_key_owner = std::shared_ptr<uint8_t>(key, [](uint8_t* k) { sodium_free(k); });
    impl->hash_key = key;
  } else if (needs_key) {
    return absl::InvalidArgumentError(
        "the policy uses the hash operator but no key file was given (--key-file)");
  }
  // The later passes, built last to first: copies of this redactor that
  // number no labels (a value the first pass missed gets the plain label, so
  // numbers never depend on how passes interleave in a stream).
  std::shared_ptr<const Impl> next;
  for (uint32_t i = 0; i < impl->policy.settle_passes; ++i) {
    auto pass = std::make_shared<Impl>(*impl);
    pass->later_pass = true;
    pass->policy.numbered_labels = false;
    pass->order_independent = pass->tokenizer == nullptr;
    pass->next_pass = std::move(next);
    next = std::move(pass);
  }
  impl->next_pass = std::move(next);
  return Redactor(std::move(impl));
}

absl::StatusOr<std::string> Redactor::Redact(std::string_view text, RedactionReport* report) const {
  RedactionReport local;
  RedactionReport* r = report != nullptr ? report : &local;
  if (text.size() <= impl_->single_scan_limit) return impl_->RedactWhole(text, r);
  RedactStream stream(*this);
  std::string out;
  out.reserve(text.size());
  PIIVAULT_RETURN_IF_ERROR(stream.Write(text, &out));
  PIIVAULT_RETURN_IF_ERROR(stream.Finish(&out));
  r->Merge(stream.report());
  return out;
}

size_t Redactor::hold_back_bytes() const { return impl_->hold_back; }
const RedactionPolicy& Redactor::policy() const { return impl_->policy; }

// ---------------------------------------------------------------------------
// Streaming. Window k owns input [kW, (k+1)W); it is scanned over
// [kW - H, (k+1)W + H) so that every finding beginning inside it is seen with
// all its bytes and context. Windows depend only on absolute offsets, so the
// chunking of the input cannot change what is found.

namespace {

// Threads that run queued jobs in submission order, each job on whichever
// thread is free (a slow window does not hold up the next one); the owner may
// run queued jobs too (RunOne). Jobs still queued when the pool is destroyed
// are dropped; running ones are waited for.
class TaskPool {
 public:
  explicit TaskPool(int size) {
    for (int i = 0; i < size; ++i) threads_.emplace_back([this] { Loop(); });
  }
  ~TaskPool() {
    {
      std::lock_guard<std::mutex> l(mu_);
      stop_ = true;
      queue_.clear();
    }
    work_cv_.notify_all();
    for (std::thread& t : threads_) t.join();
  }
  TaskPool(const TaskPool&) = delete;
  TaskPool& operator=(const TaskPool&) = delete;

  void Submit(std::function<void()> job) {
    {
      std::lock_guard<std::mutex> l(mu_);
      queue_.push_back(std::move(job));
    }
    work_cv_.notify_one();
  }

  // Runs the oldest queued job on the caller's thread; false if none is queued.
  bool RunOne() {
    std::function<void()> job;
    {
      std::lock_guard<std::mutex> l(mu_);
      if (queue_.empty()) return false;
      job = std::move(queue_.front());
      queue_.pop_front();
    }
    job();
    return true;
  }

  // Sets *flag (under the pool's lock) and wakes Wait().
  void MarkDone(std::atomic<bool>* flag) {
    {
      std::lock_guard<std::mutex> l(mu_);
      flag->store(true, std::memory_order_release);
    }
    done_cv_.notify_all();
  }
  void Wait(const std::atomic<bool>& flag) {
    if (flag.load(std::memory_order_acquire)) return;
    std::unique_lock<std::mutex> l(mu_);
    done_cv_.wait(l, [&] { return flag.load(std::memory_order_acquire); });
  }

 private:
  void Loop() {
    while (true) {
      std::function<void()> job;
      {
        std::unique_lock<std::mutex> l(mu_);
        work_cv_.wait(l, [&] { return stop_ || !queue_.empty(); });
        if (stop_) return;
        job = std::move(queue_.front());
        queue_.pop_front();
      }
      job();
    }
  }

  std::mutex mu_;
  std::condition_variable work_cv_, done_cv_;
  std::deque<std::function<void()>> queue_;
  bool stop_ = false;
  std::vector<std::thread> threads_;
};

}  // namespace

// A pipeline: the caller's thread cuts the input into windows (each with its
// own copy of the bytes it scans, so workers never see the buffer move);
// threads - 1 workers scan them -- and, when the policy allows, plan and
// render them -- while the caller reads the next input, merges finished
// windows in order, and, rather than sleep when the oldest window is not
// done, scans queued ones itself. Up to 2 * threads windows are in flight, so
// a worker that finishes one finds the next waiting while the caller is busy
// with input and output. With one thread everything runs on the caller,
// window by window.
struct RedactStream::State {
  // One window: its scan range [scan_begin, scan_end) and what the scan and
  // (with speculation) the plan produced. Workers fill it; `done` hands it to
  // the caller's thread, which merges windows in order.
  struct WindowWork {
    uint64_t k = 0;
    bool last = false;  // no input follows: it owns everything to the end
    uint64_t scan_begin = 0, scan_end = 0;
    std::string input;  // the bytes [scan_begin, scan_end)
    absl::StatusOr<std::vector<Finding>> found = std::vector<Finding>{};
    // Speculative result: the window planned and rendered on the assumption
    // that the output before it ends at `assumed_start`.
    bool speculated = false;
    uint64_t assumed_start = 0;
    bool owns_any = false;
    uint64_t last_owned_end = 0;
    uint64_t emit_to = 0;
    absl::Status plan_status;
    RedactionReport report;
    bool changes = false;  // the speculative edits change the text
    std::string text;
    // settle_passes: what the speculative text changed (offsets into it),
    // for the next pass; and, in a later pass, that the previous pass
    // changed nothing this window scans, so it cannot change anything
    // either (its findings there are the previous pass's, all kept).
    std::vector<std::pair<uint64_t, uint64_t>> changed;
    bool unchanged_input = false;
    std::atomic<bool> done{false};
  };

  const Redactor::Impl* impl;
  int threads;
  size_t window;
  size_t hold;
  size_t max_in_flight;    // windows cut but not yet merged
  std::string pending;     // input [pending_base, total_in) not yet in a window
  uint64_t pending_base = 0;
  uint64_t total_in = 0;
  uint64_t next_cut = 0;     // index k of the next window to cut
  uint64_t emitted = 0;      // output written for input [0, emitted)
  uint64_t last_end = 0;     // end of the last finding applied
  size_t held = 0;           // input bytes in `pending` and in flight
  size_t peak = 0;
  uint64_t speculation_misses = 0;  // parallel windows redone serially
  bool failed = false;
  bool finished = false;
  bool changed = false;  // some edit of this pass changed the text
  DocState doc;
  RedactionReport report;
  // settle_passes: the next pass, a stream over this one's output (whose
  // output is the stream's), and what this pass wrote for it.
  std::unique_ptr<State> next;
  std::string next_input;
  uint64_t out_total = 0;  // output bytes so far
  std::vector<std::pair<uint64_t, uint64_t>> changed_ranges;  // Merge's scratch
  // In a later pass: the input ranges the previous pass changed (sorted;
  // those before the next window's scan range are dropped).
  std::deque<std::pair<uint64_t, uint64_t>> dirty;
  RedactionReport combined;  // report of all passes, made by report()
  std::deque<std::unique_ptr<WindowWork>> in_flight;  // by k
  std::vector<std::string> spare;                     // input buffers to reuse
  // Last member: destroyed first, so no worker outlives the windows.
  std::unique_ptr<TaskPool> pool;

  ~State() { pool.reset(); }

  // This pass alone, and this pass with the later ones behind it.
  absl::Status WriteOwn(std::string_view chunk, std::string* out);
  absl::Status FinishOwn(std::string* out);
  absl::Status Write(std::string_view chunk, std::string* out);
  absl::Status Finish(std::string* out);

  uint64_t ScanBegin(uint64_t k) const { return k * window >= hold ? k * window - hold : 0; }

  // The findings of window w that it owns, given that the previous windows'
  // findings end at `last_end_in`; offsets made relative to w.scan_begin. A
  // finding that overlaps the previous window's last one is clipped and
  // marked as a fragment.
  std::vector<Finding> Owned(const WindowWork& w, uint64_t last_end_in, uint64_t* last_end_out) const {
    uint64_t core_begin = w.k * window, core_end = (w.k + 1) * window;
    std::vector<Finding> owned;
    uint64_t le = last_end_in;
    for (const Finding& src : *w.found) {
      uint64_t b = src.begin + w.scan_begin, e = src.end + w.scan_begin;
      if (b < core_begin || (!w.last && b >= core_end) || e <= le) continue;
      Finding& f = owned.emplace_back(src);
      if (b < le) {  // disagrees with the previous window: mask the rest, leak nothing
        b = le;
        f.validated_by = redact_internal::kFragment;
      }
      f.begin = b - w.scan_begin;
      f.end = e - w.scan_begin;
      le = e;
    }
    *last_end_out = le;
    return owned;
  }

  // Where window w's output ends, given where its last finding ends: its
  // core, or further if a finding runs past it. scan_end stands for the input
  // size: a window that is not the last has its whole right margin.
  uint64_t EmitTo(const WindowWork& w, uint64_t le) const {
    return w.last ? w.scan_end : std::min<uint64_t>(w.scan_end, std::max<uint64_t>((w.k + 1) * window, le));
  }

  // Scan (and, when speculating, plan + render) of one window; runs on a
  // worker, touching only `w` and const state.
  void Run(WindowWork& w, bool speculate) const {
    if (w.unchanged_input) {
      w.found = std::vector<Finding>{};
    } else {
      w.found = impl->FindAll(w.input);
    }
    if (speculate && w.found.ok()) Speculate(w);
  }

  // Speculative plan + render: assumes the output so far ends where this
  // window's own scan says the previous finding ends (or at the window's
  // start). The merge checks the assumption and redoes the window serially in
  // the rare case it was wrong. Only for policies whose decisions do not
  // depend on earlier windows (no numbered labels, no vault).
  void Speculate(WindowWork& w) const {
    uint64_t start = w.k * window;
    for (const Finding& f : *w.found) {
      uint64_t b = f.begin + w.scan_begin, e = f.end + w.scan_begin;
      if (b >= w.k * window) break;
      start = std::max(start, e);
    }
    uint64_t le = 0;
    std::vector<Finding> owned = Owned(w, start, &le);
    w.speculated = true;
    w.assumed_start = start;
    w.owns_any = !owned.empty();
    w.last_owned_end = le;
    w.emit_to = EmitTo(w, le);
    DocState local_doc;
    std::vector<Edit> edits;
    w.plan_status = impl->Plan(w.input, owned, &local_doc, &w.report, &edits);
    if (!w.plan_status.ok()) return;
    w.changes = redact_internal::ChangesText(w.input, edits);
    if (w.emit_to > start) {
      w.text.reserve(w.emit_to - start + 64);
      if (impl->next_pass != nullptr) {
        redact_internal::ApplyEditsNoting(w.input, start - w.scan_begin, w.emit_to - w.scan_begin, edits, &w.text,
                                          0, &w.changed);
      } else {
        redact_internal::ApplyEdits(w.input, start - w.scan_begin, w.emit_to - w.scan_begin, edits, &w.text);
      }
    }
  }

  // Appends window w's output (its speculation when it holds, else planned
  // here, in order) to *out.
  absl::Status Merge(WindowWork& w, std::string* out) {
    PIIVAULT_RETURN_IF_ERROR(w.found.status());
    if (w.speculated && w.assumed_start == std::max(w.k * window, last_end) && w.assumed_start == emitted) {
      PIIVAULT_RETURN_IF_ERROR(w.plan_status);
      if (next != nullptr)
        for (const auto& [b, e] : w.changed) next->dirty.emplace_back(out_total + b, out_total + e);
      out_total += w.text.size();
      if (out->empty()) {
        out->swap(w.text);  // the usual case (a caller that clears *out): no copy
      } else {
        out->append(w.text);
      }
      report.Merge(w.report);
      changed |= w.changes;
      if (w.owns_any) last_end = w.last_owned_end;
      emitted = w.emit_to;
      return absl::OkStatus();
    }
    if (w.speculated) ++speculation_misses;
    uint64_t le = 0;
    std::vector<Finding> owned = Owned(w, last_end, &le);
    last_end = le;
    std::vector<Edit> edits;
    PIIVAULT_RETURN_IF_ERROR(impl->Plan(w.input, owned, &doc, &report, &edits));
    changed |= redact_internal::ChangesText(w.input, edits);
    uint64_t emit_to = EmitTo(w, last_end);
    const size_t size_before = out->size();
    if (next != nullptr) {
      changed_ranges.clear();
      redact_internal::ApplyEditsNoting(w.input, emitted - w.scan_begin, emit_to - w.scan_begin, edits, out,
                                        out_total, &changed_ranges);
      next->dirty.insert(next->dirty.end(), changed_ranges.begin(), changed_ranges.end());
    } else {
      redact_internal::ApplyEdits(w.input, emitted - w.scan_begin, emit_to - w.scan_begin, edits, out);
    }
    out_total += out->size() - size_before;
    emitted = emit_to;
    return absl::OkStatus();
  }

  // Merges the oldest window in flight, waiting for it if `wait`; false when
  // there is none (or, without `wait`, it is not finished).
  absl::StatusOr<bool> MergeFront(bool wait, std::string* out) {
    if (in_flight.empty()) return false;
    WindowWork& w = *in_flight.front();
    if (wait) {
      // Help rather than sleep: the caller is one of the `threads`.
      while (!w.done.load(std::memory_order_acquire) && pool->RunOne()) {
      }
      pool->Wait(w.done);
    } else if (!w.done.load(std::memory_order_acquire)) {
      return false;
    }
    absl::Status s = Merge(w, out);
    held -= w.input.size();
    spare.push_back(std::move(w.input));
    in_flight.pop_front();
    if (!s.ok()) return s;
    return true;
  }

  // Cuts window next_cut from `pending`, which holds exactly its scan range.
  absl::Status Cut(bool last, std::string* out) {
    auto w = std::make_unique<WindowWork>();
    w->k = next_cut++;
    w->last = last;
    w->scan_begin = pending_base;
    w->scan_end = total_in;
    w->input = std::move(pending);
    // The next window's left margin overlaps this one's right margin.
    const uint64_t next_begin = ScanBegin(next_cut);
    if (impl->later_pass) {
      // (Closed ranges: an edit that wrote nothing changed the text there.)
      w->unchanged_input = true;
      for (const auto& [b, e] : dirty) {
        if (b > w->scan_end) break;
        if (e >= w->scan_begin) {
          w->unchanged_input = false;
          break;
        }
      }
      while (!dirty.empty() && dirty.front().second < next_begin) dirty.pop_front();
    }
    const size_t keep = static_cast<size_t>(total_in - std::min(total_in, std::max(next_begin, pending_base)));
    if (threads == 1) {
      Run(*w, /*speculate=*/false);
      absl::Status s = Merge(*w, out);
      // Reuse the window's buffer for the next one.
      pending = std::move(w->input);
      pending.erase(0, pending.size() - keep);
      pending_base = total_in - keep;
      held = pending.size();
      return s;
    }
    if (spare.empty()) {
      pending.clear();
    } else {
      pending = std::move(spare.back());
      spare.pop_back();
      pending.clear();
    }
    pending.append(w->input, w->input.size() - keep, keep);
    pending_base = total_in - keep;
    held += keep;
    peak = std::max(peak, held);
    if (pool == nullptr) pool = std::make_unique<TaskPool>(threads - 1);
    WindowWork* raw = w.get();
    TaskPool* p = pool.get();  // not `pool`: it is null while the pool is destroyed
    const bool speculate = impl->order_independent;
    in_flight.push_back(std::move(w));
    p->Submit([this, p, raw, speculate] {
      Run(*raw, speculate);
      p->MarkDone(&raw->done);
    });
    // Emit what is ready; make room before the next cut.
    while (true) {
      PIIVAULT_ASSIGN_OR_RETURN(bool merged, MergeFront(in_flight.size() >= max_in_flight, out));
      if (!merged) break;
    }
    return absl::OkStatus();
  }
};

// The state of one pass and, behind it, the later passes'.
std::unique_ptr<RedactStream::State> RedactStream::MakeState(const Redactor::Impl* impl, int threads) {
  auto s = std::make_unique<State>();
  s->impl = impl;
  s->threads = std::max(1, threads);
  s->window = impl->window_bytes;
  s->hold = impl->hold_back;
  s->max_in_flight = s->threads == 1 ? 0 : 2 * static_cast<size_t>(s->threads);
  if (impl->next_pass != nullptr) s->next = MakeState(impl->next_pass.get(), threads);
  return s;
}

RedactStream::RedactStream(const Redactor& redactor, int threads)
    : state_(MakeState(redactor.impl_.get(), threads)) {}

RedactStream::~RedactStream() = default;

absl::Status RedactStream::State::WriteOwn(std::string_view chunk, std::string* out) {
  if (failed || finished) return absl::FailedPreconditionError("stream is finished or failed");
  while (!chunk.empty()) {
    // Input needed before the next window can be scanned: its core and right margin.
    uint64_t target = (next_cut + 1) * window + hold;
    size_t take = static_cast<size_t>(std::min<uint64_t>(chunk.size(), target - total_in));
    pending.append(chunk.substr(0, take));
    total_in += take;
    held += take;
    chunk.remove_prefix(take);
    peak = std::max(peak, held);
    if (total_in == target) {
      if (absl::Status st = Cut(/*last=*/false, out); !st.ok()) {
        failed = true;
        return st;
      }
    }
  }
  return absl::OkStatus();
}

absl::Status RedactStream::State::FinishOwn(std::string* out) {
  if (failed || finished) return absl::FailedPreconditionError("stream is finished or failed");
  finished = true;
  absl::Status st;
  // The remaining windows: each scans to the end of the input.
  while (st.ok() && next_cut * window < total_in)
    st = Cut(/*last=*/(next_cut + 1) * window >= total_in, out);
  while (st.ok()) {
    absl::StatusOr<bool> merged = MergeFront(/*wait=*/true, out);
    if (!merged.ok()) st = merged.status();
    if (!merged.ok() || !*merged) break;
  }
  if (!st.ok()) failed = true;
  // The last allowed pass still changed the text: it may not be a fixed point.
  if (st.ok() && changed && impl->later_pass && next == nullptr) ++report.unsettled;
  return st;
}

absl::Status RedactStream::State::Write(std::string_view chunk, std::string* out) {
  if (next == nullptr) return WriteOwn(chunk, out);
  next_input.clear();
  PIIVAULT_RETURN_IF_ERROR(WriteOwn(chunk, &next_input));
  return next->Write(next_input, out);
}

absl::Status RedactStream::State::Finish(std::string* out) {
  if (next == nullptr) return FinishOwn(out);
  next_input.clear();
  PIIVAULT_RETURN_IF_ERROR(FinishOwn(&next_input));
  // The rest of this pass's output goes to the next pass, which then ends.
  PIIVAULT_RETURN_IF_ERROR(next->Write(next_input, out));
  return next->Finish(out);
}

absl::Status RedactStream::Write(std::string_view chunk, std::string* out) {
  return state_->Write(chunk, out);
}

absl::Status RedactStream::Finish(std::string* out) { return state_->Finish(out); }

const RedactionReport& RedactStream::report() const {
  State& first = *state_;
  if (first.next == nullptr) return first.report;
  first.combined = first.report;
  for (const State* s = first.next.get(); s != nullptr; s = s->next.get()) first.combined.Merge(s->report);
  return first.combined;
}
uint64_t RedactStream::bytes_in() const { return state_->total_in; }
// The passes' buffers (and, between passes, the output handed on) add up.
size_t RedactStream::buffered_bytes() const {
  size_t n = 0;
  for (const State* s = state_.get(); s != nullptr; s = s->next.get()) n += s->held;
  return n;
}
size_t RedactStream::peak_buffered_bytes() const {
  size_t n = 0;
  for (const State* s = state_.get(); s != nullptr; s = s->next.get()) n += s->peak;
  return n;
}
size_t RedactStream::numbered_values() const { return state_->doc.numbers.size(); }
size_t RedactStream::max_buffered_bytes() const {
  size_t n = 0;
  for (const State* s = state_.get(); s != nullptr; s = s->next.get())
    n += (s->max_in_flight + 1) * (s->window + 2 * s->hold);
  return n;
}

}  // namespace piivault
