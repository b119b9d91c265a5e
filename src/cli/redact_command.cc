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
#include <limits.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "CLI/CLI.hpp"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "cli/cli.h"
#include "common/status_macros.h"
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
    StartWriteBack();
    return absl::OkStatus();
  }
  // Writes the buffers in order, as few system calls as the kernel allows.
  absl::Status WriteV(const std::vector<iovec>& parts) {
    size_t i = 0;
    while (i < parts.size()) {
      const int n_iov = static_cast<int>(std::min<size_t>(parts.size() - i, IOV_MAX));
      ssize_t n = ::writev(fd_, parts.data() + i, n_iov);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0)
        return absl::DataLossError(absl::StrCat(path_.empty() ? "<stdout>" : path_,
                                                ": write error: ", std::strerror(errno)));
      bytes_ += static_cast<uint64_t>(n);
      StartWriteBack();
      size_t left = static_cast<size_t>(n);
      while (i < parts.size() && left >= parts[i].iov_len) left -= parts[i++].iov_len;
      if (left > 0) {  // a short write inside parts[i]: finish that part, then go on
        const char* rest = static_cast<const char*>(parts[i].iov_base) + left;
        absl::Status s = Write(std::string_view(rest, parts[i].iov_len - left));
        if (!s.ok()) return s;
        ++i;
      }
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
  // Commit's fsync waits for every byte not yet on disk: for a large output
  // that was most of them, a stall at the end (~40 ms per 100 MB here) with
  // the cores idle. Asking the kernel to start writing each 8 MB as soon as it
  // is written overlaps the disk with the redaction; the fsync then waits
  // for the last few megabytes only. (Bytes written before the call, which
  // `bytes_` counts, may not all be in the file yet; sync_file_range does
  // not care.)
  void StartWriteBack() {
#if defined(__linux__)
    constexpr uint64_t kWriteBackStep = uint64_t{8} << 20;
    if (tmp_.empty() || bytes_ - written_back_ < kWriteBackStep) return;
    const uint64_t to = bytes_ / kWriteBackStep * kWriteBackStep;
    // Only a hint: on failure the fsync in Commit still does the work.
    (void)::sync_file_range(fd_, static_cast<off_t>(written_back_), static_cast<off_t>(to - written_back_),
                            SYNC_FILE_RANGE_WRITE);
    written_back_ = to;
#endif
  }

  int fd_ = -1;
  std::string path_;
  std::string tmp_;
  uint64_t bytes_ = 0;
  uint64_t written_back_ = 0;  // write-back started for [0, written_back_)
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
  // A record begins with '{' or '[' at once: no search for most lines.
  if (!line.empty() && static_cast<unsigned char>(line[0]) > ' ') return false;
  return line.find_first_not_of(" \t\r\n") == std::string_view::npos;
}

// The output of a run of consecutive records, written by one worker. Each on
// its own cache lines: the two workers usually hold adjacent runs, and every
// append to a run's buffer writes its header (length, end pointers).
struct alignas(128) RunOut {
  std::string text;                 // the records' outputs, in order
  std::vector<size_t> ends;         // per record: where its output ends in `text`
  std::vector<std::pair<size_t, absl::Status>> errors;  // (record within the run, why)
  uint64_t records = 0;             // non-blank records redacted
  std::string fixed;                // with errors: what is written instead of `text`
};
constexpr size_t kRun = 64;  // records per run

// Input bytes of one batch: whole lines (at EOF the unterminated last line
// too), grown without zero-filling, reused from batch to batch.
struct Batch {
  std::unique_ptr<char[]> data;
  size_t capacity = 0;
  size_t size = 0;       // bytes read into `data`
  size_t end = 0;        // `data[0, end)` are the batch's lines; the rest is carried over
  uint64_t first_line = 0;  // lines before this batch
  uint64_t done_bytes = 0;  // input bytes up to `end`, for the progress bar
  std::vector<std::string_view> lines;  // with their '\n'
  std::vector<RunOut> runs;             // capacity kept
  size_t n_runs = 0;
  // Written as runs are taken and finished: on a cache line of their own,
  // apart from the fields above that the workers read.
  alignas(128) size_t next_run = 0;  // guarded by the pool mutex
  size_t remaining = 0;              // runs not finished; guarded by the pool mutex

