#include "container/run.h"

#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <time.h>
#include <unistd.h>

#include "cgroup/manager.h"
#include "container/names.h"
#include "container/state.h"
#include "plan/build.h"
#include "process/launch.h"
#include "process/monitor.h"
#include "process/pty.h"
#include "util/log.h"
#include "util/scope_exit.h"

namespace nucleus::container {
namespace {

Result<> resolve_io_devices(spec::Resources& r) {
  for (auto& io : r.io) {
    if (io.device.empty() || io.device[0] != '/') continue;
    struct stat st {};
    if (::stat(io.device.c_str(), &st) != 0) return fail_errno("--io-limit device {}", io.device);
    if (!S_ISBLK(st.st_mode)) return fail_invalid("--io-limit {} is not a block device", io.device);
    io.major = major(st.st_rdev);
    io.minor = minor(st.st_rdev);
  }
  return {};
}

// The container's cgroup, or none: an unprivileged caller without a delegated hierarchy runs
// without one unless it asked for limits.
Result<std::unique_ptr<cgroup::Manager>> make_cgroup(const spec::Spec& s) {
  spec::Resources r = s.resources;
  TRY(resolve_io_devices(r));
  if (r.empty()) return std::unique_ptr<cgroup::Manager>();
  auto layout = cgroup::detect();
  auto mgr = cgroup::make(layout, s.cgroup_path);
  if (!mgr) return fail(mgr.error());
  auto created = (*mgr)->create(r);
  if (!created) {
    if (s.explicit_resources || ::geteuid() == 0) return fail(created.error().wrap("cgroup"));
    log::debug("no cgroup for an unprivileged caller: {}", created.error().what());
    return std::unique_ptr<cgroup::Manager>();
  }
  return std::move(*mgr);
}

void set_window_size(plan::Plan& p) {
  winsize ws{};
  if (!process::caller_window_size(&ws)) return;
  p.rows = ws.ws_row;
  p.cols = ws.ws_col;
}

}  // namespace

Result<int> run(const spec::Spec& s) {
  NameLock name;
  if (!s.name.empty()) name = TRY(NameLock::acquire(state_root(), s.name));
  // Registered while the child builds its root (off the critical path), removed after the
  // cgroup: a nucleus killed at any point leaves a dead state or an orphan cgroup, both of which
  // `nucleus gc` collects.
  Store store(state_root());
  bool registered = false;
  ScopeExit unregister([&] {
    if (registered) (void)store.remove(s.id);
  });
  auto plan = TRY(plan::build(s, plan::probe_host()));
  if (plan->terminal) set_window_size(*plan);
  log::debug("{:.2f} ms: plan built ({} mount operations, {} BPF instructions)", log::elapsed_ms(),
             plan->mounts.size(), plan->seccomp.size());
  auto cg = TRY(make_cgroup(s));
  log::debug("{:.2f} ms: cgroup ready", log::elapsed_ms());
  ScopeExit cleanup([&] {
    if (!cg) return;
    cg->kill_all();
    if (auto r = cg->remove(); !r) log::error("{}", r.error().what());
    log::debug("{:.2f} ms: cgroup removed", log::elapsed_ms());
  });

  TRY(process::block_forwarded_signals());
  process::LaunchHooks hooks;
  hooks.after_clone = [&](pid_t) -> Result<> {
    State st{s.id,
             s.name,
             s.process.args,
             static_cast<int64_t>(::time(nullptr)),
             ProcessId::self(),
             s.cgroup_path};
    TRY(store.create(st, /*durable=*/false));
    registered = true;
    return {};
  };
  if (cg && cg->clone_fd() >= 0) {
    hooks.cgroup_fd = cg->clone_fd();
  } else if (cg) {
    hooks.join_cgroup = [&](pid_t pid) { return cg->add(pid); };
  }
  auto child = TRY(process::launch(*plan, hooks));
  log::debug("{:.2f} ms: command executed in the sandbox", log::elapsed_ms());
  plan.reset();  // nothing of it is needed once the command runs
  auto status = TRY(process::monitor(child, {s.timeout_seconds, s.process.open_stdin}));
  log::debug("{:.2f} ms: workload exited with {}", log::elapsed_ms(), status.code);
  return status.code;
}

}  // namespace nucleus::container
