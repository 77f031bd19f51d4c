#include "container/run.h"

#include <time.h>

#include <optional>

#include "backend/gvisor.h"
#include "container/denials.h"
#include "container/root.h"
#include "container/start.h"
#include "container/state.h"
#include "container/trace_log.h"
#include "process/monitor.h"
#include "process/pty.h"
#include "spec/spec_json.h"
#include "util/log.h"
#include "util/scope_exit.h"

namespace nucleus::container {

Result<int> run(const spec::Spec& s, const RunOptions& o) {
  const Checks& checks = o.checks;
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
  UniqueFd notify;
  DenialWatcher denials;  // subscribed before the start, so that no kill goes unseen
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
    reset_checks(checks, st);
    // The checks run through `nucleus exec`, which needs the spec (written only then: the
    // serialiser costs resident pages on every start).
    std::vector<std::pair<std::string, std::string>> files;
    if (checks.any()) files.emplace_back("spec.json", spec::to_json(s));
    TRY(store.create(st, files, /*durable=*/false));
    registered = true;
    if (checks.readiness.sd_notify) notify = TRY(bind_notify_socket(pid, s.id));
    return {};
  };
  opts.network = network.get();
  opts.restore_from = o.restore_from;
  auto child = TRY(start(s, cg.get(), opts));
  if (o.started) o.started();
  denials.watch(child.pid);
  std::optional<process::PtyRelay> relay;
  if (child.pty_master) relay.emplace(child.pty_master.get(), s.process.open_stdin);
  bool unhealthy = false;
  auto status = TRY([&] {
    CheckRunner runner(store, s.id, checks, child.pidfd.get(), notify.get(), o.ready);
    auto exit = process::monitor(child, {s.timeout_seconds, {}, 0, {}}, relay ? &*relay : nullptr);
    unhealthy = runner.stopped_unhealthy();
    return exit;
  }());
  log::debug("{:.2f} ms: workload exited with {}", log::elapsed_ms(), status.code);
  report_kills(denials, status.code);
  TraceTotals traced;
  TRY(end_trace(s, child, traced));
  return unhealthy && status.code == 0 ? 1 : status.code;
}

}  // namespace nucleus::container
