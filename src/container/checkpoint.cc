#include "container/checkpoint.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cstdio>

#include "backend/gvisor.h"
#include "checkpoint/criu.h"
#include "checkpoint/integrity.h"
#include "checkpoint/metadata.h"
#include "container/checkpoint_native.h"
#include "container/detach.h"
#include "container/exec.h"
#include "container/lifecycle.h"
#include "container/logfile.h"
#include "container/root.h"
#include "container/run.h"
#include "container/work_dir.h"
#include "spec/run_flags.h"
#include "spec/spec_json.h"
#include "util/fs.h"
#include "util/log.h"
#include "util/scope_exit.h"

#ifndef NUCLEUS_VERSION
#define NUCLEUS_VERSION "0.0.0"
#endif

namespace nucleus::container {
namespace {

// The checkpoint directory: made here (0700), or an existing empty one; never a symlink.
// Returns whether it was made here (and so is removed again on failure).
Result<bool> prepare_dir(const std::string& dir) {
  if (::mkdir(dir.c_str(), 0700) == 0) return true;
  if (errno != EEXIST) return fail_errno("create checkpoint directory {}", dir);
  struct stat st {};
  if (::lstat(dir.c_str(), &st) != 0) return fail_errno("{}", dir);
  if (!S_ISDIR(st.st_mode)) return fail_invalid("{} exists and is not a directory", dir);
  if (!TRY(fs::list_dir(dir)).empty())
    return fail_invalid("{} is not empty: refusing to mix checkpoints", dir);
  return false;
}

// What of a detached container's log a checkpoint carries (the end of its current file).
constexpr uint64_t kLogCarried = 16ull << 20;

checkpoint::Metadata describe(const State& s, const spec::Spec& sp) {
  checkpoint::Metadata m;
  m.id = s.id;
  m.name = s.name;
  m.pid = s.init.pid;
  m.command = s.command;
  m.time = static_cast<int64_t>(::time(nullptr));
  m.version = NUCLEUS_VERSION;
  m.gvisor = s.gvisor;
  m.rootless = sp.user_namespace;
  m.cgroup_path = s.cgroup_path;
  if (s.detached)
    m.detached =
        checkpoint::Detached{s.log_driver.empty() ? "k8s-file" : s.log_driver, s.log_max_size,
                             s.log_max_files, restart_text(s.restart), s.auto_remove};
  return m;
}

// The recorded limits as the new container's resources.
void apply(const checkpoint::Limits& l, spec::Resources& r) {
  r.memory = l.memory_max;
  r.memory_swap.reset();
  if (l.memory_max && l.swap_max) r.memory_swap = static_cast<int64_t>(*l.memory_max + *l.swap_max);
  r.cpu_quota = l.cpu_quota;
  r.cpu_period = l.cpu_period;
  r.cpu_weight = l.cpu_weight;
  r.pids = l.pids_max;
  r.io.clear();
  for (const auto& d : l.io) {
    spec::IoLimit io;
    io.device = d.device;
    auto colon = d.device.find(':');
    io.major = static_cast<uint32_t>(std::stoul(d.device.substr(0, colon)));
    io.minor = static_cast<uint32_t>(std::stoul(d.device.substr(colon + 1)));
    io.rbps = d.rbps.value_or(0), io.wbps = d.wbps.value_or(0);
    io.riops = d.riops.value_or(0), io.wiops = d.wiops.value_or(0);
    r.io.push_back(io);
  }
}

}  // namespace

Result<> checkpoint(Store& store, const std::string& id, const CheckpointOptions& o) {
  auto [s, seen] = TRY(look(store, id));
  if (seen.status != "running")
    return fail_invalid("container {} is {}: checkpoint needs a running container",
                        id.substr(0, 12), seen.status);
  auto sp = TRY(load_spec(store, id));
  if (!s.gvisor) TRY(check_checkpointable(id, sp, o.tcp_established));
  if (s.gvisor && o.leave_running)
    return fail_invalid(
        "--leave-running is not supported with gVisor yet: runsc's own (Debian 12's release) "
        "kills the sandbox; checkpoint it, then restore it");
  bool made = TRY(prepare_dir(o.dir));
  bool done = false;
  ScopeExit undo([&] {
    if (done) return;
    if (made) {
      fs::remove_tree(o.dir);
    } else if (auto names = fs::list_dir(o.dir)) {
      for (const auto& n : *names) ::unlink((o.dir + "/" + n).c_str());
    }
  });
  auto meta = describe(s, sp);
  if (!s.cgroup_path.empty())  // read before runsc stops the sandbox and its cgroup goes
    meta.limits = TRY(checkpoint::read(cgroup::detect(), s.cgroup_path));
  if (!o.leave_running)  // the workload ends with its checkpoint: no restart
    TRY(store.modify(id, [](State& x) { x.stop_requested = true; }));
  ScopeExit keep([&] {
    if (!done && !o.leave_running)
      (void)store.modify(id, [](State& x) { x.stop_requested = false; });
  });
  log::debug("{:.2f} ms: checkpoint: limits read", log::elapsed_ms());
  if (s.gvisor) {
    TRY(backend::gvisor::checkpoint(id, o.dir, o.leave_running));
  } else {
    TRY(dump_native(s, sp, o));
  }
  log::debug("{:.2f} ms: checkpoint: images written", log::elapsed_ms());
  TRY(fs::write_atomic(o.dir, "spec.json", spec::to_json(sp), true));
  if (meta.detached)  // the restore's log goes on from it
    TRY(fs::write_atomic(o.dir, kLogName, TRY(log_tail(store.dir(id), kLogCarried)), true));
  TRY(checkpoint::write_metadata(o.dir, meta));
  if (!o.private_dir) TRY(checkpoint::sign(o.dir, state_root()));
  log::debug("{:.2f} ms: checkpoint: signed", log::elapsed_ms());
  done = true;
  if (!o.leave_running) TRY(wait_stopped(store, id));
  log::debug("{:.2f} ms: checkpoint: the container stopped", log::elapsed_ms());
  return {};
}

Result<int> restore(const RestoreOptions& o) {
  if (!o.private_dir) TRY(checkpoint::verify(o.dir, state_root()));
  log::debug("{:.2f} ms: restore: checkpoint verified", log::elapsed_ms());
  auto meta = TRY(checkpoint::load_metadata(o.dir));
  auto s = TRY(spec::spec_from_json(TRY(fs::read_file(o.dir + "/spec.json"))));
  if ((s.runtime == spec::Runtime::kGvisor) != meta.gvisor)
    return fail_invalid("checkpoint {}: its spec.json does not match its metadata", o.dir);
  s.id = o.id;
  s.name = o.name;
  s.cgroup_path = "/nucleus/" + s.id;
  if (meta.limits) apply(*meta.limits, s.resources);
  if (!o.detach && meta.gvisor) return backend::gvisor::run(s, o.dir);
  if (!o.detach) {
    RunOptions fg;
    fg.restore_from = o.dir;
    return run(s, fg);
  }
  DetachOptions d;
  d.restore_from = o.dir;
  d.print_id = o.print_id;
  d.log_max_size = kDefaultLogMaxSize;
  d.log_max_files = kDefaultLogMaxFiles;
  if (const auto& was = meta.detached) {  // as it ran: its log, restart policy and --rm
    d.log_driver = TRY(parse_log_driver(was->log_driver));
    d.log_max_size = was->log_max_size;
    d.log_max_files = was->log_max_files;
    d.restart = TRY_CTX(parse_restart(was->restart), "checkpoint metadata");
    d.auto_remove = was->auto_remove;
  }
  TRY(run_detached(std::move(s), d));
  return 0;
}

namespace {

// A gVisor container checkpointed into `work` (runsc stops it) goes on from there as itself: its
// state goes and comes back restored, under its ID and name. Were that to fail, the checkpoint
// is signed and kept, and the error says where.
Result<> continue_in_place(Store& store, const State& s, WorkDir& work) {
  const std::string& dir = work.path();
  auto back = [&]() -> Result<> {
    // Its monitor ends after the state says "exited"; the ID is free only once it is gone.
    if (!s.monitor.wait_gone(30000))
      return fail_invalid("the monitor of {} did not end", s.id.substr(0, 12));
    TRY(remove(store, s.id, true));
    TRY(restore({dir, s.id, s.name, true, true, false}));
    return {};
  }();
  if (!back) {
    if (!checkpoint::sign(dir, state_root())) return fail(back.error());
    auto kept = work.keep(fmt::format("checkpoint-{}-{}", s.id.substr(0, 12), ::time(nullptr)));
    if (!kept) return fail(back.error());
    return fail_invalid("{}; container {} is saved in {} (nucleus restore -d -i {})",
                        back.error().what(), s.id.substr(0, 12), *kept, *kept);
  }
  return {};
}

}  // namespace

Result<std::vector<std::string>> fork(Store& store, const std::string& id, const ForkOptions& o) {
  auto [s, seen] = TRY(look(store, id));
  auto sp = TRY(load_spec(store, id));
  if (!sp.rootfs.empty() && !sp.rootfs_readonly)
    return fail_invalid(
        "container {} writes to its --rootfs {} itself: copies would share it (checkpoint and "
        "restore it, or give the copies a root each)",
        id.substr(0, 12), sp.rootfs);
  std::string base = !o.prefix.empty() ? o.prefix : !s.name.empty() ? s.name : id.substr(0, 12);
  std::vector<std::string> names;
  for (unsigned k = 1; k <= o.count; k++) {
    names.push_back(fmt::format("{}-{}", base, k));
    if (!spec::valid_name(names.back()))
      return fail_invalid("invalid name '{}': use letters, digits, '_', '.', '-'", names.back());
    if (store.resolve(names.back()))
      return fail_invalid("the name '{}' is already in use", names.back());
  }
  auto work = TRY(WorkDir::make());
  const std::string tmpl = work.path();
  TRY(checkpoint(store, id, {tmpl, !s.gvisor, false, true}));
  if (s.gvisor) TRY(continue_in_place(store, s, work));
  std::vector<std::string> made;
  ScopeExit undo([&] {
    if (made.size() == names.size()) return;
    for (const auto& m : made) (void)remove(store, m, true);
  });
  for (const auto& name : names) {
    RestoreOptions r{tmpl, o.new_id(), name, true, true};
    TRY(restore(r));
    made.push_back(r.id);
  }
  return made;
}

}  // namespace nucleus::container
