// OCI `exec`: a process (process.json, or config.json's process with the command line's
// changes) in every namespace and the cgroup of a running container, with the container's
// seccomp filter and the process's own capabilities, as runc's setns init does.
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstring>

#include <nlohmann/json.hpp>

#include "cgroup/oci.h"
#include "container/oci.h"
#include "container/oci_hooks.h"
#include "container/oci_util.h"
#include "plan/build.h"
#include "process/launch.h"
#include "process/monitor.h"
#include "process/pty.h"
#include "process/sync.h"
#include "security/capability_names.h"
#include "spec/oci_config.h"
#include "util/fs.h"
#include "util/parse.h"

namespace nucleus::container::oci {
namespace {

constexpr int kNewTime = 0x00000080;  // CLONE_NEWTIME

unsigned long join_flags(const spec::Oci& oci) {
  unsigned long flags = 0;
  for (const auto& n : oci.namespaces) {
    if (n.type == "mount") flags |= CLONE_NEWNS;
    if (n.type == "network") flags |= CLONE_NEWNET;
    if (n.type == "ipc") flags |= CLONE_NEWIPC;
    if (n.type == "uts") flags |= CLONE_NEWUTS;
    if (n.type == "user") flags |= CLONE_NEWUSER;
    if (n.type == "cgroup") flags |= CLONE_NEWCGROUP;
    if (n.type == "time") flags |= kNewTime;
  }
  return flags;
}

Result<std::string> read_process_file(const std::string& path) {
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC));
  if (!fd && errno == ELOOP) return fail_invalid("--process {}: a symlink, not a file", path);
  if (!fd) return fail_errno("--process {}", path);
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0 || !S_ISREG(st.st_mode))
    return fail_invalid("--process {}: not a regular file", path);
  return fs::read_file(path);
}

// The command line's changes to config.json's process.
Result<> apply_flags(const ExecOptions& o, spec::Spec& s) {
  if (o.args.empty()) return fail_invalid("exec: no command (give one, or --process FILE)");
  s.process.args = o.args;
  for (const auto& e : o.env) {
    auto eq = e.find('=');
    if (eq == std::string::npos || eq == 0) return fail_invalid("--env {}: want KEY=VALUE", e);
    std::erase_if(s.process.env,
                  [&](const std::string& x) { return x.rfind(e.substr(0, eq + 1), 0) == 0; });
    s.process.env.push_back(e);
  }
  if (!o.cwd.empty()) {
    if (o.cwd[0] != '/') return fail_invalid("--cwd {}: want an absolute path", o.cwd);
    s.process.cwd = o.cwd;
  }
  if (!o.user.empty()) {
    auto parts = parse::split(o.user, ':');
    if (parts.size() > 2) return fail_invalid("--user {}: want UID[:GID]", o.user);
    s.process.user.uid = static_cast<uid_t>(TRY(parse::uint(parts[0], 0, UINT32_MAX - 1)));
    if (parts.size() == 2)
      s.process.user.gid = static_cast<gid_t>(TRY(parse::uint(parts[1], 0, UINT32_MAX - 1)));
  }
  if (!o.additional_gids.empty()) s.oci->additional_gids = o.additional_gids;
  s.process.terminal = o.tty;
  if (o.no_new_privs) s.process.no_new_privileges = true;
  for (const auto& name : o.caps) {
    auto c = security::capability_from_name(name);
    if (!c) return fail_invalid("--cap {}: unknown capability", name);
    for (auto* set : {&s.oci->capabilities.bounding, &s.oci->capabilities.effective,
                      &s.oci->capabilities.permitted, &s.oci->capabilities.inheritable,
                      &s.oci->capabilities.ambient})
      if (std::find(set->begin(), set->end(), *c) == set->end()) set->push_back(*c);
  }
  return {};
}

}  // namespace

Result<int> exec(const Store& store, const std::string& id, const ExecOptions& o) {
  auto [state, seen] = TRY(find(store, id));
  if (seen.status != "running" && seen.status != "created")
    return fail_invalid("cannot exec in container {}: it is {}", id, seen.status);
  spec::Spec s = TRY(saved_spec(store, id));
  if (!o.process_file.empty()) {
    auto doc = nlohmann::json::parse(TRY(read_process_file(o.process_file)), nullptr, false);
    if (doc.is_discarded()) return fail_invalid("--process {}: not valid JSON", o.process_file);
    s.oci->capabilities = {};
    s.oci->additional_gids.clear();
    s.rlimits.clear();
    auto p = spec::oci_process(doc, "process", *s.oci, s.rlimits);
    if (!p) return fail_invalid("--process {}: {}", o.process_file, p.error().what());
    s.process = *p;
    if (o.tty) s.process.terminal = true;
  } else {
    TRY(apply_flags(o, s));
  }
  UniqueFd init = TRY(state.init.open());
  plan::Plan p;
  unsigned preserve = TRY(preserved_fds(o.preserve_fds, false, &s.process.env));
  TRY(plan::add_oci_process(s, plan::probe_host(), p));
  p.preserve_fds = preserve;
  p.oci = true;
  p.join_pidfd = init.get();
  p.join_flags = join_flags(*s.oci);
  p.user_namespace = (p.join_flags & CLONE_NEWUSER) != 0;
  p.die_with_parent = !o.detach;
  UniqueFd console;
  if (p.terminal) {
    if (o.console_socket.empty() && o.detach)
      return fail_invalid("exec --tty --detach needs --console-socket");
    if (!o.console_socket.empty())
      console = TRY(connect_unix(o.console_socket, "--console-socket"));
  }
  bool own_pid_ns = std::any_of(s.oci->namespaces.begin(), s.oci->namespaces.end(),
                                [](const spec::Namespace& n) { return n.type == "pid"; });
  if (own_pid_ns && ::setns(init.get(), CLONE_NEWPID) != 0)
    return fail_errno("join the pid namespace of container {}", id);
  cgroup::OciCgroup cg(cgroup::detect(), state.cgroup_path);
  process::LaunchHooks hooks;
  UniqueFd cg_dir = TRY(cg.clone_target());
  if (cg_dir) {
    hooks.cgroup_fd = cg_dir.get();
  } else {
    hooks.join_cgroup = [&](pid_t pid) { return cg.add(pid); };
  }
  TRY(process::block_forwarded_signals());
  auto child = TRY(process::launch(p, hooks));
  if (child.seccomp_listener) {
    // The process has its own filter, so its own listener, for the same agent.
    std::string st = hook_state(id, seen.status, child.pid, state.bundle, s.oci->annotations);
    auto sent = send_seccomp_listener(*s.oci->seccomp, st, child.pid, child.seccomp_listener.get());
    if (!sent) {
      ::kill(child.pid, SIGKILL);
      return fail(sent.error());
    }
  }
  if (child.pty_master && console)
    TRY(process::send_with_fd(console.get(), "/dev/ptmx", child.pty_master.get()));
  if (!o.pid_file.empty()) TRY(write_pid_file(o.pid_file, child.pid));
  if (o.detach) return 0;
  std::optional<process::PtyRelay> relay;
  if (child.pty_master && !console) relay.emplace(child.pty_master.get(), true);
  auto status = TRY(process::monitor(child, {}, relay ? &*relay : nullptr));
  return status.code;
}

}  // namespace nucleus::container::oci
