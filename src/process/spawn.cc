#include "process/spawn.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdint>

#include "util/fs.h"
#include "util/parse.h"
#include "util/proc.h"

namespace nucleus::process {
namespace {

// The child's own children that lead process groups of their own, with those groups: what
// `nucleus exec` started in a container (a session of its own there) goes with it.
void kill_child_groups(pid_t pid) {
  for (pid_t child : proc::children(pid)) {
    ::kill(-child, SIGKILL);
    ::kill(child, SIGKILL);
  }
}

// Waits up to timeout_ms for the child, kills its session after that (or anything of it left),
// and returns its exit code or -1.
int finish(const Child& c, int timeout_ms, bool session) {
  pollfd p{c.pidfd.get(), POLLIN, 0};
  if (::poll(&p, 1, timeout_ms) <= 0) {
    if (session) kill_child_groups(c.pid);
    ::kill(session ? -c.pid : c.pid, SIGKILL);
  }
  int st = 0;
  while (::waitpid(c.pid, &st, 0) < 0 && errno == EINTR) {
  }
  if (session) ::kill(-c.pid, SIGKILL);
  return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

}  // namespace

Result<UniqueFd> memfd_with(std::string_view data, const char* name) {
  UniqueFd fd(::memfd_create(name, MFD_CLOEXEC));
  if (!fd) return fail_errno("memfd_create");
  size_t done = 0;
  while (done < data.size()) {
    ssize_t n = ::write(fd.get(), data.data() + done, data.size() - done);
    if (n <= 0) return fail_errno("write {}", name);
    done += static_cast<size_t>(n);
  }
  if (::lseek(fd.get(), 0, SEEK_SET) != 0) return fail_errno("seek {}", name);
  return fd;
}

Result<Child> spawn(const std::vector<std::string>& argv, const SpawnOptions& o) {
  const auto& pass = o.pass;
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  pid_t pid = ::fork();
  if (pid < 0) return fail_errno("fork");
  if (pid == 0) {
    if (o.die_with_parent) ::prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
    if (o.session) ::setsid();
    for (int fd = 0; fd <= 2; fd++)
      if (o.stdio[fd] >= 0) ::dup2(o.stdio[fd], fd);
    // Out of the way first, so that moving one to 3 + i never overwrites another.
    int high[8];
    for (size_t i = 0; i < pass.size() && i < 8; i++) high[i] = ::fcntl(pass[i], F_DUPFD, 1024);
    for (size_t i = 0; i < pass.size() && i < 8; i++) ::dup2(high[i], 3 + static_cast<int>(i));
    ::syscall(SYS_close_range, 3 + static_cast<unsigned>(pass.size()), ~0u, 0);
    sigset_t none;
    sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);
    if (o.before_exec) o.before_exec();
    ::execv(args[0], args.data());
    ::_exit(127);
  }
  Child c;
  c.pid = pid;
  c.pidfd.reset(static_cast<int>(::syscall(SYS_pidfd_open, pid, 0)));
  return c;
}

void stop(Child& c) {
  if (c.pid <= 0) return;
  ::kill(c.pid, SIGKILL);
  while (::waitpid(c.pid, nullptr, 0) < 0 && errno == EINTR) {
  }
  c.pid = -1;
  c.pidfd.reset();
}

int run_quietly(const std::vector<std::string>& argv, int timeout_ms) {
  UniqueFd null(::open("/dev/null", O_RDWR | O_CLOEXEC));
  auto c = spawn(argv, {{null.get(), null.get(), null.get()}, true, {}});
  if (!c) return -1;
  return finish(*c, timeout_ms, true);
}

namespace {

std::string read_back(int fd) {
  std::string text;
  char buf[4096];
  ssize_t n;
  while ((n = ::pread(fd, buf, sizeof buf, static_cast<off_t>(text.size()))) > 0)
    text.append(buf, static_cast<size_t>(n));
  return text;
}

}  // namespace

Result<Finished> run_with_input(const std::vector<std::string>& argv, std::string_view input,
                                int timeout_ms) {
  UniqueFd in = TRY(memfd_with(input, "nucleus-input"));
  UniqueFd out = TRY(memfd_with("", "nucleus-stdout"));
  UniqueFd err = TRY(memfd_with("", "nucleus-stderr"));
  auto c = TRY(spawn(argv, {{in.get(), out.get(), err.get()}, true, {}}));
  Finished f;
  f.code = finish(c, timeout_ms, true);
  f.out = read_back(out.get());
  f.err = read_back(err.get());
  return f;
}

Result<> check_trusted_executable(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return fail_errno("{}", path);
  if (!S_ISREG(st.st_mode) || st.st_uid != 0 || (st.st_mode & (S_IWGRP | S_IWOTH)))
    return fail_invalid("{} is not a root-owned file writable only by root: refusing it", path);
  return {};
}

}  // namespace nucleus::process
