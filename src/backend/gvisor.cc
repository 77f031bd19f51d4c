#include "backend/gvisor.h"

#include <fcntl.h>
#include <linux/close_range.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "backend/oci_bundle.h"
#include "cgroup/manager.h"
#include "container/root.h"
#include "container/state.h"
#include "plan/build.h"
#include "process/monitor.h"
#include "process/spawn.h"
#include "util/fs.h"
#include "util/log.h"
#include "util/scope_exit.h"

namespace nucleus::backend::gvisor {
namespace {

std::string gvisor_dir() {
  return container::state_root() + "/gvisor";
}

int64_t mtime_of(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 ? static_cast<int64_t>(st.st_mtime) : 0;
}

std::string probe_platform(const std::string& runsc) {
  if (::access("/dev/kvm", R_OK | W_OK) == 0) {
    std::string root = gvisor_dir() + "/probe";
    fs::remove_tree(root);
    int rc = process::run_quietly(
        {runsc, "--root", root, "--network", "none", "--platform", "kvm", "do", "/bin/true"}, 5000);
    fs::remove_tree(root);
    if (rc == 0) return "kvm";
    log::debug("gVisor kvm platform does not work here (exit {}): using ptrace", rc);
  }
  return "ptrace";
}

}  // namespace

Result<std::string> find_runsc() {
  for (const char* path : {"/usr/bin/runsc", "/usr/local/bin/runsc", "/usr/sbin/runsc"}) {
    if (::access(path, F_OK) != 0) continue;
    TRY(process::check_trusted_executable(path));
    return std::string(path);
  }
  return fail_invalid(
      "--runtime gvisor needs runsc (Debian package runsc) in /usr/bin or /usr/local/bin");
}

Result<std::string> choose_platform(const std::string& runsc, const std::string& requested) {
  if (!requested.empty()) return requested;
  TRY(fs::make_private_dir(container::state_root()));
  TRY(fs::make_private_dir(gvisor_dir()));
  std::string cache = gvisor_dir() + "/platform";
  std::string key = std::to_string(mtime_of(runsc));
  if (auto text = fs::read_file(cache)) {
    auto sp = text->find(' ');
    if (sp != std::string::npos && text->substr(sp + 1) == key) return text->substr(0, sp);
  }
  std::string chosen = probe_platform(runsc);
  (void)fs::write_atomic(gvisor_dir(), "platform", chosen + " " + key, false);
  log::debug("gVisor platform: {}", chosen);
  return chosen;
}

Result<int> run(const spec::Spec& s) {
  if (::geteuid() != 0) return fail_invalid("--runtime gvisor needs root here");
  std::string runsc = TRY(find_runsc());
  std::string platform = TRY(choose_platform(runsc, s.gvisor_platform));
  TRY(fs::make_private_dir(container::state_root()));
  TRY(fs::make_private_dir(gvisor_dir()));
  std::string runsc_root = gvisor_dir() + "/runsc", bundle = gvisor_dir() + "/" + s.id;
  TRY(fs::make_private_dir(runsc_root));
  log::debug("{:.2f} ms: runsc {} found, platform {}", log::elapsed_ms(), runsc, platform);
  auto plan = TRY(plan::build(s, plan::probe_host()));
  log::debug("{:.2f} ms: plan built", log::elapsed_ms());
  TRY(write_bundle(s, *plan, bundle));
  log::debug("{:.2f} ms: bundle written", log::elapsed_ms());
  bool runsc_finished = false;  // runsc run deletes its own sandbox when it ends by itself
  ScopeExit cleanup([&] {
    if (!runsc_finished) return collect(s.id);
    cgroup::remove_in_every_hierarchy("/nucleus/" + s.id);
    fs::remove_tree(bundle);
  });

  container::Store store(container::state_root());
  TRY(process::block_forwarded_signals());
  UniqueFd null;
  if (!s.process.open_stdin) null.reset(::open("/dev/null", O_RDONLY | O_CLOEXEC));
  auto child = TRY(process::spawn({runsc, "--root", runsc_root, "--network", "none", "--platform",
                                   platform, "run", "--bundle", bundle, s.id},
                                  null ? null.get() : -1, false));
  container::State st;
  st.id = s.id;
  st.name = s.name;
  st.command = s.process.args;
  st.created = st.started = static_cast<int64_t>(::time(nullptr));
  st.status = "running";
  st.monitor = container::ProcessId::self();
  st.init = container::ProcessId::of(child.pid);
  st.cgroup_path = s.cgroup_path;
  bool registered = false;
  ScopeExit unregister([&] {
    if (registered) (void)store.remove(s.id);
  });
  if (auto r = store.create(st, {}, false); !r) {
    ::kill(child.pid, SIGKILL);
    ::waitpid(child.pid, nullptr, 0);
    return fail(r.error());
  }
  registered = true;
  log::debug("{:.2f} ms: runsc started, state registered", log::elapsed_ms());
  process::Launched launched;
  launched.pid = child.pid;
  launched.pidfd = std::move(child.pidfd);
  process::MonitorOptions mo;
  mo.timeout_seconds = s.timeout_seconds;
  // runsc does not pass signals on to the workload: `runsc kill` does.
  mo.forward = [&](int sig) {
    process::run_quietly({runsc, "--root", runsc_root, "kill", s.id, std::to_string(sig)}, 5000);
  };
  auto status = TRY(process::monitor(launched, mo, nullptr));
  runsc_finished = !status.timed_out;
  log::debug("{:.2f} ms: runsc exited with {}", log::elapsed_ms(), status.code);
  return status.code;
}

void collect(const std::string& id) {
  std::string bundle = gvisor_dir() + "/" + id;
  if (::access(bundle.c_str(), F_OK) != 0) return;
  if (auto runsc = find_runsc())
    process::run_quietly({*runsc, "--root", gvisor_dir() + "/runsc", "delete", "--force", id},
                         10000);
  // runsc makes its cgroups in every hierarchy and leaves them (and the shared /nucleus parents)
  // when it is killed.
  cgroup::remove_in_every_hierarchy("/nucleus/" + id);
  fs::remove_tree(bundle);
}

}  // namespace nucleus::backend::gvisor
