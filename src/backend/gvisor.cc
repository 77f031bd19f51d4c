#include "backend/gvisor.h"

#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <sys/inotify.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <optional>

#include <nlohmann/json.hpp>

#include "backend/console_socket.h"
#include "backend/gvisor_paths.h"
#include "backend/oci_bundle.h"
#include "cgroup/manager.h"
#include "container/root.h"
#include "fs/tar.h"
#include "plan/build.h"
#include "process/pty.h"
#include "process/spawn.h"
#include "util/clock.h"
#include "util/fs.h"
#include "util/log.h"
#include "util/pipe.h"

namespace nucleus::backend::gvisor {
namespace {

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

// runsc's record of the container says "running": its workload was started, and runsc's verbs
// (kill, exec, pause, checkpoint) can reach it.
bool recorded_running(const std::string& id) {
  auto text = fs::read_file(fmt::format("{}/runsc/{}_sandbox:{}.state", gvisor_dir(), id, id));
  if (!text) return false;
  auto j = nlohmann::json::parse(*text, nullptr, false);
  return j.is_object() && j.value("status", "") == "running";
}

// Waits until the sandbox runs, or runsc ended (a workload that was quick, or a sandbox that did
// not start: the monitor records runsc's exit either way, its error is in the log).
void await_running(const std::string& id, int watch, const process::Launched& runsc) {
  constexpr int kStartMs = 60000;
  for (int64_t deadline = clock::monotonic_ms() + kStartMs; !recorded_running(id);) {
    int64_t left = deadline - clock::monotonic_ms();
    if (left <= 0) return log::warn("gVisor sandbox {}: not running after 60 s", id.substr(0, 12));
    pollfd fds[2] = {{watch, POLLIN, 0}, {runsc.pidfd.get(), POLLIN, 0}};
    if (::poll(fds, 2, static_cast<int>(std::min<int64_t>(left, 100))) < 0 && errno != EINTR)
      return;
    if (fds[1].revents & POLLIN) return;
    char buf[4096];
    while (::read(watch, buf, sizeof buf) > 0) {
    }
  }
}

// runsc releases before 2024 take a network namespace for the host's when
// /proc/sys/net/core/rmem_default exists there, which it does in every namespace on kernels from
// 6.x: they refuse to run in the namespace nucleus made for the sandbox. runsc gets a mount
// namespace of its own where /proc/sys/net is an empty directory (the host's view is unchanged).
void hide_net_sysctls() {
  if (::unshare(CLONE_NEWNS) != 0) return;
  if (::mount(nullptr, "/", nullptr, MS_REC | MS_SLAVE, nullptr) != 0) return;
  ::mount("tmpfs", "/proc/sys/net", "tmpfs", MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC,
          "size=4k,mode=555");
}

}  // namespace

std::string gvisor_dir() {
  return container::state_root() + "/gvisor";
}

std::string bundle_dir(const std::string& id) {
  return gvisor_dir() + "/" + id;
}

std::vector<std::string> runsc_verb(const std::string& runsc) {
  return {runsc, "--root", gvisor_dir() + "/runsc"};
}

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

std::vector<std::string> Sandbox::command() const {
  auto argv = runsc_verb(runsc);
  argv.insert(argv.end(), {"--network", network, "--platform", platform});
  if (seccomp) argv.push_back("--oci-seccomp");
  return argv;
}

Result<Sandbox> prepare(const spec::Spec& s, const std::string& netns) {
  if (::geteuid() != 0) return fail_invalid("--runtime gvisor needs root here");
  Sandbox sb;
  sb.id = s.id;
  sb.runsc = TRY(find_runsc());
  sb.terminal = s.process.terminal;
  sb.platform = TRY(choose_platform(sb.runsc, s.gvisor_platform));
  sb.network = !netns.empty()                               ? "sandbox"
               : s.network.mode == spec::NetworkMode::kHost ? "host"
                                                            : "none";
  TRY(fs::make_private_dir(container::state_root()));
  TRY(fs::make_private_dir(gvisor_dir()));
  TRY(fs::make_private_dir(gvisor_dir() + "/runsc"));
  log::debug("{:.2f} ms: runsc {} found, platform {}", log::elapsed_ms(), sb.runsc, sb.platform);
  auto plan = TRY(plan::build(s, plan::probe_host()));
  sb.bundle = bundle_dir(s.id);
  fs::remove_tree(sb.bundle);  // a restart's: each start gets a fresh root, as natively
  TRY(write_bundle(s, *plan, sb.bundle, netns));
  sb.seccomp = !plan->seccomp.empty();
  log::debug("{:.2f} ms: bundle written", log::elapsed_ms());
  return sb;
}

Result<process::Launched> launch(const Sandbox& sb, const int stdio[3],
                                 const std::string& image_dir, bool wait) {
  auto argv = sb.command();
  argv.push_back(image_dir.empty() ? "run" : "restore");
  std::optional<ConsoleSocket> console;
  if (sb.terminal) {
    console.emplace(TRY(ConsoleSocket::listen(sb.bundle + "/console.sock")));
    argv.insert(argv.end(), {"--console-socket", console->path()});
  }
  if (!image_dir.empty()) argv.insert(argv.end(), {"--image-path", image_dir});
  argv.insert(argv.end(), {"--bundle", sb.bundle, sb.id});
  // Watched before runsc starts, so that no write of its state is missed.
  UniqueFd watch;
  if (wait) {
    watch.reset(::inotify_init1(IN_CLOEXEC | IN_NONBLOCK));
    std::string runsc_root = gvisor_dir() + "/runsc";
    if (!watch || ::inotify_add_watch(watch.get(), runsc_root.c_str(),
                                      IN_CLOSE_WRITE | IN_MOVED_TO | IN_MODIFY) < 0)
      return fail_errno("watch {}", runsc_root);
  }
  process::SpawnOptions so;
  so.stdio[0] = stdio[0], so.stdio[1] = stdio[1], so.stdio[2] = stdio[2];
  if (sb.network == "sandbox") so.before_exec = hide_net_sysctls;
  auto child = TRY(process::spawn(argv, so));
  process::Launched launched;
  launched.pid = child.pid;
  launched.pidfd = std::move(child.pidfd);
  if (console) {
    auto master = console->receive(launched.pidfd.get());
    if (!master) {
      ::kill(launched.pid, SIGKILL);
      while (::waitpid(launched.pid, nullptr, 0) < 0 && errno == EINTR) {
      }
      return fail(master.error());
    }
    launched.pty_master = std::move(*master);
    // runsc sends it while it creates the sandbox, before the workload runs: the caller's size
    // is there from the start (this runsc ignores config.json's consoleSize).
    winsize ws{};
    if (process::caller_window_size(&ws)) ::ioctl(launched.pty_master.get(), TIOCSWINSZ, &ws);
  }
  if (wait) await_running(sb.id, watch.get(), launched);
  return launched;
}

Result<std::string> NetnsHolder::make() {
  process::stop(child_);
  auto [r, w] = TRY(make_pipe());
  pid_t pid = ::fork();
  if (pid < 0) return fail_errno("fork");
  if (pid == 0) {
    ::prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
    // Nothing of the parent's but the pipe (a monitor's report pipe held open would keep
    // `run -d` waiting).
    unsigned keep = static_cast<unsigned>(w.get());
    if (keep > 0) ::syscall(SYS_close_range, 0u, keep - 1, 0);
    ::syscall(SYS_close_range, keep + 1, ~0u, 0);
    char ok = ::unshare(CLONE_NEWNET) == 0 ? '1' : '0';
    (void)!::write(w.get(), &ok, 1);
    for (;;) ::pause();
  }
  child_.pid = pid;
  child_.pidfd.reset(static_cast<int>(::syscall(SYS_pidfd_open, pid, 0)));
  w.reset();
  char ok = 0;
  while (::read(r.get(), &ok, 1) < 0 && errno == EINTR) {
  }
  if (ok != '1') return fail_invalid("could not create a network namespace for the sandbox");
  return fmt::format("/proc/{}/ns/net", pid);
}

namespace {

// A restored sandbox's context copy is the one its checkpoint archived, not a fresh copy.
Result<> restore_context(const std::string& image_dir, const std::string& bundle) {
  std::string archive = image_dir + "/" + kContextArchive;
  if (::access(archive.c_str(), F_OK) != 0) return {};  // no context copy was saved
  UniqueFd dir(::open(bundle.c_str(), O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
  if (!dir) return fail_errno("open {}", bundle);
  fs::remove_tree_at(dir.get(), "context");
  if (::mkdirat(dir.get(), "context", 0755) != 0) return fail_errno("create {}/context", bundle);
  UniqueFd context(::openat(dir.get(), "context", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
  if (!context) return fail_errno("open {}/context", bundle);
  return fs::tar::extract_file(archive, context.get());
}

}  // namespace

Result<process::Launched> start(const spec::Spec& s, net::Attachment* network, const int stdio[3],
                                NetnsHolder& netns, const std::string& image_dir, bool wait) {
  std::string path;
  spec::Spec plugged = s;
  if (network) {
    TRY(fs::make_private_dir(container::state_root()));
    path = TRY(netns.make());
    TRY(network->plug(netns.pid()));
    // The guard of a sandbox answers on the gateway: its own loopback never leaves runsc.
    plugged.network.resolver = network->resolver();
  }
  auto sb = TRY(prepare(plugged, path));
  if (!image_dir.empty()) TRY(restore_context(image_dir, sb.bundle));
  return launch(sb, stdio, image_dir, wait);
}

void collect(const std::string& id) {
  std::string bundle = bundle_dir(id);
  if (::access(bundle.c_str(), F_OK) != 0) return;
  if (auto runsc = find_runsc()) {
    auto argv = runsc_verb(*runsc);
    argv.insert(argv.end(), {"delete", "--force", id});
    process::run_quietly(argv, 10000);
  }
  // What runsc leaves of a sandbox killed while it started.
  for (const char* suffix : {"lock", "state"})
    ::unlink(fmt::format("{}/runsc/{}_sandbox:{}.{}", gvisor_dir(), id, id, suffix).c_str());
  // runsc makes its cgroups in every hierarchy and leaves them (and the shared /nucleus parents)
  // when it is killed.
  cgroup::remove_in_every_hierarchy("/nucleus/" + id);
  fs::remove_tree(bundle);
}

}  // namespace nucleus::backend::gvisor
