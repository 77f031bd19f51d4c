#include "container/checkpoint_native.h"

#include <fcntl.h>
#include <limits.h>
#include <linux/mount.h>
#include <sched.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "checkpoint/criu.h"
#include "checkpoint/native.h"
#include "container/root.h"
#include "container/work_dir.h"
#include "fs/child_fs.h"
#include "fs/tar.h"
#include "net/loopback.h"
#include "plan/build.h"
#include "process/spawn.h"
#include "util/fs.h"
#include "util/log.h"
#include "util/parse.h"
#include "util/pipe.h"
#include "util/proc.h"

namespace nucleus::container {
namespace {

namespace ck = nucleus::checkpoint;

constexpr int kCriuTimeoutMs = 10 * 60 * 1000;

// The container's root filesystem (nucleus's tmpfs), mount points as empty placeholders: CRIU
// saves every other filesystem of the container, but expects its root to be given back.
Result<> pack_root(pid_t pid, const std::string& dir) {
  std::string from = fmt::format("/proc/{}/root", pid);
  UniqueFd root(::open(from.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!root) return fail_errno("open {}", from);
  return fs::tar::pack_to_file(root.get(), dir + "/" + ck::kRootArchive);
}

// The message of a failed CRIU run. Its log is kept as <state>/criu-WHAT.log (the last failure's),
// since the directory it was written to is removed with the failure.
Error criu_failed(const char* what, const std::string& log, const std::string& output) {
  std::string text = fs::read_file(log).value_or("");
  std::string why = ck::last_error(text);
  if (why.empty()) why = std::string(parse::last_line(output));
  std::string kept = fmt::format("criu-{}.log", what);
  if (text.empty() || !fs::write_atomic(state_root(), kept, text, false)) kept.clear();
  return Error::invalid("CRIU {} failed: {}{}", what, why.empty() ? "no reason" : why,
                        kept.empty() ? "" : fmt::format(" (its log: {}/{})", state_root(), kept));
}

// The checkpoint's root filesystem unpacked on a tmpfs, for CRIU's --root; the host's view of
// it goes again once the restore is done (the container keeps its own).
struct Stage {
  std::string path;
  bool mounted = false;
  ~Stage() {
    if (mounted) ::umount2(path.c_str(), MNT_DETACH);
    if (!path.empty()) ::rmdir(path.c_str());
  }
};

Result<> unpack_root(const std::string& dir, Stage& st) {
  if (::mkdir(st.path.c_str(), 0700) != 0) return fail_errno("create {}", st.path);
  if (::mount("nucleus-root", st.path.c_str(), "tmpfs", MS_NOSUID | MS_NODEV,
              "mode=0755,size=16m") != 0)
    return fail_errno("mount a tmpfs on {}", st.path);
  st.mounted = true;
  UniqueFd dest(::open(st.path.c_str(), O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
  if (!dest) return fail_errno("open {}", st.path);
  return fs::tar::extract_file(dir + "/" + ck::kRootArchive, dest.get());
}

// A --rootfs container's root: its directory bound again from the host (checked, and attested
// where the spec asks), read-only already when it was, since only a root filesystem of the
// container's own may be remounted read-only as a whole afterwards.
Result<> bind_root(const spec::Spec& s, Stage& st) {
  TRY(plan::check_rootfs(s));
  if (::mkdir(st.path.c_str(), 0700) != 0) return fail_errno("create {}", st.path);
  UniqueFd tree(
      ::open_tree(AT_FDCWD, s.rootfs.c_str(),
                  OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_RECURSIVE | AT_SYMLINK_NOFOLLOW));
  if (!tree) return fail_errno("bind --rootfs {}", s.rootfs);
  unsigned attrs =
      MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | (s.rootfs_readonly ? MOUNT_ATTR_RDONLY : 0);
  if (auto e = fs::child::set_attrs(tree.get(), attrs, true))
    return fail(Error::from_errno(e.err, "set the attributes of --rootfs {}", s.rootfs));
  if (::move_mount(tree.get(), "", AT_FDCWD, st.path.c_str(), MOVE_MOUNT_F_EMPTY_PATH) != 0)
    return fail_errno("attach --rootfs {} at {}", s.rootfs, st.path);
  st.mounted = true;
  return {};
}

// CRIU leaves the restored tasks stopped (--leave-stopped) until the root is read-only again.
void continue_tree(pid_t pid) {
  ::kill(pid, SIGCONT);
  for (pid_t child : proc::children(pid)) continue_tree(child);
}

// The restore helper: joins the cgroup, takes a new cgroup and network namespace (loopback up)
// and no_new_privs, which the restored tasks inherit from CRIU; says so on `ready` and waits on
// `go` while the monitor plugs the network in; puts its descriptors where `argv` says (3: the
// network namespace, 4-6: the stdio) and executes CRIU. Never returns.
[[noreturn]] void exec_criu(cgroup::Manager* cg, const std::array<int, 3>& stdio,
                            const std::vector<std::string>& args, int ready, int go) {
  std::vector<char*> argv;
  for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  if (cg && !cg->add(::getpid())) ::_exit(120);
  if (::unshare(CLONE_NEWCGROUP | CLONE_NEWNET) != 0) ::_exit(121);
  if (net::child_loopback_up()) ::_exit(122);
  char byte = 'r';
  if (::write(ready, &byte, 1) != 1 || ::read(go, &byte, 1) != 1) ::_exit(125);
  int held[4] = {::open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC), -1, -1, -1};
  for (int i = 0; i < 3; i++) held[i + 1] = ::fcntl(stdio[i], F_DUPFD_CLOEXEC, 100);
  int null = ::open("/dev/null", O_RDWR | O_CLOEXEC);
  if (held[0] < 0 || null < 0 || ::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) ::_exit(123);
  for (int i = 0; i < 3; i++) ::dup2(null, i);
  for (int i = 0; i < 4; i++)
    if (held[i] >= 0 && ::dup2(held[i], 3 + i) < 0) ::_exit(124);
  ::syscall(SYS_close_range, 7, ~0U, 0);
  ::execv(argv[0], argv.data());
  ::_exit(127);
}

// Runs CRIU through its helper: once the helper's network namespace exists, `network` (if
// any) is plugged into it, before anything is restored there.
Result<> run_criu(cgroup::Manager* cg, const std::array<int, 3>& stdio,
                  const std::vector<std::string>& args, net::Attachment* network,
                  const std::string& log) {
  Pipe ready = TRY(make_pipe()), go = TRY(make_pipe());
  pid_t helper = ::fork();
  if (helper < 0) return fail_errno("fork CRIU");
  if (helper == 0) exec_criu(cg, stdio, args, ready.write.get(), go.read.get());
  ready.write.reset();
  go.read.reset();
  auto reap = [&] {
    int status = 0;
    while (::waitpid(helper, &status, 0) < 0 && errno == EINTR) {
    }
    return status;
  };
  char byte = 0;
  if (::read(ready.read.get(), &byte, 1) == 1) {  // else it failed, and its status says where
    if (network) {
      if (auto plugged = network->plug(helper); !plugged) {
        ::kill(helper, SIGKILL);
        reap();
        return fail(plugged.error());
      }
    }
    [[maybe_unused]] ssize_t sent = ::write(go.write.get(), "g", 1);  // it waits for this byte
  }
  int status = reap();
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
    return fail(criu_failed("restore", log,
                            WIFEXITED(status) && WEXITSTATUS(status) >= 120
                                ? fmt::format("its helper failed ({})", WEXITSTATUS(status))
                                : ""));
  return {};
}

}  // namespace

Result<> check_checkpointable(const std::string& id, const spec::Spec& s, bool tcp_established) {
  std::string c = id.substr(0, 12);
  auto refuse = [&](std::string_view why) {
    return fail_invalid("container {} cannot be checkpointed: {}", c, why);
  };
  if (s.security.landlock && plan::probe_host().landlock_abi > 0)
    return refuse(
        "it is confined by Landlock, which CRIU cannot save (its restore would run unconfined); "
        "start it with --no-landlock to allow checkpoints, or with --runtime gvisor");
  if (s.user_namespace) return refuse("it runs in a user namespace (rootless), not supported yet");
  if (s.process.terminal) return refuse("it has a terminal (-t), not supported yet");
  if (s.network.mode == spec::NetworkMode::kHost)
    return refuse("it shares the host's network namespace, which a copy cannot have");
  if (tcp_established && s.network.mode == spec::NetworkMode::kBridge)
    return fail_invalid(
        "--tcp-established: a container restored on network {} gets an address of its own, so "
        "its connections could not go on",
        s.network.name);
  if (!s.security.seccomp_trace_log.empty())
    return refuse("--seccomp-mode trace holds a listener CRIU cannot save");
  if (!s.secrets.empty()) return refuse("its --secret files would be written to disk");
  return {};
}

Result<> dump_native(const State& s, const spec::Spec& sp, const CheckpointOptions& o) {
  std::string criu = TRY(checkpoint::working_criu(state_root()));
  pid_t pid = s.init.pid;
  ck::NativeImage image;
  for (int i = 0; i < 3; i++)
    image.stdio[i] = TRY(fs::read_link(fmt::format("/proc/{}/fd/{}", pid, i)));
  image.mounts =
      TRY(ck::external_mounts(TRY(fs::read_file("/proc/self/mountinfo")),
                              TRY(fs::read_file(fmt::format("/proc/{}/mountinfo", pid)))));
  image.tcp_established = o.tcp_established;
  struct stat net {};
  if (::stat(fmt::format("/proc/{}/ns/net", pid).c_str(), &net) != 0)
    return fail_errno("the network namespace of {}", pid);
  if (sp.rootfs.empty()) TRY(pack_root(pid, o.dir));  // a --rootfs is the host's, as a volume
  log::debug("{:.2f} ms: checkpoint: root packed", log::elapsed_ms());
  TRY(fs::write_atomic(o.dir, ck::kNativeFile, ck::to_json(image), true));
  ck::DumpArgs a{criu, o.dir, pid, net.st_ino, o.leave_running, o.tcp_established};
  auto done = TRY(process::run_with_input(ck::dump_command(a, image), "", kCriuTimeoutMs));
  if (done.code != 0) return fail(criu_failed("dump", o.dir + "/dump.log", done.err + done.out));
  return {};
}

Result<process::Launched> restore_native(const spec::Spec& s, cgroup::Manager* cg,
                                         const StartOptions& o) {
  const std::string& dir = o.restore_from;
  auto image = TRY(ck::native_from_json(TRY(fs::read_file(dir + "/" + ck::kNativeFile))));
  std::string criu = TRY(checkpoint::working_criu(state_root()));
  // Where CRIU works (its log, the PID file, the staged root): the container's directory in the
  // state (a detached restore registers it first; the log stays there until rm), or a work
  // directory for a foreground restore.
  std::string work = state_root() + "/" + s.id;
  std::optional<WorkDir> foreground;
  if (::access(work.c_str(), F_OK) != 0) work = foreground.emplace(TRY(WorkDir::make())).path();
  Stage stage;
  stage.path = work + "/root";
  if (s.rootfs.empty()) {
    TRY(unpack_root(dir, stage));
  } else {
    TRY(bind_root(s, stage));
  }
  ck::RestoreArgs a;
  a.criu = criu, a.dir = dir, a.work_dir = work, a.root = stage.path;
  a.pid_file = work + "/restore.pid";
  a.netns_fd = 3;
  std::array<int, 3> stdio{};
  for (int i = 0; i < 3; i++) {
    stdio[i] = o.stdio[i] >= 0 ? o.stdio[i] : i;  // a foreground restore: ours
    a.stdio[i] = 4 + i;
  }
  a.tcp_established = image.tcp_established;
  auto args = ck::restore_command(a, image);
  args.push_back("--leave-stopped");
  log::debug("{:.2f} ms: restore: root staged", log::elapsed_ms());
  TRY(run_criu(cg, stdio, args, o.network, work + "/restore.log"));
  log::debug("{:.2f} ms: restore: CRIU done", log::elapsed_ms());
  auto text = TRY(fs::read_file(a.pid_file));
  pid_t pid = static_cast<pid_t>(TRY(parse::uint(parse::trim_end(text), 1, INT_MAX)));
  process::Launched child;
  child.pid = pid;
  child.pidfd.reset(static_cast<int>(::syscall(SYS_pidfd_open, pid, 0)));
  if (!child.pidfd) return fail_errno("pidfd of the restored init {}", pid);
  auto stat = proc::Stat::read(pid);
  if (!stat || stat->field(4) != std::to_string(::getpid())) {
    ::kill(pid, SIGKILL);
    return fail_invalid("the restored init {} is not this monitor's child", pid);
  }
  if (o.after_clone) {
    if (auto r = o.after_clone(pid); !r) {
      ::kill(pid, SIGKILL);
      return fail(r.error());
    }
  }
  // The root tmpfs is read-only again before anything restored runs (a --rootfs's mount was
  // made so before: remounting it here would make the host's filesystem read-only).
  if (s.rootfs.empty() && ::mount(nullptr, stage.path.c_str(), nullptr,
                                  MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV, nullptr) != 0) {
    ::kill(pid, SIGKILL);
    return fail_errno("make the restored root read-only");
  }
  continue_tree(pid);
  return child;
}

}  // namespace nucleus::container
