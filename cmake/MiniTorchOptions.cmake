# Project options, warnings and sanitizers. Optional parts use AUTO|ON|OFF:
# AUTO builds a part when its toolkit is found and says what it skipped; ON
# fails loudly when the toolkit is missing; OFF skips it.
include_guard(GLOBAL)

set(MT_CUDA "AUTO" CACHE STRING "Build the CUDA backend plugin: AUTO|ON|OFF")
set(MT_TBB "AUTO" CACHE STRING "Build the parallel (oneTBB) backend plugin and the DataLoader's background prefetch: AUTO|ON|OFF")
set_property(CACHE MT_CUDA PROPERTY STRINGS AUTO ON OFF)
set_property(CACHE MT_TBB PROPERTY STRINGS AUTO ON OFF)
option(MT_BUILD_TESTS "Build the Boost.Test suites" ON)
option(MT_BUILD_BENCHMARKS "Build the benchmark lab" ON)
set(MT_SANITIZE "" CACHE STRING "Sanitizers for a Debug build: '', 'address,undefined' or 'thread'")
set(MT_FUZZ "AUTO" CACHE STRING "Build the libFuzzer targets (tests/fuzz; needs clang): AUTO|ON|OFF")
set_property(CACHE MT_FUZZ PROPERTY STRINGS AUTO ON OFF)
set(MT_PYTHON "AUTO" CACHE STRING
  "Build the Python front end (python/; needs pybind11-dev and python3-dev): AUTO|ON|OFF")
set_property(CACHE MT_PYTHON PROPERTY STRINGS AUTO ON OFF)
set(MT_MPI "AUTO" CACHE STRING
  "Build the MPI communicator for data-parallel training (needs libopenmpi-dev): AUTO|ON|OFF")
set_property(CACHE MT_MPI PROPERTY STRINGS AUTO ON OFF)

foreach(opt MT_CUDA MT_TBB MT_FUZZ MT_PYTHON MT_MPI)
  if(NOT ${opt} MATCHES "^(AUTO|ON|OFF)$")
    message(FATAL_ERROR "${opt}=${${opt}} is not allowed; use AUTO, ON or OFF")
  endif()
endforeach()

if(MT_SANITIZE)
  add_compile_options(-fsanitize=${MT_SANITIZE} -fno-omit-frame-pointer)
  add_link_options(-fsanitize=${MT_SANITIZE})
  if(MT_SANITIZE MATCHES "undefined")
    add_compile_options(-fno-sanitize-recover=undefined)
  endif()
endif()

# Warnings are errors in project code. Apply with mt_project_warnings(target).
function(mt_project_warnings target)
  target_compile_options(${target} PRIVATE
    $<$<COMPILE_LANGUAGE:CXX,C>:-Wall -Wextra -Wpedantic -Werror>)
  # GCC 12 reports -Wrestrict inside libstdc++'s own std::string code at -O3
  # (GCC bug 105329, a false positive fixed in GCC 13); it is not our code.
  if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU" AND CMAKE_CXX_COMPILER_VERSION VERSION_LESS 13)
    target_compile_options(${target} PRIVATE $<$<COMPILE_LANGUAGE:CXX>:-Wno-restrict>)
  endif()
endfunction()

# mt_optional_dependency(<result> <option> <found> <feature> <why-missing>): the one
# AUTO|ON|OFF rule for a part that needs a toolkit. Call it after the find (which the
# caller skips when <option> is OFF); <found> names the variable the find set. Sets
# <result> to TRUE when the part is built; otherwise records the part as skipped with
# the reason, or stops the configure when <option> is ON. The caller records what it
# built (mt_feature_built) with the toolkit's version.
function(mt_optional_dependency result option found feature why_missing)
  if(${option} STREQUAL "OFF")
    mt_feature_skipped("${feature}" "${option}=OFF")
    set(${result} FALSE PARENT_SCOPE)
  elseif(${found})
    set(${result} TRUE PARENT_SCOPE)
  elseif(${option} STREQUAL "ON")
    message(FATAL_ERROR "${option}=ON but ${why_missing}")
  else()
    mt_feature_skipped("${feature}" "${why_missing}")
    set(${result} FALSE PARENT_SCOPE)
  endif()
endfunction()

set(MT_FEATURES_BUILT "" CACHE INTERNAL "")
set(MT_FEATURES_SKIPPED "" CACHE INTERNAL "")
function(mt_feature_built what)
  set(MT_FEATURES_BUILT "${MT_FEATURES_BUILT};${what}" CACHE INTERNAL "")
endfunction()
function(mt_feature_skipped what why)
  set(MT_FEATURES_SKIPPED "${MT_FEATURES_SKIPPED};${what} (${why})" CACHE INTERNAL "")
endfunction()
function(mt_print_feature_summary)
  message(STATUS "MiniTorch parts built:")
  foreach(item IN LISTS MT_FEATURES_BUILT)
    if(item)
      message(STATUS "  + ${item}")
    endif()
  endforeach()
  foreach(item IN LISTS MT_FEATURES_SKIPPED)
    if(item)
      message(STATUS "  - skipped: ${item}")
    endif()
  endforeach()
  set(MT_FEATURES_BUILT "" CACHE INTERNAL "")
  set(MT_FEATURES_SKIPPED "" CACHE INTERNAL "")
endfunction()

# ---- libFuzzer (MT_FUZZ) ------------------------------------------------------
# The fuzz targets need clang's -fsanitize=fuzzer. When it links, tests/fuzz
# adds the libFuzzer binaries (with their own coverage-instrumented static
# copy of core; nothing else in the build changes). scripts/fuzz.sh makes such
# a clang build folder with ASan and UBSan. The corpus replays in tests/fuzz
# are built by any compiler.
set(MT_FUZZ_ENABLED OFF)
if(NOT MT_FUZZ STREQUAL "OFF")
  include(CheckCXXSourceCompiles)
  set(CMAKE_REQUIRED_FLAGS "-fsanitize=fuzzer")
  set(CMAKE_REQUIRED_LINK_OPTIONS "-fsanitize=fuzzer")
  check_cxx_source_compiles([=[
    #include <cstddef>
    #include <cstdint>
    extern "C" int LLVMFuzzerTestOneInput(const uint8_t*, std::size_t) { return 0; }
  ]=] MT_HAVE_LIBFUZZER)
  unset(CMAKE_REQUIRED_FLAGS)
  unset(CMAKE_REQUIRED_LINK_OPTIONS)
  set(mt_fuzz_why "the C++ compiler is ${CMAKE_CXX_COMPILER_ID} ${CMAKE_CXX_COMPILER_VERSION}, and libFuzzer needs clang with libclang-rt, e.g. CC=clang CXX=clang++ cmake -B build-fuzz -DMT_FUZZ=ON, or scripts/fuzz.sh")
  if(MT_HAVE_LIBFUZZER)
    set(MT_FUZZ_ENABLED ON)
    mt_feature_built("libFuzzer targets (tests/fuzz)")
  elseif(MT_FUZZ STREQUAL "ON")
    message(FATAL_ERROR "MT_FUZZ=ON but -fsanitize=fuzzer does not link: ${mt_fuzz_why}")
  else()
    mt_feature_skipped("libFuzzer targets" "${mt_fuzz_why}")
  endif()
endif()
