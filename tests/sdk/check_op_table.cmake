# check_op_table.cmake — proves that a malformed op table does not build:
# compiles op_table_probe.cpp once well formed (must succeed) and once per
# fault (must fail, with the diagnostic that names the fault). A CTest
# driver (cmake -P). Variables: CXX (the compiler), SDK_INCLUDE, PROBE (the
# source), WORK (a scratch folder).
cmake_minimum_required(VERSION 3.20)
foreach(var CXX SDK_INCLUDE PROBE WORK)
  if(NOT DEFINED ${var})
    message(FATAL_ERROR "check_op_table.cmake: -D${var}=... is required")
  endif()
endforeach()
file(MAKE_DIRECTORY "${WORK}")

function(probe variant expect_ok pattern what)
  execute_process(
    COMMAND "${CXX}" -std=c++17 -fsyntax-only -DMT_PROBE=${variant} -I "${SDK_INCLUDE}" "${PROBE}"
    RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err WORKING_DIRECTORY "${WORK}")
  if(expect_ok)
    if(NOT rc EQUAL 0)
      message(FATAL_ERROR "the well-formed probe table does not compile:\n${err}")
    endif()
    message("ok: ${what} compiles")
    return()
  endif()
  if(rc EQUAL 0)
    message(FATAL_ERROR "${what}: compiled, but a table with this fault must not build")
  endif()
  if(NOT err MATCHES "${pattern}")
    message(FATAL_ERROR "${what}: failed to compile, but not with /${pattern}/:\n${err}")
  endif()
  message("ok: ${what} is a compile error (/${pattern}/)")
endfunction()

probe(0 TRUE "" "a well-formed table")
probe(1 FALSE "MT_SDK_MAP_INFO.*(requires 8 arguments|passed 7 arguments)" "a row with a field missing")
probe(2 FALSE "values must be 0, 1, 2" "values out of order")
probe(3 FALSE "names must be unique" "a duplicate name")
probe(4 FALSE "RTOL_F64 <= RTOL_F32" "an f32 tolerance tighter than f64's")
probe(5 FALSE "DOMAIN is empty" "an empty domain")
