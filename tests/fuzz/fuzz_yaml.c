/* Fuzz the strict YAML checker (duplicate/unknown keys, syntax) with and without a schema. */
#include <stdint.h>
#include <stddef.h>
#include "optdyn/yamlcheck.h"

static const char *const schema[] = {"landscape.family", "landscape.datapoints", "landscape.point_*", "landscape.u", "landscape.v", NULL};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  char msg[1024];
  (void)OdYAMLCheckBuffer((const char *)data, size, NULL, msg, sizeof msg);
  (void)OdYAMLCheckBuffer((const char *)data, size, schema, msg, sizeof msg);
  return 0;
}
