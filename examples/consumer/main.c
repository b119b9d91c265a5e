/* Uses the installed C ABI (piivault/piivault.h) from C11. */
#include <stdio.h>
#include <string.h>

#include "piivault/piivault.h"

int main(void) {
  static const char text[] = "\xE6\x89\x8B\xE6\x9C\xBA\xE5\x8F\xB7" /* 手机号 */ "13812345678";
  static const char want[] = "\xE6\x89\x8B\xE6\x9C\xBA\xE5\x8F\xB7" "138****5678";
  piivault_detector *detector = NULL;
  piivault_redactor *redactor = NULL;
  piivault_finding *found = NULL;
  size_t count = 0;
  char *out = NULL;
  size_t out_len = 0;
  piivault_redaction_report report;
  int ok = 0;

  if (strcmp(piivault_version(), PIIVAULT_VERSION_STRING) != 0) {
    fprintf(stderr, "header %s, library %s\n", PIIVAULT_VERSION_STRING, piivault_version());
    return 1;
  }
  if (piivault_detector_create(NULL, &detector) != PIIVAULT_OK ||
      piivault_detector_scan(detector, text, sizeof text - 1, &found, &count) != PIIVAULT_OK ||
      piivault_redactor_create(detector, NULL, &redactor) != PIIVAULT_OK ||
      piivault_redact(redactor, text, sizeof text - 1, &out, &out_len, &report) != PIIVAULT_OK) {
    fprintf(stderr, "consumer_c: %s\n", piivault_last_error());
  } else {
    printf("%s %zu..%zu\n%s\n", count > 0 ? found[0].type : "-", count > 0 ? found[0].begin : 0,
           count > 0 ? found[0].end : 0, out);
    ok = count == 1 && strcmp(found[0].type, "CN_MOBILE") == 0 && strcmp(out, want) == 0 &&
         report.redacted == 1;
  }
  piivault_buffer_free(out);
  piivault_findings_free(found);
  piivault_redactor_free(redactor);
  piivault_detector_free(detector);
  printf("consumer_c (piivault %s): %s\n", piivault_version(), ok ? "ok" : "FAILED");
  return ok ? 0 : 1;
}
