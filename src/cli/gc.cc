// nucleus gc: removes the leftovers of containers whose nucleus died (cgroups, processes still
// in them, state, names), and prints their IDs.
#include <cstdio>

#include "cli/verbs.h"
#include "container/gc.h"
#include "container/root.h"
#include "util/log.h"

namespace nucleus::cli {

int gc(int argc, char** argv) {
  if (argc > 1) {
    log::error("gc takes no arguments");
    return 125;
  }
  (void)argv;
  container::Store store(container::state_root());
  auto removed = container::gc(store);
  if (!removed) {
    log::error("{}", removed.error().what());
    return 125;
  }
  for (const auto& id : *removed) std::printf("%s\n", id.c_str());
  return 0;
}

}  // namespace nucleus::cli
