// Vault throughput, with raw SQLCipher doing the same row writes/reads as the
// baseline in the same binary (so results read as ratios).
//
//   BM_VaultTokenize/B       Tokenize() batches of B values (random mode), durable at commit
//   BM_RawSqlCipherInsert/B  the same token rows + one audit row per batch, no crypto, no policy
//   BM_VaultDetokenize/B     Detokenize() batches of B tokens: policy + AEAD + one audit row each
//   BM_RawSqlCipherLookup/B  B primary-key lookups + B audit-row inserts in one transaction
//   BM_VaultAuditVerify      VerifyAudit() over the whole chain (items = rows per
//                            second of process CPU, all threads)
//   BM_RawSqlCipherAuditScan reading the same audit rows with no MAC check
//
// Both sides use synchronous=FULL in WAL mode (one fsync per commit).
#define SQLITE_HAS_CODEC 1
#include <sqlcipher/sqlite3.h>
#include <sodium.h>
#include <stdlib.h>
#include <time.h>

#include <filesystem>
#include <random>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "benchmark/benchmark.h"
#include "piivault/vault.h"

namespace piivault {
namespace {

std::string MakeTempDir() {
  std::string tmpl = std::string(std::getenv("TMPDIR") ? std::getenv("TMPDIR") : "/tmp") +
                     "/piivault-bench-XXXXXX";
  return mkdtemp(tmpl.data());
}

double ThreadCpuSeconds() {
  timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

std::vector<std::string> Values(size_t n, uint32_t seed) {
  std::mt19937 rng(seed);
  std::vector<std::string> out;
  out.reserve(n);
  for (size_t i = 0; i < n; ++i) out.push_back(absl::StrCat("3201021990", 10000000 + rng() % 89999999));
  return out;
}

struct BenchVault {
  std::string dir;
  std::optional<Vault> vault;
  BenchVault() {
    unsetenv("PIIVAULT_MASTER_KEY");
    dir = MakeTempDir() + "/v";
    if (!Vault::Init({.dir = dir}).ok()) return;
    absl::StatusOr<Vault> v = Vault::Open({.dir = dir, .fsync_every_commit = true});
    if (v.ok()) vault.emplace(std::move(*v));
  }
  ~BenchVault() {
    vault.reset();
    std::error_code ec;
    std::filesystem::remove_all(std::filesystem::path(dir).parent_path(), ec);
  }
};

void BM_VaultTokenize(benchmark::State& state) {
  BenchVault bv;
  if (!bv.vault) return state.SkipWithError("vault set-up failed");
  const size_t batch = static_cast<size_t>(state.range(0));
  std::vector<std::string> values = Values(batch, 1);
  std::vector<std::string_view> views(values.begin(), values.end());
  for (auto _ : state) {
    absl::StatusOr<std::vector<std::string>> t = bv.vault->Tokenize(EntityType::kCnResidentId, views);
    if (!t.ok()) return state.SkipWithError("tokenize failed");
    benchmark::DoNotOptimize(t->data());
  }
  state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(batch));
}
BENCHMARK(BM_VaultTokenize)->Arg(100)->Arg(1000)->Arg(10000)->UseRealTime()->Unit(benchmark::kMillisecond);

// Raw SQLCipher with the same key form, page size, pragmas and schema.
struct RawDb {
  std::string dir;
  sqlite3* db = nullptr;
  RawDb() {
    dir = MakeTempDir();
    sqlite3_open((dir + "/raw.db").c_str(), &db);
    uint8_t key[32];
    randombytes_buf(key, sizeof key);
    char hex[65];
    sodium_bin2hex(hex, sizeof hex, key, sizeof key);
    std::string spec = absl::StrCat("x'", hex, "'");
    sqlite3_key(db, spec.data(), static_cast<int>(spec.size()));
    Exec("PRAGMA cipher_page_size = 4096");
    Exec("PRAGMA journal_mode = WAL");
    Exec("PRAGMA synchronous = FULL");
    Exec("PRAGMA cache_size = -16384");
    Exec("PRAGMA secure_delete = ON");
    Exec("CREATE TABLE tokens(id BLOB NOT NULL PRIMARY KEY, field INTEGER NOT NULL,"
         " kind INTEGER NOT NULL, key_version INTEGER NOT NULL, subject BLOB NOT NULL, bidx BLOB,"
         " sealed BLOB NOT NULL, created INTEGER NOT NULL, expires INTEGER NOT NULL) WITHOUT ROWID");
    Exec("CREATE UNIQUE INDEX tokens_bidx ON tokens(field, subject, bidx) WHERE bidx IS NOT NULL");
    Exec("CREATE INDEX tokens_subject ON tokens(subject) WHERE length(subject) > 0");
    Exec("CREATE INDEX tokens_expires ON tokens(expires) WHERE expires > 0");
    Exec("CREATE TABLE audit(seq INTEGER PRIMARY KEY, time INTEGER NOT NULL, action TEXT NOT NULL,"
         " principal TEXT NOT NULL, purpose TEXT NOT NULL, field TEXT NOT NULL,"
         " token_id BLOB NOT NULL, decision TEXT NOT NULL, rule TEXT NOT NULL,"
         " policy_hash BLOB NOT NULL, count INTEGER NOT NULL, mac BLOB NOT NULL)");
  }
  ~RawDb() {
    sqlite3_close(db);
    std::error_code ec;
    std::filesystem::remove_all(dir, ec);
  }
  void Exec(const char* sql) { sqlite3_exec(db, sql, nullptr, nullptr, nullptr); }
  sqlite3_stmt* Prep(const char* sql) {
    sqlite3_stmt* s = nullptr;
    sqlite3_prepare_v2(db, sql, -1, &s, nullptr);
    return s;
  }
};

void InsertAudit(sqlite3_stmt* a, int64_t seq, const uint8_t* id, const uint8_t* mac) {
  static const char kPolicy[32] = {};
  sqlite3_bind_int64(a, 1, seq);
  sqlite3_bind_int64(a, 2, 1700000000);
  sqlite3_bind_text(a, 3, "detokenize", -1, SQLITE_STATIC);
  sqlite3_bind_text(a, 4, "svc-bench", -1, SQLITE_STATIC);
  sqlite3_bind_text(a, 5, "identity_verification", -1, SQLITE_STATIC);
  sqlite3_bind_text(a, 6, "CN_RESIDENT_ID", -1, SQLITE_STATIC);
  sqlite3_bind_blob(a, 7, id, id ? 16 : 0, SQLITE_STATIC);
  sqlite3_bind_text(a, 8, "plaintext", -1, SQLITE_STATIC);
  sqlite3_bind_text(a, 9, "resident-id-identity", -1, SQLITE_STATIC);
  sqlite3_bind_blob(a, 10, kPolicy, 32, SQLITE_STATIC);
  sqlite3_bind_int64(a, 11, 1);
  sqlite3_bind_blob(a, 12, mac, 32, SQLITE_STATIC);
  sqlite3_step(a);
  sqlite3_reset(a);
}

void BM_RawSqlCipherInsert(benchmark::State& state) {
  RawDb raw;
  const size_t batch = static_cast<size_t>(state.range(0));
  sqlite3_stmt* ins = raw.Prep(
      "INSERT OR IGNORE INTO tokens(id, field, kind, key_version, subject, bidx, sealed, created,"
      " expires) VALUES(?,?,?,?,?,?,?,?,?)");
  sqlite3_stmt* aud = raw.Prep("INSERT INTO audit VALUES(?,?,?,?,?,?,?,?,?,?,?,?)");
  std::vector<uint8_t> rnd(batch * 16);
  uint8_t sealed[24 + 18 + 16];
  randombytes_buf(sealed, sizeof sealed);
  uint8_t mac[32] = {};
  int64_t seq = 0;
  for (auto _ : state) {
    randombytes_buf(rnd.data(), rnd.size());
    raw.Exec("BEGIN IMMEDIATE");
    for (size_t i = 0; i < batch; ++i) {
      sqlite3_bind_blob(ins, 1, rnd.data() + 16 * i, 16, SQLITE_STATIC);
      sqlite3_bind_int(ins, 2, 1);
      sqlite3_bind_int(ins, 3, 0);
      sqlite3_bind_int(ins, 4, 1);
      sqlite3_bind_blob(ins, 5, "", 0, SQLITE_STATIC);
      sqlite3_bind_null(ins, 6);
      sqlite3_bind_blob(ins, 7, sealed, sizeof sealed, SQLITE_STATIC);
      sqlite3_bind_int64(ins, 8, 1700000000);
      sqlite3_bind_int64(ins, 9, 0);
      sqlite3_step(ins);
      sqlite3_reset(ins);
    }
    InsertAudit(aud, ++seq, nullptr, mac);
    raw.Exec("COMMIT");
  }
  sqlite3_finalize(ins);
  sqlite3_finalize(aud);
  state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(batch));
}
BENCHMARK(BM_RawSqlCipherInsert)->Arg(100)->Arg(1000)->Arg(10000)->UseRealTime()->Unit(benchmark::kMillisecond);

constexpr size_t kStored = 100000;

void BM_VaultDetokenize(benchmark::State& state) {
  BenchVault bv;
  if (!bv.vault) return state.SkipWithError("vault set-up failed");
  std::vector<std::string> values = Values(kStored, 2);
  std::vector<std::string_view> views(values.begin(), values.end());
  absl::StatusOr<std::vector<std::string>> tokens = bv.vault->Tokenize(EntityType::kCnResidentId, views);
  if (!tokens.ok()) return state.SkipWithError("tokenize failed");
  const size_t batch = static_cast<size_t>(state.range(0));
  std::mt19937 rng(3);
  std::vector<std::string> ask(batch);
  for (auto _ : state) {
    state.PauseTiming();
    for (size_t i = 0; i < batch; ++i) ask[i] = (*tokens)[rng() % tokens->size()];
    state.ResumeTiming();
    absl::StatusOr<std::vector<DetokenizeResult>> r = bv.vault->Detokenize(
        ask, {.purpose = "identity_verification", .principal = "svc-bench"});
    if (!r.ok() || !(*r)[0].status.ok()) return state.SkipWithError("detokenize failed");
    benchmark::DoNotOptimize(r->data());
  }
  state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(batch));
}
BENCHMARK(BM_VaultDetokenize)->Arg(100)->Arg(1000)->Arg(10000)->UseRealTime()->Unit(benchmark::kMillisecond);

