/* The C ABI used from C: compiled as C11 (and C99) with -Wall -Wextra -Werror
 * -pedantic by tests/scripts/capi_c.cmake, then run under ctest. It checks
 * that piivault.h is valid C and that a C program can drive every group of
 * functions end to end: detect, redact (whole, streaming, JSON record), image
 * scrub, vault tokenize/detokenize/restore, and the error paths.
 *
 * Usage: piivault_capi_c_test VAULT_DIR   (must not exist; its parent must)
 */
#define _POSIX_C_SOURCE 200809L

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "piivault/piivault.h"

static int failures = 0;

#define CHECK(cond)                                                    \
  do {                                                                 \
    if (!(cond)) {                                                     \
      fprintf(stderr, "%s:%d: CHECK failed: %s (last error: %s)\n", __FILE__, __LINE__, #cond, \
              piivault_last_error());                                  \
      ++failures;                                                      \
    }                                                                  \
  } while (0)

static const char kText[] = "\xE6\x89\x8B\xE6\x9C\xBA\xE5\x8F\xB7" /* 手机号 */
                            "13812345678";

static void test_version(void) {
  CHECK(strcmp(piivault_version(), PIIVAULT_VERSION_STRING) == 0);
  CHECK(piivault_version_number() == PIIVAULT_VERSION_NUMBER);
  CHECK(piivault_abi_version() == PIIVAULT_ABI_VERSION);
  CHECK(strcmp(piivault_status_name(PIIVAULT_UNAUTHENTICATED), "UNAUTHENTICATED") == 0);
}

static void test_detector(piivault_detector **out) {
  piivault_detector_options *options = NULL;
  piivault_detector *detector = NULL;
  piivault_finding *found = NULL;
  size_t count = 0;

  CHECK(piivault_detector_options_create(&options) == PIIVAULT_OK);
  CHECK(piivault_detector_options_add_type(options, "NOT_A_TYPE") == PIIVAULT_INVALID_ARGUMENT);
  CHECK(strlen(piivault_last_error()) > 0);
  CHECK(piivault_detector_options_set_min_confidence(options, 0.5f) == PIIVAULT_OK);
  CHECK(strcmp(piivault_last_error(), "") == 0);
  CHECK(piivault_detector_create(options, &detector) == PIIVAULT_OK);
  piivault_detector_options_free(options);

  CHECK(piivault_detector_scan(detector, kText, sizeof kText - 1, &found, &count) == PIIVAULT_OK);
  CHECK(count == 1);
  if (count == 1) {
    CHECK(strcmp(found[0].type, "CN_MOBILE") == 0);
    CHECK(found[0].begin == 9 && found[0].end == 20);
    CHECK(strcmp(found[0].normalized, "13812345678") == 0);
  }
  piivault_findings_free(found);
  CHECK(piivault_detector_scan(NULL, kText, 1, &found, &count) == PIIVAULT_INVALID_ARGUMENT);
  *out = detector;
}

