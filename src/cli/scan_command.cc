// `piivault scan`: find personal data in plain text or JSON Lines and print
// one JSON line of spans per input record.
//
//   piivault scan examples/transcript.txt
//   piivault scan --jsonl --field message.body --field 'replies[].text' chat.jsonl
//   cat transcript.txt | piivault scan --types CN_MOBILE,CN_RESIDENT_ID --threshold 0.8
//
// Output, one line per file (plain text) or per non-blank input line (JSONL):
//   {"spans":[{"start":12,"end":30,"type":"CN_RESIDENT_ID","confidence":0.99}]}
// Offsets are bytes into the record's text: the file's bytes, or the decoded
// UTF-8 string value of the JSON field. Extra keys: "file" when inputs are
// named files, "line" (1-based) for JSONL records, "field" on each span when
// several fields (or an array path) are scanned, "masked_as" on MASKED spans,
// and "value" only with --show-values. Error messages name files, line
// numbers and field paths, never the input's content.
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iostream>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "CLI/CLI.hpp"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "cli/cli.h"
#include "common/file_util.h"
#include "common/status_macros.h"
#include "piivault/detector.h"
#include "piivault/entity_type.h"
#include "simdjson.h"

namespace piivault::cli {
namespace {

struct ScanFlags {
  std::vector<std::string> inputs;
  bool jsonl = false;
  std::vector<std::string> fields;
  float threshold = DetectorOptions{}.min_confidence;
  std::string types;
  std::vector<std::string> pattern_files;
  bool show_values = false;
};

// Splits on `sep` (std::string_view; Debian's Abseil splits absl::string_view).
std::vector<std::string_view> Split(std::string_view s, char sep) {
  std::vector<std::string_view> parts;
  size_t start = 0;
  while (true) {
    const size_t pos = s.find(sep, start);
    parts.push_back(s.substr(start, pos == std::string_view::npos
                                        ? std::string_view::npos
                                        : pos - start));
    if (pos == std::string_view::npos) break;
    start = pos + 1;
  }
  return parts;
}

std::string_view Trim(std::string_view s) {
  const size_t b = s.find_first_not_of(" \t");
  if (b == std::string_view::npos) return {};
  return s.substr(b, s.find_last_not_of(" \t") - b + 1);
}

// ---------------------------------------------------------------------------
// JSON output.

// Appends `s` as a JSON string literal. Bytes that are not valid UTF-8 are
// written as U+FFFD so the output line is always valid JSON.
void AppendJsonString(std::string_view s, std::string* out) {
  out->push_back('"');
  size_t i = 0;
  while (i < s.size()) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
      switch (c) {
        case '"': out->append("\\\""); break;
        case '\\': out->append("\\\\"); break;
        case '\b': out->append("\\b"); break;
        case '\f': out->append("\\f"); break;
        case '\n': out->append("\\n"); break;
        case '\r': out->append("\\r"); break;
        case '\t': out->append("\\t"); break;
        default:
          if (c < 0x20 || c == 0x7f) {
            static constexpr char kHex[] = "0123456789abcdef";
            out->append("\\u00");
            out->push_back(kHex[c >> 4]);
            out->push_back(kHex[c & 0xf]);
          } else {
            out->push_back(static_cast<char>(c));
          }
      }
      ++i;
      continue;
    }
    // Validate one UTF-8 sequence (RFC 3629: no overlongs, no surrogates).
    size_t len = 0;
    unsigned char lo = 0x80, hi = 0xBF;
    if (c >= 0xC2 && c <= 0xDF) {
      len = 2;
    } else if (c >= 0xE0 && c <= 0xEF) {
      len = 3;
      if (c == 0xE0) lo = 0xA0;
      if (c == 0xED) hi = 0x9F;
    } else if (c >= 0xF0 && c <= 0xF4) {
      len = 4;
      if (c == 0xF0) lo = 0x90;
      if (c == 0xF4) hi = 0x8F;
    }
    bool ok = len != 0 && i + len <= s.size();
    for (size_t k = 1; ok && k < len; ++k) {
      const auto cc = static_cast<unsigned char>(s[i + k]);
      const unsigned char klo = k == 1 ? lo : 0x80;
      const unsigned char khi = k == 1 ? hi : 0xBF;
      ok = cc >= klo && cc <= khi;
    }
    if (ok) {
      out->append(s.substr(i, len));
      i += len;
    } else {
      out->append("\\ufffd");
      ++i;
    }
  }
  out->push_back('"');
}

