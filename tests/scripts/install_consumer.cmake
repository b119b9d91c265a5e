# Installs this build into a temporary prefix and builds examples/consumer/
# (a C++ program using find_package(piivault) + the C++ API, and a C11 program
# using the C ABI) against it, then runs the installed CLI and both programs;
# the C program is built a second time from piivault.pc (pkg-config).
# This file is both the registration (included from tests/CMakeLists.txt) and
# the test itself (run with cmake -P). It needs the whole build (install
# copies every target), so run it after `cmake --build`.
if(NOT CMAKE_SCRIPT_MODE_FILE)
  find_program(PIIVAULT_SYSTEM_PYTHON3 NAMES python3 PATHS /usr/bin NO_DEFAULT_PATH)
  find_program(PIIVAULT_SYSTEM_PYTHON3 NAMES python3)
  add_test(NAME install_consumer
    COMMAND ${CMAKE_COMMAND}
            -DBUILD_DIR=${PROJECT_BINARY_DIR}
            -DSOURCE_DIR=${PROJECT_SOURCE_DIR}
            -DWORK=${CMAKE_CURRENT_BINARY_DIR}/install_consumer
            -DGENERATOR=${CMAKE_GENERATOR}
            -DC_COMPILER=${CMAKE_C_COMPILER}
            -DCXX_COMPILER=${CMAKE_CXX_COMPILER}
            -DCONFIG=$<CONFIG>
            -DHAS_CLI=$<TARGET_EXISTS:piivault_cli>
            -DPKG_CONFIG=${PKG_CONFIG_EXECUTABLE}
            -DSANITIZE=${PIIVAULT_SANITIZE}
            -DPYTHON=${PIIVAULT_SYSTEM_PYTHON3}
            -P ${CMAKE_CURRENT_LIST_FILE})
  # Serial: it compiles and links, which would slow the 2-core test run.
  set_tests_properties(install_consumer PROPERTIES
    LABELS "install" TIMEOUT 300 RUN_SERIAL TRUE)
  return()
endif()

# ---- script mode -----------------------------------------------------------
function(run)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT rc EQUAL 0)
    string(REPLACE ";" " " cmd "${ARGN}")
    message(FATAL_ERROR "failed (${rc}): ${cmd}\n--- stdout\n${out}\n--- stderr\n${err}")
  endif()
  set(run_out "${out}" PARENT_SCOPE)
endfunction()

set(prefix ${WORK}/prefix)
set(consumer ${WORK}/consumer)
file(REMOVE_RECURSE ${WORK})
file(MAKE_DIRECTORY ${WORK})

run(${CMAKE_COMMAND} --install ${BUILD_DIR} --prefix ${prefix} --config ${CONFIG})

# What a consumer gets.
foreach(f include/piivault/piivault.h include/piivault/detector.h include/piivault/vault.h)
  if(NOT EXISTS ${prefix}/${f})
    message(FATAL_ERROR "not installed: ${f}")
  endif()
endforeach()
file(GLOB_RECURSE configs ${prefix}/*/piivaultConfig.cmake)
file(GLOB_RECURSE versions ${prefix}/*/piivaultConfigVersion.cmake)
if(NOT configs OR NOT versions)
  message(FATAL_ERROR "piivaultConfig.cmake / piivaultConfigVersion.cmake not installed")
