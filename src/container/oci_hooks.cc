#include "container/oci_hooks.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include "process/spawn.h"
#include "util/log.h"

namespace nucleus::container::oci {
namespace {

Result<> run_hook(const spec::Hook& h, int state_fd, const char* kind) {
  std::vector<std::string> args = h.args.empty() ? std::vector<std::string>{h.path} : h.args;
  std::vector<char*> argv, envp;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  std::vector<std::string> env = h.env;
  for (auto& e : env) envp.push_back(e.data());
  envp.push_back(nullptr);
  pid_t pid = ::fork();
  if (pid < 0) return fail_errno("{} hook {}: fork", kind, h.path);
  if (pid == 0) {
    ::setpgid(0, 0);  // its own group: a timeout kills what it started too
    ::lseek(state_fd, 0, SEEK_SET);
    ::dup2(state_fd, 0);
    ::syscall(SYS_close_range, 3u, ~0u, 0);
    ::execve(h.path.c_str(), argv.data(), envp.data());
    ::_exit(127);
  }
  UniqueFd pidfd(static_cast<int>(::syscall(SYS_pidfd_open, pid, 0)));
  bool timed_out = false;
  if (pidfd && h.timeout) {
    pollfd p{pidfd.get(), POLLIN, 0};
    int rc;
    while ((rc = ::poll(&p, 1, *h.timeout * 1000)) < 0 && errno == EINTR) {
    }
    if (rc == 0) {
      ::kill(-pid, SIGKILL);
      timed_out = true;
    }
  }
  int st = 0;
  while (::waitpid(pid, &st, 0) < 0 && errno == EINTR) {
  }
  if (timed_out) ::kill(-pid, SIGKILL);
  if (timed_out) return fail_invalid("{} hook {}: timed out after {} s", kind, h.path, *h.timeout);
  if (WIFSIGNALED(st))
    return fail_invalid("{} hook {}: killed by signal {}", kind, h.path, WTERMSIG(st));
  if (WEXITSTATUS(st) == 127) return fail_invalid("{} hook {}: cannot execute it", kind, h.path);
  if (WEXITSTATUS(st) != 0)
    return fail_invalid("{} hook {}: exit status {}", kind, h.path, WEXITSTATUS(st));
  return {};
}

}  // namespace

std::string hook_state(const std::string& id, const std::string& status, pid_t pid,
                       const std::string& bundle,
                       const std::map<std::string, std::string>& annotations) {
  nlohmann::json j{{"ociVersion", "1.2.0"},
                   {"id", id},
                   {"status", status},
                   {"bundle", bundle},
                   {"annotations", annotations}};
  if (pid > 0) j["pid"] = pid;
  return j.dump();
}

Result<UniqueFd> hook_state_fd(const std::string& state_json) {
  return process::memfd_with(state_json, "nucleus-hook-state");
}

Result<> run_hooks(const std::vector<spec::Hook>& hooks, const std::string& state_json,
                   const char* kind) {
  if (hooks.empty()) return {};
  UniqueFd state = TRY(hook_state_fd(state_json));
  for (const auto& h : hooks) TRY(run_hook(h, state.get(), kind));
  return {};
}

}  // namespace nucleus::container::oci
