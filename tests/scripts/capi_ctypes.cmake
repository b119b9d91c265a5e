# The C ABI from Python ctypes through libpiivault.so (tests/capi/capi_ctypes_test.py):
# exported symbols == the header's functions, struct layouts as declared, and
# detect/redact/stream/scrub/vault end to end. Not under sanitizers: a
# sanitized shared object needs its runtime preloaded into python.
if(TARGET piivault_shared AND NOT PIIVAULT_SANITIZE)
  find_program(PIIVAULT_SYSTEM_PYTHON3 NAMES python3 PATHS /usr/bin NO_DEFAULT_PATH)
  find_program(PIIVAULT_SYSTEM_PYTHON3 NAMES python3)
  add_test(NAME capi_ctypes
    COMMAND ${PIIVAULT_SYSTEM_PYTHON3} ${PROJECT_SOURCE_DIR}/tests/capi/capi_ctypes_test.py
            $<TARGET_FILE:piivault_shared> ${PROJECT_SOURCE_DIR}/include/piivault/piivault.h
            ${CMAKE_CURRENT_BINARY_DIR}/capi_ctypes)
  set_tests_properties(capi_ctypes PROPERTIES LABELS capi TIMEOUT 120)
endif()