// Confidence with at most three decimals and no trailing zeros ("0.99", "1").
std::string FormatConfidence(float confidence) {
  double c = std::isfinite(confidence) ? confidence : 0.0;
  if (c < 0) c = 0;
  if (c > 1) c = 1;
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%.3f", c);
  std::string s = buf;
  while (!s.empty() && s.back() == '0') s.pop_back();
  if (!s.empty() && s.back() == '.') s.pop_back();
  return s;
}

// One scanned text of a record: its findings and, for --show-values, the
// text they index into.
struct ScannedText {
  std::optional<std::string> field;  // set when spans carry "field"
  std::string_view text;
  std::vector<Finding> findings;
};

void AppendSpans(const ScannedText& scanned, bool show_values, bool* first,
                 std::string* out) {
  for (const Finding& f : scanned.findings) {
    if (!*first) out->push_back(',');
    *first = false;
    absl::StrAppend(out, "{\"start\":", f.begin, ",\"end\":", f.end,
                    ",\"type\":\"", std::string(EntityTypeName(f.type)),
                    "\",\"confidence\":", FormatConfidence(f.confidence));
    if (f.type == EntityType::kMasked && f.masked_as != EntityType::kUnknown) {
      absl::StrAppend(out, ",\"masked_as\":\"",
                      std::string(EntityTypeName(f.masked_as)), "\"");
    }
    if (scanned.field.has_value()) {
      out->append(",\"field\":");
      AppendJsonString(*scanned.field, out);
    }
    if (show_values && f.begin <= f.end && f.end <= scanned.text.size()) {
      out->append(",\"value\":");
      AppendJsonString(scanned.text.substr(f.begin, f.end - f.begin), out);
    }
    out->push_back('}');
  }
}

// ---------------------------------------------------------------------------
// Field paths: "a.b", "messages[].content", "messages[2].content".

struct PathStep {
  std::string key;                  // object key (may be empty for "[]" roots)
  bool has_key = true;
  bool every_element = false;       // "[]"
  std::optional<size_t> index;      // "[N]"
};

absl::StatusOr<std::vector<PathStep>> ParsePath(std::string_view path) {
  if (path.empty()) return absl::InvalidArgumentError("empty --field path");
  std::vector<PathStep> steps;
  for (std::string_view part : Split(path, '.')) {
    PathStep step;
    const size_t bracket = part.find('[');
    step.key = std::string(part.substr(0, bracket));
    step.has_key = !step.key.empty();
    if (bracket != std::string_view::npos) {
      std::string_view rest = part.substr(bracket);
      if (rest == "[]") {
        step.every_element = true;
      } else if (rest.size() > 2 && rest.back() == ']') {
        size_t n = 0;
        for (char c : rest.substr(1, rest.size() - 2)) {
          if (c < '0' || c > '9' || n > (size_t{1} << 40)) {
            return absl::InvalidArgumentError(
                absl::StrCat("bad array index in --field '", std::string(path),
                             "'"));
          }
          n = n * 10 + static_cast<size_t>(c - '0');
        }
        step.index = n;
      } else {
        return absl::InvalidArgumentError(absl::StrCat(
            "bad --field '", std::string(path),
            "' (use a.b, a[].b or a[2].b)"));
      }
    }
    if (!step.has_key && !step.every_element && !step.index.has_value()) {
      return absl::InvalidArgumentError(absl::StrCat(
          "bad --field '", std::string(path), "' (empty component)"));
    }
    steps.push_back(std::move(step));
  }
  return steps;
}

