// nucleus run --runtime gvisor in the foreground: nucleus is the parent of `runsc run`, forwards
// signals through `runsc kill`, and removes the sandbox, its cgroups and its bundle at the end.
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "backend/gvisor.h"
#include "backend/gvisor_paths.h"
#include "cgroup/manager.h"
#include "container/root.h"
#include "container/state.h"
#include "process/monitor.h"
#include "process/pty.h"
#include "process/stream_pump.h"
#include "util/fs.h"
#include "util/log.h"
#include "util/scope_exit.h"

#include <optional>

namespace nucleus::backend::gvisor {
namespace {

bool regular_file(int fd) {
  struct stat st {};
  return ::fstat(fd, &st) == 0 && S_ISREG(st.st_mode);
}

Result<> make_pipe(UniqueFd& r, UniqueFd& w) {
  int p[2];
  if (::pipe2(p, O_CLOEXEC) != 0) return fail_errno("pipe");
  r.reset(p[0]);
  w.reset(p[1]);
  ::fcntl(r.get(), F_SETFL, O_NONBLOCK);
  return {};
}

}  // namespace

Result<int> run(const spec::Spec& s, const std::string& image_dir) {
  container::Store store(container::state_root());
  auto network = net::Attachment::for_spec(s, container::state_root());
  NetnsHolder netns;
  bool runsc_finished = false;  // runsc run deletes its own sandbox when it ends by itself
  ScopeExit cleanup([&] {
    if (!runsc_finished) return collect(s.id);
    cgroup::remove_in_every_hierarchy("/nucleus/" + s.id);
    fs::remove_tree(bundle_dir(s.id));
  });
  TRY(process::block_forwarded_signals());
  UniqueFd null;
  if (!s.process.open_stdin) null.reset(::open("/dev/null", O_RDONLY | O_CLOEXEC));
  int stdio[3] = {null ? null.get() : -1, -1, -1};
  // The sandbox writes a regular file given as stdout and stderr at an offset of each own, so
  // that `> file 2>&1` loses output: it gets pipes, which nucleus copies out.
  UniqueFd out_r, out_w, err_r, err_w;
  std::optional<process::StreamPump> relay;
  if (!s.process.terminal && (regular_file(1) || regular_file(2))) {
    TRY(make_pipe(out_r, out_w));
    TRY(make_pipe(err_r, err_w));
    stdio[1] = out_w.get(), stdio[2] = err_w.get();
    relay.emplace(out_r.get(), err_r.get(), process::to_own_stdio());
  }
  // Registered before the network is plugged, as natively: the lease and the guard's files
  // belong to a container that exists (gc never takes a starting one's), and a name already
  // taken fails the start before anything is made.
  container::State st;
  st.id = s.id;
  st.name = s.name;
  st.command = s.process.args;
  st.created = st.started = static_cast<int64_t>(::time(nullptr));
  st.status = "created";
  st.monitor = container::ProcessId::self();
  st.cgroup_path = s.cgroup_path;
  st.gvisor = true;
  bool registered = false;
  ScopeExit unregister([&] {
    if (registered) (void)store.remove(s.id);
  });
  TRY(store.create(st, {}, false));
  registered = true;
  // Not waiting for runsc's "running": the state below may say so a moment early.
  auto child = TRY(start(s, network.get(), stdio, netns, image_dir, false));
  out_w.reset(), err_w.reset();
  st.status = "running";
  st.init = container::ProcessId::of(child.pid);
  st.ip = network ? network->ip() : "";
  if (auto r = store.update(st, false); !r) {
    ::kill(child.pid, SIGKILL);
    ::waitpid(child.pid, nullptr, 0);
    return fail(r.error());
  }
  log::debug("{:.2f} ms: runsc started, state registered", log::elapsed_ms());
  process::MonitorOptions mo;
  mo.timeout_seconds = s.timeout_seconds;
  // runsc does not pass signals on to the workload: `runsc kill` does.
  mo.forward = [&](int sig) { (void)kill(s.id, sig); };
  std::optional<process::PtyRelay> terminal;
  if (child.pty_master) terminal.emplace(child.pty_master.get(), s.process.open_stdin);
  process::IoPump* io = terminal ? static_cast<process::IoPump*>(&*terminal)
                        : relay  ? &*relay
                                 : nullptr;
  auto status = TRY(process::monitor(child, mo, io));
  runsc_finished = !status.timed_out;
  log::debug("{:.2f} ms: runsc exited with {}", log::elapsed_ms(), status.code);
  return status.code;
}

}  // namespace nucleus::backend::gvisor
