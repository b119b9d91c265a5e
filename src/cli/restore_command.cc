// `piivault restore`: re-identify redacted text where the vault's purpose
// policy allows it.
//
//   piivault redact --vault ./piivault-data transcript.txt > redacted.txt
//   piivault restore --vault ./piivault-data --purpose customer_service
//       --principal agent-42 redacted.txt
//
// Every vault token in the input (tok_<type>_<26 base32>, or a
// format-preserving token) is replaced by the form the policy releases for
// the purpose and principal: the plaintext, a masked value or the last four
// characters. Refused tokens stay in the text, are counted on stderr (by
// reason, never the value or the token) and make the exit code 1. Each block
// of input (about 1 MB, cut at a line end) is one detokenise batch with its
// audit rows. --vault defaults to $PIIVAULT_DIR, else ./piivault-data; a
// passphrase-protected key is unlocked from $PIIVAULT_PASSPHRASE.
//
// JSON Lines: `--jsonl` alone restores every token anywhere in the records
// (values escaped as JSON string content); `--jsonl --field PATH` (repeatable,
// the paths of `redact --field`) restores only inside those string fields and
// leaves every other byte of each record unchanged. A malformed record then
// stops the run with its line number (exit 1).
//
//   piivault restore --vault vd --purpose customer_service --principal a1
//       --jsonl --field 'messages[].content' redacted.jsonl
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "CLI/CLI.hpp"
#include "absl/strings/str_cat.h"
#include "cli/cli.h"
#include "piivault/redactor.h"
#include "piivault/vault.h"

