# End-to-end tests of `piivault restore --jsonl --field PATH`
# (tests/scripts/cli_restore_check.py): field-scoped restoration leaves every
# other byte unchanged; malformed records and bad paths.
if(TARGET piivault_cli)
  find_program(PIIVAULT_SYSTEM_PYTHON3 NAMES python3 PATHS /usr/bin NO_DEFAULT_PATH)
  find_program(PIIVAULT_SYSTEM_PYTHON3 NAMES python3)
  foreach(case fields errors)
    add_test(NAME cli_restore.${case}
      COMMAND ${PIIVAULT_SYSTEM_PYTHON3} ${CMAKE_CURRENT_LIST_DIR}/cli_restore_check.py
              ${case} $<TARGET_FILE:piivault_cli> ${PROJECT_SOURCE_DIR}
              ${CMAKE_CURRENT_BINARY_DIR}/cli_restore)
    set_tests_properties(cli_restore.${case} PROPERTIES LABELS "cli;redact" TIMEOUT 300)
  endforeach()
endif()
