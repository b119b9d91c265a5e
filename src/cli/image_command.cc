// `piivault image scan FILE...` and `piivault image scrub IN (-o OUT | --in-place)`.
//
// scan prints one JSON object per line and file:
//   {"file":"a.jpg","format":"jpeg","items":[{"location":"APP1/Exif/GPS","name":"GPSLatitude",
//    "offset":123,"size":24,"sensitive_as":"GEO_LOCATION"}...],
//    "findings":[{"type":"GEO_LOCATION","item":3,"confidence":1,"validated_by":"tag"}...]}
// Values are never printed unless --show-values is given (then each item
// carries "value": its bytes, at most 256, as text).
// scrub --redact-text keeps free-text comments with detected values masked
// (ScrubOptions::redact_text_in_place) instead of dropping them.
// scrub writes through a temporary file in the destination directory,
// fsync and rename: the destination (or, with --in-place, the original)
// is never left half-written.
#include <sys/stat.h>

#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "CLI/CLI.hpp"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "cli/cli.h"
#include "common/file_util.h"
#include "piivault/image.h"

namespace piivault::cli {
namespace {

struct ImageScanArgs {
  std::vector<std::string> files;
  bool show_values = false;
};

struct ImageScrubArgs {
  std::string input;
  std::string output;
  bool in_place = false;
  std::vector<std::string> keep;
  bool redact_text = false;
};

void AppendJsonString(std::string& out, std::string_view s) {
  out.push_back('"');
  for (size_t i = 0; i < s.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (c < 0x20 || c == 0x7F) {
          out += absl::StrFormat("\\u%04x", c);
        } else if (c < 0x80) {
          out.push_back(static_cast<char>(c));
        } else {
          // Copy a valid UTF-8 sequence, else U+FFFD.
          size_t n = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC2 ? 2 : 0;
          bool ok = n > 0 && c < 0xF5 && i + n <= s.size();
          for (size_t k = 1; ok && k < n; ++k) ok = (static_cast<unsigned char>(s[i + k]) & 0xC0) == 0x80;
          if (ok) {
            out.append(s.substr(i, n));
            i += n - 1;
          } else {
            out += "\\ufffd";
          }
        }
    }
  }
  out.push_back('"');
}

std::string ReportJson(const std::string& file, std::string_view bytes, const ImageReport& report,
                       bool show_values) {
  std::string out = "{\"file\":";
  AppendJsonString(out, file);
  out += ",\"format\":";
  AppendJsonString(out, ImageFormatName(report.format));
  out += ",\"items\":[";
  for (size_t i = 0; i < report.items.size(); ++i) {
    const MetadataItem& it = report.items[i];
    if (i > 0) out.push_back(',');
    out += "{\"location\":";
    AppendJsonString(out, it.location);
    out += ",\"name\":";
    AppendJsonString(out, it.name);
    absl::StrAppend(&out, ",\"offset\":", it.offset, ",\"size\":", it.size);
    if (it.sensitive_as != EntityType::kUnknown) {
      out += ",\"sensitive_as\":";
      AppendJsonString(out, EntityTypeName(it.sensitive_as));
    }
    if (show_values && it.offset < bytes.size()) {
      size_t n = static_cast<size_t>(std::min<uint64_t>({it.size, bytes.size() - it.offset, 256}));
      out += ",\"value\":";
      AppendJsonString(out, bytes.substr(static_cast<size_t>(it.offset), n));
    }
    out.push_back('}');
  }
  out += "],\"findings\":[";
  for (size_t i = 0; i < report.findings.size(); ++i) {
    const ImageFinding& f = report.findings[i];
    if (i > 0) out.push_back(',');
    out += "{\"type\":";
    AppendJsonString(out, EntityTypeName(f.type));
    absl::StrAppend(&out, ",\"item\":", f.item, ",\"confidence\":", absl::StrFormat("%.3g", f.confidence),
                    ",\"validated_by\":");
    AppendJsonString(out, f.validated_by);
    out.push_back('}');
  }
  out += "]}\n";
  return out;
}

int RunScan(const ImageScanArgs& args) {
  absl::StatusOr<ImageScanner> scanner = ImageScanner::Create({});
  if (!scanner.ok()) return ReportError(scanner.status());
  int rc = kExitOk;
  for (const std::string& file : args.files) {
    absl::StatusOr<std::string> bytes = internal::ReadFile(file, ImageScannerOptions{}.max_input_bytes);
    if (!bytes.ok()) {
      rc = ReportError(bytes.status());
      continue;
    }
    absl::StatusOr<ImageReport> report = scanner->Scan(*bytes);
    if (!report.ok()) {
      rc = ReportError(absl::Status(report.status().code(), absl::StrCat(file, ": ", report.status().message())));
      continue;
    }
    std::string json = ReportJson(file, *bytes, *report, args.show_values);
    std::fwrite(json.data(), 1, json.size(), stdout);
  }
  std::fflush(stdout);
  return rc;
}

int RunScrub(const ImageScrubArgs& args) {
  if (args.in_place == !args.output.empty()) {
    std::fprintf(stderr, "piivault: image scrub needs exactly one of -o OUT or --in-place\n");
    return kExitUsage;
  }
  ScrubOptions options;
  for (const std::string& k : args.keep) {
    if (k == "copyright") {
      options.keep_copyright = true;
    } else if (k == "capture") {
      options.keep_capture_settings = true;
    }
  }
  absl::StatusOr<std::string> bytes = internal::ReadFile(args.input, ImageScannerOptions{}.max_input_bytes);
  if (!bytes.ok()) return ReportError(bytes.status());
  absl::StatusOr<std::string> clean;
  if (args.redact_text) {
    // Masking needs the text detector (compiled once here).
    options.redact_text_in_place = true;
    absl::StatusOr<ImageScanner> scanner = ImageScanner::Create({});
    if (!scanner.ok()) return ReportError(scanner.status());
    clean = scanner->Scrub(*bytes, options);
  } else {
    clean = ScrubImage(*bytes, options);
  }
  if (!clean.ok()) {
    return ReportError(absl::Status(clean.status().code(), absl::StrCat(args.input, ": ", clean.status().message())));
  }
  if (args.output == "-") {
    size_t n = std::fwrite(clean->data(), 1, clean->size(), stdout);
    if (n != clean->size() || std::fflush(stdout) != 0) {
      return ReportError(absl::InternalError("cannot write to standard output"));
    }
    return kExitOk;
  }
  const std::string& dest = args.in_place ? args.input : args.output;
  unsigned mode = 0644;
  struct stat st;
  if (args.in_place && ::stat(args.input.c_str(), &st) == 0) mode = st.st_mode & 07777;
  absl::Status s = internal::WriteFileAtomically(dest, *clean, mode);
  if (!s.ok()) return ReportError(s);
  return kExitOk;
}

}  // namespace

