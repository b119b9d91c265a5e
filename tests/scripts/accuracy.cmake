# Accuracy on a labelled corpus of Chinese customer-service transcripts.
# accuracy.gen_corpus writes the corpus into the build tree with a fixed seed
# (scripts/gen_corpus.py; nothing large is committed), then accuracy.eval
# (tests/tools/accuracy_eval.cc) scans it, prints per-type precision/recall
# and fails when an issue #2 target is missed.
add_executable(accuracy_eval ${PROJECT_SOURCE_DIR}/tests/tools/accuracy_eval.cc)
target_link_libraries(accuracy_eval PRIVATE piivault_detect simdjson::simdjson)

find_program(PIIVAULT_SYSTEM_PYTHON3 NAMES python3 PATHS /usr/bin NO_DEFAULT_PATH)
find_program(PIIVAULT_SYSTEM_PYTHON3 NAMES python3)

set(PIIVAULT_ACCURACY_CORPUS ${CMAKE_CURRENT_BINARY_DIR}/accuracy/corpus.jsonl)
add_test(NAME accuracy.gen_corpus
  COMMAND ${PIIVAULT_SYSTEM_PYTHON3} ${PROJECT_SOURCE_DIR}/scripts/gen_corpus.py
          --out ${PIIVAULT_ACCURACY_CORPUS})
set_tests_properties(accuracy.gen_corpus PROPERTIES
  FIXTURES_SETUP accuracy_corpus LABELS "detect;accuracy" TIMEOUT 120)
add_test(NAME accuracy.eval
  COMMAND accuracy_eval ${PIIVAULT_ACCURACY_CORPUS} --examples 5)
set_tests_properties(accuracy.eval PROPERTIES
  FIXTURES_REQUIRED accuracy_corpus LABELS "detect;accuracy" TIMEOUT 300)
