/* The escape lane kernel built for the avx2 level (flags in CMakeLists.txt). */
#define OD_ESC_SUFFIX avx2
#include "escape_kernel_lanes.h"
