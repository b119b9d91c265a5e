// `piivault redact`: replace personal data in plain text or JSON Lines
// according to a redaction policy.
//
//   piivault redact examples/transcript.txt
//   cat chats.jsonl | piivault redact --jsonl --field 'messages[].content' -o out.jsonl
//   piivault redact --policy my-policy.toml --key-file hash.key --stats=stats.json in.txt
//   piivault redact --vault ./piivault-data transcript.txt     # token operator
//
// Plain text is streamed (bounded memory, windows scanned on --threads
// cores); JSON Lines records are redacted in parallel batches with the output
// order preserved. A malformed record (invalid JSON or UTF-8) stops the run
// with its line number by default; --on-error skip drops it, keep copies it
// unchanged. With -o the output file appears only when the run succeeds.
// Messages name files and line numbers, never the input's content.
#include <fcntl.h>
#include <malloc.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "CLI/CLI.hpp"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "cli/cli.h"
#include "piivault/detector.h"
#include "piivault/redactor.h"
#include "piivault/vault.h"

namespace piivault::cli {
namespace {

struct RedactFlags {
  std::string input;
  std::string output;
  bool jsonl = false;
  std::vector<std::string> fields;
  std::string policy;
  int threads = 0;
  bool stats = false;
  std::string stats_file;  // empty: stderr
  std::string key_file;
  std::string vault;
  std::string principal = "piivault-redact";
  std::string on_error = "fail";
};

// Input from a file or stdin, read in large blocks.
class Input {
 public:
  absl::Status Open(const std::string& path) {
    if (path.empty() || path == "-") {
      fd_ = 0;
      name_ = "<stdin>";
    } else {
      fd_ = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
      name_ = path;
      if (fd_ < 0)
        return errno == ENOENT ? absl::NotFoundError(absl::StrCat(path, ": no such file"))
                               : absl::PermissionDeniedError(
                                     absl::StrCat(path, ": cannot open: ", std::strerror(errno)));
    }
    struct stat st;
    if (::fstat(fd_, &st) == 0 && S_ISREG(st.st_mode)) size_ = static_cast<uint64_t>(st.st_size);
    return absl::OkStatus();
  }
  ~Input() {
    if (fd_ > 0) ::close(fd_);
  }
  // Appends up to `n` bytes; returns 0 at end of input.
  absl::StatusOr<size_t> Read(std::string* buf, size_t n) {
    size_t old = buf->size();
    buf->resize(old + n);
    while (true) {
      ssize_t got = ::read(fd_, buf->data() + old, n);
      if (got < 0 && errno == EINTR) continue;
      if (got < 0) {
        buf->resize(old);
        return absl::DataLossError(absl::StrCat(name_, ": read error: ", std::strerror(errno)));
      }
      buf->resize(old + static_cast<size_t>(got));
      return static_cast<size_t>(got);
    }
  }
  // Reads up to `n` bytes into `dst` (no zero-filling of a growing string);
  // returns 0 at end of input.
  absl::StatusOr<size_t> ReadInto(char* dst, size_t n) {
    while (true) {
      ssize_t got = ::read(fd_, dst, n);
      if (got < 0 && errno == EINTR) continue;
      if (got < 0) return absl::DataLossError(absl::StrCat(name_, ": read error: ", std::strerror(errno)));
      return static_cast<size_t>(got);
    }
  }
  std::optional<uint64_t> size() const { return size_; }
  const std::string& name() const { return name_; }

