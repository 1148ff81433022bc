# CMake package of libqtro_rs:  find_package(qtro_rs)  +  target_link_libraries(app qtro_rs::qtro_rs)
#
# Imported targets
#   qtro_rs::qtro_rs         the shared library (libqtro_rs.so, soname libqtro_rs.so.0) + include/
#   qtro_rs::qtro_rs_static  the static library (libqtro_rs.a) + the system libraries Rust needs
#   qtro_rs::qt_adapter      the Qt 6 adapter (QtroNode/QtroReplica QObjects, QtroItemModel and
#                            QtroModelSource for item models), compiled into the
#                            consuming target; defined when Qt6::Core is known (find_package(Qt6)
#                            first) or with COMPONENTS QtAdapter. The consumer needs AUTOMOC ON.
#
# Works from two places:
#   - an install prefix (see cmake/CMakeLists.txt: `cmake --install`): <prefix>/lib/cmake/qtro_rs/
#   - the source/build tree: -Dqtro_rs_DIR=<repo>/cmake after `cargo build [--release]`. The
#     library is taken from QTRO_RS_LIBRARY_DIR if set, else <CARGO_TARGET_DIR or repo/target>/
#     <QTRO_RS_PROFILE> (default: release if it was built, else debug).
#
# Components: QtAdapter (above). Asking for any other is an error (or, under
# OPTIONAL_COMPONENTS, leaves qtro_rs_<name>_FOUND false).

# find_package gives this file its own policy scope; cmake_minimum_required would also set the
# caller's CMAKE_MINIMUM_REQUIRED_VERSION.
cmake_policy(VERSION 3.16)

set(_qtro_rs_unknown)
foreach(_qtro_rs_comp IN LISTS qtro_rs_FIND_COMPONENTS)
  if(NOT _qtro_rs_comp STREQUAL "QtAdapter")
    set(qtro_rs_${_qtro_rs_comp}_FOUND FALSE)
    if(qtro_rs_FIND_REQUIRED_${_qtro_rs_comp})
      list(APPEND _qtro_rs_unknown "${_qtro_rs_comp}")
    endif()
  endif()
endforeach()
unset(_qtro_rs_comp)
if(_qtro_rs_unknown)
  string(REPLACE ";" ", " _qtro_rs_unknown "${_qtro_rs_unknown}")
  set(qtro_rs_FOUND FALSE)
  set(qtro_rs_NOT_FOUND_MESSAGE "qtro_rs has no component ${_qtro_rs_unknown}; its one component is QtAdapter")
  unset(_qtro_rs_unknown)
  return()
endif()
unset(_qtro_rs_unknown)

get_filename_component(_qtro_rs_here "${CMAKE_CURRENT_LIST_DIR}" REALPATH)

if(EXISTS "${_qtro_rs_here}/qtro_rsInstallPaths.cmake")
  # Installed layout: the install step recorded where it put things, relative to this file.
  include("${_qtro_rs_here}/qtro_rsInstallPaths.cmake")
  get_filename_component(_qtro_rs_include_dir "${_qtro_rs_here}/${QTRO_RS_REL_INCLUDE_DIR}" ABSOLUTE)
  get_filename_component(_qtro_rs_lib_dir "${_qtro_rs_here}/${QTRO_RS_REL_LIB_DIR}" ABSOLUTE)
  get_filename_component(_qtro_rs_adapter_dir "${_qtro_rs_here}/${QTRO_RS_REL_ADAPTER_DIR}" ABSOLUTE)
  set(_qtro_rs_shared "${_qtro_rs_lib_dir}/libqtro_rs.so.0")
