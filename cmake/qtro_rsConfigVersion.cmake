# Version file of the qtro_rs package in the source tree (-Dqtro_rs_DIR=<repo>/cmake): the
# version comes from Cargo.toml, and the check is the one an installed package has (both are
# written by qtro_rs_write_version_file, cmake/qtro_rsVersion.cmake). The build tree's library
# is the host's, so no pointer size is checked.
include("${CMAKE_CURRENT_LIST_DIR}/qtro_rsVersion.cmake")
qtro_rs_cargo_version("${CMAKE_CURRENT_LIST_DIR}/.." _qtro_rs_version)
if(_qtro_rs_version STREQUAL "")
  set(PACKAGE_VERSION "unknown (no Cargo.toml beside ${CMAKE_CURRENT_LIST_DIR})")
  set(PACKAGE_VERSION_UNSUITABLE TRUE)
  return()
endif()
set(_qtro_rs_version_file "${CMAKE_BINARY_DIR}/CMakeFiles/qtro_rs/qtro_rsConfigVersion.cmake")
qtro_rs_write_version_file("${_qtro_rs_version_file}" "${_qtro_rs_version}" ARCH_INDEPENDENT)
include("${_qtro_rs_version_file}")
unset(_qtro_rs_version)
unset(_qtro_rs_version_file)