  void Reserve(size_t n) {
    if (n <= capacity) return;
    size_t cap = std::max(n, capacity * 2);
    std::unique_ptr<char[]> grown(new char[cap]);
    if (size > 0) std::memcpy(grown.get(), data.get(), size);
    data = std::move(grown);
    capacity = cap;
  }
};

// Reads the next batch into `b`, starting with the bytes `carry` left by the
// previous one. Returns false at the end of the input (nothing left).
absl::StatusOr<bool> ReadBatch(Input& in, std::string_view carry, size_t batch_bytes, bool* eof,
                               uint64_t* read_total, Batch* b) {
  constexpr size_t kRead = size_t{1} << 20;
  b->size = 0;
  b->Reserve(std::max(batch_bytes, carry.size()) + kRead);
  if (!carry.empty()) std::memcpy(b->data.get(), carry.data(), carry.size());
  b->size = carry.size();
  const void* nl = carry.empty() ? nullptr : ::memrchr(b->data.get(), '\n', b->size);
  size_t last_nl = nl == nullptr ? std::string_view::npos
                                 : static_cast<size_t>(static_cast<const char*>(nl) - b->data.get());
  while (!*eof && (b->size < batch_bytes || last_nl == std::string_view::npos)) {
    b->Reserve(b->size + kRead);
    const size_t want = std::min(kRead, b->capacity - b->size);
    absl::StatusOr<size_t> n = in.ReadInto(b->data.get() + b->size, want);
    if (!n.ok()) return n.status();
    if (*n == 0) {
      *eof = true;
      break;
    }
    *read_total += *n;
    if (const void* hit = ::memrchr(b->data.get() + b->size, '\n', *n); hit != nullptr)
      last_nl = static_cast<size_t>(static_cast<const char*>(hit) - b->data.get());
    b->size += *n;
  }
  b->end = *eof ? b->size : last_nl + 1;
  if (b->size == 0) return false;
  // Lines, with their '\n'.
  b->lines.clear();
  const char* base = b->data.get();
  for (size_t p = 0; p < b->end;) {
    const void* hit = std::memchr(base + p, '\n', b->end - p);
    const size_t e = hit == nullptr ? b->end : static_cast<size_t>(static_cast<const char*>(hit) - base) + 1;
    b->lines.emplace_back(base + p, e - p);
    p = e;
  }
  b->n_runs = (b->lines.size() + kRun - 1) / kRun;
  if (b->runs.size() < b->n_runs) b->runs.resize(b->n_runs);
  b->next_run = 0;
  b->remaining = b->n_runs;
  return true;
}

// Redacts run `r` of `b` into b->runs[r]: every record appended straight to
// the run's reused buffer (no allocation or copy per record).
void ProcessRun(const Redactor& redactor, const std::vector<std::string>& fields, Batch& b,
                size_t r, RedactionReport* report) {
  RunOut& run = b.runs[r];
  // Work on local copies of the run's buffers (moved, not copied) and put
  // them back at the end, so that the shared Batch is written once per run.
  std::string text = std::move(run.text);
  std::vector<size_t> ends = std::move(run.ends);
  text.clear();
  ends.clear();
  run.errors.clear();
  uint64_t records = 0;
  const size_t lo = r * kRun, hi = std::min(b.lines.size(), lo + kRun);
  const std::string_view* lines = b.lines.data();
  for (size_t i = lo; i < hi; ++i) {
    std::string_view line = lines[i];
    const bool nl = !line.empty() && line.back() == '\n';
    std::string_view rec = nl ? line.substr(0, line.size() - 1) : line;
    if (IsBlank(rec)) {
      text += line;
    } else if (absl::Status s = redactor.RedactJsonRecord(rec, fields, report, &text); !s.ok()) {
      run.errors.push_back({i - lo, std::move(s)});
    } else {
      if (nl) text.push_back('\n');
      ++records;
    }
    ends.push_back(text.size());
  }
  run.text = std::move(text);
  run.ends = std::move(ends);
  run.records = records;
}

