# End-to-end tests of `piivault vault`. This file is both the registration
# (included from tests/CMakeLists.txt) and the test itself (run with cmake -P).
if(NOT CMAKE_SCRIPT_MODE_FILE)
  if(TARGET piivault_cli)
    add_test(NAME cli_vault.roundtrip
      COMMAND ${CMAKE_COMMAND} -DPIIVAULT=$<TARGET_FILE:piivault_cli>
              -DWORK=${CMAKE_CURRENT_BINARY_DIR}/cli_vault -P ${CMAKE_CURRENT_LIST_FILE})
    set_tests_properties(cli_vault.roundtrip PROPERTIES LABELS "cli;vault" TIMEOUT 300)
  endif()
  return()
endif()

# ---- script mode -----------------------------------------------------------
unset(ENV{PIIVAULT_MASTER_KEY})
unset(ENV{PIIVAULT_DIR})
file(REMOVE_RECURSE ${WORK})
file(MAKE_DIRECTORY ${WORK})
set(DIR ${WORK}/v)

# run(<expected rc> <out var> <err var> [INPUT file] args...)
function(run expected out err)
  cmake_parse_arguments(R "" "INPUT" "" ${ARGN})
  set(input_args)
  if(R_INPUT)
    set(input_args INPUT_FILE ${R_INPUT})
  endif()
  execute_process(COMMAND ${PIIVAULT} ${R_UNPARSED_ARGUMENTS} ${input_args}
    RESULT_VARIABLE rc OUTPUT_VARIABLE o ERROR_VARIABLE e)
  if(NOT rc EQUAL expected)
    message(FATAL_ERROR "piivault ${R_UNPARSED_ARGUMENTS}: exit ${rc}, expected ${expected}\nstdout: ${o}\nstderr: ${e}")
  endif()
  set(${out} "${o}" PARENT_SCOPE)
  set(${err} "${e}" PARENT_SCOPE)
endfunction()

function(expect_no_secret text what)
  foreach(secret 11010519491231002X 320102199003074835 ${ARGN})
    string(FIND "${text}" "${secret}" pos)
    if(NOT pos EQUAL -1)
      message(FATAL_ERROR "${what} leaks a value or token: ${text}")
    endif()
  endforeach()
endfunction()

run(0 o e vault init --dir ${DIR})
file(READ ${DIR}/policy.toml policy)
string(FIND "${policy}" "trademark_notarization" pos)
if(pos EQUAL -1)
  message(FATAL_ERROR "default policy lacks the CN_RESIDENT_ID purposes")
endif()
run(1 o e vault init --dir ${DIR})

file(WRITE ${WORK}/ids.txt "11010519491231002X\n320102199003074835\n")
run(0 tokens e vault tokenize --dir ${DIR} --field CN_RESIDENT_ID --principal upload INPUT ${WORK}/ids.txt)
string(REGEX MATCHALL "tok_cnid_[a-z2-7]+" toks "${tokens}")
list(LENGTH toks n)
if(NOT n EQUAL 2 OR NOT tokens MATCHES "^tok_cnid_[a-z2-7][a-z2-7][a-z2-7][a-z2-7][a-z2-7][a-z2-7][a-z2-7][a-z2-7][a-z2-7][a-z2-7][a-z2-7][a-z2-7][a-z2-7][a-z2-7][a-z2-7][a-z2-7][a-z2-7][a-z2-7][a-z2-7][a-z2-7][a-z2-7][a-z2-7][a-z2-7][a-z2-7][a-z2-7][a-z2-7]\n")
  message(FATAL_ERROR "unexpected tokenize output: ${tokens}")
endif()
list(GET toks 0 t0)
list(GET toks 1 t1)

run(0 values e vault detokenize --dir ${DIR} --purpose identity_verification --principal kyc ${t0} ${t1})
if(NOT values STREQUAL "11010519491231002X\n320102199003074835\n")
  message(FATAL_ERROR "detokenize returned: ${values}")
endif()
# Tokens on stdin.
file(WRITE ${WORK}/toks.txt "${tokens}")
run(0 values e vault detokenize --dir ${DIR} --purpose enterprise_claim --principal legal INPUT ${WORK}/toks.txt)
if(NOT values STREQUAL "11010519491231002X\n320102199003074835\n")
  message(FATAL_ERROR "detokenize (stdin) returned: ${values}")
endif()

# Refusal: non-zero, reason on stderr, nothing printed.
run(1 values e vault detokenize --dir ${DIR} --purpose marketing --principal crm ${t0} ${t1})
if(NOT values STREQUAL "\n\n" OR NOT e MATCHES "token 1 refused \\(PERMISSION_DENIED\\)")
  message(FATAL_ERROR "refusal output: stdout=[${values}] stderr=[${e}]")
