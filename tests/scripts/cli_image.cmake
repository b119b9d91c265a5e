# End-to-end tests of `piivault image scan` and `piivault image scrub`
# (tests/scripts/cli_image_check.py): JSON report shape, no values without
# --show-values, exit codes, -o, --in-place (original kept on failure),
# --keep copyright, stdout output.
if(TARGET piivault_cli)
  find_program(PIIVAULT_SYSTEM_PYTHON3 NAMES python3 PATHS /usr/bin NO_DEFAULT_PATH)
  find_program(PIIVAULT_SYSTEM_PYTHON3 NAMES python3)
  add_test(NAME cli_image
    COMMAND ${PIIVAULT_SYSTEM_PYTHON3} ${CMAKE_CURRENT_SOURCE_DIR}/scripts/cli_image_check.py
            $<TARGET_FILE:piivault_cli> ${PIIVAULT_SHARED_DIR}/testdata/images
            ${CMAKE_CURRENT_BINARY_DIR}/cli_image)
  set_tests_properties(cli_image PROPERTIES LABELS "image;cli" TIMEOUT 300)
endif()
