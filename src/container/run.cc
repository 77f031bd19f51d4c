#include "container/run.h"

#include <time.h>

#include <optional>

#include "backend/gvisor.h"
#include "container/root.h"
#include "container/start.h"
#include "container/state.h"
#include "container/trace_log.h"
#include "process/monitor.h"
#include "process/pty.h"
#include "util/log.h"
#include "util/scope_exit.h"

namespace nucleus::container {

Result<int> run(const spec::Spec& s, const std::function<void()>& started) {
  if (s.runtime == spec::Runtime::kGvisor) return backend::gvisor::run(s);
  // Registered while the child builds its root (off the critical path), removed after the
  // cgroup: a nucleus killed at any point leaves a dead state or an orphan cgroup, both of which
  // `nucleus gc` collects. A name already taken fails the registration, and so the start.
  Store store(state_root());
  bool registered = false;
  ScopeExit unregister([&] {
    if (registered) (void)store.remove(s.id);
  });
  // Its address is given back once the cgroup, and so every process of the container, is gone.
  auto network = net::Attachment::for_spec(s, state_root());
  TRY(begin_trace_log(s));
  auto cg = TRY(make_cgroup(s));
  log::debug("{:.2f} ms: cgroup ready", log::elapsed_ms());
  ScopeExit cleanup([&] { destroy_cgroup(cg.get()); });

  TRY(process::block_forwarded_signals());
  StartOptions opts;
  opts.after_clone = [&](pid_t pid) -> Result<> {
    State st;
    st.id = s.id;
    st.name = s.name;
    st.command = s.process.args;
    st.created = st.started = static_cast<int64_t>(::time(nullptr));
    st.status = "running";
    st.monitor = ProcessId::self();
    st.init = ProcessId::of(pid);
    st.cgroup_path = cg ? s.cgroup_path : "";
    TRY(store.create(st, {}, /*durable=*/false));
    registered = true;
    return {};
  };
  opts.network = network.get();
  auto child = TRY(start(s, cg.get(), opts));
  if (started) started();
  std::optional<process::PtyRelay> relay;
  if (child.pty_master) relay.emplace(child.pty_master.get(), s.process.open_stdin);
  auto status =
      TRY(process::monitor(child, {s.timeout_seconds, {}, 0, {}}, relay ? &*relay : nullptr));
  log::debug("{:.2f} ms: workload exited with {}", log::elapsed_ms(), status.code);
  std::map<int, uint64_t> calls;
  TRY(end_trace(s, child, calls));
  return status.code;
}

}  // namespace nucleus::container