static void test_redactor(const piivault_detector *detector) {
  static const char kPolicy[] = "[defaults]\noperator = \"label\"\n";
  static const char kBadPolicy[] = "[defaults]\noperator = \"shred\"\n";
  piivault_redactor_options *options = NULL;
  piivault_redactor *redactor = NULL;
  piivault_redact_stream *stream = NULL;
  piivault_redaction_report report;
  char *out = NULL;
  size_t out_len = 0;
  char *part = NULL;
  size_t part_len = 0;
  char streamed[128] = "";
  size_t i;

  CHECK(piivault_redactor_options_create(&options) == PIIVAULT_OK);
  CHECK(piivault_redactor_options_set_policy_toml(options, kBadPolicy, sizeof kBadPolicy - 1,
                                                  "bad.toml") == PIIVAULT_INVALID_ARGUMENT);
  CHECK(strstr(piivault_last_error(), "bad.toml:") != NULL);
  CHECK(piivault_redactor_options_set_policy_toml(options, kPolicy, sizeof kPolicy - 1, NULL) ==
        PIIVAULT_OK);
  CHECK(piivault_redactor_create(detector, options, &redactor) == PIIVAULT_OK);
  piivault_redactor_options_free(options);

  CHECK(piivault_redact(redactor, kText, sizeof kText - 1, &out, &out_len, &report) ==
        PIIVAULT_OK);
  CHECK(out != NULL && strcmp(out, "\xE6\x89\x8B\xE6\x9C\xBA\xE5\x8F\xB7<CN_MOBILE>") == 0);
  CHECK(report.redacted == 1 && report.by_operator[PIIVAULT_OPERATOR_LABEL] == 1);

  /* Streaming, one byte at a time, gives the same bytes. */
  CHECK(piivault_redact_stream_create(redactor, 1, &stream) == PIIVAULT_OK);
  for (i = 0; i < sizeof kText - 1; ++i) {
    CHECK(piivault_redact_stream_write(stream, kText + i, 1, &part, &part_len) == PIIVAULT_OK);
    if (part != NULL && strlen(streamed) + part_len < sizeof streamed) strcat(streamed, part);
    piivault_buffer_free(part);
    part = NULL;
  }
  CHECK(piivault_redact_stream_finish(stream, &part, &part_len, &report) == PIIVAULT_OK);
  if (part != NULL && strlen(streamed) + part_len < sizeof streamed) strcat(streamed, part);
  piivault_buffer_free(part);
  CHECK(out != NULL && strcmp(streamed, out) == 0);
  CHECK(piivault_redact_stream_finish(stream, &part, &part_len, NULL) ==
        PIIVAULT_FAILED_PRECONDITION);
  piivault_redact_stream_free(stream);
  piivault_buffer_free(out);
  out = NULL;

  {
    static const char kRecord[] = "{\"id\":7,\"text\":\"13812345678\"}";
    const char *fields[1];
    fields[0] = "text";
    CHECK(piivault_redact_json_record(redactor, kRecord, sizeof kRecord - 1, fields, 1, &out,
                                      &out_len, NULL) == PIIVAULT_OK);
    CHECK(out != NULL && strcmp(out, "{\"id\":7,\"text\":\"<CN_MOBILE>\"}") == 0);
    piivault_buffer_free(out);
  }
  {
    /* The _v2 report: v1's fields, then numbering_capped. */
    piivault_redaction_report_v2 report2;
    memset(&report2, 0xAB, sizeof report2);
    CHECK(piivault_redact_v2(redactor, kText, sizeof kText - 1, &out, &out_len, &report2) ==
          PIIVAULT_OK);
    CHECK(report2.redacted == 1 && report2.by_operator[PIIVAULT_OPERATOR_LABEL] == 1);
    CHECK(report2.numbering_capped == 0);
    piivault_buffer_free(out);
    out = NULL;
  }
  piivault_redactor_free(redactor);
}

static void test_image(void) {
  static const char kNotAnImage[] = "GIF89a-but-truncated";
  char *out = NULL;
  size_t out_len = 0;
  CHECK(strcmp(piivault_image_format(kNotAnImage, sizeof kNotAnImage - 1), "gif") == 0);
  CHECK(piivault_image_scrub(kNotAnImage, sizeof kNotAnImage - 1, 0, &out, &out_len) !=
        PIIVAULT_OK);
  CHECK(out == NULL);
  CHECK(piivault_image_scrub(kNotAnImage, 3, 0x100u, &out, &out_len) ==
        PIIVAULT_INVALID_ARGUMENT);
  {
    piivault_image_scanner *scanner = NULL;
    piivault_image_report *report = NULL;
    CHECK(piivault_image_scanner_create(NULL, &scanner) == PIIVAULT_OK);
    CHECK(piivault_image_scan(scanner, kNotAnImage, sizeof kNotAnImage - 1, &report) !=
          PIIVAULT_OK);
    CHECK(report == NULL);
    CHECK(piivault_image_scanner_scrub(scanner, kNotAnImage, sizeof kNotAnImage - 1,
                                       PIIVAULT_SCRUB_REDACT_TEXT, &out, &out_len) != PIIVAULT_OK);
    piivault_image_report_free(report);
    piivault_image_scanner_free(scanner);
  }
}