else()
  # Source tree: cmake/ beside Cargo.toml, include/ and target/.
  get_filename_component(_qtro_rs_root "${_qtro_rs_here}/.." ABSOLUTE)
  if(NOT EXISTS "${_qtro_rs_root}/Cargo.toml" OR NOT EXISTS "${_qtro_rs_root}/include/qtro_rs.h")
    set(qtro_rs_FOUND FALSE)
    set(qtro_rs_NOT_FOUND_MESSAGE "qtro_rsConfig.cmake is neither installed nor in the qtro_rs source tree")
    return()
  endif()
  set(_qtro_rs_include_dir "${_qtro_rs_root}/include")
  set(_qtro_rs_adapter_dir "${_qtro_rs_root}/qt-interop/adapter")
  if(QTRO_RS_LIBRARY_DIR)
    set(_qtro_rs_lib_dir "${QTRO_RS_LIBRARY_DIR}")
  else()
    if(DEFINED ENV{CARGO_TARGET_DIR})
      set(_qtro_rs_target "$ENV{CARGO_TARGET_DIR}")
    else()
      set(_qtro_rs_target "${_qtro_rs_root}/target")
    endif()
    if(NOT QTRO_RS_PROFILE)
      if(EXISTS "${_qtro_rs_target}/release/libqtro_rs.so")
        set(QTRO_RS_PROFILE release)
      else()
        set(QTRO_RS_PROFILE debug)
      endif()
    endif()
    set(_qtro_rs_lib_dir "${_qtro_rs_target}/${QTRO_RS_PROFILE}")
  endif()
  if(NOT EXISTS "${_qtro_rs_lib_dir}/libqtro_rs.so")
    set(qtro_rs_FOUND FALSE)
    set(qtro_rs_NOT_FOUND_MESSAGE "no libqtro_rs.so in ${_qtro_rs_lib_dir}: run `cargo build` (or `cargo build --release`) in ${_qtro_rs_root} first, or set QTRO_RS_LIBRARY_DIR")
    return()
  endif()
  # Programs record the soname (libqtro_rs.so.0); cargo only writes libqtro_rs.so, so give the
  # runtime loader the name it will look for.
  if(NOT EXISTS "${_qtro_rs_lib_dir}/libqtro_rs.so.0")
    file(CREATE_LINK "libqtro_rs.so" "${_qtro_rs_lib_dir}/libqtro_rs.so.0" RESULT _qtro_rs_link SYMBOLIC)
  endif()
  set(_qtro_rs_shared "${_qtro_rs_lib_dir}/libqtro_rs.so")
  if(NOT qtro_rs_FIND_QUIETLY)
    message(STATUS "qtro_rs: using the build tree library in ${_qtro_rs_lib_dir}")
  endif()
endif()

set(qtro_rs_INCLUDE_DIRS "${_qtro_rs_include_dir}")
set(qtro_rs_LIBRARY_DIR "${_qtro_rs_lib_dir}")

if(NOT TARGET qtro_rs::qtro_rs)
  add_library(qtro_rs::qtro_rs SHARED IMPORTED)
  set_target_properties(qtro_rs::qtro_rs PROPERTIES
    IMPORTED_LOCATION "${_qtro_rs_shared}"
    IMPORTED_SONAME "libqtro_rs.so.0"
    INTERFACE_INCLUDE_DIRECTORIES "${_qtro_rs_include_dir}")
endif()

if(NOT TARGET qtro_rs::qtro_rs_static AND EXISTS "${_qtro_rs_lib_dir}/libqtro_rs.a")
  add_library(qtro_rs::qtro_rs_static STATIC IMPORTED)
  set_target_properties(qtro_rs::qtro_rs_static PROPERTIES
    IMPORTED_LOCATION "${_qtro_rs_lib_dir}/libqtro_rs.a"
    IMPORTED_LINK_INTERFACE_LANGUAGES "C"
    INTERFACE_INCLUDE_DIRECTORIES "${_qtro_rs_include_dir}"
    INTERFACE_LINK_LIBRARIES "pthread;dl;m;rt")
endif()

# The Qt adapter is source code compiled against the consumer's Qt.
if("QtAdapter" IN_LIST qtro_rs_FIND_COMPONENTS AND NOT TARGET Qt6::Core)
  find_package(Qt6 COMPONENTS Core QUIET)
endif()
if(NOT TARGET qtro_rs::qt_adapter AND TARGET Qt6::Core AND EXISTS "${_qtro_rs_adapter_dir}/qtroqt.cpp")
  add_library(qtro_rs::qt_adapter INTERFACE IMPORTED)
  set_target_properties(qtro_rs::qt_adapter PROPERTIES
    INTERFACE_SOURCES "${_qtro_rs_adapter_dir}/qtroqt.h;${_qtro_rs_adapter_dir}/qtroqt.cpp;${_qtro_rs_adapter_dir}/qtroqtmodel.h;${_qtro_rs_adapter_dir}/qtroqtmodel.cpp"
    INTERFACE_INCLUDE_DIRECTORIES "${_qtro_rs_adapter_dir}"
    INTERFACE_LINK_LIBRARIES "qtro_rs::qtro_rs;Qt6::Core")
  set(qtro_rs_QtAdapter_FOUND TRUE)
elseif(TARGET qtro_rs::qt_adapter)
  set(qtro_rs_QtAdapter_FOUND TRUE)
else()
  set(qtro_rs_QtAdapter_FOUND FALSE)
endif()

set(qtro_rs_FOUND TRUE)
if(qtro_rs_FIND_REQUIRED_QtAdapter AND NOT qtro_rs_QtAdapter_FOUND)
  set(qtro_rs_FOUND FALSE)
  set(qtro_rs_NOT_FOUND_MESSAGE "the QtAdapter component needs Qt 6 (find_package(Qt6 COMPONENTS Core))")
endif()

unset(_qtro_rs_here)
