/* The op Lorenz lane kernel built for the avx512 level (flags in CMakeLists.txt). */
#define OD_OP_SUFFIX avx512
#include "op_lanes.h"