 private:
  int fd_ = -1;
  std::string name_;
  std::optional<uint64_t> size_;
};

// Output to stdout or to a temporary file renamed into place on success.
class Output {
 public:
  absl::Status Open(const std::string& path) {
    if (path.empty() || path == "-") {
      fd_ = 1;
      return absl::OkStatus();
    }
    path_ = path;
    struct stat st;
    if (::stat(path.c_str(), &st) == 0 && !S_ISREG(st.st_mode)) {
      // A device or pipe (e.g. /dev/null): write to it directly, never rename over it.
      fd_ = ::open(path.c_str(), O_WRONLY | O_CLOEXEC);
      if (fd_ < 0)
        return absl::PermissionDeniedError(absl::StrCat(path, ": cannot open: ", std::strerror(errno)));
      return absl::OkStatus();
    }
    tmp_ = absl::StrCat(path, ".tmp.", ::getpid());
    fd_ = ::open(tmp_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd_ < 0)
      return absl::PermissionDeniedError(
          absl::StrCat(path, ": cannot create: ", std::strerror(errno)));
    return absl::OkStatus();
  }
  ~Output() {
    if (!tmp_.empty()) {  // not committed: leave nothing behind
      if (fd_ >= 0) ::close(fd_);
      ::unlink(tmp_.c_str());
    }
  }
  absl::Status Write(std::string_view data) {
    bytes_ += data.size();
    while (!data.empty()) {
      ssize_t n = ::write(fd_, data.data(), data.size());
      if (n < 0 && errno == EINTR) continue;
      if (n < 0)
        return absl::DataLossError(absl::StrCat(path_.empty() ? "<stdout>" : path_,
                                                ": write error: ", std::strerror(errno)));
      data.remove_prefix(static_cast<size_t>(n));
    }
    return absl::OkStatus();
  }
  absl::Status Commit() {
    if (tmp_.empty()) {
      if (fd_ > 2 && ::close(fd_) != 0)
        return absl::DataLossError(absl::StrCat(path_, ": write error: ", std::strerror(errno)));
      fd_ = -1;
      return absl::OkStatus();
    }
    // Same mode as a normal new file; the temporary was private while written.
    mode_t mask = ::umask(0);
    ::umask(mask);
    ::fchmod(fd_, 0666 & ~mask);
    if (::fsync(fd_) != 0 || ::close(fd_) != 0) {
      fd_ = -1;
      return absl::DataLossError(absl::StrCat(path_, ": write error: ", std::strerror(errno)));
    }
    fd_ = -1;
    if (::rename(tmp_.c_str(), path_.c_str()) != 0)
      return absl::DataLossError(absl::StrCat(path_, ": rename failed: ", std::strerror(errno)));
    tmp_.clear();
    return absl::OkStatus();
  }
  uint64_t bytes() const { return bytes_; }

 private:
  int fd_ = -1;
  std::string path_;
  std::string tmp_;
  uint64_t bytes_ = 0;
};

// "redact  512.0/2048.0 MB  310.2 MB/s  ETA 5s" on a terminal, at most 4x/s.
class Progress {
 public:
  Progress(std::optional<uint64_t> total)
      : enabled_(total.has_value() && *total > 0 && ::isatty(2)), total_(total.value_or(0)),
        start_(std::chrono::steady_clock::now()), last_(start_) {}
  void Update(uint64_t done, bool final = false) {
    if (!enabled_) return;
    auto now = std::chrono::steady_clock::now();
    if (!final && now - last_ < std::chrono::milliseconds(250)) return;
    last_ = now;
    double secs = std::chrono::duration<double>(now - start_).count();
    double mbps = secs > 0 ? done / 1e6 / secs : 0;
    double eta = mbps > 0 && total_ > done ? (total_ - done) / 1e6 / mbps : 0;
    std::fprintf(stderr, "\rredact %8.1f/%.1f MB  %7.1f MB/s  ETA %4.0fs ", done / 1e6, total_ / 1e6,
                 mbps, eta);
    if (final) std::fputc('\n', stderr);
    std::fflush(stderr);
  }

