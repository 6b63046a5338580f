/* The oscillator lane kernel built for the avx2 level (flags in CMakeLists.txt): 4 lanes. */
#define OD_OSC_SUFFIX avx2
#define OD_OSC_W 4
#include "osc_lanes.h"