struct FieldValue {
  std::string path;  // concrete path, e.g. messages[2].content
  std::string_view text;
};

// Collects the string (and number) values `steps` lead to in `element`.
// Missing keys and nulls yield nothing; an object or array where text was
// expected is an input error.
absl::Status CollectValues(simdjson::dom::element element,
                           const std::vector<PathStep>& steps, size_t i,
                           const std::string& path_so_far,
                           std::vector<FieldValue>* out) {
  if (i == steps.size()) {
    switch (element.type()) {
      case simdjson::dom::element_type::STRING: {
        std::string_view s;
        if (element.get_string().get(s) == simdjson::SUCCESS) {
          out->push_back({path_so_far, s});
        }
        return absl::OkStatus();
      }
      case simdjson::dom::element_type::NULL_VALUE:
      case simdjson::dom::element_type::BOOL:
      case simdjson::dom::element_type::INT64:
      case simdjson::dom::element_type::UINT64:
      case simdjson::dom::element_type::DOUBLE:
        // Numbers are not text: a phone number stored as a JSON number has
        // no byte offsets inside a string. Not scanned.
        return absl::OkStatus();
      default:
        return absl::InvalidArgumentError(absl::StrCat(
            "field '", path_so_far, "' is an object or array, not a string"));
    }
  }
  const PathStep& step = steps[i];
  simdjson::dom::element cur = element;
  std::string path = path_so_far;
  if (step.has_key) {
    simdjson::dom::object obj;
    if (cur.get_object().get(obj) != simdjson::SUCCESS) {
      return absl::OkStatus();  // not an object here: the field is absent
    }
    simdjson::dom::element child;
    if (obj.at_key(step.key).get(child) != simdjson::SUCCESS) {
      return absl::OkStatus();
    }
    cur = child;
    if (!path.empty()) path.push_back('.');
    path += step.key;
  }
  if (step.every_element || step.index.has_value()) {
    simdjson::dom::array arr;
    if (cur.get_array().get(arr) != simdjson::SUCCESS) {
      return absl::OkStatus();
    }
    size_t n = 0;
    for (simdjson::dom::element item : arr) {
      if (step.every_element || n == *step.index) {
        PIIVAULT_RETURN_IF_ERROR(CollectValues(
            item, steps, i + 1, absl::StrCat(path, "[", n, "]"), out));
      }
      ++n;
    }
    return absl::OkStatus();
  }
  return CollectValues(cur, steps, i + 1, path, out);
}

// ---------------------------------------------------------------------------
// Input.

class Output {
 public:
  void Line(const std::string& line) {
    std::fwrite(line.data(), 1, line.size(), stdout);
    std::fputc('\n', stdout);
  }
  absl::Status Finish() {
    if (std::fflush(stdout) != 0 || std::ferror(stdout)) {
      return absl::InternalError(absl::StrCat("cannot write output: ",
                                              std::strerror(errno)));
    }
    return absl::OkStatus();
  }
};

absl::StatusOr<std::string> ReadAllStdin() {
  std::string data;
  char buf[1 << 16];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof(buf), stdin)) > 0) data.append(buf, n);
  if (std::ferror(stdin)) {
    return absl::InternalError(absl::StrCat("cannot read stdin: ",
                                            std::strerror(errno)));
  }
  return data;
}

std::string Describe(const std::string& input) {
  return input == "-" ? std::string("<stdin>") : input;
}

class Scanner {
 public:
  Scanner(const ScanFlags& flags, Detector detector,
          std::vector<std::vector<PathStep>> paths)
      : flags_(flags), detector_(std::move(detector)), paths_(std::move(paths)) {
    for (const auto& steps : paths_) {
      for (const PathStep& s : steps) tag_fields_ |= s.every_element;
    }
    tag_fields_ |= paths_.size() > 1;
  }