 private:
  bool enabled_;
  uint64_t total_;
  std::chrono::steady_clock::time_point start_, last_;
};

struct RunStats {
  uint64_t records = 0;
  uint64_t malformed = 0;
  uint64_t skipped = 0;
  uint64_t kept_malformed = 0;
};

absl::Status RedactPlain(const Redactor& redactor, int threads, Input& in, Output& out,
                         Progress& progress, RedactionReport* report) {
  RedactStream stream(redactor, threads);
  const size_t kRead = size_t{1} << 20;
  std::unique_ptr<char[]> buf(new char[kRead]);
  std::string produced;
  uint64_t done = 0;
  while (true) {
    absl::StatusOr<size_t> n = in.ReadInto(buf.get(), kRead);
    if (!n.ok()) return n.status();
    if (*n == 0) break;
    done += *n;
    produced.clear();
    if (absl::Status s = stream.Write(std::string_view(buf.get(), *n), &produced); !s.ok()) return s;
    if (absl::Status s = out.Write(produced); !s.ok()) return s;
    progress.Update(done);
  }
  produced.clear();
  if (absl::Status s = stream.Finish(&produced); !s.ok()) return s;
  report->Merge(stream.report());
  return out.Write(produced);
}

bool IsBlank(std::string_view line) {
  return line.find_first_not_of(" \t\r\n") == std::string_view::npos;
}

// The output of a run of consecutive records, written by one worker.
struct RunOut {
  std::string text;                 // the records' outputs, in order
  std::vector<size_t> ends;         // per record: where its output ends in `text`
  std::vector<std::pair<size_t, absl::Status>> errors;  // (record within the run, why)
};
constexpr size_t kRun = 64;  // records per run

absl::Status RedactJsonl(const Redactor& redactor, const RedactFlags& flags, int threads,
                         Input& in, Output& out, Progress& progress, RedactionReport* report,
                         RunStats* stats) {
  const size_t kBatchBytes = size_t{4} << 20;
  std::string pending;  // bytes read but not yet processed (starts at a line start)
  uint64_t line_no = 0;  // lines completed before `pending`
  uint64_t done = 0;
  bool eof = false;
  // One report per worker, each on its own cache lines (adjacent ones were
  // written by both cores).
  struct alignas(128) PaddedReport {
    RedactionReport r;
  };
  std::vector<PaddedReport> reports(threads);
  std::vector<RunOut> runs;  // reused from batch to batch (capacity kept)
  while (!eof || !pending.empty()) {
    bool has_line_end = pending.find('\n') != std::string::npos;
    while (!eof && (pending.size() < kBatchBytes || !has_line_end)) {
      size_t old = pending.size();
      absl::StatusOr<size_t> n = in.Read(&pending, kBatchBytes);
      if (!n.ok()) return n.status();
      if (*n == 0) eof = true;
      done += *n;
      has_line_end |= std::string_view(pending).substr(old).find('\n') != std::string_view::npos;
    }
    // Complete lines in this batch (at EOF, the unterminated last line too).
    size_t end = pending.rfind('\n');
    end = end == std::string::npos ? 0 : end + 1;
    if (eof) end = pending.size();
    if (end == 0) continue;  // one line longer than the batch: read more
    std::string_view batch(pending.data(), end);
    std::vector<std::string_view> lines;
    for (size_t p = 0; p < batch.size();) {
      size_t nl = batch.find('\n', p);
      size_t e = nl == std::string_view::npos ? batch.size() : nl + 1;
      lines.push_back(batch.substr(p, e - p));
      p = e;
    }
    // Workers take runs of kRun records as they go (records differ in size
    // and content, so equal shares would leave a core idle) and write a run's
    // output into one reused string: no allocation per record that another
    // thread then frees (cross-thread frees contend on malloc's arena locks).
    const size_t n_runs = (lines.size() + kRun - 1) / kRun;
    if (runs.size() < n_runs) runs.resize(n_runs);
    std::atomic<size_t> next_run{0};
    auto work = [&](int t) {
      for (size_t r; (r = next_run.fetch_add(1)) < n_runs;) {
        RunOut& run = runs[r];
        run.text.clear();
        run.ends.clear();
        run.errors.clear();
        const size_t lo = r * kRun, hi = std::min(lines.size(), lo + kRun);
        for (size_t i = lo; i < hi; ++i) {
          std::string_view line = lines[i];
          bool nl = !line.empty() && line.back() == '\n';
          std::string_view rec = nl ? line.substr(0, line.size() - 1) : line;
          if (IsBlank(rec)) {
            run.text += line;
          } else if (absl::StatusOr<std::string> red =
                         redactor.RedactJsonRecord(rec, flags.fields, &reports[t].r);
                     !red.ok()) {
            run.errors.push_back({i - lo, red.status()});
          } else {
            run.text += *red;
            if (nl) run.text.push_back('\n');
          }
          run.ends.push_back(run.text.size());
        }
      }
    };
    if (threads == 1 || n_runs < 2) {
      work(0);
    } else {
      std::vector<std::thread> pool;
      for (int t = 1; t < threads; ++t) pool.emplace_back(work, t);
      work(0);
      for (std::thread& th : pool) th.join();
    }
    std::string chunk;
    chunk.reserve(end + end / 8);
    for (size_t r = 0; r < n_runs; ++r) {
      const RunOut& run = runs[r];
      const size_t lo = r * kRun, hi = std::min(lines.size(), lo + kRun);
      if (run.errors.empty()) {  // the usual case: the whole run at once
        for (size_t i = lo; i < hi; ++i) stats->records += !IsBlank(lines[i]);
        line_no += hi - lo;
        chunk += run.text;
        continue;
      }
      size_t next_error = 0;
      for (size_t i = lo; i < hi; ++i) {
        ++line_no;
        const size_t j = i - lo;
        if (next_error == run.errors.size() || run.errors[next_error].first != j) {
          stats->records += !IsBlank(lines[i]);
          const size_t from = j == 0 ? 0 : run.ends[j - 1];
          chunk.append(run.text, from, run.ends[j] - from);
          continue;
        }
        const absl::Status& st = run.errors[next_error++].second;
        if (st.code() != absl::StatusCode::kInvalidArgument)  // vault / key errors: always fatal
          return absl::Status(st.code(), absl::StrCat(in.name(), ":", line_no, ": ", st.message()));
        ++stats->malformed;
        if (flags.on_error == "fail") {
          if (absl::Status s = out.Write(chunk); !s.ok()) return s;
          return absl::InvalidArgumentError(absl::StrCat(in.name(), ":", line_no, ": ", st.message()));
        }
        if (flags.on_error == "keep") {
          ++stats->kept_malformed;
          chunk += lines[i];
        } else {
          ++stats->skipped;
        }
      }
    }
    if (absl::Status s = out.Write(chunk); !s.ok()) return s;
    pending.erase(0, end);
    progress.Update(done - pending.size());
  }
  for (const PaddedReport& p : reports) report->Merge(p.r);
  return absl::OkStatus();
}

std::string StatsJson(const RedactionReport& report, const RunStats& stats, uint64_t in_bytes,
                      uint64_t out_bytes, double seconds, bool jsonl) {
  std::string r = report.ToJson();  // {"by_type":...}
  std::string out = absl::StrCat("{\"input_bytes\":", in_bytes, ",\"output_bytes\":", out_bytes,
                                 ",\"seconds\":", absl::StrFormat("%.3f", seconds));
  if (jsonl)
    absl::StrAppend(&out, ",\"records\":", stats.records, ",\"malformed_records\":", stats.malformed,
                    ",\"skipped_records\":", stats.skipped, ",\"kept_malformed_records\":",
                    stats.kept_malformed);
  absl::StrAppend(&out, ",", r.substr(1));
  return out;
}

int Run(const RedactFlags& flags) {
  const auto start = std::chrono::steady_clock::now();
  // Every window (and JSONL batch) allocates and frees the same few MB. By
  // default glibc hands freed heap back to the kernel each time and faults it
  // in again: ~700 page faults per MB of input, measured at ~24% of the CPU
  // time of a one-thread run. Keep it: the heap stays at its (bounded) peak.
  mallopt(M_TRIM_THRESHOLD, 256 << 20);
  mallopt(M_MMAP_THRESHOLD, 32 << 20);
  if (flags.threads < 0 || flags.threads > 256) {
    std::fprintf(stderr, "piivault: --threads must be between 1 and 256\n");
    return kExitUsage;
  }
  if (!flags.jsonl && !flags.fields.empty()) {
    std::fprintf(stderr, "piivault: --field needs --jsonl\n");
    return kExitUsage;
  }
  std::vector<std::string> fields = flags.fields;
  if (flags.jsonl && fields.empty()) fields.push_back("text");
  for (const std::string& f : fields) {
    if (absl::Status s = Redactor::ValidateFieldPath(f); !s.ok()) {
      std::fprintf(stderr, "piivault: %s\n", std::string(s.message()).c_str());
      return kExitUsage;
    }
  }
  int threads = flags.threads;
  if (threads == 0) threads = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));

