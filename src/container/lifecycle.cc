#include "container/lifecycle.h"

#include <poll.h>
#include <signal.h>
#include <sys/inotify.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "backend/gvisor.h"
#include "cgroup/live.h"
#include "cgroup/manager.h"
#include "container/abort_point.h"
#include "net/network.h"

namespace nucleus::container {
namespace {

std::string short_id(const std::string& id) {
  return id.substr(0, 12);
}

Result<> send(int pidfd, int sig) {
  if (::syscall(SYS_pidfd_send_signal, pidfd, sig, nullptr, 0) != 0 && errno != ESRCH)
    return fail_errno("signal {}", sig);
  return {};
}

Result<State> running_state(const Store& store, const std::string& id) {
  auto [s, o] = TRY(look(store, id));
  if (o.status != "running" && o.status != "paused")
    return fail_invalid("container {} is not running ({})", short_id(id), o.status);
  return s;
}

}  // namespace

Result<State> wait_stopped(const Store& store, const std::string& id) {
  UniqueFd in(::inotify_init1(IN_CLOEXEC | IN_NONBLOCK));
  if (!in) return fail_errno("inotify");
  // state.json is replaced by rename: a new entry moved into the directory.
  if (::inotify_add_watch(in.get(), store.dir(id).c_str(), IN_MOVED_TO | IN_DELETE_SELF) < 0)
    return fail_errno("watch {}", store.dir(id));
  for (;;) {
    auto [s, o] = TRY(look(store, id));
    if (o.status == "exited" || o.status == "dead") return s;
    UniqueFd monitor;
    if (auto fd = s.monitor.open()) monitor = std::move(*fd);
    pollfd fds[2] = {{in.get(), POLLIN, 0}, {monitor.get(), POLLIN, 0}};
    // The timeout only guards against a missed event; the wake-ups are the two descriptors.
    if (::poll(fds, 2, 1000) > 0 && (fds[0].revents & POLLIN)) {
      char buf[4096];
      while (::read(in.get(), buf, sizeof buf) > 0) {
      }
    }
  }
}

Result<> signal(const Store& store, const std::string& id, int sig) {
  auto s = TRY(running_state(store, id));
  UniqueFd init = TRY(s.init.open());
  if (s.gvisor) return backend::gvisor::kill(id, sig);  // the workload, not `runsc run`
  return send(init.get(), sig);
}

Result<State> stop(Store& store, const std::string& id, unsigned timeout_seconds) {
  auto s = TRY(store.modify(
      id, [](State& x) { x.stop_requested = true; }, false));
  abort_point("stop");
  if (auto init = s.init.open()) {
    if (observe(s).status == "paused")
      TRY(pause(store, id, false));  // a frozen process cannot act on SIGTERM
    auto kill = [&](int sig) -> Result<> {
      // A sandbox that runsc cannot signal ends with its `runsc run` (its monitor then
      // deletes it).
      if (s.gvisor && backend::gvisor::kill(id, sig)) return {};
      return send(init->get(), s.gvisor ? SIGKILL : sig);
    };
    TRY(kill(SIGTERM));
    if (!s.init.wait_gone(static_cast<int>(timeout_seconds) * 1000)) TRY(kill(SIGKILL));
  }
  return wait_stopped(store, id);
}

Result<> pause(Store& store, const std::string& id, bool paused) {
  auto s = TRY(running_state(store, id));
  if (s.gvisor) {
    // runsc stops the sandbox's tasks and clocks; the state says so (no freezer to read).
    TRY(backend::gvisor::pause(id, paused));
    TRY(store.modify(id, [&](State& x) {
      if (x.status == "running" || x.status == "paused") x.status = paused ? "paused" : "running";
    }));
    return {};
  }
  if (s.cgroup_path.empty())
    return fail_invalid("container {} has no cgroup to freeze", short_id(id));
  return cgroup::Live(cgroup::detect(), s.cgroup_path).freeze(paused);
}

Result<> remove(Store& store, const std::string& id, bool force) {
  auto s = store.load(id);
  if (!s && !force) {
    Error e = s.error();
    e.message += " (rm -f removes it anyway)";
    return fail(e);
  }
  auto layout = cgroup::detect();
  if (s) {
    auto o = observe(*s);
    bool live = o.active && o.status != "exited";
    if (live && !force)
      return fail_invalid("container {} is {}: stop it first, or use rm -f", short_id(id),
                          o.status);
    if (live) {
      // Frozen tasks die only once thawed (cgroup v1).
      if (!s->cgroup_path.empty()) (void)cgroup::Live(layout, s->cgroup_path).freeze(false);
      // The monitor first: its init follows it (parent-death signal), and it cannot restart.
      if (auto monitor = s->monitor.open()) {
        TRY(send(monitor->get(), SIGKILL));
        s->monitor.wait_gone(-1);
      }
    }
  }
  abort_point("rm");
  TRY(net::Networks(store.root() + "/networks").release(id));  // a killed monitor's address
  backend::gvisor::collect(id);  // a gVisor sandbox outlives its killed nucleus: runsc delete
  TRY(cgroup::remove_leftover(layout, "/nucleus/" + id));
  abort_point("rm-state");
  return store.remove(id);
}

}  // namespace nucleus::container
