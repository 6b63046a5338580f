# Run on every build (target optdyn_revision): write OUT (a C source with the git revision
# and a modified-sources flag) only when the values change, so a commit followed by
# `cmake --build` updates the provenance without re-running cmake, and an unchanged tree
# recompiles nothing.  Usage: cmake -DSRC=<source dir> -DOUT=<file.c> -P revision.cmake
execute_process(COMMAND git rev-parse --short=12 HEAD WORKING_DIRECTORY ${SRC}
                OUTPUT_VARIABLE OD_REV OUTPUT_STRIP_TRAILING_WHITESPACE
                RESULT_VARIABLE rc ERROR_QUIET)
set(OD_MODIFIED 0)
if(NOT rc EQUAL 0 OR NOT OD_REV)
  set(OD_REV "unknown")
else()
  # tracked files only: build trees and untracked scratch do not count as modified sources
  execute_process(COMMAND git status --porcelain --untracked-files=no WORKING_DIRECTORY ${SRC}
                  OUTPUT_VARIABLE status RESULT_VARIABLE rc ERROR_QUIET)
  if(rc EQUAL 0 AND NOT status STREQUAL "")
    set(OD_MODIFIED 1)
  endif()
endif()
if(OD_MODIFIED)
  set(OD_LABEL "${OD_REV}+modified")
else()
  set(OD_LABEL "${OD_REV}")
endif()
configure_file(${CMAKE_CURRENT_LIST_DIR}/revision.c.in ${OUT} @ONLY)
