/* The escape lane kernel built for the avx512 level (flags in CMakeLists.txt). */
#define OD_ESC_SUFFIX avx512
#include "escape_kernel_lanes.h"
