# The C ABI used from plain C (tests/capi/capi_c_test.c): compiled as C, not
# C++, in C11 and C99 with -Wall -Wextra -Werror -pedantic, then run. The
# link pulls in the C++ component archives (CMake links with the C++ driver
# because piivault_capi is C++).
foreach(std 11 99)
  add_executable(piivault_capi_c${std}_test ${PROJECT_SOURCE_DIR}/tests/capi/capi_c_test.c)
  set_target_properties(piivault_capi_c${std}_test PROPERTIES
    C_STANDARD ${std} C_STANDARD_REQUIRED ON C_EXTENSIONS OFF)
  target_compile_options(piivault_capi_c${std}_test PRIVATE -Wall -Wextra -Werror -pedantic)
  target_link_libraries(piivault_capi_c${std}_test PRIVATE piivault_capi)
  set(work ${CMAKE_CURRENT_BINARY_DIR}/capi_c${std})
  add_test(NAME capi_c${std}.setup
    COMMAND ${CMAKE_COMMAND} -E rm -rf ${work})
  set_tests_properties(capi_c${std}.setup PROPERTIES FIXTURES_SETUP capi_c${std}_dir LABELS capi)
  add_test(NAME capi_c${std} COMMAND piivault_capi_c${std}_test ${work})
  set_tests_properties(capi_c${std} PROPERTIES
    FIXTURES_REQUIRED capi_c${std}_dir LABELS capi TIMEOUT 120)
endforeach()
