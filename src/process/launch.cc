#include "process/launch.h"

#include <fcntl.h>
#include <linux/sched.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>

#include "process/child.h"
#include "process/sync.h"
#include "process/userns.h"
#include "util/fs.h"
#include "util/log.h"
#include "util/scope_exit.h"

namespace nucleus::process {
namespace {

Result<> write_id_maps(const plan::Plan& p, pid_t pid) {
  UniqueFd dir(::open(fmt::format("/proc/{}", pid).c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
  if (!dir) return fail_errno("open /proc/{}", pid);
  if (!p.uid_map.empty()) {
    // An OCI bundle's ranges, written by root: setgroups stays allowed inside.
    TRY(fs::write_existing_at(dir.get(), "uid_map", id_map_lines(p.uid_map)));
    TRY(fs::write_existing_at(dir.get(), "gid_map", id_map_lines(p.gid_map)));
    return {};
  }
  // Without CAP_SETGID in the parent namespace, setgroups must be denied before gid_map.
  TRY(fs::write_existing_at(dir.get(), "setgroups", "deny"));
  TRY(fs::write_existing_at(dir.get(), "uid_map", fmt::format("0 {} 1\n", p.host_uid)));
  TRY(fs::write_existing_at(dir.get(), "gid_map", fmt::format("0 {} 1\n", p.host_gid)));
  return {};
}

constexpr const char* kDiedInSetup = "the container init died during setup";

Error child_error(const Msg& m, const plan::Plan& p) {
  if (m.type == MsgType::kExecFailed) {
    Error e = Error::from_errno(m.err, "cannot execute {}", m.text);
    e.exit_code = m.err == ENOENT ? kExitNotFound : kExitCannotExecute;
    if (m.err == ENOENT) e.message = fmt::format("{}: command not found", m.text), e.code = 0;
    return e;
  }
  if (m.op >= 0 && static_cast<size_t>(m.op) < p.mounts.size()) {
    const plan::MountOp& op = p.mounts[static_cast<size_t>(m.op)];
    std::string detail = op.source.empty() ? "" : fmt::format(" (from {})", op.source);
    return Error::from_errno(m.err, "container setup: {} /{}{}", m.text, op.path, detail);
  }
  return Error::from_errno(m.err, "container setup: {}", m.text);
}

// Reads the child's reports until EOF (close-on-exec: execve succeeded) or an error; for
// `create`, until the child waits for `start`.
Result<> await_exec(int sync_fd, const plan::Plan& p, Launched& out, const LaunchHooks& hooks) {
  bool ready = false;
  for (;;) {
    bool eof = false;
    UniqueFd passed;
    Msg m = TRY(receive(sync_fd, &eof, &passed));
    if (eof) break;
    switch (m.type) {
      case MsgType::kPtyMaster:
        out.pty_master = std::move(passed);
        break;
      case MsgType::kSeccompListener:
        if (!passed) return fail_invalid("the container init sent no seccomp listener");
        out.seccomp_listener = std::move(passed);
        break;
      case MsgType::kReady:
        ready = true;
        break;
      case MsgType::kAudit:
        if (!hooks.audit) return fail_invalid("the container init asked for a mount audit");
        TRY(hooks.audit(out.pid));
        TRY(send_go(sync_fd));
        break;
      case MsgType::kPrepared:
        if (hooks.before_pivot) TRY(hooks.before_pivot(out.pid));
        TRY(send_go(sync_fd));
        break;
      case MsgType::kCreated:
        if (hooks.until_created) return {};
        return fail_invalid("unexpected kCreated from the container init");
      case MsgType::kError:
      case MsgType::kExecFailed:
        return fail(child_error(m, p));
      default:
        return fail_invalid("unexpected message {} from the container init",
                            static_cast<unsigned>(m.type));
    }
  }
  if (!ready) return fail_invalid("{}", kDiedInSetup);
  return {};
}

// ID maps, the caller's own work, cgroup (v1), then the go-ahead.
Result<> release(const plan::Plan& p, const LaunchHooks& hooks, pid_t pid, int sync_fd) {
  if (p.clone_flags & CLONE_NEWUSER) TRY_CTX(write_id_maps(p, pid), "user namespace");
  if (p.set_oom_score) {
    UniqueFd proc(::open(fmt::format("/proc/{}", pid).c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
    if (!proc) return fail_errno("open /proc/{}", pid);
    TRY_CTX(fs::write_existing_at(proc.get(), "oom_score_adj", std::to_string(p.oom_score_adj)),
            "process.oomScoreAdj");
  }
  if (hooks.after_clone) TRY(hooks.after_clone(pid));
  if (hooks.join_cgroup) TRY(hooks.join_cgroup(pid));
  UniqueFd state;
  if (hooks.hook_state) state = TRY(hooks.hook_state(pid));
  return send_go(sync_fd, state ? state.get() : -1);
}

// An OCI bundle's PID namespace given by path: clone3 puts the child there once we joined it
// (for our children only; we stay where we are).
Result<> join_pid_namespace(const plan::Plan& p) {
  if (p.join_pid_namespace.empty()) return {};
  UniqueFd ns(::open(p.join_pid_namespace.c_str(), O_RDONLY | O_CLOEXEC));
  if (!ns) return fail_errno("the pid namespace at {}", p.join_pid_namespace);
  if (::setns(ns.get(), CLONE_NEWPID) != 0)
    return fail_errno("join the pid namespace at {}", p.join_pid_namespace);
  return {};
}

}  // namespace

Result<Launched> launch(plan::Plan& p, const LaunchHooks& hooks) {
  TRY(join_pid_namespace(p));
  int sv[2];
  if (::socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) != 0)
    return fail_errno("socketpair");
  UniqueFd parent_end(sv[0]), child_end(sv[1]);

  int pidfd = -1;
  clone_args args{};
  args.flags = p.clone_flags | CLONE_PIDFD;
  args.pidfd = reinterpret_cast<uint64_t>(&pidfd);
  args.exit_signal = SIGCHLD;
  if (hooks.cgroup_fd >= 0) {
    args.flags |= CLONE_INTO_CGROUP;
    args.cgroup = static_cast<uint64_t>(hooks.cgroup_fd);
  }
  long pid = ::syscall(SYS_clone3, &args, sizeof args);
  if (pid < 0) return fail_errno("clone3 (new namespaces)");
  if (pid == 0) {
    parent_end.release();  // the child closes nothing it shares with the parent's RAII
    ::close(sv[0]);
    child_main(p, sv[1]);
  }
  Launched out;
  out.pid = static_cast<pid_t>(pid);
  out.pidfd.reset(pidfd);
  child_end.reset();

  bool exiting = false;  // the child reported a failure: it exits by itself
  ScopeExit reap([&] {
    // Given a moment, a child that failed exits on its own, after reaping what it forked (a
    // workload forked into a PID namespace must not be left as a zombie there).
    pollfd pf{out.pidfd.get(), POLLIN, 0};
    if (!exiting || ::poll(&pf, 1, 1000) <= 0)
      ::syscall(SYS_pidfd_send_signal, out.pidfd.get(), SIGKILL, nullptr, 0);
    siginfo_t si{};
    ::waitid(P_PIDFD, static_cast<id_t>(out.pidfd.get()), &si, WEXITED);
  });
  log::debug("{:.2f} ms: cloned init {}", log::elapsed_ms(), out.pid);
  if (auto released = release(p, hooks, out.pid, parent_end.get()); !released) {
    // The child may have failed first (it builds its root meanwhile): its report is the
    // better error. Kill it so that reading cannot block, then look.
    ::syscall(SYS_pidfd_send_signal, out.pidfd.get(), SIGKILL, nullptr, 0);
    auto reported = await_exec(parent_end.get(), p, out, hooks);
    if (!reported && reported.error().message != kDiedInSetup) return fail(reported.error());
    return fail(released.error());
  }
  log::debug("{:.2f} ms: init released (ID maps, cgroup)", log::elapsed_ms());
  if (auto executed = await_exec(parent_end.get(), p, out, hooks); !executed) {
    exiting = true;
    return fail(executed.error());
  }
  if (p.seccomp_trace) out.trace = TRY(SyscallTrace::start(std::move(out.seccomp_listener)));
  reap.dismiss();
  return out;
}

}  // namespace nucleus::process
