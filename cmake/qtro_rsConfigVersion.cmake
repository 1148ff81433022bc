# Version of the qtro_rs package in the source tree, read from Cargo.toml. (An installed package
# gets a generated version file instead.) 0.x releases are compatible within the same minor
# version; later ones within the same major version.
get_filename_component(_qtro_rs_cargo "${CMAKE_CURRENT_LIST_DIR}/../Cargo.toml" ABSOLUTE)
set(PACKAGE_VERSION "0.0.0")
if(EXISTS "${_qtro_rs_cargo}")
  file(STRINGS "${_qtro_rs_cargo}" _qtro_rs_version_line REGEX "^version *= *\"[0-9.]+\"" LIMIT_COUNT 1)
  string(REGEX REPLACE "^version *= *\"([0-9.]+)\".*" "\\1" PACKAGE_VERSION "${_qtro_rs_version_line}")
endif()
include("${CMAKE_CURRENT_LIST_DIR}/qtro_rsVersionCheck.cmake")
unset(_qtro_rs_cargo)
unset(_qtro_rs_version_line)
