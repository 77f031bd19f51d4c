// `create` (and `run`'s first half): the bundle read, the state registered ("creating"), the
// cgroup made with config.json's resources, the init launched up to the point where it waits
// for `start`, then "created" with the init's pid (and the pid file, the console's master).
#include <fcntl.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <time.h>
#include <unistd.h>
#include <cstring>

#include "cgroup/manager.h"
#include "cgroup/oci.h"
#include "container/oci.h"
#include "container/oci_hooks.h"
#include "container/oci_util.h"
#include "fs/idmap.h"
#include "plan/build.h"
#include "process/launch.h"
#include "process/sync.h"
#include "spec/oci_config.h"
#include "util/fs.h"
#include "util/log.h"
#include "util/scope_exit.h"

namespace nucleus::container::oci {
namespace {

Result<spec::Spec> load_bundle(const std::string& bundle, const std::string& id,
                               std::string& text) {
  if (bundle.empty() || bundle[0] != '/')
    return fail_invalid("--bundle {}: want an absolute path", bundle);
  std::string path = bundle + "/config.json";
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC));
  if (!fd && errno == ELOOP) return fail_invalid("{}: a symlink, not a file", path);
  if (!fd) return fail_errno("{}", path);
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0) return fail_errno("{}", path);
  if (!S_ISREG(st.st_mode)) return fail_invalid("{}: not a regular file", path);
  if (st.st_size > (16 << 20)) return fail_invalid("{}: larger than 16 MiB", path);
  text = TRY(fs::read_file(path));
  return spec::from_oci_config(text, bundle, id);
}

plan::OciHost oci_host(const cgroup::Layout& l, const std::string& stage) {
  plan::OciHost h;
  h.stage_dir = stage;
  if (l.mode == cgroup::Mode::kV2) {
    h.v2_root = l.v2_root;
    return h;
  }
  for (const auto& hier : l.v1_all) {
    h.v1_dirs.emplace_back(hier.name, hier.mount);
    h.v1_mounts += hier.name + "=" + hier.options + ";";
  }
  for (const auto& [name, target] : l.v1_links) {
    h.v1_links.emplace_back(name, target);
    h.v1_mounts += name + "->" + target + ";";
  }
  return h;
}

// The socket the init waits on for `start`, in its state directory.
Result<UniqueFd> listen_start(const std::string& dir) {
  UniqueFd s(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (!s) return fail_errno("socket");
  TRY(bind_start(s.get(), dir));
  if (::listen(s.get(), 1) != 0) return fail_errno("listen on {}/{}", dir, kStartSocket);
  return s;
}

void warn_unsupported(const spec::Oci& oci) {
  if (!oci.apparmor_profile.empty())
    log::warn("process.apparmorProfile {}: AppArmor is not supported; ignored",
              oci.apparmor_profile);
  if (!oci.selinux_label.empty() || !oci.mount_label.empty())
    log::warn("SELinux labels are not supported; ignored");
}

}  // namespace

Result<process::Launched> create_container(Store& store, const std::string& id,
                                           const CreateOptions& o) {
  if (!spec::valid_oci_id(id) || !valid_id(id))
    return fail_invalid("invalid container ID '{}'", id);
  TRY(fs::make_private_dir(store.root(), true));
  if (::access(store.dir(id).c_str(), F_OK) == 0)
    return fail_invalid("container with id {} already exists", id);
  std::string config;
  auto s = TRY(load_bundle(o.bundle, id, config));
  warn_unsupported(*s.oci);
  unsigned preserve = TRY(preserved_fds(o.preserve_fds, true, &s.process.env));
  auto layout = cgroup::detect();
  s.cgroup_path = TRY(cgroup::oci_cgroup_path(s.oci->cgroups_path, id, cgroup::own_cgroup()));

  State st;
  st.id = id;
  st.oci = true;
  st.bundle = o.bundle;
  st.status = "creating";
  st.command = s.process.args;
  st.cgroup_path = s.cgroup_path;
  st.poststart_hooks = !s.oci->hooks.poststart.empty();
  timespec now{};
  ::clock_gettime(CLOCK_REALTIME, &now);
  st.created = now.tv_sec, st.created_ns = now.tv_nsec;
  TRY(store.create(st, {{kConfigFile, config}}, false));
  bool registered = true;
  ScopeExit undo([&] {
    cgroup::remove_in_every_hierarchy(s.cgroup_path);
    if (registered) (void)store.remove(id);
  });

  cgroup::OciCgroup cg(layout, s.cgroup_path);
  TRY_CTX(cg.create(s.resources, s.oci->resources), "cgroup");
  auto plan = TRY(plan::build_oci(s, plan::probe_host(), oci_host(layout, s.oci->root)));
  plan->preserve_fds = preserve;
  plan->rows = static_cast<unsigned short>(s.oci->console_rows);
  plan->cols = static_cast<unsigned short>(s.oci->console_cols);
  UniqueFd start_socket = TRY(listen_start(store.dir(id)));
  plan->start_fd = start_socket.get();
  UniqueFd console;
  if (plan->terminal) {
    if (o.console_socket.empty())
      return fail_invalid("process.terminal is true: --console-socket is required");
    console = TRY(connect_unix(o.console_socket, "--console-socket"));
  }

  // The child inherits copies; these are closed once it has them.
  auto idmapped = TRY(fs::open_idmapped_sources(*plan));
  process::LaunchHooks hooks;
  UniqueFd cg_dir = TRY(cg.clone_target());
  if (cg_dir) {
    hooks.cgroup_fd = cg_dir.get();
  } else {
    hooks.join_cgroup = [&](pid_t pid) { return cg.add(pid); };
  }
  const auto& annotations = s.oci->annotations;
  hooks.hook_state = [&](pid_t pid) {
    return hook_state_fd(hook_state(id, "creating", pid, o.bundle, annotations));
  };
  hooks.before_pivot = [&](pid_t pid) -> Result<> {
    std::string state = hook_state(id, "creating", pid, o.bundle, annotations);
    TRY(run_hooks(s.oci->hooks.prestart, state, "prestart"));
    return run_hooks(s.oci->hooks.create_runtime, state, "createRuntime");
  };
  hooks.until_created = true;
  auto child = TRY(process::launch(*plan, hooks));
  idmapped.clear();
  ScopeExit kill_init([&] { ::kill(child.pid, SIGKILL); });
  if (child.pty_master)
    TRY(process::send_with_fd(console.get(), "/dev/ptmx", child.pty_master.get()));
  if (child.seccomp_listener)
    TRY(send_seccomp_listener(*s.oci->seccomp,
                              hook_state(id, "creating", child.pid, o.bundle, annotations),
                              child.pid, child.seccomp_listener.get()));
  st.status = "created";
  st.init = ProcessId::of(child.pid);
  TRY(store.update(st, true));
  store.sync(st);
  if (!o.pid_file.empty()) TRY(write_pid_file(o.pid_file, child.pid));
  log::debug("{:.2f} ms: container {} created, init {}", log::elapsed_ms(), id, child.pid);
  kill_init.dismiss();
  undo.dismiss();
  return child;
}

Result<> create(Store& store, const std::string& id, const CreateOptions& o) {
  TRY(create_container(store, id, o));
  return {};
}

}  // namespace nucleus::container::oci
