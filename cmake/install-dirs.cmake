# Install directories (GNU layout) and the run-time search path of installed binaries.
# The installed optdyn finds liboptdyn relative to its own location ($ORIGIN), so it runs
# without LD_LIBRARY_PATH from any prefix and the install tree can be moved; directories of
# dependencies outside the system's default path (PETSc's) are added as well.
include(GNUInstallDirs)
file(RELATIVE_PATH OD_BIN_TO_LIB /prefix/${CMAKE_INSTALL_BINDIR} /prefix/${CMAKE_INSTALL_LIBDIR})
set(CMAKE_INSTALL_RPATH "$ORIGIN/${OD_BIN_TO_LIB}")
set(CMAKE_INSTALL_RPATH_USE_LINK_PATH TRUE)
