#include "container/state.h"

#include <dirent.h>
#include <fcntl.h>
#include <poll.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <nlohmann/json.hpp>

#include "container/work_dir.h"
#include "util/fs.h"
#include "util/json_text.h"
#include "util/parse.h"
#include "util/proc.h"

namespace nucleus::container {
namespace {

// The start time of a live process; none for a missing or zombie one.
std::optional<uint64_t> start_time_of(pid_t pid) {
  auto stat = proc::Stat::read(pid);
  if (!stat || stat->field(3) == "Z" || stat->field(3) == "X") return std::nullopt;
  auto v = parse::uint(stat->field(22), 0, UINT64_MAX);
  return v ? std::optional<uint64_t>(*v) : std::nullopt;
}

bool exists(const std::string& path) {
  struct stat st {};
  return ::lstat(path.c_str(), &st) == 0;
}

// Written by hand (util/json_text): this runs on every `run`, and nlohmann's serialiser alone
// costs ~250 KiB of resident code pages there. Parsing (ps, gc) uses nlohmann.
using json_text::quote;

std::string pid_json(const ProcessId& p) {
  return fmt::format("{{\"pid\":{},\"start_time\":{}}}", p.pid, p.start_time);
}

ProcessId pid_from(const nlohmann::json& j) {
  ProcessId p;
  p.pid = j.at("pid").get<pid_t>();
  p.start_time = j.at("start_time").get<uint64_t>();
  return p;
}

std::string health_json(const Health& h) {
  std::string log;
  for (const auto& r : h.log)
    log += fmt::format("{}{{\"start\":{},\"end\":{},\"exit_code\":{},\"output\":{}}}",
                       log.empty() ? "" : ",", r.start, r.end, r.exit_code, quote(r.output));
  return fmt::format("{{\"status\":{},\"failing_streak\":{},\"log\":[{}]}}", quote(h.status),
                     h.failing_streak, log);
}

Health health_from(const nlohmann::json& j) {
  Health h;
  h.status = j.value("status", "");
  h.failing_streak = j.value("failing_streak", 0);
  for (const auto& r : j.value("log", nlohmann::json::array()))
    h.log.push_back({r.value("start", int64_t{0}), r.value("end", int64_t{0}),
                     r.value("exit_code", 0), r.value("output", "")});
  return h;
}

}  // namespace

bool valid_id(std::string_view id) {
  static constexpr std::string_view kReserved[] = {"names",          "networks",   "gvisor",
                                                   "checkpoint.key", "criu-check", "platform"};
  if (id.empty() || id.size() > 1024 || id[0] == '.') return false;
  if (std::find(std::begin(kReserved), std::end(kReserved), id) != std::end(kReserved))
    return false;
  return std::all_of(id.begin(), id.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '+' || c == '-' ||
           c == '.';
  });
}

ProcessId ProcessId::self() {
  return of(::getpid());
}

ProcessId ProcessId::of(pid_t pid) {
  ProcessId p;
  p.pid = pid;
  p.start_time = start_time_of(pid).value_or(0);
  return p;
}

bool ProcessId::alive() const {
  if (pid <= 0) return false;
  auto t = start_time_of(pid);
  return t && *t == start_time;
}

Result<UniqueFd> ProcessId::open() const {
  if (pid <= 0) return fail_invalid("no process recorded");
  UniqueFd fd(static_cast<int>(::syscall(SYS_pidfd_open, pid, 0)));
  // Checked after opening: the descriptor now pins the process the start time belongs to.
  if (!fd || !alive()) return fail(Error{ESRCH, fmt::format("process {} is gone", pid)});
  return fd;
}

bool ProcessId::wait_gone(int timeout_ms) const {
  auto fd = open();
  if (!fd) return true;
  pollfd p{fd->get(), POLLIN, 0};
  int n;
  while ((n = ::poll(&p, 1, timeout_ms)) < 0 && errno == EINTR) {
  }
  return n > 0;
}

