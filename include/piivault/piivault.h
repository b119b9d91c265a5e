/* File: piivault/piivault.h
 *
 * The C ABI of piivault, for C programs and foreign-function interfaces
 * (Python ctypes/cffi, Go cgo, Rust, Java FFM...). Valid C99/C11 and C++;
 * nothing C++ crosses the boundary.
 *
 *   piivault_detector *d = NULL;
 *   if (piivault_detector_create(NULL, &d) != PIIVAULT_OK) {
 *     fprintf(stderr, "piivault: %s\n", piivault_last_error());
 *     return 1;
 *   }
 *   piivault_finding *found = NULL;
 *   size_t n = 0;
 *   const char text[] = "手机号13812345678";
 *   if (piivault_detector_scan(d, text, sizeof text - 1, &found, &n) == PIIVAULT_OK) {
 *     for (size_t i = 0; i < n; ++i)
 *       printf("%s %zu..%zu\n", found[i].type, found[i].begin, found[i].end);
 *     piivault_findings_free(found);
 *   }
 *   piivault_detector_free(d);
 *
 * Conventions (every function follows them):
 *   - Functions that can fail return an int status code: PIIVAULT_OK (0) or one
 *     of the PIIVAULT_* codes below (the numbers of absl::StatusCode).
 *   - On failure, piivault_last_error() returns a message for the calling
 *     thread; it never contains personal data, tokens or keys (sizes, offsets,
 *     file:line only). A call that returns a status resets it.
 *   - Results come back through out-parameters. On failure, result pointers
 *     are set to NULL and lengths/counts to 0 (if the out-parameter itself is
 *     not NULL), and report structs are left unchanged.
 *   - Everything the library allocates has its own free function; every free
 *     function accepts NULL. Freed buffers are wiped first (they may hold
 *     personal data). Never pass library memory to free() or vice versa.
 *   - Input buffers are (pointer, length) pairs and need not be
 *     NUL-terminated; a NULL pointer with length 0 is an empty buffer.
 *     Returned text buffers are additionally NUL-terminated for convenience
 *     (the length is authoritative: the text may contain NUL bytes).
 *   - Strings like paths and names are NUL-terminated UTF-8.
 *   - Handles (detector, redactor, vault) are immutable or internally
 *     synchronised and may be shared between threads; a redact stream and an
 *     options object must be used by one thread at a time.
 *   - A handle may be freed in any order relative to the handles created from
 *     it: a redactor keeps its detector (and vault) alive, a stream its
 *     redactor.
 *   - No C++ exception ever crosses this boundary: an unexpected one becomes
 *     PIIVAULT_RESOURCE_EXHAUSTED (std::bad_alloc) or PIIVAULT_INTERNAL.
 *   - Structures returned by the library have a frozen layout; new fields
 *     will come as new structures and functions (_v2), never by changing these.
 *
 * Linking: CMake target piivault::piivault (find_package(piivault)), or
 * `pkg-config --cflags --libs piivault`. The library is C++: CMake links with
 * the C++ driver; the pkg-config line adds -lstdc++ for a C driver.
 */
#ifndef PIIVAULT_PIIVAULT_H_
#define PIIVAULT_PIIVAULT_H_

#include <stddef.h>
#include <stdint.h>

#if defined(__GNUC__) || defined(__clang__)
#define PIIVAULT_EXPORT __attribute__((visibility("default")))
#define PIIVAULT_NODISCARD __attribute__((warn_unused_result))
#else
#define PIIVAULT_EXPORT
#define PIIVAULT_NODISCARD
#endif

