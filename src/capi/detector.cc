// C ABI: detector options, detector, scan.
#include <cstring>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "capi/internal.h"
#include "piivault/detector.h"
#include "piivault/entity_type.h"
#include "piivault/piivault.h"

using piivault::capi::Guard;
using piivault::capi::NullArgument;

extern "C" {

int piivault_detector_options_create(piivault_detector_options** out) {
  return Guard([&]() -> absl::Status {
    if (out == nullptr) return NullArgument("piivault_detector_options_create", "out");
    *out = nullptr;
    *out = new piivault_detector_options();
    return absl::OkStatus();
  });
}

void piivault_detector_options_free(piivault_detector_options* options) { delete options; }

int piivault_detector_options_set_builtin_patterns(piivault_detector_options* options,
                                                   int enabled) {
  return Guard([&]() -> absl::Status {
    if (options == nullptr) {
      return NullArgument("piivault_detector_options_set_builtin_patterns", "options");
    }
    options->options.use_builtin_patterns = enabled != 0;
    return absl::OkStatus();
  });
}

int piivault_detector_options_add_pattern_file(piivault_detector_options* options,
                                               const char* path) {
  return Guard([&]() -> absl::Status {
    constexpr char kFn[] = "piivault_detector_options_add_pattern_file";
    if (options == nullptr) return NullArgument(kFn, "options");
    if (path == nullptr) return NullArgument(kFn, "path");
    options->options.pattern_files.emplace_back(path);
    return absl::OkStatus();
  });
}

int piivault_detector_options_add_type(piivault_detector_options* options,
                                       const char* type_name) {
  return Guard([&]() -> absl::Status {
    constexpr char kFn[] = "piivault_detector_options_add_type";
    if (options == nullptr) return NullArgument(kFn, "options");
    if (type_name == nullptr) return NullArgument(kFn, "type_name");
    std::optional<piivault::EntityType> type = piivault::ParseEntityType(type_name);
    if (!type.has_value() || *type == piivault::EntityType::kUnknown) {
      return absl::InvalidArgumentError(
          absl::StrCat(kFn, ": unknown entity type name (", std::strlen(type_name),
                       " bytes); names are upper case, e.g. CN_MOBILE"));
    }
    options->options.types.push_back(*type);
    return absl::OkStatus();
  });
}

int piivault_detector_options_set_min_confidence(piivault_detector_options* options,
                                                 float min_confidence) {
  return Guard([&]() -> absl::Status {
    constexpr char kFn[] = "piivault_detector_options_set_min_confidence";
    if (options == nullptr) return NullArgument(kFn, "options");
    if (!(min_confidence >= 0.0f && min_confidence <= 1.0f)) {  // NaN fails too
      return absl::InvalidArgumentError(
          absl::StrCat(kFn, ": min_confidence ", min_confidence, " is not in [0, 1]"));
    }
    options->options.min_confidence = min_confidence;
    return absl::OkStatus();
  });
}

int piivault_detector_options_set_max_input_bytes(piivault_detector_options* options,
                                                  size_t max_input_bytes) {
  return Guard([&]() -> absl::Status {
    if (options == nullptr) {
      return NullArgument("piivault_detector_options_set_max_input_bytes", "options");
    }
    options->options.max_input_bytes = max_input_bytes;
    return absl::OkStatus();
  });
}

int piivault_detector_create(const piivault_detector_options* options,
                             piivault_detector** out) {
  return Guard([&]() -> absl::Status {
    if (out == nullptr) return NullArgument("piivault_detector_create", "out");
    *out = nullptr;
    const piivault::DetectorOptions defaults;
    absl::StatusOr<piivault::Detector> detector =
        piivault::Detector::Create(options != nullptr ? options->options : defaults);
    if (!detector.ok()) return detector.status();
    auto handle = std::make_unique<piivault_detector>();
    handle->detector = std::make_shared<const piivault::Detector>(*std::move(detector));
    *out = handle.release();
    return absl::OkStatus();
  });
}

void piivault_detector_free(piivault_detector* detector) { delete detector; }

int piivault_detector_scan(const piivault_detector* detector, const char* text,
                           size_t text_len, piivault_finding** findings, size_t* count) {
  return Guard([&]() -> absl::Status {
    constexpr char kFn[] = "piivault_detector_scan";
    if (findings != nullptr) *findings = nullptr;
    if (count != nullptr) *count = 0;
    if (detector == nullptr) return NullArgument(kFn, "detector");
    if (findings == nullptr) return NullArgument(kFn, "findings");
    if (count == nullptr) return NullArgument(kFn, "count");
    std::string_view view;
    if (absl::Status s = piivault::capi::InputView(kFn, "text", text, text_len, &view); !s.ok()) {
      return s;
    }
    absl::StatusOr<std::vector<piivault::Finding>> found = detector->detector->Scan(view);
    if (!found.ok()) return found.status();
    if (found->empty()) return absl::OkStatus();

    piivault::capi::BlockWriter block(found->size() * sizeof(piivault_finding));
    for (const piivault::Finding& f : *found) {
      block.Reserve(piivault::EntityTypeName(f.type));
      block.Reserve(f.normalized);
      block.Reserve(f.validated_by);
      block.Reserve(piivault::EntityTypeName(f.masked_as));
    }
    if (!block.Allocate()) {
      return absl::ResourceExhaustedError(
          absl::StrCat(kFn, ": out of memory for ", found->size(), " findings"));
    }
    auto* array = static_cast<piivault_finding*>(block.head());
    for (size_t i = 0; i < found->size(); ++i) {
      piivault::Finding& f = (*found)[i];
      array[i].type = block.Copy(piivault::EntityTypeName(f.type));
      array[i].begin = f.begin;
      array[i].end = f.end;
      array[i].confidence = f.confidence;
      array[i].normalized = block.Copy(f.normalized);
      array[i].normalized_len = f.normalized.size();
      array[i].validated_by = block.Copy(f.validated_by);
      array[i].masked_as = block.Copy(piivault::EntityTypeName(f.masked_as));
      piivault::capi::Wipe(f.normalized);
    }
    *count = found->size();
    *findings = static_cast<piivault_finding*>(block.Release());
    return absl::OkStatus();
  });
}

void piivault_findings_free(piivault_finding* findings) { piivault::capi::FreeBlock(findings); }

}  // extern "C"