  RedactorOptions options;
  if (!flags.policy.empty()) {
    absl::StatusOr<RedactionPolicy> policy = RedactionPolicy::LoadFile(flags.policy);
    if (!policy.ok()) return ReportError(policy.status());
    options.policy = *std::move(policy);
  }
  options.hash_key_file = flags.key_file;
  options.stream_window_bytes = size_t{1} << 20;
  if (!flags.vault.empty()) {
    VaultOptions vo;
    vo.dir = flags.vault;
    if (const char* p = std::getenv("PIIVAULT_PASSPHRASE"); p != nullptr) vo.key.passphrase = p;
    absl::StatusOr<Vault> vault = Vault::Open(vo);
    if (!vault.ok()) return ReportError(vault.status());
    options.tokenizer =
        MakeVaultTokenizer(std::make_shared<Vault>(*std::move(vault)), flags.principal);
  }
  DetectorOptions dopts;
  dopts.min_confidence = std::min(dopts.min_confidence, options.policy.LowestMinConfidence());
  absl::StatusOr<Detector> detector = Detector::Create(dopts);
  if (!detector.ok()) return ReportError(detector.status());
  absl::StatusOr<Redactor> redactor = Redactor::Create(*detector, std::move(options));
  if (!redactor.ok()) return ReportError(redactor.status());

