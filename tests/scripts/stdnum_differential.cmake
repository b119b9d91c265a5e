# Differential test of the check-character arithmetic (src/detect/checksum.h)
# against python3-stdnum: scripts/stdnum_differential.py drives the oracle
# below over 120,000 seeded random candidates (pii-formats.md §12.7 lists
# where only the arithmetic is compared).
add_executable(checksum_oracle ${PROJECT_SOURCE_DIR}/tests/tools/checksum_oracle.cc)
target_include_directories(checksum_oracle PRIVATE ${PROJECT_SOURCE_DIR}/src)
target_link_libraries(checksum_oracle PRIVATE piivault_detect)

# Debian's python3 (with python3-stdnum) even when another python3 is first
# on PATH (pyenv shims and the like).
find_program(PIIVAULT_SYSTEM_PYTHON3 NAMES python3 PATHS /usr/bin NO_DEFAULT_PATH)
find_program(PIIVAULT_SYSTEM_PYTHON3 NAMES python3)

add_test(NAME stdnum_differential
  COMMAND ${PIIVAULT_SYSTEM_PYTHON3} ${PROJECT_SOURCE_DIR}/scripts/stdnum_differential.py
          $<TARGET_FILE:checksum_oracle> --count 120000)
set_tests_properties(stdnum_differential PROPERTIES LABELS "detect;differential" TIMEOUT 300)
