// The OCI verbs on a created container: start, state, kill, delete, run, list, ps, pause,
// update, events --stats.
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include "cgroup/live.h"
#include "cgroup/manager.h"
#include "cgroup/oci.h"
#include "container/oci.h"
#include "container/oci_hooks.h"
#include "container/oci_util.h"
#include "process/monitor.h"
#include "spec/oci_config.h"
#include "util/fs.h"
#include "util/log.h"

namespace nucleus::container::oci {
namespace {

using nlohmann::json;

constexpr int kStartTimeoutMs = 10000;

std::string annotations_of(const Store& store, const std::string& id, json* out) {
  auto text = fs::read_file(store.dir(id) + "/" + kConfigFile).value_or("{}");
  auto j = json::parse(text, nullptr, false);
  if (out) *out = j.is_object() && j.contains("annotations") ? j["annotations"] : json::object();
  return text;
}

json state_json(const Store& store, const Snapshot& snap) {
  const State& s = snap.state;
  json annotations;
  annotations_of(store, s.id, &annotations);
  std::string status = snap.seen.status;
  json j{{"ociVersion", "1.2.0"},
         {"id", s.id},
         {"status", status},
         {"pid", status == "stopped" ? 0 : s.init.pid},
         {"bundle", s.bundle},
         {"rootfs", ""},
         {"created", rfc3339(s.created, s.created_ns)},
         {"owner", ""}};
  auto spec = saved_spec(store, s.id);
  if (spec && spec->oci) j["rootfs"] = spec->oci->root;
  if (!annotations.empty()) j["annotations"] = annotations;
  return j;
}

Result<> signal_all(const State& s, int sig) {
  cgroup::Live live(cgroup::detect(), s.cgroup_path);
  for (pid_t pid : live.pids()) ::kill(pid, sig);
  return {};
}

}  // namespace

Result<Snapshot> find(const Store& store, const std::string& id) {
  if (!valid_id(id) || ::access((store.dir(id) + "/state.json").c_str(), F_OK) != 0)
    return fail_invalid("container {} does not exist", id);
  auto snap = TRY(look(store, id));
  if (!snap.state.oci) return fail_invalid("container {} is not an OCI container", id);
  return snap;
}

Result<spec::Spec> saved_spec(const Store& store, const std::string& id) {
  auto text = TRY(fs::read_file(store.dir(id) + "/" + kConfigFile));
  auto state = TRY(store.load(id));
  return spec::from_oci_config(text, state.bundle, id);
}

Result<> start(Store& store, const std::string& id) {
  auto found = TRY(find(store, id));
  State& s = found.state;  // a reference the lambda below may capture (no structured binding)
  if (found.seen.status != "created")
    return fail_invalid("cannot start container {} in the {} state", id, found.seen.status);
  UniqueFd sock(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (!sock) return fail_errno("socket");
  TRY(connect_start(sock.get(), store.dir(id)));
  auto init = TRY(s.init.open());
  // Recorded first: a command that ends at once must not find an engine still told "created".
  s.status = "running";
  s.started = static_cast<int64_t>(::time(nullptr));
  TRY(store.update(s, false));
  auto back = [&](const Error& e) -> Result<> {
    s.status = "created";
    (void)store.update(s, false);
    return fail(e);
  };
  if (::write(sock.get(), "1", 1) != 1)
    return back(Error::from_errno(errno, "start container {}", id));
  // The init answers once it goes on to its command; it may also die first.
  pollfd p[2] = {{sock.get(), POLLIN, 0}, {init.get(), POLLIN, 0}};
  int n = ::poll(p, 2, kStartTimeoutMs);
  char ack = 0;
  if (n <= 0 || !(p[0].revents & POLLIN) || ::read(sock.get(), &ack, 1) != 1)
    return fail_invalid("container {}: the init did not start", id);
  ::unlinkat(AT_FDCWD, (store.dir(id) + "/" + kStartSocket).c_str(), 0);
  if (!s.poststart_hooks) return {};
  auto spec = saved_spec(store, id);
  if (spec && spec->oci) {
    std::string st = hook_state(id, "running", s.init.pid, s.bundle, spec->oci->annotations);
    // A failed poststart hook is a warning; the container goes on (runtime-spec).
    if (auto r = run_hooks(spec->oci->hooks.poststart, st, "poststart"); !r)
      log::warn("{}", r.error().what());
  }
  return {};
}

Result<std::string> state(const Store& store, const std::string& id) {
  return state_json(store, TRY(find(store, id))).dump(2) + "\n";
}

Result<> kill(const Store& store, const std::string& id, int sig, bool all) {
  auto [s, seen] = TRY(find(store, id));
  if (all) return signal_all(s, sig);
  if (seen.status == "stopped" || seen.status == "creating")
    return fail_invalid("container {} is not running", id);
  auto init = TRY(s.init.open());
  if (::syscall(SYS_pidfd_send_signal, init.get(), sig, nullptr, 0) != 0)
    return fail_errno("signal {} to container {}", sig, id);
  return {};
}

Result<> remove(Store& store, const std::string& id, bool force) {
  auto snap = find(store, id);
  if (!snap) {
    // --force on a container that is not there is no error (runc).
    if (force && ::access(store.dir(id).c_str(), F_OK) != 0) return {};
    if (!force) return fail(snap.error());
    return fail(snap.error());
  }
  auto& [s, seen] = *snap;
  if ((seen.status == "running" || seen.status == "paused") && !force)
    return fail_invalid("cannot delete container {} that is not stopped: {}", id, seen.status);
  if (seen.status != "stopped") {
    if (seen.status == "paused") (void)cgroup::Live(cgroup::detect(), s.cgroup_path).freeze(false);
    (void)signal_all(s, SIGKILL);
    if (auto init = s.init.open())
      ::syscall(SYS_pidfd_send_signal, init->get(), SIGKILL, nullptr, 0);
    s.init.wait_gone(5000);  // not our child: its pidfd is polled
  }
  if (!s.cgroup_path.empty()) cgroup::remove_in_every_hierarchy(s.cgroup_path);
  auto spec = saved_spec(store, id);
  TRY(store.remove(id));
  if (spec && spec->oci && !spec->oci->hooks.poststop.empty()) {
    std::string st = hook_state(id, "stopped", 0, s.bundle, spec->oci->annotations);
    if (auto r = run_hooks(spec->oci->hooks.poststop, st, "poststop"); !r)
      log::warn("{}", r.error().what());
  }
  return {};
}

Result<int> run(Store& store, const std::string& id, const CreateOptions& o, bool detach) {
  auto init = TRY(create_container(store, id, o));
  if (auto started = start(store, id); !started) {
    (void)remove(store, id, true);
    return fail(started.error());
  }
  if (detach) return 0;
  TRY(process::block_forwarded_signals());
  process::MonitorOptions mo;
  mo.forward = [&](int sig) {
    ::syscall(SYS_pidfd_send_signal, init.pidfd.get(), sig, nullptr, 0);
  };
  auto status = process::monitor(init, mo, nullptr);
  (void)remove(store, id, true);
  if (!status) return fail(status.error());
  return status->code;
}

Result<std::string> list(const Store& store, bool as_json, bool quiet) {
  json all = json::array();
  std::string table = quiet ? "" : "ID      PID     STATUS   BUNDLE   CREATED   OWNER\n";
  for (const auto& id : store.ids()) {
    auto snap = look(store, id);
    if (!snap || !snap->state.oci) continue;
    json j = state_json(store, *snap);
    j["owner"] = "root";
    if (quiet) {
      table += id + "\n";
    } else {
      table += fmt::format("{}  {}  {}  {}  {}  root\n", id, j["pid"].get<int>(),
                           j["status"].get<std::string>(), snap->state.bundle,
                           j["created"].get<std::string>());
    }
    all.push_back(std::move(j));
  }
  return as_json ? all.dump() + "\n" : table;
}

Result<std::vector<pid_t>> pids(const Store& store, const std::string& id) {
  auto [s, seen] = TRY(find(store, id));
  return cgroup::Live(cgroup::detect(), s.cgroup_path).pids();
}

Result<> pause(Store& store, const std::string& id, bool paused) {
  auto [s, seen] = TRY(find(store, id));
  if (paused && seen.status != "running")
    return fail_invalid("container {} is {}, not running", id, seen.status);
  if (!paused && seen.status != "paused")
    return fail_invalid("container {} is {}, not paused", id, seen.status);
  TRY(cgroup::Live(cgroup::detect(), s.cgroup_path).freeze(paused));
  s.status = paused ? "paused" : "running";
  return store.update(s, true);
}

Result<> update(const Store& store, const std::string& id, const std::string& resources) {
  auto [s, seen] = TRY(find(store, id));
  if (seen.status == "stopped") return fail_invalid("container {} is stopped", id);
  auto doc = json::parse(resources, nullptr, false);
  if (doc.is_discarded()) return fail_invalid("--resources: not valid JSON");
  spec::Resources r;
  spec::OciResources x;
  TRY(spec::oci_resources(doc, "resources", r, x));
  return cgroup::OciCgroup(cgroup::detect(), s.cgroup_path).update(r, x);
}

Result<std::string> stats(const Store& store, const std::string& id) {
  auto [s, seen] = TRY(find(store, id));
  auto u = cgroup::Live(cgroup::detect(), s.cgroup_path).usage();
  json data{
      {"cpu", {{"usage", {{"total", u.cpu_usec * 1000}}}}},
      {"memory", {{"usage", {{"usage", u.memory}, {"limit", u.memory_limit}}}}},
      {"pids", {{"current", u.pids}}},
      {"blkio",
       {{"ioServiceBytesRecursive", json::array({{{"op", "Read"}, {"value", u.io_read}},
                                                 {{"op", "Write"}, {"value", u.io_write}}})}}}};
  return json{{"type", "stats"}, {"id", id}, {"data", data}}.dump() + "\n";
}

}  // namespace nucleus::container::oci
