#include "checkpoint/metadata.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include "util/fs.h"

namespace nucleus::checkpoint {
namespace {

using nlohmann::json;

constexpr const char* kFile = "metadata.json";
constexpr const char* kTemp = ".metadata.json.tmp";

json optional_json(const std::optional<uint64_t>& v) {
  return v ? json(*v) : json("max");
}

std::optional<uint64_t> optional_from(const json& j, const char* key) {
  if (!j.contains(key) || j.at(key).is_string()) return std::nullopt;  // "max"
  return j.at(key).get<uint64_t>();
}

json limits_json(const Limits& l) {
  json io = json::array();
  for (const auto& d : l.io)
    io.push_back({{"device", d.device},
                  {"rbps", optional_json(d.rbps)},
                  {"wbps", optional_json(d.wbps)},
                  {"riops", optional_json(d.riops)},
                  {"wiops", optional_json(d.wiops)}});
  json out = {{"memory_max", optional_json(l.memory_max)},
              {"memory_high", optional_json(l.memory_high)},
              {"swap_max", optional_json(l.swap_max)},
              {"cpu_quota", optional_json(l.cpu_quota)},
              {"cpu_period", l.cpu_period},
              {"cpu_weight", l.cpu_weight ? json(*l.cpu_weight) : json(nullptr)},
              {"pids_max", optional_json(l.pids_max)},
              {"io", io}};
  if (auto m = l.cpu_millicores()) out["cpu_millicores"] = *m;
  return out;
}

Limits limits_from(const json& j) {
  Limits l;
  l.memory_max = optional_from(j, "memory_max");
  l.memory_high = optional_from(j, "memory_high");
  l.swap_max = optional_from(j, "swap_max");
  l.cpu_quota = optional_from(j, "cpu_quota");
  l.cpu_period = j.at("cpu_period").get<uint64_t>();
  if (j.contains("cpu_weight") && !j.at("cpu_weight").is_null())
    l.cpu_weight = j.at("cpu_weight").get<uint64_t>();
  l.pids_max = optional_from(j, "pids_max");
  for (const auto& d : j.value("io", json::array()))
    l.io.push_back({d.at("device").get<std::string>(), optional_from(d, "rbps"),
                    optional_from(d, "wbps"), optional_from(d, "riops"),
                    optional_from(d, "wiops")});
  return l;
}

Detached detached_from(const json& j) {
  Detached d;
  d.log_driver = j.at("log_driver").get<std::string>();
  d.log_max_size = j.at("log_max_size").get<uint64_t>();
  d.log_max_files = j.at("log_max_files").get<int>();
  d.restart = j.value("restart", "no");
  d.auto_remove = j.value("auto_remove", false);
  return d;
}

}  // namespace

std::string to_json(const Metadata& m) {
  json j = {{"id", m.id},
            {"name", m.name},
            {"pid", m.pid},
            {"command", m.command},
            {"checkpointed_at", m.time},
            {"nucleus_version", m.version},
            {"gvisor", m.gvisor},
            {"rootless", m.rootless}};
  if (!m.cgroup_path.empty()) j["cgroup_path"] = m.cgroup_path;
  if (m.limits) j["limits"] = limits_json(*m.limits);
  if (const auto& d = m.detached)
    j["detached"] = {{"log_driver", d->log_driver},
                     {"log_max_size", d->log_max_size},
                     {"log_max_files", d->log_max_files},
                     {"restart", d->restart},
                     {"auto_remove", d->auto_remove}};
  return j.dump(2) + "\n";
}

Result<Metadata> metadata_from_json(std::string_view text) {
  Metadata m;
  try {
    auto j = json::parse(text);
    m.id = j.at("id").get<std::string>();
    m.name = j.value("name", "");
    m.pid = j.value("pid", 0);
    m.command = j.value("command", std::vector<std::string>{});
    m.time = j.at("checkpointed_at").get<int64_t>();
    m.version = j.value("nucleus_version", "");
    m.gvisor = j.value("gvisor", false);
    m.rootless = j.value("rootless", false);
    m.cgroup_path = j.value("cgroup_path", "");
    if (j.contains("limits")) m.limits = limits_from(j.at("limits"));
    if (j.contains("detached")) m.detached = detached_from(j.at("detached"));
  } catch (const std::exception& e) {
    return fail_invalid("checkpoint metadata: {}", e.what());
  }
  if (m.limits) TRY(validate(*m.limits));
  if (const auto& d = m.detached) {
    if (d->log_max_files < 1 || d->log_max_files > 100)
      return fail_invalid("checkpoint metadata: log_max_files {} is not 1-100", d->log_max_files);
  }
  return m;
}

Result<> write_metadata(const std::string& dir, const Metadata& m) {
  UniqueFd d(::open(dir.c_str(), O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
  if (!d) return fail_errno("open {}", dir);
  struct stat st {};
  if (::fstatat(d.get(), kTemp, &st, AT_SYMLINK_NOFOLLOW) == 0) {
    if (S_ISLNK(st.st_mode))
      return fail_invalid("{}/{} is a symlink: refusing to write through it", dir, kTemp);
    if (::unlinkat(d.get(), kTemp, 0) != 0) return fail_errno("remove stale {}/{}", dir, kTemp);
  }
  UniqueFd fd(::openat(d.get(), kTemp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600));
  if (!fd) return fail_errno("create {}/{}", dir, kTemp);
  std::string text = to_json(m);
  if (::write(fd.get(), text.data(), text.size()) != static_cast<ssize_t>(text.size()))
    return fail_errno("write {}/{}", dir, kTemp);
  if (::fsync(fd.get()) != 0) return fail_errno("fsync {}/{}", dir, kTemp);
  if (::renameat(d.get(), kTemp, d.get(), kFile) != 0) return fail_errno("rename {}", kTemp);
  return {};
}

Result<Metadata> load_metadata(const std::string& dir) {
  auto text = TRY(fs::read_file(dir + "/" + kFile));
  return metadata_from_json(text);
}

}  // namespace nucleus::checkpoint
