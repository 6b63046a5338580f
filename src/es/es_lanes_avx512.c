/* es lane kernels built for the avx512 level (flags in CMakeLists.txt). */
#define OD_ES_SUFFIX avx512
#include "es_lanes.h"