void BM_RawSqlCipherLookup(benchmark::State& state) {
  RawDb raw;
  sqlite3_stmt* ins = raw.Prep(
      "INSERT INTO tokens(id, field, kind, key_version, subject, bidx, sealed, created, expires)"
      " VALUES(?,1,0,1,X'',NULL,?,1700000000,0)");
  std::vector<uint8_t> ids(kStored * 16);
  randombytes_buf(ids.data(), ids.size());
  uint8_t sealed[24 + 18 + 16];
  randombytes_buf(sealed, sizeof sealed);
  raw.Exec("BEGIN");
  for (size_t i = 0; i < kStored; ++i) {
    sqlite3_bind_blob(ins, 1, ids.data() + 16 * i, 16, SQLITE_STATIC);
    sqlite3_bind_blob(ins, 2, sealed, sizeof sealed, SQLITE_STATIC);
    sqlite3_step(ins);
    sqlite3_reset(ins);
  }
  raw.Exec("COMMIT");
  sqlite3_finalize(ins);
  sqlite3_stmt* get = raw.Prep(
      "SELECT id, field, kind, key_version, subject, bidx, sealed, created, expires FROM tokens"
      " WHERE id = ?");
  sqlite3_stmt* aud = raw.Prep("INSERT INTO audit VALUES(?,?,?,?,?,?,?,?,?,?,?,?)");
  const size_t batch = static_cast<size_t>(state.range(0));
  std::mt19937 rng(3);
  uint8_t mac[32] = {};
  int64_t seq = 0;
  int64_t found = 0;
  for (auto _ : state) {
    raw.Exec("BEGIN IMMEDIATE");
    for (size_t i = 0; i < batch; ++i) {
      const uint8_t* id = ids.data() + 16 * (rng() % kStored);
      sqlite3_bind_blob(get, 1, id, 16, SQLITE_STATIC);
      if (sqlite3_step(get) == SQLITE_ROW) found += sqlite3_column_bytes(get, 6);
      sqlite3_reset(get);
      InsertAudit(aud, ++seq, id, mac);
    }
    raw.Exec("COMMIT");
  }
  benchmark::DoNotOptimize(found);
  sqlite3_finalize(get);
  sqlite3_finalize(aud);
  state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(batch));
}
BENCHMARK(BM_RawSqlCipherLookup)->Arg(100)->Arg(1000)->Arg(10000)->UseRealTime()->Unit(benchmark::kMillisecond);

