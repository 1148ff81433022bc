# ctest script: the CMake package works from the build tree and from an install prefix.
#   cmake -DROOT=<repo> -DLIBDIR=<dir with libqtro_rs.so> -DWORK=<scratch dir> -DMODE=build-tree|install
#         -DVERSION=<package version> -DGENERATOR=<generator> -P package_test.cmake
# MODE=build-tree: examples/c and examples/qt_cpp configured with -Dqtro_rs_DIR=<repo>/cmake.
# MODE=install:    cmake/ installs the package into <WORK>/prefix (no cargo run: the library comes
#                  from LIBDIR), stripped with its debug info split off, then both examples are
#                  configured with CMAKE_PREFIX_PATH=<prefix>.
# In both modes find_package must accept and refuse the right versions and components. Each
# example program runs its self-contained demo and must exit 0.
cmake_minimum_required(VERSION 3.16)

function(run)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err TIMEOUT 120)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "`${ARGN}` failed (${rc}):\n${out}\n${err}")
  endif()
  message(STATUS "ok: ${ARGN}\n${out}")
endfunction()

file(REMOVE_RECURSE "${WORK}")
file(MAKE_DIRECTORY "${WORK}")

if(MODE STREQUAL "build-tree")
  set(find_args "-Dqtro_rs_DIR=${ROOT}/cmake" "-DQTRO_RS_LIBRARY_DIR=${LIBDIR}")
