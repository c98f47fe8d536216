# minitorch_add_plugin(<name> SOURCES <src>... [VERSION <v>] [DEVICE cpu|cuda|other]
#                      [DESCRIPTION <text>] [OUTPUT_DIRECTORY <dir>] [INSTALL_DIR <dir>]
#                      [NO_MANIFEST])
#
# Builds a MiniTorch backend plugin with the conventions the loader expects:
# a MODULE library named libminitorch_backend_<name>.so that exports only
# mt_plugin_entry (hidden visibility plus a linker version script), linked
# against the SDK headers, and a
# JSON manifest libminitorch_backend_<name>.json beside it. Works in-tree and
# for out-of-tree plugins found through find_package(MiniTorch).
include_guard(GLOBAL)

function(minitorch_add_plugin name)
  cmake_parse_arguments(ARG "NO_MANIFEST" "VERSION;DEVICE;DESCRIPTION;OUTPUT_DIRECTORY;INSTALL_DIR" "SOURCES" ${ARGN})
  if(NOT name MATCHES "^[a-z0-9_]+$")
    message(FATAL_ERROR "minitorch_add_plugin: name '${name}' must match [a-z0-9_]+")
  endif()
  if(NOT ARG_SOURCES)
    message(FATAL_ERROR "minitorch_add_plugin(${name}): SOURCES is required")
  endif()
  if(NOT ARG_VERSION)
    set(ARG_VERSION "0.1.0")
  endif()
  if(NOT ARG_DEVICE)
    set(ARG_DEVICE "cpu")
  endif()
  if(NOT ARG_DEVICE MATCHES "^(cpu|cuda|other)$")
    message(FATAL_ERROR "minitorch_add_plugin(${name}): DEVICE must be cpu, cuda or other")
  endif()
  if(NOT ARG_OUTPUT_DIRECTORY)
    if(DEFINED MINITORCH_PLUGIN_OUTPUT_DIR)
      set(ARG_OUTPUT_DIRECTORY "${MINITORCH_PLUGIN_OUTPUT_DIR}")
    else()
      set(ARG_OUTPUT_DIRECTORY "${CMAKE_CURRENT_BINARY_DIR}")
    endif()
  endif()

  set(target minitorch_backend_${name})
  add_library(${target} MODULE ${ARG_SOURCES})
  if(TARGET minitorch::sdk)
    target_link_libraries(${target} PRIVATE minitorch::sdk)
  elseif(TARGET MiniTorch::sdk)
    target_link_libraries(${target} PRIVATE MiniTorch::sdk)
  endif()
  set_target_properties(${target} PROPERTIES
    PREFIX "lib"
    OUTPUT_NAME "minitorch_backend_${name}"
    SUFFIX ".so"
    C_VISIBILITY_PRESET hidden
    CXX_VISIBILITY_PRESET hidden
    CUDA_VISIBILITY_PRESET hidden
    VISIBILITY_INLINES_HIDDEN ON
    LIBRARY_OUTPUT_DIRECTORY "${ARG_OUTPUT_DIRECTORY}")
  # Immediate binding is what the loader asks for too; no undefined symbols allowed.
  target_link_options(${target} PRIVATE "LINKER:--no-undefined" "LINKER:-z,now")
  # Hidden visibility misses the weak and unique symbols that libstdc++'s
  # templates are instantiated with; a version script keeps those private as
  # well, so two plugins built with different compilers cannot bind to each
  # other's copies. Only the entry point is exported.
  set(version_script "${CMAKE_CURRENT_BINARY_DIR}/minitorch_backend_${name}.map")
  file(WRITE "${version_script}" "{\n  global: mt_plugin_entry;\n  local: *;\n};\n")
  target_link_options(${target} PRIVATE "LINKER:--version-script=${version_script}")
  set_property(TARGET ${target} APPEND PROPERTY LINK_DEPENDS "${version_script}")
  target_compile_definitions(${target} PRIVATE MT_PLUGIN_NAME="${name}" MT_PLUGIN_VERSION="${ARG_VERSION}")

  if(ARG_NO_MANIFEST)
    return()
  endif()
  set(manifest "${ARG_OUTPUT_DIRECTORY}/libminitorch_backend_${name}.json")
  string(REPLACE "\"" "\\\"" desc "${ARG_DESCRIPTION}")
  file(GENERATE OUTPUT "${manifest}" CONTENT
"{
  \"name\": \"${name}\",
  \"version\": \"${ARG_VERSION}\",
  \"abi_major\": 1,
  \"abi_minor\": 1,
  \"device\": \"${ARG_DEVICE}\",
  \"description\": \"${desc}\",
  \"library\": \"libminitorch_backend_${name}.so\"
}
")
  if(ARG_INSTALL_DIR)
    install(TARGETS ${target} LIBRARY DESTINATION "${ARG_INSTALL_DIR}")
    install(FILES "${manifest}" DESTINATION "${ARG_INSTALL_DIR}")
  endif()
endfunction()
