// C ABI: redactor options, redactor, whole-buffer and streaming redaction.
#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "capi/internal.h"
#include "piivault/piivault.h"
#include "piivault/redactor.h"

using piivault::capi::Guard;
using piivault::capi::NullArgument;

static_assert(PIIVAULT_OPERATOR_KEEP == static_cast<int>(piivault::RedactOperator::kKeep));
static_assert(PIIVAULT_OPERATOR_MASK == static_cast<int>(piivault::RedactOperator::kMask));
static_assert(PIIVAULT_OPERATOR_LABEL == static_cast<int>(piivault::RedactOperator::kLabel));
static_assert(PIIVAULT_OPERATOR_HASH == static_cast<int>(piivault::RedactOperator::kHash));
static_assert(PIIVAULT_OPERATOR_TOKEN == static_cast<int>(piivault::RedactOperator::kToken));
static_assert(PIIVAULT_OPERATOR_DROP == static_cast<int>(piivault::RedactOperator::kDrop));
static_assert(PIIVAULT_OPERATOR_COUNT == piivault::kRedactOperatorCount);

// A stream and the redactor it needs; `state` guards the call order that
// RedactStream leaves to its caller (nothing after an error or Finish).
struct piivault_redact_stream {
  enum class State { kOpen, kFailed, kFinished };
  std::shared_ptr<const piivault::capi::RedactorHolder> holder;
  std::unique_ptr<piivault::RedactStream> stream;
  State state = State::kOpen;
};

namespace {

// v2 is v1 with fields appended: the shared fields sit at the same offsets.
static_assert(offsetof(piivault_redaction_report_v2, redacted) ==
              offsetof(piivault_redaction_report, redacted));
static_assert(offsetof(piivault_redaction_report_v2, below_threshold) ==
              offsetof(piivault_redaction_report, below_threshold));
static_assert(offsetof(piivault_redaction_report_v2, allow_listed) ==
              offsetof(piivault_redaction_report, allow_listed));
static_assert(offsetof(piivault_redaction_report_v2, by_operator) ==
              offsetof(piivault_redaction_report, by_operator));
static_assert(offsetof(piivault_redaction_report_v2, numbering_capped) ==
              sizeof(piivault_redaction_report));
// v3 is v2 with fields appended.
static_assert(offsetof(piivault_redaction_report_v3, numbering_capped) ==
              offsetof(piivault_redaction_report_v2, numbering_capped));
static_assert(offsetof(piivault_redaction_report_v3, settled) == sizeof(piivault_redaction_report_v2));

// Writes exactly sizeof(Report) bytes: a caller built against the frozen v1
// struct never gets the v2 fields written past its end.
template <typename Report>
void FillReport(const piivault::RedactionReport& from, Report* to) {
  if (to == nullptr) return;
  *to = Report{};
  to->redacted = from.Redacted();
  to->below_threshold = from.below_threshold;
  to->allow_listed = from.allow_listed;
  for (int op = 0; op < PIIVAULT_OPERATOR_COUNT; ++op) {
    to->by_operator[op] = from.Total(static_cast<piivault::RedactOperator>(op));
  }
  if constexpr (std::is_same_v<Report, piivault_redaction_report_v2> ||
                std::is_same_v<Report, piivault_redaction_report_v3>) {
    to->numbering_capped = from.numbering_capped;
  }
  if constexpr (std::is_same_v<Report, piivault_redaction_report_v3>) {
    to->settled = from.settled;
    to->unsettled = from.unsettled;
  }
}

absl::Status CheckOutputs(const char* fn, char** out, size_t* out_len) {
  if (out != nullptr) *out = nullptr;
  if (out_len != nullptr) *out_len = 0;
  if (out == nullptr) return NullArgument(fn, "out");
  if (out_len == nullptr) return NullArgument(fn, "out_len");
  return absl::OkStatus();
}

// Gives `text` to the caller and wipes the C++ copy (it may hold values
// under the keep operator).
absl::Status HandOver(std::string& text, char** out, size_t* out_len) {
  absl::Status s = piivault::capi::ReturnBuffer(text, out, out_len);
  piivault::capi::Wipe(text);
  return s;
}

}  // namespace