namespace piivault::cli {
namespace {

struct RestoreFlags {
  std::string input;
  std::string output;
  std::string vault;
  std::string purpose;
  std::string principal;
  bool stats = false;
  bool jsonl = false;
  std::vector<std::string> fields;
};

bool IsTokenChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

absl::Status WriteAll(int fd, std::string_view data, const std::string& name) {
  while (!data.empty()) {
    ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return absl::DataLossError(absl::StrCat(name, ": write error: ", std::strerror(errno)));
    data.remove_prefix(static_cast<size_t>(n));
  }
  return absl::OkStatus();
}

std::string_view ReasonName(absl::StatusCode code) {
  switch (code) {
    case absl::StatusCode::kPermissionDenied: return "permission denied";
    case absl::StatusCode::kNotFound: return "unknown or shredded";
    case absl::StatusCode::kFailedPrecondition: return "expired";
    case absl::StatusCode::kDataLoss: return "failed authentication";
    case absl::StatusCode::kInvalidArgument: return "not a token";
    default: return "other";
  }
}

int Run(const RestoreFlags& flags) {
  if (flags.purpose.empty() || flags.principal.empty()) {
    std::fprintf(stderr, "piivault: restore needs --purpose and --principal\n");
    return kExitUsage;
  }
  if (!flags.fields.empty() && !flags.jsonl) {
    std::fprintf(stderr, "piivault: --field needs --jsonl\n");
    return kExitUsage;
  }
  for (const std::string& f : flags.fields) {
    if (absl::Status s = Redactor::ValidateFieldPath(f); !s.ok()) {
      std::fprintf(stderr, "piivault: %s\n", std::string(s.message()).c_str());
      return kExitUsage;
    }
  }
  VaultOptions vo;
  vo.dir = flags.vault;
  if (vo.dir.empty()) {
    const char* env = std::getenv("PIIVAULT_DIR");
    vo.dir = env != nullptr && *env != '\0' ? env : "piivault-data";
  }
  if (const char* p = std::getenv("PIIVAULT_PASSPHRASE"); p != nullptr) vo.key.passphrase = p;
  absl::StatusOr<Vault> vault = Vault::Open(vo);
  if (!vault.ok()) return ReportError(vault.status());

  int in_fd = 0;
  std::string in_name = "<stdin>";
  if (!flags.input.empty() && flags.input != "-") {
    in_fd = ::open(flags.input.c_str(), O_RDONLY | O_CLOEXEC);
    in_name = flags.input;
    if (in_fd < 0)
      return ReportError(absl::NotFoundError(absl::StrCat(flags.input, ": cannot open: ", std::strerror(errno))));
  }
  int out_fd = 1;
  std::string out_name = "<stdout>", tmp;
  struct stat st;
  if (!flags.output.empty() && flags.output != "-" && ::stat(flags.output.c_str(), &st) == 0 &&
      !S_ISREG(st.st_mode)) {
    out_name = flags.output;  // a device or pipe: write directly, never rename over it
    out_fd = ::open(flags.output.c_str(), O_WRONLY | O_CLOEXEC);
    if (out_fd < 0)
      return ReportError(absl::PermissionDeniedError(absl::StrCat(flags.output, ": cannot open")));
  } else if (!flags.output.empty() && flags.output != "-") {
    out_name = flags.output;
    tmp = absl::StrCat(flags.output, ".tmp.", ::getpid());
    out_fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (out_fd < 0)
      return ReportError(absl::PermissionDeniedError(absl::StrCat(flags.output, ": cannot create")));
  }
  auto fail = [&](const absl::Status& s) {
    if (!tmp.empty()) {
      ::close(out_fd);
      ::unlink(tmp.c_str());
    }
    if (in_fd > 0) ::close(in_fd);
    return ReportError(s);
  };

  RestoreReport report;
  const bool scoped = !flags.fields.empty();
  uint64_t lines_done = 0;  // complete lines before `buf` (for messages)
  std::string buf;
  bool eof = false;
  constexpr size_t kBlock = size_t{1} << 20;
  while (!eof || !buf.empty()) {
    if (!eof) {
      size_t old = buf.size();
      buf.resize(old + kBlock);
      ssize_t n;
      do n = ::read(in_fd, buf.data() + old, kBlock);
      while (n < 0 && errno == EINTR);
      if (n < 0) return fail(absl::DataLossError(absl::StrCat(in_name, ": read error")));
      buf.resize(old + static_cast<size_t>(n));
      if (n == 0) eof = true;
    }
    // Cut after the last line end, or (a very long line) after the last byte
    // that cannot be inside a token.
    size_t cut = buf.size();
    if (!eof) {
      size_t nl = buf.rfind('\n');
      if (nl != std::string::npos) {
        cut = nl + 1;
      } else if (buf.size() >= kBlock && !scoped) {
        // In JSON also never inside an escape ("\u0074" may be part of a token).
        cut = buf.size();
        while (cut > 0 && (IsTokenChar(buf[cut - 1]) || (flags.jsonl && buf[cut - 1] == '\\'))) --cut;
      } else {
        continue;
      }
      if (cut == 0) continue;
    }
    std::string_view block = std::string_view(buf).substr(0, cut);
    absl::StatusOr<std::string> restored =
        scoped ? RestoreJsonLinesTokens(block, flags.fields, *vault, flags.purpose, flags.principal,
                                        &report)
               : RestoreTokens(block, *vault, flags.purpose, flags.principal, &report, flags.jsonl);
    if (!restored.ok()) {
      absl::Status s = restored.status();
      // "line N: ..." counts from the block's start: make it the file's line.
      const std::string msg(s.message());
      size_t colon = msg.find(':');
      if (scoped && s.code() == absl::StatusCode::kInvalidArgument && msg.rfind("line ", 0) == 0 &&
          colon != std::string::npos) {
        uint64_t n = std::strtoull(msg.c_str() + 5, nullptr, 10);
        s = absl::InvalidArgumentError(absl::StrCat(in_name, ":", lines_done + n, msg.substr(colon)));
      }
      return fail(s);
    }
    for (char c : block) lines_done += c == '\n';
    if (absl::Status s = WriteAll(out_fd, *restored, out_name); !s.ok()) return fail(s);
    buf.erase(0, cut);
  }
  if (in_fd > 0) ::close(in_fd);
  if (!tmp.empty()) {
    if (::fsync(out_fd) != 0 || ::close(out_fd) != 0 || ::rename(tmp.c_str(), flags.output.c_str()) != 0) {
      ::unlink(tmp.c_str());
      return ReportError(absl::DataLossError(absl::StrCat(flags.output, ": write error")));
    }
  }
  if (flags.stats) {
    std::string reasons;
    for (const auto& [code, n] : report.refused_by_reason)
      absl::StrAppend(&reasons, reasons.empty() ? "" : ",", "\"", std::string(ReasonName(code)), "\":", n);
    std::fprintf(stderr, "{\"tokens\":%llu,\"restored\":%llu,\"refused\":%llu,\"refused_by_reason\":{%s}}\n",
                 static_cast<unsigned long long>(report.tokens),
                 static_cast<unsigned long long>(report.restored),
                 static_cast<unsigned long long>(report.refused), reasons.c_str());
  }
  if (report.refused > 0) {
    std::string reasons;
    for (const auto& [code, n] : report.refused_by_reason)
      absl::StrAppend(&reasons, reasons.empty() ? "" : ", ", std::string(ReasonName(code)), ": ", n);
    std::fprintf(stderr, "piivault: %llu of %llu tokens refused for purpose %s (%s); left as tokens\n",
                 static_cast<unsigned long long>(report.refused),
                 static_cast<unsigned long long>(report.tokens), flags.purpose.c_str(),
                 reasons.c_str());
    return kExitError;
  }
  return kExitOk;
}

}  // namespace

void RegisterRestoreCommand(CLI::App& app, CommandRunner* runner) {
  auto flags = std::make_shared<RestoreFlags>();
  CLI::App* cmd = app.add_subcommand(
      "restore", "Replace vault tokens in redacted text with what the purpose policy allows");
  cmd->add_option("input", flags->input, "Input file (default: stdin)");
  cmd->add_option("-o,--output", flags->output, "Output file (default: stdout); written atomically");
  cmd->add_option("--vault", flags->vault, "Vault directory (default $PIIVAULT_DIR, else ./piivault-data)");
  cmd->add_option("--purpose", flags->purpose, "Declared purpose, e.g. customer_service")->required();
  cmd->add_option("--principal", flags->principal, "Who asks (recorded in the audit log)")->required();
  cmd->add_flag("--stats", flags->stats, "Print counts (JSON) on stderr");
  cmd->add_flag("--jsonl", flags->jsonl,
                "Input is JSON (Lines): escape released values as JSON string content");
  cmd->add_option("--field", flags->fields,
                  "With --jsonl: restore only inside this string field of each record, e.g. "
                  "text, meta.note, messages[].content (repeatable); other bytes stay unchanged")
      ->allow_extra_args(false);  // one path per --field: `--field text in.jsonl` reads in.jsonl
  cmd->callback([runner, flags] {
    *runner = [flags] { return Run(*flags); };
  });
}

}  // namespace piivault::cli
