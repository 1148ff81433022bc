# The version of qtro_rs and which requested versions it satisfies, for the package's version
# files: the installed one (written by cmake/CMakeLists.txt) and the source tree's
# (cmake/qtro_rsConfigVersion.cmake). Not installed itself.

# Sets <out_var> to the workspace version in <root>/Cargo.toml (the first `version = "x.y.z"`
# line, in [workspace.package]), or to "" when there is none.
function(qtro_rs_cargo_version root out_var)
  set(_version "")
  if(EXISTS "${root}/Cargo.toml")
    file(STRINGS "${root}/Cargo.toml" _line REGEX "^version *= *\"[0-9]+\\.[0-9]+\\.[0-9]+\"" LIMIT_COUNT 1)
    string(REGEX REPLACE "^version *= *\"([0-9.]+)\".*" "\\1" _version "${_line}")
  endif()
  set(${out_var} "${_version}" PARENT_SCOPE)
endfunction()

# Writes a find_package version file for <version> to <file>. Compatibility follows the crate's
# semver rule, as Cargo applies it: a 0.x release satisfies requests for the same 0.x (0.1.3
# satisfies 0.1 and 0.1.2, not 0.2: minor releases may break the API while the major version
# is 0), later releases requests for the same major version. Further arguments
# (ARCH_INDEPENDENT) go to write_basic_package_version_file.
function(qtro_rs_write_version_file file version)
  include(CMakePackageConfigHelpers)
  if(version MATCHES "^0\\.")
    set(_compatibility SameMinorVersion)
  else()
    set(_compatibility SameMajorVersion)
  endif()
  write_basic_package_version_file("${file}" VERSION "${version}" COMPATIBILITY ${_compatibility} ${ARGN})
endfunction()
