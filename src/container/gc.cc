#include "container/gc.h"

#include <unistd.h>

#include <cstdlib>

#include "backend/gvisor.h"
#include "cgroup/manager.h"
#include "net/network.h"
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
  net::Networks networks(store.root() + "/networks");
  for (const auto& id : store.ids()) {
    auto now = look(store, id);
    if (!now) {
      log::warn("skipping {}: {}", id.substr(0, 12), now.error().what());
      continue;
    }
    const auto& [s, o] = *now;
    // An OCI container is the engine's to delete, stopped or not.
    if (o.active || s.oci) continue;
    TRY(networks.release(id));
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
  // Addresses of containers without a state (leases are taken only once the state exists).
  for (const auto& id : TRY(networks.collect(
           [&](const std::string& id) { return ::access(store.dir(id).c_str(), F_OK) == 0; })))
    if (std::find(removed.begin(), removed.end(), id) == removed.end()) removed.push_back(id);
  store.sweep();
  return removed;
}

}  // namespace nucleus::container