  Input in;
  if (absl::Status s = in.Open(flags.input); !s.ok()) return ReportError(s);
  Output out;
  if (absl::Status s = out.Open(flags.output); !s.ok()) return ReportError(s);
  Progress progress(in.size());
  RedactionReport report;
  RunStats stats;
  RedactFlags f = flags;
  f.fields = fields;
  absl::Status status = flags.jsonl
                            ? RedactJsonl(*redactor, f, threads, in, out, progress, &report, &stats)
                            : RedactPlain(*redactor, threads, in, out, progress, &report);
  if (status.ok()) status = out.Commit();
  if (!status.ok()) return ReportError(status);
  progress.Update(in.size().value_or(0), true);
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  uint64_t in_bytes = in.size().value_or(0);
  if (flags.stats) {
    std::string json = StatsJson(report, stats, in_bytes, out.bytes(), secs, flags.jsonl);
    if (flags.stats_file.empty() || flags.stats_file == "-") {
      std::fprintf(stderr, "%s\n", json.c_str());
    } else {
      FILE* fp = std::fopen(flags.stats_file.c_str(), "w");
      if (fp == nullptr || std::fprintf(fp, "%s\n", json.c_str()) < 0 || std::fclose(fp) != 0)
        return ReportError(absl::DataLossError(absl::StrCat(flags.stats_file, ": cannot write stats")));
    }
  }
  return kExitOk;
}

}  // namespace

void RegisterRedactCommand(CLI::App& app, CommandRunner* runner) {
  auto flags = std::make_shared<RedactFlags>();
  CLI::App* cmd = app.add_subcommand(
      "redact", "Replace personal data in text or JSON Lines according to a redaction policy");
  cmd->add_option("input", flags->input, "Input file (default: stdin; '-' also means stdin)");
  cmd->add_option("-o,--output", flags->output, "Output file (default: stdout); written atomically");
  cmd->add_flag("--jsonl", flags->jsonl, "Input is JSON Lines: redact the --field values of each record");
  cmd->add_option("--field", flags->fields,
                  "Field path in each record, e.g. text, meta.note, messages[].content "
                  "(repeatable; default: text)");
  cmd->add_option("--policy", flags->policy,
                  "Redaction policy (TOML, see examples/redact-policy.toml; default: built in)");
  cmd->add_option("--threads", flags->threads, "Worker threads (default: all cores)");
  // A flag with an optional value: `--stats` (stderr) or `--stats=FILE`. An
  // option taking an optional separate argument would swallow the input file
  // name in `redact --stats in.txt` (and then overwrite it with the summary).
  CLI::Option* stats = cmd->add_flag(
      "--stats{-}", flags->stats_file,
      "Print a JSON summary (counts per type and operator, never values) on stderr; "
      "--stats=FILE writes it to FILE");
  cmd->add_option("--key-file", flags->key_file, "Secret key for the hash operator (0600)");
  cmd->add_option("--vault", flags->vault, "Vault directory for the token operator");
  cmd->add_option("--principal", flags->principal, "Principal recorded in the vault audit log");
  cmd->add_option("--on-error", flags->on_error,
                  "Malformed JSON Lines record: fail (default; stop with the line number), "
                  "skip (drop it) or keep (copy it unchanged)")
      ->check(CLI::IsMember({"fail", "skip", "keep"}));
  cmd->callback([runner, flags, stats] {
    flags->stats = stats->count() > 0;
    *runner = [flags] { return Run(*flags); };
  });
}

}  // namespace piivault::cli
