# A second pass changes nothing (issue #3), end to end through the CLI: the
# accuracy test's transcripts and generated noise, redacted twice under each
# operator (tests/scripts/redact_idempotence_check.py).
if(TARGET piivault_cli)
  find_program(PIIVAULT_SYSTEM_PYTHON3 NAMES python3 PATHS /usr/bin NO_DEFAULT_PATH)
  find_program(PIIVAULT_SYSTEM_PYTHON3 NAMES python3)
  add_test(NAME redact_idempotence
    COMMAND ${PIIVAULT_SYSTEM_PYTHON3} ${CMAKE_CURRENT_LIST_DIR}/redact_idempotence_check.py
            $<TARGET_FILE:piivault_cli> ${PROJECT_SOURCE_DIR}
            ${CMAKE_CURRENT_BINARY_DIR}/redact_idempotence ${CMAKE_CURRENT_BINARY_DIR}/accuracy/corpus.jsonl)
  set_tests_properties(redact_idempotence PROPERTIES
    FIXTURES_REQUIRED accuracy_corpus LABELS "cli;redact" TIMEOUT 900)
endif()
