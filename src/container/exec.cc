#include "container/exec.h"

#include <fcntl.h>
#include <sched.h>
#include <unistd.h>

#include <optional>

#include "backend/gvisor.h"
#include "cgroup/live.h"
#include "container/abort_point.h"
#include "container/denials.h"
#include "container/event_log.h"
#include "container/report_pipe.h"
#include "plan/build.h"
#include "process/launch.h"
#include "process/monitor.h"
#include "process/pty.h"
#include "spec/spec_json.h"
#include "util/fs.h"
#include "util/pipe.h"

namespace nucleus::container {
namespace {

constexpr unsigned long kJoined =
    CLONE_NEWNS | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWNET | CLONE_NEWCGROUP;

Result<State> exec_target(const Store& store, const std::string& id) {
  auto [s, o] = TRY(look(store, id));
  if (o.status != "running")
    return fail_invalid("container {} is {}: exec needs a running container", id.substr(0, 12),
                        o.status);
  return s;
}

}  // namespace

Result<spec::Spec> load_spec(const Store& store, const std::string& id) {
  auto text = fs::read_file(store.dir(id) + "/spec.json");
  if (!text && text.error().code == ENOENT)
    return fail_invalid("container {} runs in the foreground; exec needs one started with run -d",
                        id.substr(0, 12));
  if (!text) return fail(text.error());
  return spec::spec_from_json(*text);
}

namespace {

// Joins the container and runs the command: in the foreground (report null) until it ends, or
// as the reporter of `exec -d`, which reports the start and then waits for its end.
Result<int> launch(const Store& store, const std::string& id, const State& state,
                   const spec::Spec& s, const spec::Process& process, Report* report) {
  bool detach = report != nullptr;
  UniqueFd init = TRY(state.init.open());

  plan::Plan p;
  TRY(plan::add_process(s, plan::probe_host(), p));
  p.join_pidfd = init.get();
  p.join_flags = kJoined | (s.user_namespace ? CLONE_NEWUSER : 0);
  p.user_namespace = s.user_namespace;
  p.die_with_parent = !detach;
  // An audit session of its own, so that its seccomp kills are told apart (container/denials.h).
  p.audit_loginuid = std::to_string(::getuid());
  UniqueFd null;
  if (detach) {
    null.reset(::open("/dev/null", O_RDWR | O_CLOEXEC));
    p.stdio[0] = p.stdio[1] = p.stdio[2] = null.get();
  }
  if (p.terminal) {
    winsize ws{};
    if (process::caller_window_size(&ws)) p.rows = ws.ws_row, p.cols = ws.ws_col;
  }

  // The reporter goes back to its own PID namespace once the command runs: threads (its
  // reporting) cannot be made while children are born in another.
  UniqueFd own_pid(detach ? ::open("/proc/self/ns/pid", O_RDONLY | O_CLOEXEC) : -1);
  if (detach && !own_pid) return fail_errno("open /proc/self/ns/pid");
  // Children of this process are born in the container's PID namespace. A non-root caller may
  // not do that for a rootless container (the namespace belongs to its user namespace): the
  // child joins it after the user namespace, and forks (see child_join_container).
  if (::setns(init.get(), CLONE_NEWPID) != 0) {
    if (errno != EPERM || !s.user_namespace)
      return fail_errno("join the PID namespace of container {}", id.substr(0, 12));
    p.join_flags |= CLONE_NEWPID;
  }
  process::LaunchHooks hooks;
  std::optional<cgroup::Live> cg;
  UniqueFd cg_dir;
  if (!state.cgroup_path.empty()) {
    cg.emplace(cgroup::detect(), state.cgroup_path);
    cg_dir = TRY(cg->clone_target());
    if (cg_dir) {
      hooks.cgroup_fd = cg_dir.get();
    } else {
      hooks.join_cgroup = [&](pid_t pid) { return cg->add(pid); };
    }
  }
  hooks.after_clone = [](pid_t) -> Result<> {
    abort_point("exec");
    return {};
  };
  TRY(process::block_forwarded_signals());
  DenialWatcher denials;  // subscribed before the command runs
  auto child = TRY(process::launch(p, hooks));
  denials.watch(child.pid);
  if (report) {
    if (::setns(own_pid.get(), CLONE_NEWPID) != 0) return fail_errno("setns back");
    report->ok();
    auto event = [&](const Denial& d) { append_event(store, id, denial_event(id, d)); };
    auto status = [&] {
      DenialReporter reporter(denials, event);
      return process::monitor(child, {}, nullptr);
    }();
    for (const auto& d : denials.drain_at_exit(status ? status->code : 0)) event(d);
    return 0;
  }
  std::optional<process::PtyRelay> relay;
  if (child.pty_master) relay.emplace(child.pty_master.get(), process.open_stdin);
  auto status = TRY(process::monitor(child, {}, relay ? &*relay : nullptr));
  report_kills(denials, status.code);
  return status.code;
}

}  // namespace

Result<int> exec(const Store& store, const std::string& id, const spec::Process& process,
                 bool detach) {
  auto state = TRY(exec_target(store, id));
  auto s = TRY(load_spec(store, id));
  if (state.gvisor) return backend::gvisor::exec(id, s, process, detach);
  s.process = process;
  // --seccomp-mode trace follows the container's own command: what is exec'd runs as traced
  // calls do (every one allowed) but is not counted (no one would serve its listener).
  if (!s.security.seccomp_trace_log.empty()) s.security.seccomp = false;
  if (detach) {
    // The command's parent is a reporter of its own that returns this call once it runs and
    // stays, as a monitor does, to name its seccomp kills in the container's event log.
    auto [r, w] = TRY(make_pipe());
    pid_t pid = ::fork();
    if (pid < 0) return fail_errno("fork the reporter of exec -d");
    if (pid > 0) {
      w.reset();
      TRY(read_report(r.get(), id, "the reporter of exec -d"));
      return 0;
    }
    r.reset();
    int fd = w.release();
    detach_self(fd);
    Report report(fd);
    auto done = launch(store, id, state, s, process, &report);
    ::_exit(done ? 0 : report.failed(done.error()));
  }
  return launch(store, id, state, s, process, nullptr);
}

}  // namespace nucleus::container
