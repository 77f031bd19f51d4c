// nucleus ps [-a] [-q] [--format table|json]: the containers in the state store.
#include <time.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <nlohmann/json.hpp>

#include "cli/common.h"
#include "cli/verbs.h"
#include "container/state.h"
#include "util/log.h"

namespace nucleus::cli {
namespace {

std::string ago(int64_t created) {
  int64_t d = static_cast<int64_t>(::time(nullptr)) - created;
  if (d < 60) return fmt::format("{} seconds ago", d);
  if (d < 3600) return fmt::format("{} minutes ago", d / 60);
  if (d < 86400) return fmt::format("{} hours ago", d / 3600);
  return fmt::format("{} days ago", d / 86400);
}

std::string joined(const std::vector<std::string>& args, size_t max) {
  std::string s;
  for (const auto& a : args) s += (s.empty() ? "" : " ") + a;
  return s.size() > max ? s.substr(0, max - 3) + "..." : s;
}

}  // namespace

int ps(int argc, char** argv) {
  CLI::App app{"List containers", "nucleus ps"};
  bool all = false, quiet = false;
  std::string format = "table";
  app.add_flag("-a,--all", all,
               "Also list stopped containers (exited, or dead with their nucleus)");
  app.add_flag("-q,--quiet", quiet, "Only IDs");
  app.add_option("--format", format, "table or json")->check(CLI::IsMember({"table", "json"}));
  if (auto code = parse(app, argc, argv)) return *code;

  container::Store store = cli::store();
  nlohmann::json out = nlohmann::json::array();
  std::string table = fmt::format("{:<12}  {:<16}  {:<30}  {:<16}  {:<20}  {}\n", "CONTAINER ID",
                                  "NAME", "COMMAND", "CREATED", "STATUS", "PID");
  for (const auto& id : store.ids()) {
    auto now = container::look(store, id);
    if (!now) {
      log::warn("{}", now.error().what());
      continue;
    }
    const auto& [s, o] = *now;
    bool up = o.status != "exited" && o.status != "dead";
    if (!up && !all) continue;
    std::string status = o.status == "exited" ? fmt::format("exited ({})", s.exit_code) : o.status;
    // As docker's "Up 2 minutes (healthy)": while it runs, its health (or readiness) says more.
    bool running = o.status == "running";
    if (running && !s.health.status.empty()) {
      status += " (" + s.health.status + ")";
    } else if (running && s.readiness == "waiting") {
      status += " (not ready)";
    }
    bool has_init = o.status == "running" || o.status == "paused";
    if (quiet) {
      std::printf("%s\n", id.substr(0, 12).c_str());
      continue;
    }
    out.push_back(
        {{"id", id},
         {"name", s.name},
         {"command", s.command},
         {"created", s.created},
         {"status", o.status},
         {"health", running ? s.health.status : ""},
         {"ready", running && s.readiness == "ready"},
         {"exit_code", s.exit_code},
         {"pid", has_init ? nlohmann::json(s.init.pid) : nlohmann::json(nullptr)},
         {"monitor_pid", o.active ? nlohmann::json(s.monitor.pid) : nlohmann::json(nullptr)}});
    table += fmt::format("{:<12}  {:<16}  {:<30}  {:<16}  {:<20}  {}\n", id.substr(0, 12), s.name,
                         joined(s.command, 30), ago(s.created), status,
                         has_init ? std::to_string(s.init.pid) : "-");
  }
  if (quiet) return 0;
  std::fputs(format == "json" ? (out.dump(2) + "\n").c_str() : table.c_str(), stdout);
  return 0;
}

}  // namespace nucleus::cli
