// C ABI: version, status codes, the thread-local last error, buffers.
#include <sodium.h>

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "capi/internal.h"
#include "piivault/piivault.h"

// The header's version macros must follow project(VERSION) in CMakeLists.txt.
#ifdef PIIVAULT_PROJECT_VERSION
static_assert(std::string_view(PIIVAULT_PROJECT_VERSION) == PIIVAULT_VERSION_STRING,
              "include/piivault/piivault.h PIIVAULT_VERSION_* != project(VERSION)");
#endif
static_assert(PIIVAULT_VERSION_NUMBER ==
              PIIVAULT_VERSION_MAJOR * 10000 + PIIVAULT_VERSION_MINOR * 100 +
                  PIIVAULT_VERSION_PATCH);

// The C codes are absl::StatusCode's numbers.
static_assert(PIIVAULT_INVALID_ARGUMENT == static_cast<int>(absl::StatusCode::kInvalidArgument));
static_assert(PIIVAULT_NOT_FOUND == static_cast<int>(absl::StatusCode::kNotFound));
static_assert(PIIVAULT_PERMISSION_DENIED == static_cast<int>(absl::StatusCode::kPermissionDenied));
static_assert(PIIVAULT_RESOURCE_EXHAUSTED ==
              static_cast<int>(absl::StatusCode::kResourceExhausted));
static_assert(PIIVAULT_FAILED_PRECONDITION ==
              static_cast<int>(absl::StatusCode::kFailedPrecondition));
static_assert(PIIVAULT_INTERNAL == static_cast<int>(absl::StatusCode::kInternal));
static_assert(PIIVAULT_DATA_LOSS == static_cast<int>(absl::StatusCode::kDataLoss));
static_assert(PIIVAULT_UNAUTHENTICATED == static_cast<int>(absl::StatusCode::kUnauthenticated));

namespace piivault::capi {
namespace {

// Long enough for a pattern-file path and line; longer messages are cut.
constexpr size_t kMaxMessageBytes = 1024;
thread_local char last_error[kMaxMessageBytes] = "";

void StoreMessage(std::string_view message) noexcept {
  size_t n = std::min(message.size(), kMaxMessageBytes - 1);
  // Don't cut a UTF-8 sequence in half.
  if (n < message.size()) {
    while (n > 0 && (static_cast<unsigned char>(message[n]) & 0xC0) == 0x80) --n;
  }
  std::memcpy(last_error, message.data(), n);
  last_error[n] = '\0';
}

struct alignas(std::max_align_t) BlockHeader {
  size_t payload_bytes;
  uint64_t magic;
};
constexpr uint64_t kBlockMagic = 0x7069697661756c74;  // "piivault"

}  // namespace

int SetLastError(const absl::Status& status) noexcept {
  if (status.ok()) {
    last_error[0] = '\0';
    return PIIVAULT_OK;
  }
  const absl::string_view message = status.message();
  StoreMessage(message.empty() ? std::string_view("(no message)")
                               : std::string_view(message.data(), message.size()));
  return static_cast<int>(status.code());
}

int SetLastError(int code, const char* message) noexcept {
  StoreMessage(code == PIIVAULT_OK ? std::string_view() : std::string_view(message));
  return code;
}

absl::Status NullArgument(const char* function, const char* what) {
  return absl::InvalidArgumentError(absl::StrCat(function, ": ", what, " is NULL"));
}

absl::Status InputView(const char* function, const char* what, const char* data, size_t len,
                       std::string_view* view) {
  if (data == nullptr && len != 0) {
    return absl::InvalidArgumentError(
        absl::StrCat(function, ": ", what, " is NULL but its length is ", len));
  }
  *view = data == nullptr ? std::string_view() : std::string_view(data, len);
  return absl::OkStatus();
}

void* AllocBlock(size_t payload_bytes) noexcept {
  if (payload_bytes > std::numeric_limits<size_t>::max() - sizeof(BlockHeader)) return nullptr;
  void* raw = std::malloc(sizeof(BlockHeader) + payload_bytes);
  if (raw == nullptr) return nullptr;
  auto* header = static_cast<BlockHeader*>(raw);
  header->payload_bytes = payload_bytes;
  header->magic = kBlockMagic;
  return header + 1;
}

void FreeBlock(void* payload) noexcept {
  if (payload == nullptr) return;
  BlockHeader* header = static_cast<BlockHeader*>(payload) - 1;
  if (header->magic != kBlockMagic) std::abort();  // not ours, or freed twice
  sodium_memzero(payload, header->payload_bytes);
  sodium_memzero(header, sizeof(*header));
  std::free(header);
}

bool BlockWriter::Allocate() {
  if (string_bytes_ > std::numeric_limits<size_t>::max() - head_bytes_) return false;
  block_ = AllocBlock(head_bytes_ + string_bytes_);
  if (block_ != nullptr && head_bytes_ > 0) std::memset(block_, 0, head_bytes_);
  return block_ != nullptr;
}

const char* BlockWriter::Copy(std::string_view s) {
  char* dst = static_cast<char*>(block_) + head_bytes_ + used_;
  if (!s.empty()) std::memcpy(dst, s.data(), s.size());
  dst[s.size()] = '\0';
  used_ += s.size() + 1;
  return dst;
}

char* CopyToBuffer(std::string_view text) noexcept {
  if (text.size() == std::numeric_limits<size_t>::max()) return nullptr;
  char* buffer = static_cast<char*>(AllocBlock(text.size() + 1));
  if (buffer == nullptr) return nullptr;
  if (!text.empty()) std::memcpy(buffer, text.data(), text.size());
  buffer[text.size()] = '\0';
  return buffer;
}

absl::Status ReturnBuffer(std::string_view text, char** out, size_t* out_len) {
  char* buffer = CopyToBuffer(text);
  if (buffer == nullptr) {
    return absl::ResourceExhaustedError(
        absl::StrCat("out of memory allocating a ", text.size(), "-byte output buffer"));
  }
  *out = buffer;
  *out_len = text.size();
  return absl::OkStatus();
}

void Wipe(std::string& s) noexcept {
  if (!s.empty()) sodium_memzero(s.data(), s.size());
}

}  // namespace piivault::capi