// Puts the batch's output in order on `iov` (pointing into its runs), applying
// --on-error to malformed records. Stops at a fatal record: returns its error
// with `iov` holding everything before it.
absl::Status CollectBatch(const RedactFlags& flags, const std::string& in_name, Batch& b,
                          RunStats* stats, std::vector<iovec>* iov) {
  iov->clear();
  uint64_t line_no = b.first_line;
  auto add = [&](const std::string& s) {
    if (!s.empty()) iov->push_back({const_cast<char*>(s.data()), s.size()});
  };
  for (size_t r = 0; r < b.n_runs; ++r) {
    RunOut& run = b.runs[r];
    const size_t lo = r * kRun, hi = std::min(b.lines.size(), lo + kRun);
    if (run.errors.empty()) {  // the usual case: the whole run at once
      stats->records += run.records;
      line_no += hi - lo;
      add(run.text);
      continue;
    }
    run.fixed.clear();
    size_t next_error = 0;
    for (size_t i = lo; i < hi; ++i) {
      ++line_no;
      const size_t j = i - lo;
      if (next_error == run.errors.size() || run.errors[next_error].first != j) {
        stats->records += !IsBlank(b.lines[i]);
        const size_t from = j == 0 ? 0 : run.ends[j - 1];
        run.fixed.append(run.text, from, run.ends[j] - from);
        continue;
      }
      const absl::Status& st = run.errors[next_error++].second;
      if (st.code() != absl::StatusCode::kInvalidArgument) {  // vault / key errors: always fatal
        add(run.fixed);
        return absl::Status(st.code(), absl::StrCat(in_name, ":", line_no, ": ", st.message()));
      }
      ++stats->malformed;
      if (flags.on_error == "fail") {
        add(run.fixed);
        return absl::InvalidArgumentError(absl::StrCat(in_name, ":", line_no, ": ", st.message()));
      }
      if (flags.on_error == "keep") {
        ++stats->kept_malformed;
        run.fixed += b.lines[i];
      } else {
        ++stats->skipped;
      }
    }
    add(run.fixed);
  }
  return absl::OkStatus();
}