extern "C" {

int piivault_redactor_options_create(piivault_redactor_options** out) {
  return Guard([&]() -> absl::Status {
    if (out == nullptr) return NullArgument("piivault_redactor_options_create", "out");
    *out = nullptr;
    *out = new piivault_redactor_options();
    return absl::OkStatus();
  });
}

void piivault_redactor_options_free(piivault_redactor_options* options) { delete options; }

int piivault_redactor_options_set_policy_file(piivault_redactor_options* options,
                                              const char* path) {
  return Guard([&]() -> absl::Status {
    constexpr char kFn[] = "piivault_redactor_options_set_policy_file";
    if (options == nullptr) return NullArgument(kFn, "options");
    if (path == nullptr) return NullArgument(kFn, "path");
    absl::StatusOr<piivault::RedactionPolicy> policy =
        piivault::RedactionPolicy::LoadFile(path);
    if (!policy.ok()) return policy.status();
    options->options.policy = *std::move(policy);
    return absl::OkStatus();
  });
}

int piivault_redactor_options_set_policy_toml(piivault_redactor_options* options,
                                              const char* toml, size_t toml_len,
                                              const char* source_name) {
  return Guard([&]() -> absl::Status {
    constexpr char kFn[] = "piivault_redactor_options_set_policy_toml";
    if (options == nullptr) return NullArgument(kFn, "options");
    std::string_view text;
    if (absl::Status s = piivault::capi::InputView(kFn, "toml", toml, toml_len, &text); !s.ok()) {
      return s;
    }
    absl::StatusOr<piivault::RedactionPolicy> policy = piivault::RedactionPolicy::Parse(
        text, source_name != nullptr ? source_name : "<policy>");
    if (!policy.ok()) return policy.status();
    options->options.policy = *std::move(policy);
    return absl::OkStatus();
  });
}

int piivault_redactor_options_set_hash_key_file(piivault_redactor_options* options,
                                                const char* path) {
  return Guard([&]() -> absl::Status {
    constexpr char kFn[] = "piivault_redactor_options_set_hash_key_file";
    if (options == nullptr) return NullArgument(kFn, "options");
    if (path == nullptr) return NullArgument(kFn, "path");
    options->options.hash_key_file = path;
    return absl::OkStatus();
  });
}

int piivault_redactor_options_set_vault(piivault_redactor_options* options,
                                        piivault_vault* vault, const char* principal) {
  return Guard([&]() -> absl::Status {
    if (options == nullptr) {
      return NullArgument("piivault_redactor_options_set_vault", "options");
    }
    options->vault = vault != nullptr ? vault->vault : nullptr;
    options->vault_principal = principal != nullptr ? principal : "piivault-redact";
    return absl::OkStatus();
  });
}

int piivault_redactor_options_set_stream_window_bytes(piivault_redactor_options* options,
                                                      size_t window_bytes) {
  return Guard([&]() -> absl::Status {
    constexpr char kFn[] = "piivault_redactor_options_set_stream_window_bytes";
    if (options == nullptr) return NullArgument(kFn, "options");
    if (window_bytes == 0) {
      return absl::InvalidArgumentError(absl::StrCat(kFn, ": window_bytes must be >= 1"));
    }
    options->options.stream_window_bytes = window_bytes;
    return absl::OkStatus();
  });
}

int piivault_redactor_create(const piivault_detector* detector,
                             const piivault_redactor_options* options,
                             piivault_redactor** out) {
  return Guard([&]() -> absl::Status {
    constexpr char kFn[] = "piivault_redactor_create";
    if (out == nullptr) return NullArgument(kFn, "out");
    *out = nullptr;
    if (detector == nullptr) return NullArgument(kFn, "detector");
    piivault::RedactorOptions cxx_options;
    if (options != nullptr) {
      cxx_options = options->options;
      if (options->vault != nullptr) {
        cxx_options.tokenizer =
            piivault::MakeVaultTokenizer(options->vault, options->vault_principal);
      }
    }
    absl::StatusOr<piivault::Redactor> redactor =
        piivault::Redactor::Create(*detector->detector, std::move(cxx_options));
    if (!redactor.ok()) return redactor.status();
    auto handle = std::make_unique<piivault_redactor>();
    handle->holder = std::make_shared<const piivault::capi::RedactorHolder>(
        piivault::capi::RedactorHolder{detector->detector, *std::move(redactor)});
    *out = handle.release();
    return absl::OkStatus();
  });
}

void piivault_redactor_free(piivault_redactor* redactor) { delete redactor; }

}  // extern "C"

