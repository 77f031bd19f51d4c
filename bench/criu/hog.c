// A process holding MIB MiB of written anonymous memory (default 100), then sleeping: what a
// checkpoint of a warm workload has to save.
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int main(int argc, char** argv) {
  size_t mib = argc > 1 ? strtoul(argv[1], NULL, 10) : 100;
  char* p = malloc(mib << 20);
  if (!p) return 1;
  for (size_t i = 0; i < mib << 20; i += 4096) p[i] = (char)(i >> 12);
  for (;;) pause();
}
