/* The oscillator lane kernel built for the sse2 level (flags in CMakeLists.txt): 2 lanes. */
#define OD_OSC_SUFFIX sse2
#define OD_OSC_W 2
#include "osc_lanes.h"