endif()
file(GLOB_RECURSE private_headers ${prefix}/include/*internal*.h ${prefix}/include/capi/*)
if(private_headers)
  message(FATAL_ERROR "private headers installed: ${private_headers}")
endif()

if(HAS_CLI)
  file(WRITE ${WORK}/input.txt "手机号13812345678\n")
  run(${prefix}/bin/piivault scan ${WORK}/input.txt)
  if(NOT run_out MATCHES "CN_MOBILE" OR run_out MATCHES "13812345678")
    message(FATAL_ERROR "installed CLI: unexpected scan output: ${run_out}")
  endif()
endif()

run(${CMAKE_COMMAND} -S ${SOURCE_DIR}/examples/consumer -B ${consumer} -G ${GENERATOR}
    -DCMAKE_BUILD_TYPE=${CONFIG}
    -DCMAKE_C_COMPILER=${C_COMPILER} -DCMAKE_CXX_COMPILER=${CXX_COMPILER}
    -DCMAKE_PREFIX_PATH=${prefix})
run(${CMAKE_COMMAND} --build ${consumer} --config ${CONFIG})
run(${consumer}/consumer_cxx)
message(STATUS "${run_out}")
run(${consumer}/consumer_c)
message(STATUS "${run_out}")

# The same consumer linking the shared Debian libraries instead.
run(${CMAKE_COMMAND} -S ${SOURCE_DIR}/examples/consumer -B ${consumer}-shared -G ${GENERATOR}
    -DCMAKE_BUILD_TYPE=${CONFIG}
    -DCMAKE_C_COMPILER=${C_COMPILER} -DCMAKE_CXX_COMPILER=${CXX_COMPILER}
    -DCMAKE_PREFIX_PATH=${prefix} -Dpiivault_STATIC_DEPS=OFF)
run(${CMAKE_COMMAND} --build ${consumer}-shared --config ${CONFIG} --target consumer_c)
run(${consumer}-shared/consumer_c)

# Without CMake: the C program built from `pkg-config --cflags --libs piivault`
# (linked by the C driver; with sanitizers by the C++ driver, which brings the
# sanitizers' C++ runtime parts).
set(ENV{PKG_CONFIG_PATH} "")
file(GLOB_RECURSE pc_files ${prefix}/*/piivault.pc)
list(GET pc_files 0 pc_file)
get_filename_component(pc_dir ${pc_file} DIRECTORY)
set(ENV{PKG_CONFIG_PATH} ${pc_dir})
run(${PKG_CONFIG} --cflags piivault)
separate_arguments(pc_cflags UNIX_COMMAND "${run_out}")
run(${PKG_CONFIG} --libs piivault)
separate_arguments(pc_libs UNIX_COMMAND "${run_out}")
run(${C_COMPILER} -std=c11 -Wall -Wextra -Werror -pedantic ${pc_cflags}
    -c ${SOURCE_DIR}/examples/consumer/main.c -o ${WORK}/main_pc.o)
if(SANITIZE)
  set(linker ${CXX_COMPILER})
else()
  set(linker ${C_COMPILER})
endif()
run(${linker} ${WORK}/main_pc.o ${pc_libs} -o ${WORK}/consumer_c_pkgconfig)
run(${WORK}/consumer_c_pkgconfig)

# libpiivault.so (cmake/capi_shared.cmake), loaded from the prefix by ctypes.
file(GLOB_RECURSE shared_objects ${prefix}/*/libpiivault.so)
if(shared_objects AND NOT SANITIZE AND PYTHON)
  list(GET shared_objects 0 so)
  file(STRINGS ${prefix}/include/piivault/piivault.h version_line
    REGEX "^#define PIIVAULT_VERSION_STRING ")
  string(REGEX REPLACE ".*\"(.*)\".*" "\\1" header_version "${version_line}")
  run(${PYTHON} -c "import ctypes, sys; l = ctypes.CDLL(sys.argv[1]); l.piivault_version.restype = ctypes.c_char_p; v = l.piivault_version().decode(); print(v); sys.exit(v != sys.argv[2])"
      ${so} ${header_version})
endif()

# A version the package does not provide must be refused.
file(WRITE ${WORK}/too_new/CMakeLists.txt
  "cmake_minimum_required(VERSION 3.25)\nproject(too_new LANGUAGES CXX)\nfind_package(piivault 9.0 REQUIRED)\n")
execute_process(COMMAND ${CMAKE_COMMAND} -S ${WORK}/too_new -B ${WORK}/too_new/build -G ${GENERATOR}
                        -DCMAKE_PREFIX_PATH=${prefix}
                RESULT_VARIABLE rc OUTPUT_QUIET ERROR_QUIET)
if(rc EQUAL 0)
  message(FATAL_ERROR "find_package(piivault 9.0) succeeded against ${prefix}")
endif()
file(REMOVE_RECURSE ${WORK})
