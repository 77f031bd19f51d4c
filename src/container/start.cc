#include "container/start.h"

#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "container/checkpoint_native.h"
#include "fs/mount_audit.h"
#include "plan/build.h"
#include "process/pty.h"
#include "util/log.h"

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

void set_window_size(plan::Plan& p) {
  winsize ws{};
  if (!process::caller_window_size(&ws)) return;
  p.rows = ws.ws_row;
  p.cols = ws.ws_col;
}

}  // namespace

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

Result<process::Launched> start(const spec::Spec& s, cgroup::Manager* cg, const StartOptions& o) {
  if (!o.restore_from.empty()) return restore_native(s, cg, o);
  auto plan = TRY(plan::build(s, plan::probe_host()));
  if (plan->terminal) set_window_size(*plan);
  for (int i = 0; i < 3; i++) plan->stdio[i] = o.stdio[i];
  log::debug("{:.2f} ms: plan built ({} mount operations, {} BPF instructions)", log::elapsed_ms(),
             plan->mounts.size(), plan->seccomp.size());
  process::LaunchHooks hooks;
  hooks.after_clone = [&o](pid_t pid) -> Result<> {
    if (o.after_clone) TRY(o.after_clone(pid));
    if (o.network) TRY(o.network->plug(pid));
    return {};
  };
  if (cg && cg->clone_fd() >= 0) {
    hooks.cgroup_fd = cg->clone_fd();
  } else if (cg) {
    hooks.join_cgroup = [&](pid_t pid) { return cg->add(pid); };
  }
  if (plan->audit_mounts) hooks.audit = [](pid_t pid) { return fs::audit_mounts(pid); };
  auto child = TRY(process::launch(*plan, hooks));
  log::debug("{:.2f} ms: command executed in the sandbox", log::elapsed_ms());
  return child;
}

void destroy_cgroup(cgroup::Manager* cg) {
  if (!cg) return;
  cg->kill_all();
  if (auto r = cg->remove(); !r) log::error("{}", r.error().what());
  log::debug("{:.2f} ms: cgroup removed", log::elapsed_ms());
}

}  // namespace nucleus::container
