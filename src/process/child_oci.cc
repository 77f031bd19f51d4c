#include "process/child_oci.h"

#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <sys/personality.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstring>

namespace nucleus::process {
namespace {

ChildError err(const char* what) noexcept {
  return ChildError{errno ? errno : EIO, what};
}

constexpr int kNewTime = 0x00000080;  // CLONE_NEWTIME

// Runs one hook: the state on stdin, killed after its timeout.
ChildError run_hook(const plan::ChildHook& h, int state_fd) noexcept {
  pid_t pid = ::fork();
  if (pid < 0) return err("fork hook");
  if (pid == 0) {
    if (state_fd >= 0) {
      ::lseek(state_fd, 0, SEEK_SET);
      ::dup2(state_fd, 0);
    }
    ::execve(h.path.c_str(), h.argv.data(), h.envp.data());
    ::_exit(127);
  }
  int pidfd = static_cast<int>(::syscall(SYS_pidfd_open, pid, 0));
  if (pidfd >= 0 && h.timeout_s > 0) {
    pollfd pf{pidfd, POLLIN, 0};
    int left = h.timeout_s * 1000;
    while (::poll(&pf, 1, left) < 0 && errno == EINTR) {
    }
    if (!(pf.revents & POLLIN)) ::kill(pid, SIGKILL);
  }
  if (pidfd >= 0) ::close(pidfd);
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) return err("wait for hook");
  }
  if (WIFSIGNALED(status)) return ChildError{ETIMEDOUT, "hook killed (timeout?)"};
  if (WEXITSTATUS(status) != 0) return ChildError{ECANCELED, "hook failed"};
  return {};
}

bool executable(const char* path) noexcept {
  struct stat st {};
  return ::stat(path, &st) == 0 && S_ISREG(st.st_mode) && ::access(path, X_OK) == 0;
}

}  // namespace

ChildError child_join_namespaces(const plan::Plan& p) noexcept {
  for (const auto& ns : p.join_namespaces) {
    int fd = ::open(ns.path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return err("open namespace to join");
    int rc = ::setns(fd, ns.nstype);
    ::close(fd);
    if (rc != 0) return err("join namespace");
  }
  return {};
}

ChildError child_time_namespace(const plan::Plan& p) noexcept {
  if (!p.new_time_namespace) return {};
  if (::unshare(kNewTime) != 0) return err("unshare time namespace");
  if (!p.time_offsets.empty()) {
    int fd = ::open("/proc/self/timens_offsets", O_WRONLY | O_CLOEXEC);
    if (fd < 0) return err("open timens_offsets");
    ssize_t n = ::write(fd, p.time_offsets.data(), p.time_offsets.size());
    ::close(fd);
    if (n != static_cast<ssize_t>(p.time_offsets.size())) return err("write time offsets");
  }
  // unshare() made it the namespace of children only: enter it as well.
  int fd = ::open("/proc/self/ns/time_for_children", O_RDONLY | O_CLOEXEC);
  if (fd < 0) return err("open time namespace");
  int rc = ::setns(fd, kNewTime);
  ::close(fd);
  return rc == 0 ? ChildError{} : err("enter time namespace");
}

ChildError child_run_hooks(const std::vector<plan::ChildHook>& hooks, int state_fd) noexcept {
  for (const auto& h : hooks) {
    if (ChildError e = run_hook(h, state_fd)) return e;
  }
  return {};
}

ChildError child_check_command(const plan::Plan& p) noexcept {
  for (const auto& path : p.exec_candidates)
    if (executable(path.c_str())) return {};
  return ChildError{ENOENT, "executable file not found"};
}

ChildError child_wait_start(const plan::Plan& p) noexcept {
  int conn;
  do {
    conn = ::accept4(p.start_fd, nullptr, nullptr, SOCK_CLOEXEC);
  } while (conn < 0 && errno == EINTR);
  if (conn < 0) return err("wait for start");
  char c = 0;
  ssize_t n;
  do {
    n = ::read(conn, &c, 1);
  } while (n < 0 && errno == EINTR);
  if (n != 1) {
    ::close(conn);
    return ChildError{ECANCELED, "start went away"};
  }
  // `start` waits for this byte: the process goes on to its command.
  (void)!::write(conn, "1", 1);
  ::close(conn);
  ::close(p.start_fd);
  return {};
}

ChildError child_process_basics(const plan::Plan& p) noexcept {
  if (p.umask >= 0) ::umask(static_cast<mode_t>(p.umask));
  if (p.personality >= 0 && ::personality(static_cast<unsigned long>(p.personality)) < 0)
    return err("personality");
  return {};
}

}  // namespace nucleus::process
