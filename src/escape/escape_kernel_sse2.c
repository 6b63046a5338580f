/* The escape lane kernel built for the sse2 level (flags in CMakeLists.txt). */
#define OD_ESC_SUFFIX sse2
#include "escape_kernel_lanes.h"
