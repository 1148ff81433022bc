# ctest script: the CMake package works from the build tree and from an install prefix.
#   cmake -DROOT=<repo> -DLIBDIR=<dir with libqtro_rs.so> -DWORK=<scratch dir> -DMODE=build-tree|install
#         -DGENERATOR=<generator> -P package_test.cmake
# MODE=build-tree: examples/c and examples/qt_cpp configured with -Dqtro_rs_DIR=<repo>/cmake.
# MODE=install:    cmake/ installs the package into <WORK>/prefix (no cargo run: the library comes
#                  from LIBDIR), then both examples are configured with CMAKE_PREFIX_PATH=<prefix>.
# Each example program runs its self-contained demo and must exit 0.
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
            lib/pkgconfig/qtro_rs.pc share/qtro_rs/qt-adapter/qtroqt.h share/qtro_rs/qt-adapter/qtroqt.cpp)
    if(NOT EXISTS "${prefix}/${f}")
      message(FATAL_ERROR "the install step did not produce ${f}")
    endif()
  endforeach()
  if(NOT IS_SYMLINK "${prefix}/lib/libqtro_rs.so.0")
    message(FATAL_ERROR "lib/libqtro_rs.so.0 is not the soname link")
  endif()
  set(find_args "-DCMAKE_PREFIX_PATH=${prefix}")
  # A version this package cannot satisfy must be refused.
  file(WRITE "${WORK}/version-check/CMakeLists.txt"
    "cmake_minimum_required(VERSION 3.16)\nproject(v NONE)\nfind_package(qtro_rs 99 QUIET)\n"
    "if(qtro_rs_FOUND)\n  message(FATAL_ERROR \"version 99 accepted\")\nendif()\nfind_package(qtro_rs REQUIRED)\n")
  run(${CMAKE_COMMAND} -S "${WORK}/version-check" -B "${WORK}/version-check/build" ${find_args})
else()
  message(FATAL_ERROR "MODE must be build-tree or install")
endif()

foreach(example c qt_cpp)
  run(${CMAKE_COMMAND} -G "${GENERATOR}" -S "${ROOT}/examples/${example}" -B "${WORK}/${example}" ${find_args})
  run(${CMAKE_COMMAND} --build "${WORK}/${example}")
endforeach()
run("${WORK}/c/qtro_c_example")
if(EXISTS "${WORK}/c/qtro_c_example_static")
  run("${WORK}/c/qtro_c_example_static")
endif()
run("${WORK}/qt_cpp/qtro_qt_example")