elseif(MODE STREQUAL "install")
  set(prefix "${WORK}/prefix")
  run(${CMAKE_COMMAND} -G "${GENERATOR}" -S "${ROOT}/cmake" -B "${WORK}/install-build"
      -DQTRO_RS_CARGO_BUILD=OFF "-DQTRO_RS_LIBRARY_DIR=${LIBDIR}" -DCMAKE_INSTALL_LIBDIR=lib)
  run(${CMAKE_COMMAND} --build "${WORK}/install-build")
  run(${CMAKE_COMMAND} --install "${WORK}/install-build" --prefix "${prefix}")
  foreach(f include/qtro_rs.h include/qtro_rs.hpp lib/libqtro_rs.so lib/libqtro_rs.so.0 lib/libqtro_rs.a
            lib/cmake/qtro_rs/qtro_rsConfig.cmake lib/cmake/qtro_rs/qtro_rsConfigVersion.cmake
            lib/pkgconfig/qtro_rs.pc share/qtro_rs/qt-adapter/qtroqt.h share/qtro_rs/qt-adapter/qtroqt.cpp
            share/qtro_rs/qt-adapter/qtroqtmodel.h share/qtro_rs/qt-adapter/qtroqtmodel.cpp)
    if(NOT EXISTS "${prefix}/${f}")
      message(FATAL_ERROR "the install step did not produce ${f}")
    endif()
  endforeach()
  if(NOT IS_SYMLINK "${prefix}/lib/libqtro_rs.so.0")
    message(FATAL_ERROR "lib/libqtro_rs.so.0 is not the soname link")
  endif()
  # Stripped, with its debug info in lib/.debug/ under the name its .gnu_debuglink gives.
  find_program(READELF readelf)
  if(NOT READELF)
    message(FATAL_ERROR "readelf (binutils) is needed to check the installed library")
  endif()
  function(readelf out_var)
    execute_process(COMMAND "${READELF}" ${ARGN} WORKING_DIRECTORY "${prefix}/lib"
      RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
    if(NOT rc EQUAL 0)
      message(FATAL_ERROR "readelf ${ARGN} failed (${rc}): ${err}")
    endif()
    set(${out_var} "${out}" PARENT_SCOPE)
  endfunction()
  readelf(so_sections -S -W "libqtro_rs.so.${VERSION}")
  readelf(debug_sections -S -W ".debug/libqtro_rs.so.${VERSION}.debug")
  readelf(link --string-dump=.gnu_debuglink "libqtro_rs.so.${VERSION}")
  if(so_sections MATCHES "\\.debug_info" OR NOT debug_sections MATCHES "\\.debug_info")
    message(FATAL_ERROR "the installed library keeps its debug info, or lib/.debug/ has none")
  endif()
  if(NOT link MATCHES "libqtro_rs\\.so\\.${VERSION}\\.debug")
    message(FATAL_ERROR "the installed library does not name its debug file:\n${link}")
  endif()
  set(find_args "-DCMAKE_PREFIX_PATH=${prefix}")
else()
  message(FATAL_ERROR "MODE must be build-tree or install")
endif()

# find_package(qtro_rs ARGS...) in a fresh project must succeed or (FAIL) fail, its output
# matching MATCH; the project prints found=<qtro_rs_FOUND> bogus=<qtro_rs_Bogus_FOUND>.
function(find_check name)
  cmake_parse_arguments(PARSE_ARGV 1 check "FAIL" "MATCH" "ARGS")
  set(dir "${WORK}/find-${name}")
  string(REPLACE ";" " " args "${check_ARGS}")
  file(WRITE "${dir}/CMakeLists.txt"
    "cmake_minimum_required(VERSION 3.16)\nproject(find_check NONE)\nfind_package(qtro_rs ${args})\n"
    "message(STATUS \"found=\${qtro_rs_FOUND} bogus=\${qtro_rs_Bogus_FOUND}\")\n")
  execute_process(COMMAND ${CMAKE_COMMAND} -S "${dir}" -B "${dir}/build" ${find_args}
    RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err TIMEOUT 60)
  if(check_FAIL AND rc EQUAL 0)
    message(FATAL_ERROR "find_package(qtro_rs ${args}) succeeded:\n${out}\n${err}")
  elseif(NOT check_FAIL AND NOT rc EQUAL 0)
    message(FATAL_ERROR "find_package(qtro_rs ${args}) failed (${rc}):\n${out}\n${err}")
  elseif(NOT "${out}${err}" MATCHES "${check_MATCH}")
    message(FATAL_ERROR "find_package(qtro_rs ${args}): no `${check_MATCH}` in\n${out}\n${err}")
  endif()
  message(STATUS "ok: find_package(qtro_rs ${args})")
endfunction()

# Versions: a request for the same major.minor or an earlier one is met, except that while the
# major version is 0 each minor version is its own API (as Cargo's ^0.1 takes no 0.2): then an
# earlier minor one is refused. Later versions are refused.
string(REGEX MATCH "^([0-9]+)\\.([0-9]+)" _ "${VERSION}")
set(major "${CMAKE_MATCH_1}")
set(minor "${CMAKE_MATCH_2}")
math(EXPR next_minor "${minor} + 1")
math(EXPR next_major "${major} + 1")
find_check(same-minor ARGS ${major}.${minor} MATCH "found=1")
find_check(exact ARGS ${VERSION} EXACT MATCH "found=1")
find_check(next-minor ARGS ${major}.${next_minor} QUIET MATCH "found=0")
find_check(next-major ARGS ${next_major} QUIET MATCH "found=0")
if(minor GREATER 0)
  math(EXPR prev_minor "${minor} - 1")
  if(major EQUAL 0)
    find_check(earlier-minor ARGS 0.${prev_minor} QUIET MATCH "found=0")
  else()
    find_check(earlier-minor ARGS ${major}.${prev_minor} MATCH "found=1")
  endif()
endif()
# Components: an unknown one is refused with a reason, unless it is optional.
find_check(unknown-component FAIL ARGS REQUIRED COMPONENTS Bogus MATCH "qtro_rs has no component Bogus; its one component is QtAdapter")
find_check(optional-component ARGS REQUIRED OPTIONAL_COMPONENTS Bogus MATCH "found=1 bogus=FALSE")

foreach(example c qt_cpp)
  run(${CMAKE_COMMAND} -G "${GENERATOR}" -S "${ROOT}/examples/${example}" -B "${WORK}/${example}" ${find_args})
  run(${CMAKE_COMMAND} --build "${WORK}/${example}")
endforeach()
run("${WORK}/c/qtro_c_example")
if(EXISTS "${WORK}/c/qtro_c_example_static")
  run("${WORK}/c/qtro_c_example_static")
endif()
run("${WORK}/qt_cpp/qtro_qt_example")
