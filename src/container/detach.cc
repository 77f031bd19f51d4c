#include "container/detach.h"

#include <fcntl.h>
#include <time.h>
#include <unistd.h>

#include <cstdio>

#include "backend/gvisor.h"
#include "container/abort_point.h"
#include "container/denials.h"
#include "container/event_log.h"
#include "container/logfile.h"
#include "container/report_pipe.h"
#include "container/root.h"
#include "container/start.h"
#include "container/trace_log.h"
#include "process/child.h"
#include "process/monitor.h"
#include "process/stream_pump.h"
#include "spec/spec_json.h"
#include "util/log.h"
#include "util/memory.h"
#include "util/pipe.h"
#include "util/scope_exit.h"

namespace nucleus::container {
namespace {

int64_t now() {
  return static_cast<int64_t>(::time(nullptr));
}

// The monitor tells `run -d` how the start went over a pipe: "0" or "<exit code> <message>".
// An unhealthy container that its health check stopped counts as failed whatever its code.
bool wants_restart(const State& s, int code, bool unhealthy) {
  if (s.stop_requested) return false;
  if (s.restart.mode == "always") return true;
  if (s.restart.mode != "on-failure" || (code == 0 && !unhealthy)) return false;
  return s.restart.max_retries == 0 || s.restart_count < s.restart.max_retries;
}

// Docker's backoff: 100 ms doubling per quick failure, at most 10 s. False when a stop arrived.
bool backoff(const Store& store, const std::string& id, int consecutive) {
  int64_t wait_ms = std::min<int64_t>(100ll << std::min(consecutive, 7), 10000);
  for (int64_t waited = 0; waited < wait_ms; waited += 50) {
    auto s = store.load(id);
    if (!s || s->stop_requested) return false;
    timespec ts{0, 50L * 1000 * 1000};
    ::nanosleep(&ts, nullptr);
  }
  return true;
}

State initial_state(const spec::Spec& s, const DetachOptions& o) {
  State st;
  st.id = s.id;
  st.name = s.name;
  st.command = s.process.args;
  st.created = now();
  st.status = "created";
  st.monitor = ProcessId::self();
  st.cgroup_path = s.cgroup_path;
  st.detached = true;
  st.auto_remove = o.auto_remove;
  st.restart = o.restart;
  st.log_max_size = o.log_max_size;
  st.log_max_files = o.log_max_files;
  st.log_driver = log_driver_name(o.log_driver);
  st.gvisor = s.runtime == spec::Runtime::kGvisor;
  return st;
}

// Records the end of one run; true when the policy restarts it. `last` releases what the
// container holds (cgroup, network).
Result<bool> record_exit(Store& store, const std::string& id, int code,
                         const std::function<void()>& last, bool unhealthy = false) {
  bool restart = wants_restart(TRY(store.load(id)), code, unhealthy);
  // The last exit: the cgroup and network go before the state says "exited", so whoever waited
  // for that finds nothing running.
  if (!restart) last();
  TRY(store.modify(id, [&](State& x) {
    x.init = {};
    if (!restart) x.ip.clear();
    x.finished = now();
    x.exit_code = code;
    x.status = restart ? "restarting" : "exited";
    if (restart) x.restart_count++;
  }));
  return restart;
}

// Everything up to the first start fails back to `run -d` (and removes what it made); after
// that the monitor records each exit in the state.
Result<> supervise(const spec::Spec& s, const DetachOptions& o, Report& report) {
  Store store(state_root());
  // fsynced only once the start is reported (Store::sync below), off the critical path; the
  // rename keeps every reader consistent meanwhile.
  TRY(store.create(initial_state(s, o), {{"spec.json", spec::to_json(s)}}, /*durable=*/false));
  abort_point("create");
  bool started = false;
  ScopeExit forget([&] {
    if (!started) (void)store.remove(s.id);
  });
  bool gvisor = s.runtime == spec::Runtime::kGvisor;
  // runsc makes the sandbox's cgroup itself (config.json's cgroupsPath).
  std::unique_ptr<cgroup::Manager> cg;
  if (!gvisor) cg = TRY(make_cgroup(s));
  ScopeExit cleanup([&] { destroy_cgroup(cg.get()); });
  if (!cg && !gvisor)
    TRY(store.modify(
        s.id, [](State& x) { x.cgroup_path.clear(); }, false));
  abort_point("cgroup");
  auto network = net::Attachment::for_spec(s, state_root());
  backend::gvisor::NetnsHolder netns;
  ScopeExit sandbox([&] {
    if (gvisor) backend::gvisor::collect(s.id);
  });
  auto release = [&] {
    destroy_cgroup(cg.get());
    if (gvisor) backend::gvisor::collect(s.id);
    netns.reset();
    network.reset();  // once no process of the container is left
  };
  LogWriter log(store.dir(s.id), o.log_max_size, o.log_max_files, o.log_driver, {s.id, s.name});
  if (!o.restore_from.empty()) TRY(continue_log(o.restore_from, store.dir(s.id)));
  TRY(log.open());
  // The monitor drains out and err; `in` is kept open and silent (`-di` keeps a shell alive).
  Pipe out = TRY(make_pipe(true)), err = TRY(make_pipe(true));
  Pipe in;
  if (s.process.open_stdin && !s.process.terminal) in = TRY(make_pipe());
  TRY(process::block_forwarded_signals());
  TRY(begin_trace_log(s));
  TraceTotals traced;  // every run's, restarts included

  for (int quick_failures = 0;;) {
    StartOptions so;
    so.stdio[0] = in.read ? in.read.get() : -1;
    so.stdio[1] = out.write.get();
    so.stdio[2] = err.write.get();
    UniqueFd notify;
    DenialWatcher denials;
    so.after_clone = [&](pid_t pid) -> Result<> {
      abort_point("launch");
      if (o.checks.readiness.sd_notify) notify = TRY(bind_notify_socket(pid, s.id));
      return {};
    };
    so.network = network.get();
    // A restored sandbox continues from its image; a restart begins anew.
    if (!started) so.restore_from = o.restore_from;
    auto child =
        gvisor ? backend::gvisor::start(s, network.get(), so.stdio, netns, so.restore_from, true)
               : start(s, cg.get(), so);
    if (!child && !started) return fail(child.error());
    if (!child) {
      (void)record_exit(store, s.id, child.error().exit_code, release);
      break;
    }
    int64_t t0 = now();
    TRY(store.modify(
        s.id,
        [&](State& x) {
          x.status = "running";
          x.init = ProcessId::of(child->pid);
          x.started = t0;
          x.ip = network ? network->ip() : "";
          reset_checks(o.checks, x);
        },
        /*durable=*/false));
    if (!started) {
      started = true;
      report.ok();
      store.sync(initial_state(s, o));
      abort_point("started");
    }
    int from = child->pty_master ? child->pty_master.get() : out.read.get();
    process::StreamPump pump(from, child->pty_master ? -1 : err.read.get(),
                             [&](int stream, std::string_view data) {
                               log.write(stream == 1 ? "stdout" : "stderr", data);
                             });
    process::MonitorOptions mo;
    mo.timeout_seconds = s.timeout_seconds;
    mo.on_idle = memory::release_startup_pages;  // an idle monitor keeps only its loop resident
    bool unhealthy = false;
    auto report = [&](const Denial& d) { append_event(store, s.id, denial_event(s.id, d)); };
    denials.watch(child->pid);
    auto status = [&] {  // the checks and reports run while the monitor waits, and end with it
      CheckRunner checks(store, s.id, o.checks, child->pidfd.get(), notify.get(), nullptr);
      DenialReporter reporter(denials, report);
      auto exit = process::monitor(*child, mo, &pump);
      unhealthy = checks.stopped_unhealthy();
      return exit;
    }();
    for (const auto& d : denials.drain_at_exit(status ? status->code : 0)) report(d);
    if (auto written = end_trace(s, *child, traced); !written)
      nucleus::log::error("{}", written.error().what());
    auto restart = record_exit(store, s.id, status ? status->code : process::kExitSetupFailed,
                               release, unhealthy);
    if (!restart || !*restart) break;
    quick_failures = now() - t0 >= 10 ? 0 : quick_failures + 1;
    if (!backoff(store, s.id, quick_failures)) {
      (void)record_exit(store, s.id, status->code, release);  // stopped while waiting
      break;
    }
  }
  release();
  if (o.auto_remove) (void)store.remove(s.id);
  return {};
}

[[noreturn]] void monitor_main(const spec::Spec& s, const DetachOptions& o, int report_fd) {
  detach_self(report_fd);
  Report report(report_fd);
  auto r = supervise(s, o, report);
  if (!r) report.failed(r.error());
  ::_exit(r ? 0 : r.error().exit_code);
}

}  // namespace

Result<> run_detached(spec::Spec s, const DetachOptions& o) {
  s.resources.accounting = true;
  auto [r, w] = TRY(make_pipe());
  pid_t pid = ::fork();
  if (pid < 0) return fail_errno("fork the monitor");
  if (pid == 0) {
    r.reset();
    monitor_main(s, o, w.release());
  }
  w.reset();
  TRY(read_report(r.get(), s.id, "its monitor"));
  if (o.print_id) std::printf("%s\n", s.id.c_str());
  return {};
}

}  // namespace nucleus::container
