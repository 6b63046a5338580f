/* The op Lorenz lane kernel built for the sse2 level (flags in CMakeLists.txt). */
#define OD_OP_SUFFIX sse2
#include "op_lanes.h"
