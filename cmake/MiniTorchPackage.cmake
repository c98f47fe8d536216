# MiniTorchPackage.cmake — the installed CMake package: after
# `cmake --install`, find_package(MiniTorch) gives MiniTorch::minitorch (the
# core library), MiniTorch::sdk (plugin headers), MiniTorch::conformance (the
# kit program) and minitorch_add_plugin(). Each part installs its own files;
# this only writes the package's config, version and target files.
include_guard(GLOBAL)
include(CMakePackageConfigHelpers)

set(MT_INSTALL_CMAKE_DIR "${CMAKE_INSTALL_LIBDIR}/cmake/MiniTorch")

install(EXPORT MiniTorchTargets
  NAMESPACE MiniTorch::
  FILE MiniTorchTargets.cmake
  DESTINATION "${MT_INSTALL_CMAKE_DIR}")

configure_package_config_file(
  "${CMAKE_CURRENT_LIST_DIR}/MiniTorchConfig.cmake.in"
  "${CMAKE_BINARY_DIR}/package/MiniTorchConfig.cmake"
  INSTALL_DESTINATION "${MT_INSTALL_CMAKE_DIR}"
  PATH_VARS CMAKE_INSTALL_INCLUDEDIR MT_INSTALL_PLUGIN_DIR)
# 0.x: a new minor version may change the C++ API. Plugins are bound by the
# ABI version in plugin_abi.h, not by this one.
write_basic_package_version_file(
  "${CMAKE_BINARY_DIR}/package/MiniTorchConfigVersion.cmake"
  VERSION ${PROJECT_VERSION}
  COMPATIBILITY SameMinorVersion)
install(FILES
  "${CMAKE_BINARY_DIR}/package/MiniTorchConfig.cmake"
  "${CMAKE_BINARY_DIR}/package/MiniTorchConfigVersion.cmake"
  DESTINATION "${MT_INSTALL_CMAKE_DIR}")