// JSON Lines: the input is read in batches of whole lines; each batch is cut
// into runs of kRun records, which the workers take as they go (records differ
// in size and content, so equal shares would leave a core idle). With
// --threads > 1 the main thread only reads and writes: it reads batch k+1 and
// writes batch k-1 (one writev of its runs' buffers) while the workers redact
// batch k, so input and output overlap the redaction. Output order is the
// input order; the only synchronisation is one lock per run of records.
absl::Status RedactJsonl(const Redactor& redactor, const RedactFlags& flags, int threads,
                         Input& in, Output& out, Progress& progress, RedactionReport* report,
                         RunStats* stats) {
  // 1 MB: with three batches in flight, their input and output buffers stay
  // in cache. 4 MB batches cost two threads ~3% more CPU time than one thread
  // on the same input (the same instructions; ~27 MB of buffers), and one
  // thread ~1% more.
  const size_t kBatchBytes = size_t{1} << 20;
  // One report per worker, each on its own cache lines (adjacent ones were
  // written by both cores).
  struct alignas(128) PaddedReport {
    RedactionReport r;
  };
  std::vector<PaddedReport> reports(threads);
  bool eof = false;
  uint64_t read_total = 0;
  uint64_t lines_before = 0;
  std::vector<iovec> iov;
  // The batches in flight, oldest first, and free ones (buffers kept).
  constexpr size_t kSlots = 3;
  std::vector<std::unique_ptr<Batch>> slots;
  for (size_t i = 0; i < (threads == 1 ? 1 : kSlots); ++i) slots.push_back(std::make_unique<Batch>());
  std::string_view carry;  // points into the previous batch (still intact)

  auto next_batch = [&](Batch* b) -> absl::StatusOr<bool> {
    absl::StatusOr<bool> got = ReadBatch(in, carry, kBatchBytes, &eof, &read_total, b);
    if (!got.ok() || !*got) return got;
    b->first_line = lines_before;
    lines_before += b->lines.size();
    b->done_bytes = read_total - (b->size - b->end);
    return true;
  };
  auto write_batch = [&](Batch& b) -> absl::Status {
    absl::Status collected = CollectBatch(flags, in.name(), b, stats, &iov);
    if (absl::Status s = out.WriteV(iov); !s.ok()) return s;
    if (!collected.ok()) return collected;
    progress.Update(b.done_bytes);
    return absl::OkStatus();
  };

  if (threads == 1) {  // one thread does everything, in order
    Batch& b = *slots[0];
    std::string carried;
    while (true) {
      absl::StatusOr<bool> got = next_batch(&b);
      if (!got.ok()) return got.status();
      if (!*got) break;
      for (size_t r = 0; r < b.n_runs; ++r) ProcessRun(redactor, flags.fields, b, r, &reports[0].r);
      PIIVAULT_RETURN_IF_ERROR(write_batch(b));
      carried.assign(b.data.get() + b.end, b.size - b.end);
      carry = carried;
    }
    report->Merge(reports[0].r);
    return absl::OkStatus();
  }

  std::mutex mu;
  std::condition_variable work_cv, done_cv;
  std::deque<Batch*> queue;  // published batches with runs not yet taken
  bool closing = false;      // no more batches (or a fatal error): workers exit when idle
  bool abort = false;        // stop now
  auto worker = [&](int t) {
    while (true) {
      Batch* b;
      size_t r;
      {
        std::unique_lock<std::mutex> l(mu);
        work_cv.wait(l, [&] { return abort || closing || !queue.empty(); });
        if (abort || queue.empty()) return;
        b = queue.front();
        r = b->next_run++;
        if (b->next_run == b->n_runs) queue.pop_front();
      }
      ProcessRun(redactor, flags.fields, *b, r, &reports[t].r);
      std::lock_guard<std::mutex> l(mu);
      if (--b->remaining == 0) done_cv.notify_all();
    }
  };
  std::vector<std::thread> pool;
  for (int t = 0; t < threads; ++t) pool.emplace_back(worker, t);
  auto stop = [&](bool now) {
    {
      std::lock_guard<std::mutex> l(mu);
      closing = true;
      abort = now;
    }
    work_cv.notify_all();
    for (std::thread& th : pool) th.join();
    pool.clear();
  };

  std::deque<Batch*> in_flight;  // oldest first
  std::vector<Batch*> free_slots;
  for (auto& s : slots) free_slots.push_back(s.get());
  auto write_oldest = [&]() -> absl::Status {
    Batch* b = in_flight.front();
    {
      std::unique_lock<std::mutex> l(mu);
      done_cv.wait(l, [&] { return b->remaining == 0; });
    }
    PIIVAULT_RETURN_IF_ERROR(write_batch(*b));
    in_flight.pop_front();
    free_slots.push_back(b);
    return absl::OkStatus();
  };
  absl::Status status = absl::OkStatus();
  while (status.ok()) {
    // A slot is free once its batch is written (the carry points into the
    // newest batch, which is never the one written).
    if (free_slots.empty()) {  // all batches in flight: write the oldest first
      status = write_oldest();
      continue;
    }
    Batch* b = free_slots.back();
    absl::StatusOr<bool> got = next_batch(b);
    if (!got.ok()) {
      status = got.status();
      break;
    }
    if (!*got) break;
    free_slots.pop_back();
    carry = std::string_view(b->data.get() + b->end, b->size - b->end);
    in_flight.push_back(b);
    if (b->n_runs > 0) {
      {
        std::lock_guard<std::mutex> l(mu);
        queue.push_back(b);
      }
      work_cv.notify_all();
    }
  }
  while (status.ok() && !in_flight.empty()) status = write_oldest();
  stop(/*now=*/!status.ok());
  if (!status.ok()) return status;
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
  if (report.unsettled > 0) {
    std::fprintf(stderr,
                 "piivault redact: warning: %llu document(s) still changed on the last of the "
                 "policy's settle_passes; redacting the output again may change it further\n",
                 static_cast<unsigned long long>(report.unsettled));
  }
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
                  "(repeatable; default: text)")
      ->allow_extra_args(false);  // one path per --field: `--field text in.jsonl` reads in.jsonl
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
