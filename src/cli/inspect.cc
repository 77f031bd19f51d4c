// nucleus inspect CONTAINER...: state, spec, limits, live mounts, cgroup paths, log path.
#include <cstdio>
#include <nlohmann/json.hpp>

#include "cgroup/manager.h"
#include "cli/common.h"
#include "cli/verbs.h"
#include "container/logfile.h"
#include "util/fs.h"
#include "util/parse.h"

namespace nucleus::cli {
namespace {

nlohmann::json pid_json(const container::ProcessId& p, bool alive) {
  return alive ? nlohmann::json(p.pid) : nlohmann::json(nullptr);
}

// The init's mount table (/proc/<pid>/mountinfo): destination, type, source, options.
// As docker inspect's State.Health; null without a health check.
nlohmann::json health_json(const container::Health& h) {
  if (h.status.empty()) return nullptr;
  nlohmann::json log = nlohmann::json::array();
  for (const auto& r : h.log)
    log.push_back(
        {{"start", r.start}, {"end", r.end}, {"exit_code", r.exit_code}, {"output", r.output}});
  return {{"status", h.status}, {"failing_streak", h.failing_streak}, {"log", log}};
}

nlohmann::json mounts_of(pid_t pid) {
  nlohmann::json out = nlohmann::json::array();
  auto info = fs::read_file(fmt::format("/proc/{}/mountinfo", pid));
  if (!info) return out;
  for (auto line : parse::split(*info, '\n')) {
    auto f = parse::split(line, ' ');
    auto dash = std::find(f.begin(), f.end(), "-");
    if (f.size() < 6 || dash == f.end() || f.end() - dash < 4) continue;
    out.push_back({{"destination", std::string(f[4])},
                   {"type", std::string(dash[1])},
                   {"source", std::string(dash[2])},
                   {"options", std::string(f[5])}});
  }
  return out;
}

Result<nlohmann::json> describe(const container::Store& st, const std::string& id) {
  auto [s, o] = TRY(container::look(st, id));
  bool running = o.status == "running" || o.status == "paused";
  auto spec_text = fs::read_file(st.dir(id) + "/spec.json");
  nlohmann::json spec =
      spec_text ? nlohmann::json::parse(*spec_text, nullptr, false) : nlohmann::json(nullptr);
  nlohmann::json cgroups = nlohmann::json::array();
  if (!s.cgroup_path.empty()) {
    for (const auto& root : cgroup::roots_of(cgroup::detect())) {
      if (fs::kind_of(root + s.cgroup_path).value_or(fs::Kind::kMissing) == fs::Kind::kDirectory)
        cgroups.push_back(root + s.cgroup_path);
    }
  }
  nlohmann::json limits =
      spec.is_object() && spec.contains("resources") ? spec["resources"] : nlohmann::json(nullptr);
  nlohmann::json net =
      spec.is_object() && spec.contains("network") ? spec["network"] : nlohmann::json::object();
  return nlohmann::json{
      {"id", s.id},
      {"name", s.name},
      {"created", s.created},
      {"command", s.command},
      {"state",
       {{"status", o.status},
        {"running", running},
        {"paused", o.status == "paused"},
        {"pid", pid_json(s.init, running)},
        {"monitor_pid", pid_json(s.monitor, o.active)},
        {"exit_code", s.exit_code},
        {"started", s.started},
        {"finished", s.finished},
        {"restart_policy", s.restart.mode},
        {"restart_count", s.restart_count},
        {"log_driver", s.log_driver.empty() ? "k8s-file" : s.log_driver},
        {"health", health_json(s.health)},
        {"readiness", s.readiness},
        {"auto_remove", s.auto_remove}}},
      {"spec", spec},
      {"limits", limits},
      {"runtime", s.gvisor ? "gvisor" : "native"},
      // Under gVisor the init is runsc, whose mounts are the host's.
      {"mounts", running && !s.gvisor ? mounts_of(s.init.pid) : nlohmann::json::array()},
      {"network",
       {{"mode", net.value("mode", "none")},
        {"name", net.value("name", "")},
        {"ip", running ? s.ip : ""}}},
      {"cgroup_path", s.cgroup_path},
      {"cgroup_dirs", cgroups},
      {"log_path", s.detached ? st.dir(id) + "/" + container::kLogName : ""},
      {"state_dir", st.dir(id)}};
}

}  // namespace

int inspect(int argc, char** argv) {
  CLI::App app{"Describe containers as JSON", "nucleus inspect"};
  std::vector<std::string> refs;
  app.add_option("CONTAINER", refs, "ID, ID prefix or name")->required();
  if (auto code = parse(app, argc, argv)) return *code;
  auto st = store();
  nlohmann::json out = nlohmann::json::array();
  int code =
      for_each_container(st, refs, [&](const std::string&, const std::string& id) -> Result<> {
        out.push_back(TRY(describe(st, id)));
        return Result<>{};
      });
  std::printf("%s\n", out.dump(2).c_str());
  return code;
}

}  // namespace nucleus::cli
