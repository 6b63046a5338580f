/* The oscillator lane kernel built for the avx512 level (flags in CMakeLists.txt): 8 lanes. */
#define OD_OSC_SUFFIX avx512
#define OD_OSC_W 8
#include "osc_lanes.h"