Result<RestartPolicy> parse_restart(std::string_view text) {
  RestartPolicy r;
  auto colon = text.find(':');
  r.mode = std::string(text.substr(0, colon));
  if (r.mode != "no" && r.mode != "always" && r.mode != "on-failure")
    return fail_invalid("restart policy '{}': want no, on-failure[:N] or always", text);
  if (colon != std::string_view::npos) {
    auto n = parse::uint(text.substr(colon + 1), 1, 1000000);
    if (r.mode != "on-failure" || !n)
      return fail_invalid("restart policy '{}': a retry count goes with on-failure:N (N >= 1)",
                          text);
    r.max_retries = static_cast<int>(*n);
  }
  return r;
}

std::string restart_text(const RestartPolicy& r) {
  return r.max_retries > 0 ? fmt::format("{}:{}", r.mode, r.max_retries) : r.mode;
}

std::string to_json(const State& s) {
  std::string cmd;
  for (const auto& a : s.command) cmd += (cmd.empty() ? "" : ",") + quote(a);
  return fmt::format(
      "{{\"id\":{},\"name\":{},\"command\":[{}],\"created\":{},\"status\":{},\"monitor\":{},"
      "\"init\":{},\"started\":{},\"finished\":{},\"exit_code\":{},\"cgroup_path\":{},\"ip\":{},"
      "\"detached\":{},\"auto_remove\":{},\"restart\":{{\"mode\":{},\"max_retries\":{}}},"
      "\"restart_count\":{},\"stop_requested\":{},\"log_max_size\":{},\"log_max_files\":{},"
      "\"log_driver\":{},\"health\":{},\"readiness\":{},\"gvisor\":{},\"oci\":{},\"bundle\":{},"
      "\"created_ns\":{},"
      "\"poststart_hooks\":{}}}\n",
      quote(s.id), quote(s.name), cmd, s.created, quote(s.status), pid_json(s.monitor),
      pid_json(s.init), s.started, s.finished, s.exit_code, quote(s.cgroup_path), quote(s.ip),
      s.detached, s.auto_remove, quote(s.restart.mode), s.restart.max_retries, s.restart_count,
      s.stop_requested, s.log_max_size, s.log_max_files, quote(s.log_driver), health_json(s.health),
      quote(s.readiness), s.gvisor, s.oci, quote(s.bundle), s.created_ns, s.poststart_hooks);
}

Result<State> from_json(std::string_view text) {
  try {
    auto j = nlohmann::json::parse(text);
    State s;
    s.id = j.at("id").get<std::string>();
    if (!valid_id(s.id)) return fail_invalid("invalid container ID '{}'", s.id);
    s.name = j.value("name", "");
    s.command = j.value("command", std::vector<std::string>{});
    s.created = j.value("created", int64_t{0});
    s.status = j.value("status", "created");
    s.monitor = pid_from(j.at("monitor"));
    if (j.contains("init")) s.init = pid_from(j.at("init"));
    s.started = j.value("started", int64_t{0});
    s.finished = j.value("finished", int64_t{0});
    s.exit_code = j.value("exit_code", -1);
    s.cgroup_path = j.value("cgroup_path", "");
    s.oci = j.value("oci", false);
    s.bundle = j.value("bundle", "");
    s.created_ns = j.value("created_ns", int64_t{0});
    s.poststart_hooks = j.value("poststart_hooks", false);
    // An OCI container's cgroup is the engine's choice; a nucleus one's is always its own.
    if (!s.cgroup_path.empty() && !s.oci && s.cgroup_path != "/nucleus/" + s.id)
      return fail_invalid("unexpected cgroup path '{}'", s.cgroup_path);
    if (s.oci && !s.cgroup_path.empty() &&
        (s.cgroup_path[0] != '/' || s.cgroup_path.find("..") != std::string::npos))
      return fail_invalid("unexpected cgroup path '{}'", s.cgroup_path);
    s.ip = j.value("ip", "");
    s.detached = j.value("detached", false);
    s.auto_remove = j.value("auto_remove", false);
    if (j.contains("restart")) {
      s.restart.mode = j.at("restart").value("mode", "no");
      s.restart.max_retries = j.at("restart").value("max_retries", 0);
    }
    s.restart_count = j.value("restart_count", 0);
    s.stop_requested = j.value("stop_requested", false);
    s.log_max_size = j.value("log_max_size", uint64_t{0});
    s.log_max_files = j.value("log_max_files", 0);
    s.log_driver = j.value("log_driver", "");
    if (j.contains("health")) s.health = health_from(j.at("health"));
    s.readiness = j.value("readiness", "");
    s.gvisor = j.value("gvisor", false);
    static constexpr std::string_view kStatuses[] = {"created",    "running", "paused",
                                                     "restarting", "exited",  "creating"};
    if (std::find(std::begin(kStatuses), std::end(kStatuses), s.status) == std::end(kStatuses))
      return fail_invalid("unknown status '{}'", s.status);
    return s;
  } catch (const std::exception& e) {
    return fail_invalid("corrupted state: {}", e.what());
  }
}

