/* es lane kernels built for the avx2 level (flags in CMakeLists.txt). */
#define OD_ES_SUFFIX avx2
#include "es_lanes.h"