extern "C" {

const char* piivault_version(void) { return PIIVAULT_VERSION_STRING; }
int piivault_version_number(void) { return PIIVAULT_VERSION_NUMBER; }
int piivault_abi_version(void) { return PIIVAULT_ABI_VERSION; }

const char* piivault_status_name(int code) {
  switch (code) {
    case PIIVAULT_OK: return "OK";
    case PIIVAULT_CANCELLED: return "CANCELLED";
    case PIIVAULT_UNKNOWN: return "UNKNOWN";
    case PIIVAULT_INVALID_ARGUMENT: return "INVALID_ARGUMENT";
    case PIIVAULT_DEADLINE_EXCEEDED: return "DEADLINE_EXCEEDED";
    case PIIVAULT_NOT_FOUND: return "NOT_FOUND";
    case PIIVAULT_ALREADY_EXISTS: return "ALREADY_EXISTS";
    case PIIVAULT_PERMISSION_DENIED: return "PERMISSION_DENIED";
    case PIIVAULT_RESOURCE_EXHAUSTED: return "RESOURCE_EXHAUSTED";
    case PIIVAULT_FAILED_PRECONDITION: return "FAILED_PRECONDITION";
    case PIIVAULT_ABORTED: return "ABORTED";
    case PIIVAULT_OUT_OF_RANGE: return "OUT_OF_RANGE";
    case PIIVAULT_UNIMPLEMENTED: return "UNIMPLEMENTED";
    case PIIVAULT_INTERNAL: return "INTERNAL";
    case PIIVAULT_UNAVAILABLE: return "UNAVAILABLE";
    case PIIVAULT_DATA_LOSS: return "DATA_LOSS";
    case PIIVAULT_UNAUTHENTICATED: return "UNAUTHENTICATED";
    default: return "UNKNOWN_CODE";
  }
}

const char* piivault_last_error(void) { return piivault::capi::last_error; }

void piivault_buffer_free(char* buffer) { piivault::capi::FreeBlock(buffer); }

}  // extern "C"