void BM_VaultAuditVerify(benchmark::State& state) {
  BenchVault bv;
  if (!bv.vault) return state.SkipWithError("vault set-up failed");
  std::vector<std::string> values = Values(1000, 4);
  std::vector<std::string_view> views(values.begin(), values.end());
  absl::StatusOr<std::vector<std::string>> tokens = bv.vault->Tokenize(EntityType::kCnResidentId, views);
  if (!tokens.ok()) return state.SkipWithError("tokenize failed");
  // Each detokenised token adds one audit row.
  for (int i = 0; i < state.range(0) / 1000; ++i) {
    if (!bv.vault->Detokenize(*tokens, {.purpose = "identity_verification", .principal = "svc"}).ok())
      return state.SkipWithError("detokenize failed");
  }
  uint64_t rows = 0;
  double caller_cpu = 0;
  for (auto _ : state) {
    const double t0 = ThreadCpuSeconds();
    absl::StatusOr<AuditReport> r = bv.vault->VerifyAudit();
    caller_cpu += ThreadCpuSeconds() - t0;
    if (!r.ok()) return state.SkipWithError("verify failed");
    rows = r->rows;
  }
  // items_per_second: rows per second of PROCESS CPU time (every thread,
  // including the hashing worker). caller_thread_rows_per_cpu_s: rows per
  // second of CPU of the calling thread only (the SQLite side, i.e. the
  // pipeline's critical path when a second core is free).
  state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(rows));
  state.counters["rows"] = static_cast<double>(rows);
  state.counters["caller_thread_rows_per_cpu_s"] =
      caller_cpu > 0 ? static_cast<double>(state.iterations()) * static_cast<double>(rows) / caller_cpu
                     : 0;
}
// CPU time is measured for the whole process (the verifier hashes on a second
// thread); the Time column is wall-clock.
BENCHMARK(BM_VaultAuditVerify)->Arg(200000)->MeasureProcessCPUTime()->Unit(benchmark::kMillisecond);