Result<UniqueFd> Store::lock_names() const {
  TRY(fs::make_private_dir(root_));
  TRY(fs::make_private_dir(root_ + "/names"));
  return fs::lock_file(root_ + "/names/.lock");
}

Result<> Store::create(const State& s,
                       const std::vector<std::pair<std::string, std::string>>& files,
                       bool durable) {
  if (!valid_id(s.id)) return fail_invalid("invalid container ID '{}'", s.id);
  UniqueFd names;
  if (!s.name.empty()) {
    names = TRY(lock_names());
    auto holder = fs::read_file(root_ + "/names/" + s.name);
    if (holder && valid_id(*holder) && exists(dir(*holder)))
      return fail_invalid("the name '{}' is already in use by container {}", s.name,
                          holder->substr(0, 12));
  } else {
    TRY(fs::make_private_dir(root_));
  }
  std::string d = dir(s.id);
  if (::mkdir(d.c_str(), 0700) != 0) return fail_errno("create {}", d);
  auto written = [&]() -> Result<> {
    for (const auto& [name, content] : files) TRY(fs::write_atomic(d, name, content, durable));
    TRY(fs::write_atomic(d, "state.json", to_json(s), durable));
    if (!s.name.empty()) TRY(fs::write_atomic(root_ + "/names", s.name, s.id, durable));
    return {};
  }();
  if (!written) fs::remove_tree(d);
  return written;
}

Result<> Store::update(const State& s, bool durable) {
  if (!valid_id(s.id)) return fail_invalid("invalid container ID '{}'", s.id);
  return fs::write_atomic(dir(s.id), "state.json", to_json(s), durable);
}

Result<State> Store::modify(const std::string& id, const std::function<void(State&)>& change,
                            bool durable) {
  UniqueFd held = TRY(lock(id));
  State s = TRY(load(id));
  change(s);
  TRY(update(s, durable));
  return s;
}

Result<State> Store::load(const std::string& id) const {
  if (!valid_id(id)) return fail_invalid("invalid container ID '{}'", id);
  auto text = fs::read_file(dir(id) + "/state.json");
  if (!text) return fail(text.error().wrap(fmt::format("container {}", id.substr(0, 12))));
  return from_json(*text).map_error([&](const Error& e) { return e.wrap(id.substr(0, 12)); });
}

