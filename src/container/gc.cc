#include "container/gc.h"

#include <unistd.h>

#include <cstdlib>

#include "backend/gvisor.h"
#include "cgroup/manager.h"
#include "util/log.h"

namespace nucleus::container {
namespace {

// Seconds; NUCLEUS_TEST_ORPHAN_AGE overrides it for tests.
int64_t orphan_age() {
  const char* v = std::getenv("NUCLEUS_TEST_ORPHAN_AGE");
  return v != nullptr ? std::atoll(v) : 60;
}

}  // namespace

Result<std::vector<std::string>> gc(Store& store) {
  std::vector<std::string> removed;
  auto layout = cgroup::detect();
  for (const auto& id : store.ids()) {
    auto now = look(store, id);
    if (!now) {
      log::warn("skipping {}: {}", id.substr(0, 12), now.error().what());
      continue;
    }
    const auto& [s, o] = *now;
    if (o.active) continue;
    backend::gvisor::collect(id);  // a gVisor sandbox: runsc's state and the bundle
    TRY(cgroup::remove_leftover(layout, "/nucleus/" + id));
    if (o.status == "exited" && !s.auto_remove) continue;  // kept until `rm`
    TRY(store.remove(id));
    removed.push_back(id);
  }
  // Cgroups without a state: a nucleus killed between creating its cgroup and registering (a
  // few milliseconds). Only old ones, so that a sandbox starting right now is left alone.
  for (const auto& [id, age] : cgroup::list_containers(layout)) {
    if (age < orphan_age() || ::access(store.dir(id).c_str(), F_OK) == 0) continue;
    TRY(cgroup::remove_leftover(layout, "/nucleus/" + id));
    removed.push_back(id);
  }
  store.sweep();
  return removed;
}

}  // namespace nucleus::container