#ifdef __cplusplus
extern "C" {
#endif

/* ---- Version ------------------------------------------------------------ */

#define PIIVAULT_VERSION_MAJOR 0
#define PIIVAULT_VERSION_MINOR 1
#define PIIVAULT_VERSION_PATCH 0
#define PIIVAULT_VERSION_STRING "0.1.0"
/* MAJOR * 10000 + MINOR * 100 + PATCH, like SQLITE_VERSION_NUMBER. */
#define PIIVAULT_VERSION_NUMBER 100
/* Bumped only if a published declaration of this header ever changes. */
#define PIIVAULT_ABI_VERSION 1

/* The library's version ("0.1.0"); static storage. Compare with
   PIIVAULT_VERSION_STRING to detect a header/library mismatch. */
PIIVAULT_EXPORT const char *piivault_version(void);
/* PIIVAULT_VERSION_NUMBER of the library that is linked. */
PIIVAULT_EXPORT int piivault_version_number(void);
/* PIIVAULT_ABI_VERSION of the library that is linked. */
PIIVAULT_EXPORT int piivault_abi_version(void);

/* ---- Status codes and errors -------------------------------------------- */

/* The numbers are those of absl::StatusCode. */
enum {
  PIIVAULT_OK = 0,
  PIIVAULT_CANCELLED = 1,
  PIIVAULT_UNKNOWN = 2,
  PIIVAULT_INVALID_ARGUMENT = 3,    /* bad argument, policy, pattern file, input */
  PIIVAULT_DEADLINE_EXCEEDED = 4,
  PIIVAULT_NOT_FOUND = 5,           /* missing file, vault, token */
  PIIVAULT_ALREADY_EXISTS = 6,      /* vault already initialised */
  PIIVAULT_PERMISSION_DENIED = 7,   /* policy refused; key file readable by others */
  PIIVAULT_RESOURCE_EXHAUSTED = 8,  /* out of memory */
  PIIVAULT_FAILED_PRECONDITION = 9, /* wrong call order; token operator without a vault */
  PIIVAULT_ABORTED = 10,
  PIIVAULT_OUT_OF_RANGE = 11,
  PIIVAULT_UNIMPLEMENTED = 12,
  PIIVAULT_INTERNAL = 13,           /* a bug, including an unexpected C++ exception */
  PIIVAULT_UNAVAILABLE = 14,
  PIIVAULT_DATA_LOSS = 15,          /* corrupt or tampered data; truncated image */
  PIIVAULT_UNAUTHENTICATED = 16     /* vault key does not match */
};

/* "OK", "INVALID_ARGUMENT", ...; "UNKNOWN_CODE" for other numbers. Static. */
PIIVAULT_EXPORT const char *piivault_status_name(int code);

/* The message of the last failed call on this thread ("" after a successful
   one). Valid until the next piivault_ call on this thread. Never NULL, never
   contains personal data. */
PIIVAULT_EXPORT const char *piivault_last_error(void);

/* Releases a text buffer returned by the library (wiped first). */
PIIVAULT_EXPORT void piivault_buffer_free(char *buffer);

/* ---- Detector ------------------------------------------------------------ */

typedef struct piivault_detector piivault_detector;                 /* opaque */
typedef struct piivault_detector_options piivault_detector_options; /* opaque */

/* Options start at the library defaults: built-in patterns on, no extra
   pattern files, every type, min confidence 0.5. */
PIIVAULT_EXPORT PIIVAULT_NODISCARD int piivault_detector_options_create(
    piivault_detector_options **out);
PIIVAULT_EXPORT void piivault_detector_options_free(piivault_detector_options *options);
/* enabled != 0: load the pattern files compiled into the library. */
PIIVAULT_EXPORT int piivault_detector_options_set_builtin_patterns(
    piivault_detector_options *options, int enabled);
/* Adds a pattern file (TOML; a family with a built-in name replaces it). */
PIIVAULT_EXPORT int piivault_detector_options_add_pattern_file(
    piivault_detector_options *options, const char *path);
/* Reports only the given type ("CN_MOBILE", ...); call once per type. Without
   any call every type is reported. PIIVAULT_INVALID_ARGUMENT for an unknown
   name. */
PIIVAULT_EXPORT int piivault_detector_options_add_type(piivault_detector_options *options,
                                                       const char *type_name);
/* Findings below this confidence (0..1) are dropped. */
PIIVAULT_EXPORT int piivault_detector_options_set_min_confidence(
    piivault_detector_options *options, float min_confidence);
/* Scans of larger inputs fail with PIIVAULT_INVALID_ARGUMENT (default 1 GiB). */
PIIVAULT_EXPORT int piivault_detector_options_set_max_input_bytes(
    piivault_detector_options *options, size_t max_input_bytes);

/* Compiles the patterns. options may be NULL (defaults); it is copied, so it
   may be freed right after. PIIVAULT_INVALID_ARGUMENT for a bad pattern file
   (the message names file and line), PIIVAULT_NOT_FOUND for a missing one. */
PIIVAULT_EXPORT PIIVAULT_NODISCARD int piivault_detector_create(
    const piivault_detector_options *options, piivault_detector **out);
PIIVAULT_EXPORT void piivault_detector_free(piivault_detector *detector);

/* One value found. Layout frozen. */
typedef struct piivault_finding {
  const char *type;         /* "CN_RESIDENT_ID", "CN_MOBILE", ... */
  size_t begin;             /* byte offset of the first byte in the scanned text */
  size_t end;               /* byte offset one past the last byte */
  float confidence;         /* 0..1 */
  const char *normalized;   /* canonical value, NUL-terminated (personal data!) */
  size_t normalized_len;
  const char *validated_by; /* "gb11643", "luhn", "context", ... */
  const char *masked_as;    /* for type "MASKED": what it resembles; else "UNKNOWN" */
} piivault_finding;

/* Finds personal data in text[0, text_len). On success *findings is an array
   of *count findings sorted by begin (NULL when *count is 0); free it with
   piivault_findings_free. Every string in it lives as long as the array.
   PIIVAULT_INVALID_ARGUMENT if the text exceeds max_input_bytes. */
PIIVAULT_EXPORT PIIVAULT_NODISCARD int piivault_detector_scan(
    const piivault_detector *detector, const char *text, size_t text_len,
    piivault_finding **findings, size_t *count);
PIIVAULT_EXPORT void piivault_findings_free(piivault_finding *findings);

/* ---- Redactor ------------------------------------------------------------ */

typedef struct piivault_redactor piivault_redactor;                 /* opaque */
typedef struct piivault_redactor_options piivault_redactor_options; /* opaque */
typedef struct piivault_redact_stream piivault_redact_stream;       /* opaque */
typedef struct piivault_vault piivault_vault;                       /* opaque */

/* Options start with the built-in default policy (mask everything). */
PIIVAULT_EXPORT PIIVAULT_NODISCARD int piivault_redactor_options_create(
    piivault_redactor_options **out);
PIIVAULT_EXPORT void piivault_redactor_options_free(piivault_redactor_options *options);
/* Reads and parses a policy file now (format: see piivault/redactor.h).
   PIIVAULT_NOT_FOUND for a missing file, PIIVAULT_INVALID_ARGUMENT with
   "<path>:<line>:" for a bad one; the options are unchanged on failure. */
PIIVAULT_EXPORT int piivault_redactor_options_set_policy_file(
    piivault_redactor_options *options, const char *path);
/* Parses policy TOML text; source_name (may be NULL: "<policy>") is what
   error messages call it. */
PIIVAULT_EXPORT int piivault_redactor_options_set_policy_toml(
    piivault_redactor_options *options, const char *toml, size_t toml_len,
    const char *source_name);
/* Secret key file for the hash operator (checked by piivault_redactor_create). */
PIIVAULT_EXPORT int piivault_redactor_options_set_hash_key_file(
    piivault_redactor_options *options, const char *path);
/* The vault used by the token operator; `principal` (may be NULL:
   "piivault-redact") is recorded in its audit log. The redactor keeps the
   vault alive. vault NULL removes it. */
PIIVAULT_EXPORT int piivault_redactor_options_set_vault(piivault_redactor_options *options,
                                                        piivault_vault *vault,
                                                        const char *principal);
/* Streaming window in bytes (>= 1; default 256 KiB). */
PIIVAULT_EXPORT int piivault_redactor_options_set_stream_window_bytes(
    piivault_redactor_options *options, size_t window_bytes);

/* Creates a redactor using `detector` (kept alive by the redactor). options may
   be NULL (default policy). Create the detector with a min confidence no
   higher than the policy's lowest threshold, or lower thresholds cannot take
   effect. PIIVAULT_INVALID_ARGUMENT / PIIVAULT_NOT_FOUND for a bad or missing
   hash key file. */
PIIVAULT_EXPORT PIIVAULT_NODISCARD int piivault_redactor_create(
    const piivault_detector *detector, const piivault_redactor_options *options,
    piivault_redactor **out);
PIIVAULT_EXPORT void piivault_redactor_free(piivault_redactor *redactor);

/* Operators, the index into piivault_redaction_report.by_operator. */
enum {
  PIIVAULT_OPERATOR_KEEP = 0,
  PIIVAULT_OPERATOR_MASK = 1,
  PIIVAULT_OPERATOR_LABEL = 2,
  PIIVAULT_OPERATOR_HASH = 3,
  PIIVAULT_OPERATOR_TOKEN = 4,
  PIIVAULT_OPERATOR_DROP = 5,
  PIIVAULT_OPERATOR_COUNT = 6
};

/* Counts only, never values. Layout frozen (later fields, such as
   numbering_capped, are in piivault_redaction_report_v2). */
typedef struct piivault_redaction_report {
  uint64_t redacted;        /* findings changed (every operator but keep) */
  uint64_t below_threshold; /* left because of min_confidence */
  uint64_t allow_listed;    /* left because of the allow-list */
  uint64_t by_operator[PIIVAULT_OPERATOR_COUNT]; /* findings per operator */
} piivault_redaction_report;

/* Redacts a whole buffer (one document). On success *out (free with
   piivault_buffer_free) holds *out_len bytes plus a NUL. report may be NULL;
   otherwise it is overwritten with this call's counts. Errors:
   PIIVAULT_FAILED_PRECONDITION (token operator without a vault), vault and
   detector errors. */
PIIVAULT_EXPORT PIIVAULT_NODISCARD int piivault_redact(
    const piivault_redactor *redactor, const char *text, size_t text_len, char **out,
    size_t *out_len, piivault_redaction_report *report);

/* Redacts the string values at `fields` (field_count paths such as "text",
   "meta.note", "messages[].content"; "[]" = every array element) in one JSON
   record (one line of JSON Lines, without its newline). Every other byte of
   the record is kept; replacements are JSON-escaped. Each record is one
   document. PIIVAULT_INVALID_ARGUMENT for a malformed record or path. */
PIIVAULT_EXPORT PIIVAULT_NODISCARD int piivault_redact_json_record(
    const piivault_redactor *redactor, const char *record, size_t record_len,
    const char *const *fields, size_t field_count, char **out, size_t *out_len,
    piivault_redaction_report *report);

/* Streaming redaction of one document: output is byte-identical to
   piivault_redact for every chunking, memory is bounded. threads >= 1 windows
   are scanned concurrently (output unchanged). */
PIIVAULT_EXPORT PIIVAULT_NODISCARD int piivault_redact_stream_create(
    const piivault_redactor *redactor, int threads, piivault_redact_stream **out);
/* Consumes chunk[0, chunk_len) and returns the output that became final (may
   be empty; *out is never NULL on success). After a failure the stream only
   accepts piivault_redact_stream_free; further calls give
   PIIVAULT_FAILED_PRECONDITION. */
PIIVAULT_EXPORT PIIVAULT_NODISCARD int piivault_redact_stream_write(
    piivault_redact_stream *stream, const char *chunk, size_t chunk_len, char **out,
    size_t *out_len);
/* Flushes the rest; call once, after the last write. report may be NULL;
   otherwise it receives the counts for the whole stream. */
PIIVAULT_EXPORT PIIVAULT_NODISCARD int piivault_redact_stream_finish(
    piivault_redact_stream *stream, char **out, size_t *out_len,
    piivault_redaction_report *report);
PIIVAULT_EXPORT void piivault_redact_stream_free(piivault_redact_stream *stream);

/* The redaction report with the fields added after piivault_redaction_report
   was frozen: the same fields at the same offsets, then the new ones. The
   _v2 functions below are the functions above with this report; everything
   else (arguments, errors, output) is identical. */
typedef struct piivault_redaction_report_v2 {
  uint64_t redacted;        /* findings changed (every operator but keep) */
  uint64_t below_threshold; /* left because of min_confidence */
  uint64_t allow_listed;    /* left because of the allow-list */
  uint64_t by_operator[PIIVAULT_OPERATOR_COUNT]; /* findings per operator */
  /* Labels written without a number because their document had already
     numbered the policy's max_numbered_values distinct values. */
  uint64_t numbering_capped;
} piivault_redaction_report_v2;

PIIVAULT_EXPORT PIIVAULT_NODISCARD int piivault_redact_v2(
    const piivault_redactor *redactor, const char *text, size_t text_len, char **out,
    size_t *out_len, piivault_redaction_report_v2 *report);
PIIVAULT_EXPORT PIIVAULT_NODISCARD int piivault_redact_json_record_v2(
    const piivault_redactor *redactor, const char *record, size_t record_len,
    const char *const *fields, size_t field_count, char **out, size_t *out_len,
    piivault_redaction_report_v2 *report);
PIIVAULT_EXPORT PIIVAULT_NODISCARD int piivault_redact_stream_finish_v2(
    piivault_redact_stream *stream, char **out, size_t *out_len,
    piivault_redaction_report_v2 *report);

/* v2 with the counts of a policy's settle_passes appended (the policy key
   that redacts a changed document again until a pass changes nothing; see
   examples/README-policy.md). The _v3 functions are the functions above with
   this report. */
typedef struct piivault_redaction_report_v3 {
  uint64_t redacted;        /* findings changed (every operator but keep) */
  uint64_t below_threshold; /* left because of min_confidence */
  uint64_t allow_listed;    /* left because of the allow-list */
  uint64_t by_operator[PIIVAULT_OPERATOR_COUNT]; /* findings per operator */
  uint64_t numbering_capped; /* see piivault_redaction_report_v2 */
  /* Findings a later pass redacted (also counted above). */
  uint64_t settled;
  /* Documents whose last allowed pass still changed something: redacting
     their output again may change it. 0 means every output is a fixed point. */
  uint64_t unsettled;
} piivault_redaction_report_v3;

PIIVAULT_EXPORT PIIVAULT_NODISCARD int piivault_redact_v3(
    const piivault_redactor *redactor, const char *text, size_t text_len, char **out,
    size_t *out_len, piivault_redaction_report_v3 *report);
PIIVAULT_EXPORT PIIVAULT_NODISCARD int piivault_redact_json_record_v3(
    const piivault_redactor *redactor, const char *record, size_t record_len,
    const char *const *fields, size_t field_count, char **out, size_t *out_len,
    piivault_redaction_report_v3 *report);
PIIVAULT_EXPORT PIIVAULT_NODISCARD int piivault_redact_stream_finish_v3(
    piivault_redact_stream *stream, char **out, size_t *out_len,
    piivault_redaction_report_v3 *report);

/* ---- Image metadata -------------------------------------------------------- */

/* Flags for piivault_image_scrub. Unknown bits are PIIVAULT_INVALID_ARGUMENT
   (and so is PIIVAULT_SCRUB_REDACT_TEXT, which needs an image scanner). */
#define PIIVAULT_SCRUB_KEEP_COPYRIGHT 0x1u        /* Exif Copyright, XMP dc:rights, IPTC */
#define PIIVAULT_SCRUB_KEEP_CAPTURE_SETTINGS 0x2u /* exposure, focal length, dates */

/* "jpeg", "png", "webp", "tiff", "gif", "heif" or "unknown", from the first
   bytes. Static storage. */
PIIVAULT_EXPORT const char *piivault_image_format(const char *bytes, size_t len);

/* A copy of the image (JPEG, PNG, WebP, TIFF, GIF, HEIF/AVIF) rebuilt from an
   allow-list: pixel data byte-identical, metadata that can identify a person
   (GPS, serials, names, comments, thumbnails...) removed. *out: free with
   piivault_buffer_free. PIIVAULT_INVALID_ARGUMENT for an unrecognised or
   malformed file, PIIVAULT_DATA_LOSS for a truncated one (message: format and
   byte offset). */
PIIVAULT_EXPORT PIIVAULT_NODISCARD int piivault_image_scrub(const char *bytes, size_t len,
                                                            uint32_t flags, char **out,
                                                            size_t *out_len);

/* Scanning image metadata, and scrubbing with detected values masked inside
   kept text fields, need the text detector: an image scanner holds one. */
typedef struct piivault_image_scanner piivault_image_scanner; /* opaque */

/* Keep free-text fields (JPEG COM, PNG tEXt/zTXt/iTXt, GIF comments) with the
   values the detector finds masked, instead of dropping them. Only for
   piivault_image_scanner_scrub. */
#define PIIVAULT_SCRUB_REDACT_TEXT 0x4u

/* Creates a scanner whose text detector uses `options` (NULL: defaults; copied).
   Errors as piivault_detector_create. Immutable, thread-safe. */
PIIVAULT_EXPORT PIIVAULT_NODISCARD int piivault_image_scanner_create(
    const piivault_detector_options *options, piivault_image_scanner **out);
PIIVAULT_EXPORT void piivault_image_scanner_free(piivault_image_scanner *scanner);

/* One metadata item of the file. Layout frozen. */
typedef struct piivault_image_item {
  const char *location;     /* outermost first, e.g. "APP1/Exif/GPS", "tEXt" */
  const char *name;         /* e.g. "GPSLatitude", "Artist", "Comment" */
  uint64_t offset;          /* byte offset of the item's data in the file */
  uint64_t size;            /* bytes */
  const char *sensitive_as; /* type if always sensitive (GPS, serials...), else "UNKNOWN" */
} piivault_image_item;

/* Personal data in an item. Layout frozen. */
typedef struct piivault_image_finding {
  const char *type;         /* e.g. "GEO_LOCATION", "CN_MOBILE" */
  size_t item;              /* index into piivault_image_report.items */
  float confidence;
  const char *validated_by; /* "tag" (sensitive by name) or the detector's validator */
} piivault_image_finding;

/* What piivault_image_scan returns: one allocation, free it with
   piivault_image_report_free. Never holds the metadata values. */
typedef struct piivault_image_report {
  const char *format; /* "jpeg", "png", ... */
  piivault_image_item *items;
  size_t item_count;
  piivault_image_finding *findings;
  size_t finding_count;
} piivault_image_report;

/* Every metadata item and every finding in the file. PIIVAULT_INVALID_ARGUMENT
   for an unrecognised or malformed container (message: format and offset). */
PIIVAULT_EXPORT PIIVAULT_NODISCARD int piivault_image_scan(const piivault_image_scanner *scanner,
                                                           const char *bytes, size_t len,
                                                           piivault_image_report **report);
PIIVAULT_EXPORT void piivault_image_report_free(piivault_image_report *report);

/* piivault_image_scrub with the scanner's detector; flags may include
   PIIVAULT_SCRUB_REDACT_TEXT. */
PIIVAULT_EXPORT PIIVAULT_NODISCARD int piivault_image_scanner_scrub(
    const piivault_image_scanner *scanner, const char *bytes, size_t len, uint32_t flags,
    char **out, size_t *out_len);

/* ---- Vault ------------------------------------------------------------------ */

/* Creates a vault in `dir` (made 0700) with a new random master key in
   dir/master.key (0600) and policy_toml (NULL: the default purpose policy;
   format: examples/vault-policy.toml). PIIVAULT_ALREADY_EXISTS if dir holds a
   vault, PIIVAULT_INVALID_ARGUMENT for a bad policy. */
PIIVAULT_EXPORT PIIVAULT_NODISCARD int piivault_vault_init(const char *dir,
                                                           const char *policy_toml,
                                                           size_t policy_toml_len);

/* Flags for piivault_vault_open. */
#define PIIVAULT_VAULT_IGNORE_ENV 0x1u /* don't read PIIVAULT_MASTER_KEY */

/* Opens the vault in `dir`. The master key is master_key_hex (64 hex chars)
   if not NULL, else PIIVAULT_MASTER_KEY (unless PIIVAULT_VAULT_IGNORE_ENV),
   else dir/master.key (unwrapped with `passphrase` if it is wrapped; NULL:
   none). Errors: PIIVAULT_NOT_FOUND (no vault), PIIVAULT_UNAUTHENTICATED
   (wrong key or passphrase), PIIVAULT_PERMISSION_DENIED (key file readable by
   others), PIIVAULT_DATA_LOSS (corrupt database), PIIVAULT_INVALID_ARGUMENT
   (bad policy, bad flags or key syntax). The handle is thread-safe. */
PIIVAULT_EXPORT PIIVAULT_NODISCARD int piivault_vault_open(const char *dir,
                                                           const char *master_key_hex,
                                                           const char *passphrase,
                                                           uint32_t flags,
                                                           piivault_vault **out);
/* Closes the vault (once no redactor created with it remains). */
PIIVAULT_EXPORT void piivault_vault_close(piivault_vault *vault);

/* Tokenizes `count` values of one type ("CN_RESIDENT_ID", ...) in one
   transaction (all or none). values[i] has value_lens[i] bytes (value_lens
   NULL: the values are NUL-terminated; the same holds for token_lens in
   piivault_vault_detokenize). subject (may
   be NULL) seals them under a per-subject, shreddable key; principal (may be
   NULL) is recorded in the audit log. On success *tokens is an array of
   `count` NUL-terminated tokens in order (free with piivault_tokens_free).
   PIIVAULT_INVALID_ARGUMENT for an unknown type or an empty value. */
PIIVAULT_EXPORT PIIVAULT_NODISCARD int piivault_vault_tokenize(
    piivault_vault *vault, const char *type_name, const char *const *values,
    const size_t *value_lens, size_t count, const char *subject, const char *principal,
    char ***tokens);
PIIVAULT_EXPORT void piivault_tokens_free(char **tokens);

/* The outcome for one token. Layout frozen. */
typedef struct piivault_detokenized {
  int status;          /* PIIVAULT_OK: value holds the released form; else why not:
                          NOT_FOUND, PERMISSION_DENIED, FAILED_PRECONDITION (expired),
                          DATA_LOSS, INVALID_ARGUMENT (not a token) */
  const char *message; /* "" when ok; never contains the value or token */
  const char *type;    /* "CN_MOBILE", ...; "UNKNOWN" if not known */
  const char *form;    /* "plaintext", "masked", "last4" or "deny" */
  const char *value;   /* NUL-terminated; "" unless status is PIIVAULT_OK */
  size_t value_len;
  const char *rule;    /* the policy rule that decided ("" for default deny) */
} piivault_detokenized;

/* Detokenizes `count` tokens for a declared purpose and principal in one
   transaction: policy, consent and TTL are checked and one audit row per token
   is committed before anything is released. Per-token outcomes are in
   *results (an array of `count`, free with piivault_detokenized_free, which
   wipes the values); the call itself fails only when the batch could not run
   (I/O, audit write) or for bad arguments (purpose and principal are
   required). */
PIIVAULT_EXPORT PIIVAULT_NODISCARD int piivault_vault_detokenize(
    piivault_vault *vault, const char *const *tokens, const size_t *token_lens, size_t count,
    const char *purpose, const char *principal, piivault_detokenized **results);
PIIVAULT_EXPORT void piivault_detokenized_free(piivault_detokenized *results);

/* Counts from piivault_vault_restore; never values or tokens. Layout frozen. */
typedef struct piivault_restore_report {
  uint64_t tokens;   /* tokens found in the text */
  uint64_t restored; /* replaced by what the policy releases (plaintext, masked, last4) */
  uint64_t refused;  /* left as they were */
} piivault_restore_report;

/* Flags for piivault_vault_restore. */
#define PIIVAULT_RESTORE_JSON 0x1u /* text is JSON (Lines): escape released values */

/* Finds vault tokens in text (tok_<type>_..., and format-preserving tokens)
   and replaces each with what the purpose policy releases to (purpose,
   principal); refused tokens stay and are counted. One detokenize batch (and
   audit rows) per call. *out: free with piivault_buffer_free (wiped: it holds
   released values). report may be NULL. Fails only when the batch could not
   run (I/O, audit write) or for bad arguments. */
PIIVAULT_EXPORT PIIVAULT_NODISCARD int piivault_vault_restore(
    piivault_vault *vault, const char *text, size_t text_len, const char *purpose,
    const char *principal, uint32_t flags, char **out, size_t *out_len,
    piivault_restore_report *report);

/* Records (granted != 0) or withdraws consent of `subject` for `purpose`. */
PIIVAULT_EXPORT PIIVAULT_NODISCARD int piivault_vault_set_consent(piivault_vault *vault,
                                                                  const char *subject,
                                                                  const char *purpose,
                                                                  int granted,
                                                                  const char *principal);

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* PIIVAULT_PIIVAULT_H_ */
