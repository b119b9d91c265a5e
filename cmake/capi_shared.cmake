# libpiivault.so: the C ABI as one shared object for FFI callers that can only
# load shared libraries (Python ctypes/cffi, JNA/FFM, Node ffi, ...). It holds
# every component and exports only the piivault_* functions of
# include/piivault/piivault.h (src/capi/piivault.map); the C++ API and the
# bundled dependencies stay hidden. Its dependencies are the shared Debian
# libraries: Debian's static archives (PIIVAULT_STATIC_DEPS) are not built as
# PIC, so they cannot go into a shared object. C and C++ programs that link at
# build time use the static archives (piivault::piivault, piivault.pc).
option(PIIVAULT_BUILD_SHARED_CAPI "Build libpiivault.so (the C ABI only, for FFI)" ON)
if(NOT PIIVAULT_BUILD_SHARED_CAPI)
  return()
endif()

# The link libraries of the shared dependencies, independent of the imported
# targets cmake/static_deps.cmake points at static archives.
pkg_check_modules(PIIVAULT_SO_DEPS REQUIRED
  re2 libsodium sqlcipher libhwy zlib tomlplusplus simdjson
  absl_status absl_statusor absl_strings absl_str_format absl_span absl_flat_hash_map absl_time)

# SOVERSION follows PIIVAULT_ABI_VERSION in the header.
file(STRINGS ${PROJECT_SOURCE_DIR}/include/piivault/piivault.h _piivault_abi_line
  REGEX "^#define PIIVAULT_ABI_VERSION [0-9]+")
string(REGEX REPLACE ".* ([0-9]+)$" "\\1" PIIVAULT_ABI_VERSION "${_piivault_abi_line}")

set(_piivault_so_stub ${PROJECT_BINARY_DIR}/generated/piivault_so_stub.c)
file(WRITE ${_piivault_so_stub} "/* libpiivault.so is made of the component archives. */\n")
add_library(piivault_shared SHARED ${_piivault_so_stub})
set_target_properties(piivault_shared PROPERTIES
  OUTPUT_NAME piivault
  VERSION ${PIIVAULT_ABI_VERSION}
  SOVERSION ${PIIVAULT_ABI_VERSION}
  LINKER_LANGUAGE CXX
  LINK_DEPENDS ${PROJECT_SOURCE_DIR}/src/capi/piivault.map)
# The archives by file, not by target: their targets' link interfaces name the
# static archives of the dependencies.
add_dependencies(piivault_shared piivault_capi piivault_redact piivault_image piivault_vault
  piivault_detect piivault_common)
target_link_libraries(piivault_shared PRIVATE
  -Wl,--version-script=${PROJECT_SOURCE_DIR}/src/capi/piivault.map
  -Wl,--whole-archive $<TARGET_FILE:piivault_capi> -Wl,--no-whole-archive
  $<TARGET_FILE:piivault_redact> $<TARGET_FILE:piivault_image> $<TARGET_FILE:piivault_vault>
  $<TARGET_FILE:piivault_detect> $<TARGET_FILE:piivault_common>
  ${PIIVAULT_SO_DEPS_LINK_LIBRARIES} Threads::Threads)
if(NOT PIIVAULT_SANITIZE)
  # Every symbol resolved at link time. (With sanitizers the runtime comes
  # from the executable that loads the library, so it stays undefined here.)
  target_link_options(piivault_shared PRIVATE -Wl,--no-undefined)
endif()
install(TARGETS piivault_shared LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR})
