/* The op Lorenz lane kernel built for the avx2 level (flags in CMakeLists.txt). */
#define OD_OP_SUFFIX avx2
#include "op_lanes.h"