Result<> Store::remove(const std::string& id) {
  if (!valid_id(id)) return fail_invalid("invalid container ID '{}'", id);
  std::string name;
  auto loaded = load(id);
  if (loaded) name = loaded->name;
  std::string trash = root_ + "/.trash-" + id;
  if (::rename(dir(id).c_str(), trash.c_str()) != 0) {
    if (errno != ENOENT) return fail_errno("move {} aside", dir(id));
  }
  // A container known to have no name has no name file (OCI ones never do).
  if (!loaded || !name.empty()) {
    UniqueFd names = TRY(lock_names());
    // A corrupted state names nobody: then look for the name file that holds this ID.
    std::vector<std::string> candidates;
    if (!name.empty()) {
      candidates.push_back(name);
    } else if (DIR* d = ::opendir((root_ + "/names").c_str())) {
      while (dirent* e = ::readdir(d)) {
        if (e->d_name[0] != '.') candidates.emplace_back(e->d_name);
      }
      ::closedir(d);
    }
    for (const auto& n : candidates) {
      std::string nf = root_ + "/names/" + n;
      if (fs::read_file(nf).value_or("") == id) ::unlink(nf.c_str());
    }
  }
  fs::remove_tree(trash);
  return {};
}

void Store::sync(const State& s) const {
  std::vector<std::string> paths = {dir(s.id) + "/spec.json", dir(s.id) + "/state.json", dir(s.id),
                                    root_};
  if (!s.name.empty()) paths.insert(paths.end(), {root_ + "/names/" + s.name, root_ + "/names"});
  for (const auto& path : paths) {
    UniqueFd fd(::open(path.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC));
    if (fd) ::fsync(fd.get());
  }
}

void Store::sweep() const {
  if (DIR* d = ::opendir(root_.c_str())) {
    while (dirent* e = ::readdir(d)) {
      if (std::string_view(e->d_name).rfind(".trash-", 0) == 0)
        fs::remove_tree(root_ + "/" + e->d_name);
    }
    ::closedir(d);
  }
  sweep_work_dirs(root_);
  auto names = lock_names();
  if (!names) return;
  DIR* d = ::opendir((root_ + "/names").c_str());
  if (d == nullptr) return;
  while (dirent* e = ::readdir(d)) {
    if (e->d_name[0] == '.') continue;
    std::string nf = root_ + "/names/" + e->d_name;
    auto holder = fs::read_file(nf);
    if (!holder || !valid_id(*holder) || !exists(dir(*holder))) ::unlink(nf.c_str());
  }
  ::closedir(d);
}

Result<UniqueFd> Store::lock(const std::string& id) const {
  if (!valid_id(id)) return fail_invalid("invalid container ID '{}'", id);
  UniqueFd fd(::open(dir(id).c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
  if (!fd) return fail_errno("container {}", id.substr(0, 12));
  if (::flock(fd.get(), LOCK_EX) != 0) return fail_errno("lock {}", dir(id));
  return fd;
}

std::vector<std::string> Store::ids() const {
  std::vector<std::string> out;
  DIR* d = ::opendir(root_.c_str());
  if (d == nullptr) return out;
  while (dirent* e = ::readdir(d)) {
    if (valid_id(e->d_name)) out.emplace_back(e->d_name);
  }
  ::closedir(d);
  std::sort(out.begin(), out.end());
  return out;
}

Result<std::string> Store::resolve(const std::string& ref) const {
  if (ref.empty()) return fail_invalid("empty container reference");
  if (valid_id(ref) && exists(dir(ref))) return ref;
  // A name: names/<name> holds the ID.
  if (ref.find('/') == std::string::npos && ref[0] != '.') {
    auto holder = fs::read_file(root_ + "/names/" + ref);
    if (holder && valid_id(*holder) && exists(dir(*holder))) return *holder;
  }
  std::vector<std::string> hits;
  for (const auto& id : ids()) {
    if (id.rfind(ref, 0) == 0) hits.push_back(id);
  }
  if (hits.size() == 1) return hits[0];
  if (hits.size() > 1)
    return fail_invalid("'{}' matches {} containers; give more of the ID", ref, hits.size());
  return fail_invalid("no such container: {}", ref);
}

}  // namespace nucleus::container