static void test_vault(const char *dir) {
  static const char kPolicy[] =
      "version = 1\n"
      "[[rules]]\n"
      "name = \"mobile\"\n"
      "fields = [\"CN_MOBILE\"]\n"
      "purposes = [\"account_security\"]\n"
      "principals = [\"*\"]\n"
      "decision = \"plaintext\"\n";
  static const char kWrongKey[] =
      "0000000000000000000000000000000000000000000000000000000000000000";
  const char *values[1];
  piivault_vault *vault = NULL;
  piivault_vault *wrong = NULL;
  char **tokens = NULL;
  piivault_detokenized *results = NULL;

  CHECK(piivault_vault_init(dir, kPolicy, sizeof kPolicy - 1) == PIIVAULT_OK);
  CHECK(piivault_vault_open(dir, kWrongKey, NULL, PIIVAULT_VAULT_IGNORE_ENV, &wrong) ==
        PIIVAULT_UNAUTHENTICATED);
  CHECK(wrong == NULL);
  CHECK(strstr(piivault_last_error(), "00000000") == NULL);
  CHECK(piivault_vault_open(dir, NULL, NULL, PIIVAULT_VAULT_IGNORE_ENV, &vault) == PIIVAULT_OK);
  values[0] = "13812345678";
  CHECK(piivault_vault_tokenize(vault, "CN_MOBILE", values, NULL, 1, NULL, "c-test", &tokens) ==
        PIIVAULT_OK);
  if (tokens != NULL) {
    CHECK(strncmp(tokens[0], "tok_", 4) == 0);
    CHECK(piivault_vault_detokenize(vault, (const char *const *)tokens, NULL, 1,
                                    "account_security", "c-test", &results) == PIIVAULT_OK);
    CHECK(results != NULL && results[0].status == PIIVAULT_OK &&
          strcmp(results[0].value, "13812345678") == 0);
    piivault_detokenized_free(results);
    results = NULL;
    CHECK(piivault_vault_detokenize(vault, (const char *const *)tokens, NULL, 1, "marketing",
                                    "c-test", &results) == PIIVAULT_OK);
    CHECK(results != NULL && results[0].status == PIIVAULT_PERMISSION_DENIED &&
          results[0].value_len == 0);
    piivault_detokenized_free(results);
  }
  if (tokens != NULL) {
    char text[128];
    char *restored = NULL;
    size_t restored_len = 0;
    piivault_restore_report report;
    snprintf(text, sizeof text, "call %s now", tokens[0]);
    CHECK(piivault_vault_restore(vault, text, strlen(text), "account_security", "c-test", 0,
                                 &restored, &restored_len, &report) == PIIVAULT_OK);
    CHECK(restored != NULL && strcmp(restored, "call 13812345678 now") == 0);
    CHECK(report.tokens == 1 && report.restored == 1 && report.refused == 0);
    piivault_buffer_free(restored);
  }
  piivault_tokens_free(tokens);
  piivault_vault_close(vault);
}

int main(int argc, char **argv) {
  piivault_detector *detector = NULL;
  if (argc != 2) {
    fprintf(stderr, "usage: %s VAULT_DIR\n", argv[0]);
    return 2;
  }
  test_version();
  test_detector(&detector);
  if (detector != NULL) test_redactor(detector);
  piivault_detector_free(detector);
  test_image();
  test_vault(argv[1]);
  if (failures != 0) {
    fprintf(stderr, "%d check(s) failed\n", failures);
    return 1;
  }
  printf("C ABI test passed (piivault %s)\n", piivault_version());
  return 0;
}
