# check_kit_run.cmake — runs the conformance kit once and checks its exit
# status and JSON report against what the caller expects. A CTest driver
# (cmake -P), not a test of the cases themselves. Variables:
#   KIT     path of minitorch-conformance
#   ARGS    its arguments, '|'-separated (e.g. --backend|reference)
#   REPORT  where the kit writes its JSON report
#   EXPECT  all_pass          usable, and every case passed (none skipped)
#           pass_or_unusable  usable: nothing failed, crashed or timed out and
#                             something passed; not usable: exit 3 (nothing
#                             ran), every case skipped as "not usable", none
#                             passed, and the line "MT_KIT_SKIPPED: ..." is
#                             printed (CTest's SKIP_REGULAR_EXPRESSION then
#                             reports the test as skipped, never as passed)
#           nothing_ran       not usable: exit 3, every case skipped as "not
#                             usable" (the test passes: that is what it checks)
#           all_fail          every case failed; none crashed, timed out or passed
cmake_minimum_required(VERSION 3.20)
foreach(var KIT ARGS REPORT EXPECT)
  if(NOT DEFINED ${var})
    message(FATAL_ERROR "check_kit_run.cmake: -D${var}=... is required")
  endif()
endforeach()

string(REPLACE "|" ";" ARGS "${ARGS}")
file(REMOVE "${REPORT}")
execute_process(COMMAND "${KIT}" ${ARGS} --json "${REPORT}"
  RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
message("${out}")
if(err)
  message("stderr:\n${err}")
endif()
if(NOT EXISTS "${REPORT}")
  message(FATAL_ERROR "the kit (exit ${rc}) wrote no report to ${REPORT}")
endif()
file(READ "${REPORT}" report)
string(JSON complete GET "${report}" complete)
string(JSON usable GET "${report}" candidate usable)
foreach(field total passed failed skipped crashed timed_out not_run)
  string(JSON ${field} GET "${report}" summary ${field})
endforeach()
set(counts "total ${total}: ${passed} passed, ${failed} failed, ${skipped} skipped, ${crashed} crashed, ${timed_out} timed out, ${not_run} not run")
if(NOT complete)
  message(FATAL_ERROR "the report is not complete (${counts})")
endif()

# An unusable backend: exit 3 (no case ran), every case skipped, each one
# (not only the count) as "not usable".
macro(mt_expect_nothing_ran)
  if(NOT rc EQUAL 3 OR NOT passed EQUAL 0 OR NOT skipped EQUAL total OR total EQUAL 0)
    message(FATAL_ERROR "unusable backend: expected exit 3 (nothing ran) and every case skipped; got exit ${rc}, ${counts}")
  endif()
  string(REGEX MATCHALL "\"skip_reason\": \"not usable\"" marks "${report}")
  list(LENGTH marks not_usable)
  if(NOT not_usable EQUAL total)
    message(FATAL_ERROR "unusable backend: ${not_usable} of ${total} cases say 'not usable'")
  endif()
endmacro()

if(EXPECT STREQUAL "all_pass")
  if(NOT rc EQUAL 0 OR NOT usable OR NOT passed EQUAL total OR total EQUAL 0)
    message(FATAL_ERROR "expected exit 0 and every case passed; got exit ${rc}, usable ${usable}, ${counts}")
  endif()
elseif(EXPECT STREQUAL "pass_or_unusable")
  if(usable)
    if(NOT rc EQUAL 0)
      message(FATAL_ERROR "expected exit 0; got ${rc} (${counts})")
    endif()
    if(passed EQUAL 0 OR NOT failed EQUAL 0 OR NOT crashed EQUAL 0 OR NOT timed_out EQUAL 0)
      message(FATAL_ERROR "usable backend: expected passes and no failure; got ${counts}")
    endif()
  else()
    mt_expect_nothing_ran()
    string(JSON reason GET "${report}" candidate unusable_reason)
    message("MT_KIT_SKIPPED: the backend is not usable here (${reason}): every case reported as skipped (not usable), exit ${rc}")
  endif()
elseif(EXPECT STREQUAL "nothing_ran")
  if(usable)
    message(FATAL_ERROR "expected an unusable backend; it is usable (${counts})")
  endif()
  mt_expect_nothing_ran()
elseif(EXPECT STREQUAL "all_fail")
  if(NOT rc EQUAL 1 OR NOT failed EQUAL total OR total EQUAL 0)
    message(FATAL_ERROR "expected exit 1 and every case failed (none crashed); got exit ${rc}, ${counts}")
  endif()
else()
  message(FATAL_ERROR "check_kit_run.cmake: unknown EXPECT '${EXPECT}'")
endif()
message("check passed: exit ${rc}, ${counts}")