void RegisterImageCommand(CLI::App& app, CommandRunner* runner) {
  CLI::App* image = app.add_subcommand("image", "Find and remove personal data in image metadata");
  image->require_subcommand(1);

  auto scan_args = std::make_shared<ImageScanArgs>();
  CLI::App* scan = image->add_subcommand("scan", "Report metadata items and personal data (JSON, one line per file)");
  scan->add_option("files", scan_args->files, "JPEG, PNG, WebP, TIFF, GIF or HEIF/AVIF files")->required();
  scan->add_flag("--show-values", scan_args->show_values, "Include item bytes (up to 256) in the report");
  scan->callback([runner, scan_args] { *runner = [scan_args] { return RunScan(*scan_args); }; });

  auto scrub_args = std::make_shared<ImageScrubArgs>();
  CLI::App* scrub = image->add_subcommand("scrub", "Write a copy keeping only pixels, colour profile and orientation");
  scrub->add_option("input", scrub_args->input, "Image file")->required();
  scrub->add_option("-o,--output", scrub_args->output, "Output file ('-' for standard output)");
  scrub->add_flag("--in-place", scrub_args->in_place, "Replace the input (temporary file + fsync + rename)");
  scrub->add_option("--keep", scrub_args->keep, "Also keep: copyright, capture (exposure settings, dates)")
      ->delimiter(',')
      ->check(CLI::IsMember({"copyright", "capture"}));
  scrub->add_flag("--redact-text", scrub_args->redact_text,
                  "Keep comments (JPEG COM, PNG text, GIF comments) with detected values masked by '*'");
  scrub->callback([runner, scrub_args] { *runner = [scrub_args] { return RunScrub(*scrub_args); }; });
}

}  // namespace piivault::cli