namespace {

template <typename Report>
int Redact(const char* kFn, const piivault_redactor* redactor, const char* text, size_t text_len,
           char** out, size_t* out_len, Report* report) {
  return Guard([&]() -> absl::Status {
    if (absl::Status s = CheckOutputs(kFn, out, out_len); !s.ok()) return s;
    if (redactor == nullptr) return NullArgument(kFn, "redactor");
    std::string_view view;
    if (absl::Status s = piivault::capi::InputView(kFn, "text", text, text_len, &view); !s.ok()) {
      return s;
    }
    piivault::RedactionReport cxx_report;
    absl::StatusOr<std::string> redacted = redactor->holder->redactor.Redact(view, &cxx_report);
    if (!redacted.ok()) return redacted.status();
    if (absl::Status s = HandOver(*redacted, out, out_len); !s.ok()) return s;
    FillReport(cxx_report, report);
    return absl::OkStatus();
  });
}

template <typename Report>
int RedactJsonRecord(const char* kFn, const piivault_redactor* redactor, const char* record,
                     size_t record_len, const char* const* fields, size_t field_count, char** out,
                     size_t* out_len, Report* report) {
  return Guard([&]() -> absl::Status {
    if (absl::Status s = CheckOutputs(kFn, out, out_len); !s.ok()) return s;
    if (redactor == nullptr) return NullArgument(kFn, "redactor");
    std::string_view view;
    if (absl::Status s = piivault::capi::InputView(kFn, "record", record, record_len, &view);
        !s.ok()) {
      return s;
    }
    if (fields == nullptr && field_count != 0) return NullArgument(kFn, "fields");
    std::vector<std::string> paths;
    paths.reserve(field_count);
    for (size_t i = 0; i < field_count; ++i) {
      if (fields[i] == nullptr) {
        return absl::InvalidArgumentError(absl::StrCat(kFn, ": fields[", i, "] is NULL"));
      }
      paths.emplace_back(fields[i]);
      if (absl::Status s = piivault::Redactor::ValidateFieldPath(paths.back()); !s.ok()) return s;
    }
    piivault::RedactionReport cxx_report;
    absl::StatusOr<std::string> redacted =
        redactor->holder->redactor.RedactJsonRecord(view, paths, &cxx_report);
    if (!redacted.ok()) return redacted.status();
    if (absl::Status s = HandOver(*redacted, out, out_len); !s.ok()) return s;
    FillReport(cxx_report, report);
    return absl::OkStatus();
  });
}

// A stream takes writes and a finish only until it has failed or finished.
absl::Status CheckOpen(const char* fn, const piivault_redact_stream& stream) {
  if (stream.state == piivault_redact_stream::State::kOpen) return absl::OkStatus();
  return absl::FailedPreconditionError(absl::StrCat(
      fn, ": the stream ",
      stream.state == piivault_redact_stream::State::kFailed ? "failed earlier" : "is already finished"));
}

template <typename Report>
int RedactStreamFinish(const char* kFn, piivault_redact_stream* stream, char** out,
                       size_t* out_len, Report* report) {
  return Guard([&]() -> absl::Status {
    if (absl::Status s = CheckOutputs(kFn, out, out_len); !s.ok()) return s;
    if (stream == nullptr) return NullArgument(kFn, "stream");
    if (absl::Status open = CheckOpen(kFn, *stream); !open.ok()) return open;
    std::string output;
    absl::Status s = stream->stream->Finish(&output);
    stream->state = s.ok() ? piivault_redact_stream::State::kFinished
                           : piivault_redact_stream::State::kFailed;
    if (!s.ok()) {
      piivault::capi::Wipe(output);
      return s;
    }
    if (absl::Status h = HandOver(output, out, out_len); !h.ok()) return h;
    FillReport(stream->stream->report(), report);
    return absl::OkStatus();
  });
}

}  // namespace

