/* es lane kernels built for the sse2 level (flags in CMakeLists.txt). */
#define OD_ES_SUFFIX sse2
#include "es_lanes.h"