endif()
expect_no_secret("${e}" "refusal stderr" ${t0} ${t1})
run(1 values e vault detokenize --dir ${DIR} --purpose identity_verification --principal kyc tok_cnid_aaaaaaaaaaaaaaaaaaaaaaaaaa not-a-token)
expect_no_secret("${e}" "unknown-token stderr" not-a-token tok_cnid_aaaa)

# Usage errors.
run(2 o e vault tokenize --dir ${DIR} --field NO_SUCH_TYPE INPUT ${WORK}/ids.txt)
run(2 o e vault detokenize --dir ${DIR} --principal kyc ${t0})

# Consent, per subject; then shredding that subject.
file(WRITE ${WORK}/mobile.txt "13812345678\n")
run(0 mt e vault tokenize --dir ${DIR} --field CN_MOBILE --subject user-9 INPUT ${WORK}/mobile.txt)
string(STRIP "${mt}" mt)
run(1 o e vault detokenize --dir ${DIR} --purpose marketing --principal crm ${mt})
run(0 o e vault consent --dir ${DIR} --subject user-9 --purpose marketing --grant)
run(0 o e vault detokenize --dir ${DIR} --purpose marketing --principal crm ${mt})
if(NOT o STREQUAL "13812345678\n")
  message(FATAL_ERROR "consented detokenize returned: ${o}")
endif()
run(0 o e vault consent --dir ${DIR} --subject user-9 --purpose marketing --withdraw)
run(1 o e vault detokenize --dir ${DIR} --purpose marketing --principal crm ${mt})
run(0 o e vault shred --dir ${DIR} --subject user-9)
if(NOT o STREQUAL "1\n")
  message(FATAL_ERROR "shred reported: ${o}")
endif()
run(1 o e vault detokenize --dir ${DIR} --purpose customer_service --principal cs ${mt})
if(NOT e MATCHES "NOT_FOUND")
  message(FATAL_ERROR "shredded token: ${e}")
endif()

# Poison token raises an alert.
run(0 poison e vault poison --dir ${DIR} --field BANK_CARD)
string(STRIP "${poison}" poison)
run(1 o e vault detokenize --dir ${DIR} --purpose settlement --principal pay ${poison})

# Rotation: field key, re-encryption, master key.
run(0 o e vault rotate --dir ${DIR} --field CN_RESIDENT_ID)
if(NOT o STREQUAL "2\n")
  message(FATAL_ERROR "rotate printed: ${o}")
endif()
run(0 o e vault rotate --dir ${DIR} --reencrypt --batch 1)
run(0 o e vault rotate --dir ${DIR} --master)
run(0 values e vault detokenize --dir ${DIR} --purpose trademark_notarization --principal tm ${t0} ${t1})
if(NOT values STREQUAL "11010519491231002X\n320102199003074835\n")
  message(FATAL_ERROR "after rotations detokenize returned: ${values}")
endif()
run(0 o e vault stats --dir ${DIR})
if(NOT o MATCHES "field CN_RESIDENT_ID tokens 2 key_version 2 on_old_versions 0")
  message(FATAL_ERROR "stats: ${o}")
endif()

# Audit: verify, export a signed head, verify against it.
run(0 o e vault audit verify --dir ${DIR} --export-head ${WORK}/head.txt)
if(NOT o MATCHES "audit ok: [0-9]+ rows, head seq [0-9]+, 1 alerts")
  message(FATAL_ERROR "audit verify: ${o}")
endif()
run(0 o e vault audit verify --dir ${DIR} --head ${WORK}/head.txt)

# $PIIVAULT_DIR is the default directory.
set(ENV{PIIVAULT_DIR} ${DIR})
run(0 o e vault stats)
unset(ENV{PIIVAULT_DIR})

# Keys: a wrong env key and a group-readable key file are clean errors.
set(ENV{PIIVAULT_MASTER_KEY} "0000000000000000000000000000000000000000000000000000000000000000")
run(1 o e vault stats --dir ${DIR})
if(NOT e MATCHES "vault key does not match")
  message(FATAL_ERROR "wrong key: ${e}")
endif()
unset(ENV{PIIVAULT_MASTER_KEY})
file(CHMOD ${DIR}/master.key PERMISSIONS OWNER_READ OWNER_WRITE GROUP_READ)
run(1 o e vault stats --dir ${DIR})
if(NOT e MATCHES "chmod 600")
  message(FATAL_ERROR "group-readable key file: ${e}")
endif()
file(CHMOD ${DIR}/master.key PERMISSIONS OWNER_READ OWNER_WRITE)

# Passphrase-protected key file.
set(ENV{PIIVAULT_PASSPHRASE} "correct horse battery staple")
run(0 o e vault init --dir ${WORK}/p --min-kdf-cost)
run(0 o e vault stats --dir ${WORK}/p)
set(ENV{PIIVAULT_PASSPHRASE} "wrong")
run(1 o e vault stats --dir ${WORK}/p)
unset(ENV{PIIVAULT_PASSPHRASE})

file(REMOVE_RECURSE ${WORK})
message(STATUS "cli_vault: all checks passed")
