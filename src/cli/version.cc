#include <cstdio>

#include "cli/verbs.h"

#ifndef NUCLEUS_VERSION
#define NUCLEUS_VERSION "0.0.0"
#endif

namespace nucleus::cli {

int version() {
  std::printf("nucleus version %s\nspec: 1.2.0\n", NUCLEUS_VERSION);
  return 0;
}

}  // namespace nucleus::cli
