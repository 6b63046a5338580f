# `cmake --install BUILD [--prefix P]` (default prefix /usr/local) installs:
#   P/bin/optdyn                         the command (RPATH: finds liboptdyn next to it)
#   P/lib*/liboptdyn.so*                 the library (target optdyn_lib)
#   P/include/optdyn/*.h                 the public headers and the generated version.h
#   P/lib*/cmake/optdyn/                 find_package(optdyn) -> imported target optdyn::optdyn
#   P/lib*/pkgconfig/optdyn.pc           pkg-config --cflags --libs optdyn
#   P/share/optdyn/{configs,jobs,docs,examples}
#   the Python package (optdyn.load, optdyn-plot, optdyn-merge, optdyn-info, optdyn-scaling),
#   installed by Debian's pip (no network) when OPTDYN_INSTALL_PYTHON is ON: for the prefix
#   /usr/local into /usr/local/lib/python3.X/dist-packages and /usr/local/bin (both on the
#   default paths), for any other prefix P into P/lib/python3/dist-packages (add it to
#   PYTHONPATH) and P/bin.
option(OPTDYN_INSTALL_PYTHON "cmake --install also installs the Python package with pip" ON)
set(OD_CMAKE_DIR ${CMAKE_INSTALL_LIBDIR}/cmake/optdyn)

install(TARGETS optdyn RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
install(TARGETS optdyn_lib EXPORT optdynTargets LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR})
install(DIRECTORY ${CMAKE_SOURCE_DIR}/include/optdyn DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}
        FILES_MATCHING PATTERN "*.h")
install(FILES ${CMAKE_BINARY_DIR}/include/optdyn/version.h DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/optdyn)

# CMake package: the exported target refers to PkgConfig::PETSC, PkgConfig::HDF5, MPI::MPI_C
# and ZLIB::ZLIB; optdynConfig.cmake finds them again in the consumer's project.
install(EXPORT optdynTargets NAMESPACE optdyn:: DESTINATION ${OD_CMAKE_DIR})
include(CMakePackageConfigHelpers)
configure_package_config_file(${CMAKE_SOURCE_DIR}/cmake/optdynConfig.cmake.in
  ${CMAKE_BINARY_DIR}/cmake/optdynConfig.cmake INSTALL_DESTINATION ${OD_CMAKE_DIR})
write_basic_package_version_file(${CMAKE_BINARY_DIR}/cmake/optdynConfigVersion.cmake
  COMPATIBILITY SameMinorVersion)
install(FILES ${CMAKE_BINARY_DIR}/cmake/optdynConfig.cmake ${CMAKE_BINARY_DIR}/cmake/optdynConfigVersion.cmake
        DESTINATION ${OD_CMAKE_DIR})

# pkg-config: the prefix is computed from the .pc file's own location, so it stays right for
# `cmake --install --prefix P` with any P chosen at install time.
file(RELATIVE_PATH OD_PC_TO_PREFIX /prefix/${CMAKE_INSTALL_LIBDIR}/pkgconfig /prefix)
string(REGEX REPLACE "/$" "" OD_PC_TO_PREFIX "${OD_PC_TO_PREFIX}")
configure_file(${CMAKE_SOURCE_DIR}/cmake/optdyn.pc.in ${CMAKE_BINARY_DIR}/cmake/optdyn.pc @ONLY)
install(FILES ${CMAKE_BINARY_DIR}/cmake/optdyn.pc DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig)

install(DIRECTORY ${CMAKE_SOURCE_DIR}/configs ${CMAKE_SOURCE_DIR}/jobs ${CMAKE_SOURCE_DIR}/docs
                  ${CMAKE_SOURCE_DIR}/examples
        DESTINATION ${CMAKE_INSTALL_DATADIR}/optdyn USE_SOURCE_PERMISSIONS
        PATTERN ".ipynb_checkpoints" EXCLUDE)
install(FILES ${CMAKE_SOURCE_DIR}/README.md ${CMAKE_SOURCE_DIR}/LICENSE ${CMAKE_SOURCE_DIR}/CITATION.cff
        DESTINATION ${CMAKE_INSTALL_DATADIR}/optdyn)

if(OPTDYN_INSTALL_PYTHON)
  set(OD_PYTHON /usr/bin/python3 CACHE FILEPATH "Python used to install the optdyn package")
  install(CODE "
    set(od_prefix \"\${CMAKE_INSTALL_PREFIX}\")
    set(od_pip ${OD_PYTHON} -m pip install --quiet --no-build-isolation --no-deps --upgrade
               --break-system-packages --root-user-action=ignore --no-warn-script-location)
    if(DEFINED ENV{DESTDIR} AND NOT \"\$ENV{DESTDIR}\" STREQUAL \"\")
      list(APPEND od_pip --root \$ENV{DESTDIR})
    endif()
    if(NOT od_prefix STREQUAL \"/usr/local\")
      # Debian's pip would put a --prefix install under PREFIX/local; ask for PREFIX itself.
      set(ENV{DEB_PYTHON_INSTALL_LAYOUT} deb_system)
      list(APPEND od_pip --prefix \${od_prefix})
    endif()
    list(JOIN od_pip \" \" od_pip_text)
    message(STATUS \"Installing the optdyn Python package: \${od_pip_text} ${CMAKE_SOURCE_DIR}\")
    execute_process(COMMAND \${od_pip} ${CMAKE_SOURCE_DIR} WORKING_DIRECTORY ${CMAKE_SOURCE_DIR}
                    RESULT_VARIABLE od_rc)
    if(NOT od_rc EQUAL 0)
      message(FATAL_ERROR \"pip install of the optdyn Python package failed (needs python3-pip, python3-setuptools, python3-wheel: tools/setup-debian.sh)\")
    endif()")
endif()

# A system-wide install as root refreshes the dynamic linker's cache, so that programs linked
# against liboptdyn with pkg-config find it without an RPATH.
install(CODE "
  if(\"\$ENV{DESTDIR}\" STREQUAL \"\" AND CMAKE_INSTALL_PREFIX MATCHES \"^/usr(/local)?$\")
    find_program(OD_LDCONFIG ldconfig PATHS /sbin /usr/sbin)
    if(OD_LDCONFIG)
      execute_process(COMMAND \${OD_LDCONFIG} RESULT_VARIABLE od_ldconfig_rc ERROR_QUIET)
    endif()
  endif()")
