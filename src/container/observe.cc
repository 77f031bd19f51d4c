#include "cgroup/live.h"
#include "container/state.h"

namespace nucleus::container {

Observed observe(const State& s) {
  Observed o;
  if (s.oci) {
    // No monitor: the init itself tells. A paused one is frozen, not gone.
    o.active = s.init.alive();
    o.status = !o.active ? (s.status == "creating" ? "creating" : "stopped") : s.status;
    return o;
  }
  o.active = s.monitor.alive();
  if (s.status == "exited") {
    o.status = "exited";
  } else if (!o.active) {
    o.status = "dead";  // its nucleus was killed; `rm -f` or `gc` removes what is left
  } else if (s.status == "running" && !s.cgroup_path.empty() &&
             cgroup::Live(cgroup::detect(), s.cgroup_path).frozen()) {
    o.status = "paused";
  } else {
    o.status = s.status;
  }
  return o;
}

Result<Snapshot> look(const Store& store, const std::string& id) {
  Snapshot now{TRY(store.load(id)), {}};
  now.seen = observe(now.state);
  if (now.seen.status != "dead") return now;
  now.state = TRY(store.load(id));
  now.seen = observe(now.state);
  return now;
}

}  // namespace nucleus::container
