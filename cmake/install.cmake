# Install rules and the CMake package, so another project can write
#   find_package(piivault 0.1 REQUIRED)
#   target_link_libraries(app PRIVATE piivault::piivault)
# against `cmake --install <build> --prefix <prefix>`.
#
# What is installed:
#   include/piivault/*.h                 the C++ API and the C ABI (piivault.h)
#   lib/libpiivault_<component>.a        one static archive per component
#                                        (common, detect, vault, image, redact, capi);
#                                        piivault::piivault links all of them
#   lib/cmake/piivault/                  piivaultConfig.cmake, ...ConfigVersion.cmake,
#                                        piivaultTargets*.cmake, piivault-static-deps.cmake
#   lib/pkgconfig/piivault.pc            for builds without CMake (C, cgo, ...)
#   lib/libpiivault.so.1                 the C ABI alone, for FFI (cmake/capi_shared.cmake)
#   bin/piivault                         the CLI (src/cli/CMakeLists.txt)
#
# Component archives rather than one merged archive: CMake exports them with
# their link order and link-only dependencies as they are built, nothing is
# compiled twice, and a consumer that needs only the detector still pulls in
# only the objects it uses. The archives do not contain Abseil, RE2,
# libsodium, SQLCipher, toml++, simdjson, libhwy or zlib: piivaultConfig.cmake
# finds the same Debian packages again and, when the build used
# PIIVAULT_STATIC_DEPS (the default), links their static archives the same way
# (cmake/static_deps.cmake, installed as piivault-static-deps.cmake; libcrypto,
# libdl and pthreads for SQLCipher included). A consumer can set
# piivault_STATIC_DEPS=OFF before find_package to link the shared libraries.
# piivault.pc lists the dependencies' own .pc files in Requires (not
# Requires.private: the archives need them at every link), so
# `pkg-config --cflags --libs piivault` is a complete link line (shared deps,
# plus -lstdc++ so a C compiler driver can link).
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

set(PIIVAULT_INSTALL_CMAKEDIR ${CMAKE_INSTALL_LIBDIR}/cmake/piivault)

install(DIRECTORY ${PROJECT_SOURCE_DIR}/include/piivault
  DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}
  FILES_MATCHING PATTERN "*.h")

if(PIIVAULT_SANITIZE)
  # Archives built with sanitizers need the sanitizer runtimes at link time.
  target_link_options(piivault INTERFACE
    $<INSTALL_INTERFACE:-fsanitize=${PIIVAULT_SANITIZE}>)
endif()

install(TARGETS piivault
    piivault_common piivault_detect piivault_vault piivault_image piivault_redact piivault_capi
  EXPORT piivaultTargets
  ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
  INCLUDES DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(EXPORT piivaultTargets
  NAMESPACE piivault::
  DESTINATION ${PIIVAULT_INSTALL_CMAKEDIR})

configure_package_config_file(
  ${PROJECT_SOURCE_DIR}/cmake/piivaultConfig.cmake.in
  ${PROJECT_BINARY_DIR}/piivaultConfig.cmake
  INSTALL_DESTINATION ${PIIVAULT_INSTALL_CMAKEDIR})
# 0.x: a minor release may change the API, so only the same minor matches.
write_basic_package_version_file(
  ${PROJECT_BINARY_DIR}/piivaultConfigVersion.cmake
  VERSION ${PROJECT_VERSION}
  COMPATIBILITY SameMinorVersion)
install(FILES
    ${PROJECT_BINARY_DIR}/piivaultConfig.cmake
    ${PROJECT_BINARY_DIR}/piivaultConfigVersion.cmake
  DESTINATION ${PIIVAULT_INSTALL_CMAKEDIR})
install(FILES ${PROJECT_SOURCE_DIR}/cmake/static_deps.cmake
  DESTINATION ${PIIVAULT_INSTALL_CMAKEDIR}
  RENAME piivault-static-deps.cmake)

# pkg-config: relocatable (paths relative to the .pc file).
file(RELATIVE_PATH PIIVAULT_PC_TO_PREFIX
  /prefix/${CMAKE_INSTALL_LIBDIR}/pkgconfig /prefix)
string(REGEX REPLACE "/$" "" PIIVAULT_PC_TO_PREFIX "${PIIVAULT_PC_TO_PREFIX}")
set(PIIVAULT_PC_REQUIRES
  "re2 libsodium sqlcipher libhwy zlib tomlplusplus simdjson absl_status absl_statusor absl_strings absl_str_format absl_span absl_flat_hash_map absl_time")
set(PIIVAULT_PC_SANITIZE "")
if(PIIVAULT_SANITIZE)
  set(PIIVAULT_PC_SANITIZE " -fsanitize=${PIIVAULT_SANITIZE}")
endif()
configure_file(${PROJECT_SOURCE_DIR}/cmake/piivault.pc.in ${PROJECT_BINARY_DIR}/piivault.pc @ONLY)
install(FILES ${PROJECT_BINARY_DIR}/piivault.pc DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig)
