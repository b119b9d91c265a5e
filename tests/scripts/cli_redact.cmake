# End-to-end tests of `piivault redact` and `piivault restore`
# (tests/scripts/cli_redact_check.py): plain text and JSON Lines, thread-count
# invariance, --on-error modes, policies and their errors, --stats, -o
# atomicity, hash keys, and the vault round trip (redact --vault, restore).
if(TARGET piivault_cli)
  find_program(PIIVAULT_SYSTEM_PYTHON3 NAMES python3 PATHS /usr/bin NO_DEFAULT_PATH)
  find_program(PIIVAULT_SYSTEM_PYTHON3 NAMES python3)
  foreach(case text jsonl threads on_error non_utf8 usage policy stats output hash vault transcript)
    add_test(NAME cli_redact.${case}
      COMMAND ${PIIVAULT_SYSTEM_PYTHON3} ${CMAKE_CURRENT_LIST_DIR}/cli_redact_check.py
              ${case} $<TARGET_FILE:piivault_cli> ${PROJECT_SOURCE_DIR}
              ${CMAKE_CURRENT_BINARY_DIR}/cli_redact)
    set_tests_properties(cli_redact.${case} PROPERTIES LABELS "cli;redact" TIMEOUT 300)
  endforeach()
  # JSON Lines across the CLI's batch boundaries (tests/scripts/cli_redact_batches.py).
  add_test(NAME cli_redact.batches
    COMMAND ${PIIVAULT_SYSTEM_PYTHON3} ${CMAKE_CURRENT_LIST_DIR}/cli_redact_batches.py
            $<TARGET_FILE:piivault_cli> ${CMAKE_CURRENT_BINARY_DIR}/cli_redact/batches_run)
  set_tests_properties(cli_redact.batches PROPERTIES LABELS "cli;redact" TIMEOUT 600)
endif()
