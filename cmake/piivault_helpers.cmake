# Build helpers shared by the library, tests, fuzzers and benchmarks.

# piivault_component(<name> PUBLIC deps... PRIVATE deps...)
# A static library piivault_<name> from every .cc under src/<name>/.
# Files ending in _test.cc / _benchmark.cc are never part of the library.
function(piivault_component name)
  cmake_parse_arguments(ARG "" "" "PUBLIC;PRIVATE" ${ARGN})
  file(GLOB_RECURSE srcs CONFIGURE_DEPENDS ${PROJECT_SOURCE_DIR}/src/${name}/*.cc)
  list(FILTER srcs EXCLUDE REGEX "_(test|benchmark)\\.cc$")
  add_library(piivault_${name} STATIC ${srcs})
  target_include_directories(piivault_${name}
    PUBLIC $<BUILD_INTERFACE:${PROJECT_SOURCE_DIR}/include>
    PRIVATE ${PROJECT_SOURCE_DIR}/src)
  target_link_libraries(piivault_${name} PUBLIC ${ARG_PUBLIC} PRIVATE ${ARG_PRIVATE})
  target_compile_definitions(piivault_${name} PRIVATE
    PIIVAULT_SOURCE_DIR="${PROJECT_SOURCE_DIR}")
endfunction()

# piivault_embed_files(OUTPUT f.cc NAMESPACE ns SYMBOL name GLOB pattern)
# Generates a .cc defining
#   const ::piivault::internal::EmbeddedFile ns::name[]; and ns::name##Count
# holding each file's base name and bytes, regenerated when any file changes.
function(piivault_embed_files)
  cmake_parse_arguments(ARG "" "OUTPUT;NAMESPACE;SYMBOL;GLOB" "" ${ARGN})
  file(GLOB inputs CONFIGURE_DEPENDS ${ARG_GLOB})
  list(SORT inputs)
  add_custom_command(
    OUTPUT ${ARG_OUTPUT}
    COMMAND ${CMAKE_COMMAND}
      -DOUTPUT=${ARG_OUTPUT} -DNAMESPACE=${ARG_NAMESPACE} -DSYMBOL=${ARG_SYMBOL}
      "-DINPUTS=${inputs}"
      -P ${PROJECT_SOURCE_DIR}/cmake/embed_files.cmake
    DEPENDS ${inputs} ${PROJECT_SOURCE_DIR}/cmake/embed_files.cmake
    COMMENT "Embedding ${ARG_SYMBOL}"
    VERBATIM)
endfunction()
