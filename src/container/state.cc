#include "container/state.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <nlohmann/json.hpp>

#include "util/fs.h"
#include "util/parse.h"

namespace nucleus::container {
namespace {

bool valid_id(std::string_view id) {
  return id.size() == 64 && id.find_first_not_of("0123456789abcdef") == std::string_view::npos;
}

std::optional<uint64_t> start_time_of(pid_t pid) {
  auto stat = fs::read_file(fmt::format("/proc/{}/stat", pid));
  if (!stat) return std::nullopt;
  // Field 22; the command (field 2) may hold spaces and parentheses: start after the last ')'.
  size_t rp = stat->rfind(')');
  if (rp == std::string::npos) return std::nullopt;
  auto fields = parse::split(std::string_view(*stat).substr(rp + 2), ' ');
  if (fields.size() < 20) return std::nullopt;
  auto v = parse::uint(fields[19], 0, UINT64_MAX);
  return v ? std::optional<uint64_t>(*v) : std::nullopt;
}

// durable: fsync before the rename. State under /run describes processes and cgroups that do
// not survive a reboot, so a foreground run skips it (it cost ~1.5 ms on a disk-backed /run);
// rename alone is atomic for every reader while the system runs.
Result<> write_atomic(const std::string& dir, const std::string& name, const std::string& data,
                      bool durable) {
  std::string tmp = dir + "/." + name + ".tmp";
  ::unlink(tmp.c_str());  // a stale temp file from a crash; a symlink is removed, not followed
  UniqueFd fd(::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600));
  if (!fd) return fail_errno("create {}", tmp);
  if (::write(fd.get(), data.data(), data.size()) != static_cast<ssize_t>(data.size()))
    return fail_errno("write {}", tmp);
  if (durable && ::fsync(fd.get()) != 0) return fail_errno("fsync {}", tmp);
  if (::rename(tmp.c_str(), (dir + "/" + name).c_str()) != 0) return fail_errno("rename {}", tmp);
  return {};
}

}  // namespace

ProcessId ProcessId::self() {
  ProcessId p;
  p.pid = ::getpid();
  p.start_time = start_time_of(p.pid).value_or(0);
  return p;
}

bool ProcessId::alive() const {
  if (pid <= 0) return false;
  auto t = start_time_of(pid);
  return t && *t == start_time;
}

namespace {
// Written by hand: this runs on every `run`, and nlohmann's serialiser alone costs ~250 KiB
// of resident code pages there. Parsing (ps, gc) uses nlohmann.
std::string quote(std::string_view v) {
  std::string out = "\"";
  for (char c : v) {
    if (c == '"' || c == '\\') {
      out.push_back('\\');
      out.push_back(c);
    } else if (static_cast<unsigned char>(c) < 0x20) {
      out += fmt::format("\\u{:04x}", static_cast<unsigned>(c));
    } else {
      out.push_back(c);
    }
  }
  out.push_back('"');
  return out;
}
}  // namespace

std::string to_json(const State& s) {
  std::string cmd;
  for (const auto& a : s.command) cmd += (cmd.empty() ? "" : ",") + quote(a);
  return fmt::format(
      "{{\"id\":{},\"name\":{},\"command\":[{}],\"created\":{},"
      "\"owner\":{{\"pid\":{},\"start_time\":{}}},\"cgroup_path\":{}}}\n",
      quote(s.id), quote(s.name), cmd, s.created, s.owner.pid, s.owner.start_time,
      quote(s.cgroup_path));
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
    s.owner.pid = j.at("owner").at("pid").get<pid_t>();
    s.owner.start_time = j.at("owner").at("start_time").get<uint64_t>();
    s.cgroup_path = j.value("cgroup_path", "");
    if (!s.cgroup_path.empty() && s.cgroup_path != "/nucleus/" + s.id)
      return fail_invalid("unexpected cgroup path '{}'", s.cgroup_path);
    return s;
  } catch (const std::exception& e) {
    return fail_invalid("corrupted state: {}", e.what());
  }
}

Result<> Store::create(const State& s, bool durable) {
  if (::mkdir(root_.c_str(), 0700) != 0 && errno != EEXIST) return fail_errno("create {}", root_);
  std::string dir = root_ + "/" + s.id;
  if (::mkdir(dir.c_str(), 0700) != 0) return fail_errno("create {}", dir);
  auto r = write_atomic(dir, "state.json", to_json(s), durable);
  if (!r) ::rmdir(dir.c_str());
  return r;
}

Result<> Store::update(const State& s) {
  if (!valid_id(s.id)) return fail_invalid("invalid container ID '{}'", s.id);
  return write_atomic(root_ + "/" + s.id, "state.json", to_json(s), true);
}

Result<State> Store::load(const std::string& id) const {
  if (!valid_id(id)) return fail_invalid("invalid container ID '{}'", id);
  auto text = TRY(fs::read_file(root_ + "/" + id + "/state.json"));
  return from_json(text).map_error([&](const Error& e) { return e.wrap(id.substr(0, 12)); });
}

Result<> Store::remove(const std::string& id) {
  if (!valid_id(id)) return fail_invalid("invalid container ID '{}'", id);
  std::string dir = root_ + "/" + id;
  for (const char* f : {"state.json", ".state.json.tmp"}) ::unlink((dir + "/" + f).c_str());
  if (::rmdir(dir.c_str()) != 0 && errno != ENOENT) return fail_errno("remove {}", dir);
  return {};
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
  std::vector<std::string> hits;
  for (const auto& id : ids()) {
    if (id == ref) return id;
    if (id.rfind(ref, 0) == 0) hits.push_back(id);
  }
  for (const auto& id : ids()) {
    auto s = load(id);
    if (s && s->name == ref) return id;
  }
  if (hits.size() == 1) return hits[0];
  if (hits.size() > 1)
    return fail_invalid("'{}' matches {} containers; give more of the ID", ref, hits.size());
  return fail_invalid("no such container: {}", ref);
}

}  // namespace nucleus::container
