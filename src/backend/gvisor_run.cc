// nucleus run --runtime gvisor in the foreground: nucleus is the parent of `runsc run`, forwards
// signals through `runsc kill`, and removes the sandbox, its cgroups and its bundle at the end.
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <optional>

#include "backend/gvisor.h"
#include "backend/gvisor_paths.h"
#include "backend/output_relay.h"
#include "cgroup/manager.h"
#include "container/root.h"
#include "container/state.h"
#include "process/monitor.h"
#include "process/pty.h"
#include "util/fs.h"
#include "util/log.h"
#include "util/scope_exit.h"

namespace nucleus::backend::gvisor {

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
  OutputRelay relay;
  if (!s.process.terminal) TRY(relay.prepare(stdio));
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
  relay.started();
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
  process::IoPump* io = terminal ? static_cast<process::IoPump*>(&*terminal) : relay.pump();
  auto status = TRY(process::monitor(child, mo, io));
  runsc_finished = !status.timed_out;
  log::debug("{:.2f} ms: runsc exited with {}", log::elapsed_ms(), status.code);
  return status.code;
}

}  // namespace nucleus::backend::gvisor