// Baseline for audit verify: read the same number of audit rows (all columns)
// from raw SQLCipher, without recomputing any MAC.
void BM_RawSqlCipherAuditScan(benchmark::State& state) {
  RawDb raw;
  sqlite3_stmt* aud = raw.Prep("INSERT INTO audit VALUES(?,?,?,?,?,?,?,?,?,?,?,?)");
  uint8_t id[16], mac[32];
  randombytes_buf(id, sizeof id);
  randombytes_buf(mac, sizeof mac);
  raw.Exec("BEGIN");
  for (int64_t i = 1; i <= state.range(0); ++i) InsertAudit(aud, i, id, mac);
  raw.Exec("COMMIT");
  sqlite3_finalize(aud);
  sqlite3_stmt* scan = raw.Prep(
      "SELECT seq, time, action, principal, purpose, field, token_id, decision, rule,"
      " policy_hash, count, mac FROM audit ORDER BY seq");
  int64_t bytes = 0;
  for (auto _ : state) {
    while (sqlite3_step(scan) == SQLITE_ROW) {
      for (int c = 0; c < 12; ++c) bytes += sqlite3_column_bytes(scan, c);
    }
    sqlite3_reset(scan);
  }
  benchmark::DoNotOptimize(bytes);
  sqlite3_finalize(scan);
  state.SetItemsProcessed(state.iterations() * state.range(0));
}
BENCHMARK(BM_RawSqlCipherAuditScan)->Arg(200000)->MeasureProcessCPUTime()->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace piivault

BENCHMARK_MAIN();
