# End-to-end tests of `piivault scan` on examples/transcript.txt and
# examples/transcript.jsonl: exit codes, output shape, offsets, escaping, and
# that error messages never quote the input (tests/scripts/cli_scan_check.py).
if(TARGET piivault_cli)
  find_program(PIIVAULT_SYSTEM_PYTHON3 NAMES python3 PATHS /usr/bin NO_DEFAULT_PATH)
  find_program(PIIVAULT_SYSTEM_PYTHON3 NAMES python3)
  foreach(case text jsonl jsonl_fields bad_input usage escaping patterns)
    add_test(NAME cli_scan.${case}
      COMMAND ${PIIVAULT_SYSTEM_PYTHON3} ${CMAKE_CURRENT_LIST_DIR}/cli_scan_check.py
              ${case} $<TARGET_FILE:piivault_cli> ${PROJECT_SOURCE_DIR}
              ${CMAKE_CURRENT_BINARY_DIR}/cli_scan)
    set_tests_properties(cli_scan.${case} PROPERTIES LABELS "cli" TIMEOUT 300)
  endforeach()
endif()
