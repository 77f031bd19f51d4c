#include "process/child.h"

#include <fcntl.h>
#include <linux/close_range.h>
#include <sched.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "fs/child_root.h"
#include "net/loopback.h"
#include "process/child_init.h"
#include "process/child_oci.h"
#include "process/sync.h"
#include "security/child_process.h"

#ifndef TIOCGPTPEER
#define TIOCGPTPEER _IO('T', 0x41)
#endif

namespace nucleus::process {
namespace {

// Once `create` has returned nobody reads the sync socket: the error goes to the process's
// stderr (the engine's), as one line, without formatting or allocation.
void tell_stderr(const char* what, int err) noexcept {
  const char* desc = ::strerrordesc_np(err);
  for (const char* part : {"nucleus: container init: ", what, ": ", desc ? desc : "error", "\n"})
    (void)!::write(STDERR_FILENO, part, std::strlen(part));
}

[[noreturn]] void fail(int sync_fd, ChildError e) noexcept {
  if (!child_send(sync_fd, MsgType::kError, e.err, e.what, -1, e.op))
    tell_stderr(e.what ? e.what : "setup", e.err);
  ::_exit(kExitSetupFailed);
}

// A terminal from the container's own devpts: the slave becomes the controlling terminal and
// stdio; the master goes to the parent, which relays it.
ChildError setup_terminal(const plan::Plan& p, int sync_fd) noexcept {
  int master = ::open("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC);
  if (master < 0) return ChildError{errno, "open /dev/ptmx"};
  int unlock = 0;
  int slave = -1;
  if (::ioctl(master, TIOCSPTLCK, &unlock) == 0)
    slave = ::ioctl(master, TIOCGPTPEER, O_RDWR | O_NOCTTY);
  if (slave < 0) {
    int e = errno;
    ::close(master);
    return ChildError{e, "open pty slave"};
  }
  if (::ioctl(slave, TIOCSCTTY, 0) != 0) return ChildError{errno, "set controlling terminal"};
  if (p.rows != 0 && p.cols != 0) {
    winsize ws{};
    ws.ws_row = p.rows;
    ws.ws_col = p.cols;
    ::ioctl(master, TIOCSWINSZ, &ws);  // the workload sees the right size from its first call
  }
  for (int fd = 0; fd <= 2; fd++) {
    if (::dup2(slave, fd) < 0) return ChildError{errno, "dup pty"};
  }
  ::close(slave);
  if (!child_send(sync_fd, MsgType::kPtyMaster, 0, nullptr, master))
    return ChildError{errno, "send pty master"};
  ::close(master);
  return {};
}

ChildError setup_stdio(const plan::Plan& p, int sync_fd) noexcept {
  if (::setsid() < 0) return ChildError{errno, "setsid"};
  for (int fd = 0; fd <= 2; fd++) {
    if (p.stdio[fd] >= 0 && ::dup2(p.stdio[fd], fd) < 0) return ChildError{errno, "dup stdio"};
  }
  if (p.terminal) return setup_terminal(p, sync_fd);
  if (p.stdin_null) {
    int fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
    if (fd < 0 || ::dup2(fd, 0) < 0) return ChildError{errno, "stdin from /dev/null"};
    ::close(fd);
  }
  return {};
}

// Best effort: without CAP_AUDIT_CONTROL (rootless) or audit support there is no session, and
// the container's denials go unreported.
void start_audit_session(const plan::Plan& p) noexcept {
  if (p.audit_loginuid.empty()) return;
  int fd = ::open("/proc/self/loginuid", O_WRONLY | O_CLOEXEC);
  if (fd < 0) return;
  (void)!::write(fd, p.audit_loginuid.data(), p.audit_loginuid.size());
  ::close(fd);
}

void reset_signals() noexcept {
  struct sigaction dfl {};
  dfl.sa_handler = SIG_DFL;
  for (int s = 1; s < NSIG; s++) ::sigaction(s, &dfl, nullptr);  // fails harmlessly for KILL/STOP
  sigset_t none;
  sigemptyset(&none);
  ::sigprocmask(SIG_SETMASK, &none, nullptr);
}

[[noreturn]] void exec_command(const plan::Plan& p, int sync_fd) noexcept {
  int saved = ENOENT;
  for (const auto& path : p.exec_candidates) {
    ::execve(path.c_str(), p.argv.data(), p.envp.data());
    // As execvp: a candidate that exists but cannot run is remembered, the search goes on.
    if (errno != ENOENT && errno != ENOTDIR) saved = errno;
  }
  if (!child_send(sync_fd, MsgType::kExecFailed, saved, p.args[0].c_str()))
    tell_stderr(p.args[0].c_str(), saved);
  ::_exit(saved == ENOENT ? kExitNotFound : kExitCannotExecute);
}

// In a new user namespace whose mappings leave out the host's root (an OCI bundle's, a
// production service's), this process's own IDs are unmapped until it takes the namespace's
// root ones (as runc's init does).
void become_namespace_root(const plan::Plan& p, int sync_fd) noexcept {
  if (!(p.clone_flags & CLONE_NEWUSER) || p.uid_map.empty()) return;
  if (::syscall(SYS_setresgid, 0, 0, 0) != 0 || ::syscall(SYS_setresuid, 0, 0, 0) != 0)
    fail(sync_fd, ChildError{errno, "become root in the user namespace"});
}

// A new container: namespaces from clone3; the root, hostname and loopback made here.
void child_new_container(plan::Plan& p, int sync_fd) noexcept {
  // Without a user namespace the root is built while the parent joins us to the cgroup (a v1
  // attach can take milliseconds); in one, files can only be created once the ID maps exist.
  if (!p.user_namespace) {
    if (ChildError e = fs::child_build_root(p)) fail(sync_fd, e);
  }
  if (!child_wait_go(sync_fd)) ::_exit(kExitSetupFailed);
  if (p.user_namespace) {
    become_namespace_root(p, sync_fd);
    if (ChildError e = fs::child_build_root(p)) fail(sync_fd, e);
  }
  // Now in its cgroup: the new cgroup namespace is rooted there.
  if (::unshare(CLONE_NEWCGROUP) != 0) fail(sync_fd, ChildError{errno, "unshare cgroup namespace"});
  if (::sethostname(p.hostname.c_str(), p.hostname.size()) != 0)
    fail(sync_fd, ChildError{errno, "sethostname"});
  if (p.clone_flags & CLONE_NEWNET) {
    if (ChildError e = net::child_loopback_up()) fail(sync_fd, e);
  }
}

// A new container from an OCI bundle: namespaces joined by path first, the parent's go-ahead
// (ID maps, cgroup, the state for hooks), the cgroup and time namespaces, the root with the
// createRuntime (parent) and createContainer (here) hooks before pivot_root.
void child_new_oci_container(plan::Plan& p, int sync_fd) noexcept {
  if (ChildError e = child_join_namespaces(p)) fail(sync_fd, e);
  if (!child_wait_go(sync_fd, &p.hook_state_fd)) ::_exit(kExitSetupFailed);
  become_namespace_root(p, sync_fd);
  if (p.new_cgroup_namespace && ::unshare(CLONE_NEWCGROUP) != 0)
    fail(sync_fd, ChildError{errno, "unshare cgroup namespace"});
  if (ChildError e = child_time_namespace(p)) fail(sync_fd, e);
  int root = -1;
  if (ChildError e = fs::child_prepare_root(p, &root)) fail(sync_fd, e);
  if (p.hooks_before_pivot) {
    child_send(sync_fd, MsgType::kPrepared, 0, nullptr);
    if (!child_wait_go(sync_fd)) ::_exit(kExitSetupFailed);
    if (ChildError e = child_run_hooks(p.create_container_hooks, p.hook_state_fd))
      fail(sync_fd, ChildError{e.err, "createContainer hook"});
  }
  if (ChildError e = fs::child_enter_root(p, root)) fail(sync_fd, e);
  if (p.set_hostname && ::sethostname(p.hostname.c_str(), p.hostname.size()) != 0)
    fail(sync_fd, ChildError{errno, "sethostname"});
  if (!p.domainname.empty() && ::setdomainname(p.domainname.c_str(), p.domainname.size()) != 0)
    fail(sync_fd, ChildError{errno, "setdomainname"});
  if (p.clone_flags & CLONE_NEWNET) {
    if (ChildError e = net::child_loopback_up()) fail(sync_fd, e);
  }
}

// `create`: everything is set up; the command is there; now `start` is awaited, then the
// startContainer hooks run.
void child_await_start(const plan::Plan& p, int sync_fd) noexcept {
  if (child_check_command(p)) {
    child_send(sync_fd, MsgType::kExecFailed, ENOENT, p.args[0].c_str());
    ::_exit(kExitNotFound);
  }
  child_send(sync_fd, MsgType::kCreated, 0, nullptr);
  if (ChildError e = child_wait_start(p)) fail(sync_fd, e);
  if (ChildError e = child_run_hooks(p.start_container_hooks, p.hook_state_fd))
    fail(sync_fd, ChildError{e.err, "startContainer hook"});
}

// Waits for the workload forked into the PID namespace, passing on the signals the monitor
// forwards, and exits as it did.
[[noreturn]] void relay_until_exit(pid_t workload) noexcept {
  sigset_t set;
  sigemptyset(&set);
  for (int sig : {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2, SIGWINCH, SIGCHLD})
    sigaddset(&set, sig);
  ::sigprocmask(SIG_BLOCK, &set, nullptr);
  for (;;) {
    int status = 0;
    pid_t done = ::waitpid(workload, &status, WNOHANG);
    if (done == workload && WIFEXITED(status)) ::_exit(WEXITSTATUS(status));
    if (done == workload && WIFSIGNALED(status)) ::_exit(128 + WTERMSIG(status));
    if (done < 0 && errno != EINTR) ::_exit(kExitSetupFailed);
    int sig = ::sigwaitinfo(&set, nullptr);
    if (sig > 0 && sig != SIGCHLD) ::kill(workload, sig);
  }
}

// exec: the namespaces of the running container, all in one setns (the user namespace, if
// any, first by the kernel's ordering). The PID namespace and cgroup came with clone3 — unless
// the caller could not join the PID namespace itself (a non-root caller and a rootless
// container): then it is joined here and a fork puts the workload inside.
void child_join_container(const plan::Plan& p, int sync_fd) noexcept {
  if (!child_wait_go(sync_fd)) ::_exit(kExitSetupFailed);
  if (::setns(p.join_pidfd, static_cast<int>(p.join_flags)) != 0)
    fail(sync_fd, ChildError{errno, "join the container's namespaces"});
  if (!(p.join_flags & CLONE_NEWPID)) return;
  pid_t workload = ::fork();
  if (workload < 0) fail(sync_fd, ChildError{errno, "fork into the PID namespace"});
  if (workload == 0) {
    if (p.die_with_parent) ::prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
    return;
  }
  ::close(sync_fd);  // the workload reports; its execve closes the last copy
  relay_until_exit(workload);
}

void load_seccomp(const plan::Plan& p, int sync_fd) noexcept {
  if (ChildError e = security::child_load_seccomp(p)) fail(sync_fd, e);
}

// linux.seccomp.listenerPath: the filter now, before `start` (the engine's agent gets the
// listener while `create` runs, as with runc), so the profile applies to the rest of the setup
// too and must allow it; the listener goes to the parent.
void load_seccomp_with_listener(const plan::Plan& p, int sync_fd) noexcept {
  int listener = -1;
  if (ChildError e = security::child_load_seccomp(p, &listener)) fail(sync_fd, e);
  if (!child_send(sync_fd, MsgType::kSeccompListener, 0, nullptr, listener))
    fail(sync_fd, ChildError{errno, "send the seccomp listener"});
  ::close(listener);
}

void apply_landlock(const plan::Plan& p, int sync_fd) noexcept {
  if (p.landlock.abi == 0) return;
  const char* what = nullptr;
  if (int e = security::landlock::child_apply(p.landlock, &what))
    fail(sync_fd, ChildError{e, what});
}

}  // namespace

void child_main(plan::Plan& p, int sync_fd) noexcept {
  // The workload dies with nucleus; nothing outlives a killed monitor.
  if (p.die_with_parent) ::prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
  if (p.join_pidfd >= 0) {
    child_join_container(p, sync_fd);
  } else if (p.oci) {
    child_new_oci_container(p, sync_fd);
  } else {
    child_new_container(p, sync_fd);
  }
  if (ChildError e = setup_stdio(p, sync_fd)) fail(sync_fd, e);
  start_audit_session(p);
  if (::chdir(p.cwd.c_str()) != 0) fail(sync_fd, ChildError{errno, "working directory"});
  if (ChildError e = security::child_set_rlimits(p)) fail(sync_fd, e);
  if (ChildError e = child_process_basics(p)) fail(sync_fd, e);
  if (p.seccomp_listener) load_seccomp_with_listener(p, sync_fd);
  if (p.start_fd >= 0) child_await_start(p, sync_fd);
  // Without no_new_privs only a privileged process may load a filter: before the identity
  // changes, as runc does (the profile must then allow what follows).
  // Landlock likewise (restricting oneself takes no_new_privs or CAP_SYS_ADMIN), first, so that
  // the filter need not allow its calls.
  bool seccomp_early = p.oci && !p.no_new_privs;
  if (seccomp_early) {
    apply_landlock(p, sync_fd);
    if (!p.seccomp_listener) load_seccomp(p, sync_fd);
  }
  if (ChildError e = security::child_set_identity(p)) fail(sync_fd, e);
  if (ChildError e = security::child_no_new_privs(p)) fail(sync_fd, e);
  if (!seccomp_early) apply_landlock(p, sync_fd);
  // Stray descriptors inherited from whoever started nucleus never reach the workload; those
  // the engine asked to pass on do.
  if (::syscall(SYS_close_range, 3 + p.preserve_fds, ~0u, CLOSE_RANGE_CLOEXEC) != 0)
    fail(sync_fd, ChildError{errno, "close inherited descriptors"});
  for (unsigned fd = 3; fd < 3 + p.preserve_fds; fd++) {
    if (::fcntl(static_cast<int>(fd), F_SETFD, 0) != 0)
      fail(sync_fd, ChildError{errno, "pass on a preserved descriptor"});
  }
  reset_signals();
  if (p.audit_mounts) {
    if (!child_send(sync_fd, MsgType::kAudit, 0, nullptr)) ::_exit(kExitSetupFailed);
    if (!child_wait_go(sync_fd)) ::_exit(kExitSetupFailed);
  }
  // The init stays outside the seccomp filter (any profile runs, however small); it holds no
  // capability, no_new_privs and Landlock bind it like the command.
  if (p.init) {
    if (ChildError e = child_fork_init(p)) fail(sync_fd, e);
  }
  if (p.seccomp_trace) {
    load_seccomp_with_listener(p, sync_fd);  // runtime_syscalls() pass: no one serves it yet
  } else if (!seccomp_early && !p.seccomp_listener) {
    load_seccomp(p, sync_fd);
  }
  child_send(sync_fd, MsgType::kReady, 0, nullptr);
  exec_command(p, sync_fd);
}

}  // namespace nucleus::process