  absl::Status PlainText(const std::string& input, bool named) {
    absl::StatusOr<std::string> data;
    if (input == "-") {
      data = ReadAllStdin();
    } else {
      data = internal::ReadFile(input);
    }
    if (!data.ok()) return data.status();
    ScannedText scanned;
    scanned.text = *data;
    absl::StatusOr<std::vector<Finding>> found = detector_.Scan(*data);
    if (!found.ok()) {
      return absl::Status(found.status().code(),
                          absl::StrCat(Describe(input), ": ",
                                       std::string(found.status().message())));
    }
    scanned.findings = *std::move(found);
    std::string line = "{";
    if (named) {
      line += "\"file\":";
      AppendJsonString(input, &line);
      line += ',';
    }
    line += "\"spans\":[";
    bool first = true;
    AppendSpans(scanned, flags_.show_values, &first, &line);
    line += "]}";
    out_.Line(line);
    return absl::OkStatus();
  }

  absl::Status JsonLines(const std::string& input, bool named) {
    std::ifstream file;
    std::istream* in = &std::cin;
    if (input != "-") {
      file.open(input, std::ios::binary);
      if (!file) {
        return absl::NotFoundError(absl::StrCat("cannot open ", input, ": ",
                                                std::strerror(errno)));
      }
      in = &file;
    }
    std::string raw;
    size_t line_no = 0;
    while (std::getline(*in, raw)) {
      ++line_no;
      std::string_view line = raw;
      if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
      // A UTF-8 byte-order mark (Windows exports) is not part of the JSON.
      if (line_no == 1 && line.starts_with("\xEF\xBB\xBF")) {
        line.remove_prefix(3);
      }
      if (line.find_first_not_of(" \t") == std::string_view::npos) continue;
      PIIVAULT_RETURN_IF_ERROR(Record(input, named, line_no, line));
    }
    if (in->bad()) {
      return absl::InternalError(absl::StrCat("cannot read ", Describe(input),
                                              " after line ", line_no));
    }
    return absl::OkStatus();
  }

  absl::Status Finish() { return out_.Finish(); }

 private:
  absl::Status Record(const std::string& input, bool named, size_t line_no,
                      std::string_view line) {
    const std::string where = absl::StrCat(Describe(input), ":", line_no, ": ");
    simdjson::dom::element doc;
    if (auto err = parser_.parse(line.data(), line.size()).get(doc);
        err != simdjson::SUCCESS) {
      // simdjson's messages describe the error class, never the input.
      return absl::InvalidArgumentError(absl::StrCat(
          where, "malformed JSON (", simdjson::error_message(err), ")"));
    }
    if (doc.type() != simdjson::dom::element_type::OBJECT) {
      return absl::InvalidArgumentError(
          absl::StrCat(where, "record is not a JSON object"));
    }
    std::vector<FieldValue> values;
    for (const auto& steps : paths_) {
      absl::Status s = CollectValues(doc, steps, 0, "", &values);
      if (!s.ok()) {
        return absl::InvalidArgumentError(
            absl::StrCat(where, std::string(s.message())));
      }
    }
    std::string out = "{";
    if (named) {
      out += "\"file\":";
      AppendJsonString(input, &out);
      out += ',';
    }
    absl::StrAppend(&out, "\"line\":", line_no, ",\"spans\":[");
    bool first = true;
    for (const FieldValue& v : values) {
      ScannedText scanned;
      scanned.text = v.text;
      if (tag_fields_) scanned.field = v.path;
      absl::StatusOr<std::vector<Finding>> found = detector_.Scan(v.text);
      if (!found.ok()) {
        return absl::Status(found.status().code(),
                            absl::StrCat(where, "field '", v.path, "': ",
                                         std::string(found.status().message())));
      }
      scanned.findings = *std::move(found);
      AppendSpans(scanned, flags_.show_values, &first, &out);
    }
    out += "]}";
    out_.Line(out);
    return absl::OkStatus();
  }

  const ScanFlags& flags_;
  Detector detector_;
  std::vector<std::vector<PathStep>> paths_;
  bool tag_fields_ = false;
  simdjson::dom::parser parser_;
  Output out_;
};