extern "C" {

int piivault_redact(const piivault_redactor* redactor, const char* text, size_t text_len,
                    char** out, size_t* out_len, piivault_redaction_report* report) {
  return Redact("piivault_redact", redactor, text, text_len, out, out_len, report);
}

int piivault_redact_v2(const piivault_redactor* redactor, const char* text, size_t text_len,
                       char** out, size_t* out_len, piivault_redaction_report_v2* report) {
  return Redact("piivault_redact_v2", redactor, text, text_len, out, out_len, report);
}

int piivault_redact_v3(const piivault_redactor* redactor, const char* text, size_t text_len,
                       char** out, size_t* out_len, piivault_redaction_report_v3* report) {
  return Redact("piivault_redact_v3", redactor, text, text_len, out, out_len, report);
}

int piivault_redact_json_record(const piivault_redactor* redactor, const char* record,
                                size_t record_len, const char* const* fields,
                                size_t field_count, char** out, size_t* out_len,
                                piivault_redaction_report* report) {
  return RedactJsonRecord("piivault_redact_json_record", redactor, record, record_len, fields,
                          field_count, out, out_len, report);
}

int piivault_redact_json_record_v2(const piivault_redactor* redactor, const char* record,
                                   size_t record_len, const char* const* fields,
                                   size_t field_count, char** out, size_t* out_len,
                                   piivault_redaction_report_v2* report) {
  return RedactJsonRecord("piivault_redact_json_record_v2", redactor, record, record_len, fields,
                          field_count, out, out_len, report);
}

int piivault_redact_json_record_v3(const piivault_redactor* redactor, const char* record,
                                   size_t record_len, const char* const* fields,
                                   size_t field_count, char** out, size_t* out_len,
                                   piivault_redaction_report_v3* report) {
  return RedactJsonRecord("piivault_redact_json_record_v3", redactor, record, record_len, fields,
                          field_count, out, out_len, report);
}

int piivault_redact_stream_create(const piivault_redactor* redactor, int threads,
                                  piivault_redact_stream** out) {
  return Guard([&]() -> absl::Status {
    constexpr char kFn[] = "piivault_redact_stream_create";
    if (out == nullptr) return NullArgument(kFn, "out");
    *out = nullptr;
    if (redactor == nullptr) return NullArgument(kFn, "redactor");
    constexpr int kMaxThreads = 256;
    if (threads < 1 || threads > kMaxThreads) {
      return absl::InvalidArgumentError(
          absl::StrCat(kFn, ": threads is ", threads, "; must be 1..", kMaxThreads));
    }
    auto handle = std::make_unique<piivault_redact_stream>();
    handle->holder = redactor->holder;
    handle->stream = std::make_unique<piivault::RedactStream>(handle->holder->redactor, threads);
    *out = handle.release();
    return absl::OkStatus();
  });
}

int piivault_redact_stream_write(piivault_redact_stream* stream, const char* chunk,
                                 size_t chunk_len, char** out, size_t* out_len) {
  return Guard([&]() -> absl::Status {
    constexpr char kFn[] = "piivault_redact_stream_write";
    if (absl::Status s = CheckOutputs(kFn, out, out_len); !s.ok()) return s;
    if (stream == nullptr) return NullArgument(kFn, "stream");
    std::string_view view;
    if (absl::Status s = piivault::capi::InputView(kFn, "chunk", chunk, chunk_len, &view);
        !s.ok()) {
      return s;
    }
    if (absl::Status open = CheckOpen(kFn, *stream); !open.ok()) return open;
    std::string output;
    if (absl::Status s = stream->stream->Write(view, &output); !s.ok()) {
      stream->state = piivault_redact_stream::State::kFailed;
      piivault::capi::Wipe(output);
      return s;
    }
    return HandOver(output, out, out_len);
  });
}

int piivault_redact_stream_finish(piivault_redact_stream* stream, char** out, size_t* out_len,
                                  piivault_redaction_report* report) {
  return RedactStreamFinish("piivault_redact_stream_finish", stream, out, out_len, report);
}

int piivault_redact_stream_finish_v2(piivault_redact_stream* stream, char** out,
                                     size_t* out_len, piivault_redaction_report_v2* report) {
  return RedactStreamFinish("piivault_redact_stream_finish_v2", stream, out, out_len, report);
}

int piivault_redact_stream_finish_v3(piivault_redact_stream* stream, char** out,
                                     size_t* out_len, piivault_redaction_report_v3* report) {
  return RedactStreamFinish("piivault_redact_stream_finish_v3", stream, out, out_len, report);
}

void piivault_redact_stream_free(piivault_redact_stream* stream) { delete stream; }

}  // extern "C"