int UsageError(const std::string& message) {
  std::fprintf(stderr, "piivault: %s\n", message.c_str());
  return kExitUsage;
}

int RunScan(const ScanFlags& flags) {
  // Usage checks first (exit 2).
  if (!flags.jsonl && !flags.fields.empty()) {
    return UsageError("--field needs --jsonl");
  }
  std::vector<std::vector<PathStep>> paths;
  if (flags.jsonl) {
    std::vector<std::string> fields = flags.fields;
    if (fields.empty()) fields.push_back("text");
    for (const std::string& f : fields) {
      absl::StatusOr<std::vector<PathStep>> steps = ParsePath(f);
      if (!steps.ok()) return UsageError(std::string(steps.status().message()));
      paths.push_back(*std::move(steps));
    }
  }
  DetectorOptions options;
  options.min_confidence = flags.threshold;
  options.pattern_files = flags.pattern_files;
  if (!flags.types.empty()) {
    for (std::string_view name : Split(flags.types, ',')) {
      name = Trim(name);
      if (name.empty()) continue;
      std::optional<EntityType> t = ParseEntityType(name);
      if (!t.has_value()) {
        return UsageError(absl::StrCat("unknown type '", std::string(name),
                                       "' in --types"));
      }
      options.types.push_back(*t);
    }
    if (options.types.empty()) return UsageError("--types is empty");
  }
  int stdin_uses = 0;
  for (const std::string& in : flags.inputs) stdin_uses += in == "-" ? 1 : 0;
  if (stdin_uses > 1) return UsageError("stdin ('-') given more than once");

  absl::StatusOr<Detector> detector = Detector::Create(options);
  if (!detector.ok()) return ReportError(detector.status());

  Scanner scanner(flags, *std::move(detector), std::move(paths));
  std::vector<std::string> inputs = flags.inputs;
  const bool named = !inputs.empty();
  if (inputs.empty()) inputs.push_back("-");
  for (const std::string& input : inputs) {
    absl::Status s = flags.jsonl ? scanner.JsonLines(input, named)
                                 : scanner.PlainText(input, named);
    if (!s.ok()) {
      (void)scanner.Finish();  // keep what was already written
      return ReportError(s);
    }
  }
  absl::Status s = scanner.Finish();
  if (!s.ok()) return ReportError(s);
  return kExitOk;
}

}  // namespace

void RegisterScanCommand(CLI::App& app, CommandRunner* runner) {
  auto flags = std::make_shared<ScanFlags>();
  CLI::App* cmd = app.add_subcommand(
      "scan",
      "Find personal data; print one JSON line of spans per file (plain "
      "text) or per record (--jsonl). Values are not printed unless "
      "--show-values.");
  cmd->add_option("inputs", flags->inputs,
                  "Input files ('-' or none: stdin)");
  cmd->add_flag("--jsonl", flags->jsonl,
                "Input is JSON Lines; scan the --field values of each record");
  cmd->add_option("--field", flags->fields,
                  "JSONL field to scan (repeatable; default 'text'): dotted "
                  "path, arrays as a[].b or a[2].b")
      ->allow_extra_args(false);
  cmd->add_option("--threshold", flags->threshold,
                  "Drop findings below this confidence (0..1)")
      ->check(CLI::Range(0.0f, 1.0f))
      ->capture_default_str();
  cmd->add_option("--types", flags->types,
                  "Only report these types (comma list, e.g. "
                  "CN_MOBILE,CN_RESIDENT_ID)");
  cmd->add_option("--patterns", flags->pattern_files,
                  "Extra pattern file (repeatable)")
      ->allow_extra_args(false);
  cmd->add_flag("--show-values", flags->show_values,
                "Also print each finding's original text as \"value\"");
  cmd->callback([runner, flags] {
    *runner = [flags] { return RunScan(*flags); };
  });
}

}  // namespace piivault::cli
