// nucleus stats [--no-stream] [--format table|json] [CONTAINER...]: CPU %, memory, PIDs and
// block I/O from the containers' cgroups, sampled twice for the CPU rate.
#include <time.h>
#include <unistd.h>

#include <cstdio>
#include <nlohmann/json.hpp>

#include "cgroup/live.h"
#include "cli/common.h"
#include "cli/verbs.h"

namespace nucleus::cli {
namespace {

struct Row {
  std::string id, name;
  cgroup::Live cg;
  cgroup::Usage before;
};

double now_s() {
  timespec ts{};
  ::clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

std::string human(uint64_t bytes) {
  const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  double v = static_cast<double>(bytes);
  int u = 0;
  while (v >= 1024 && u < 4) v /= 1024, u++;
  return fmt::format("{:.{}f}{}", v, u == 0 ? 0 : 1, units[u]);
}

Result<std::vector<Row>> select(const container::Store& st, const std::vector<std::string>& refs) {
  std::vector<std::string> ids = refs.empty() ? st.ids() : std::vector<std::string>();
  for (const auto& ref : refs) ids.push_back(TRY(st.resolve(ref)));
  std::vector<Row> rows;
  auto layout = cgroup::detect();
  for (const auto& id : ids) {
    auto now = container::look(st, id);
    if (!now) continue;
    const auto& [s, o] = *now;
    bool running = o.status == "running" || o.status == "paused";
    if (!running && refs.empty()) continue;
    if (!running)
      return fail_invalid("container {} is not running ({})", id.substr(0, 12), o.status);
    if (s.cgroup_path.empty()) continue;
    rows.push_back({id, s.name, cgroup::Live(layout, s.cgroup_path), {}});
  }
  return rows;
}

std::string render(std::vector<Row>& rows, double seconds, bool json) {
  nlohmann::json out = nlohmann::json::array();
  std::string table =
      fmt::format("{:<12}  {:<16}  {:>7}  {:>21}  {:>6}  {:>5}  {:>19}\n", "CONTAINER ID", "NAME",
                  "CPU %", "MEM USAGE / LIMIT", "MEM %", "PIDS", "BLOCK I/O");
  for (auto& r : rows) {
    auto u = r.cg.usage();
    double cpu = seconds > 0
                     ? static_cast<double>(u.cpu_usec - std::min(u.cpu_usec, r.before.cpu_usec)) /
                           (seconds * 1e6) * 100
                     : 0;
    double mem_pct =
        u.memory_limit ? 100.0 * static_cast<double>(u.memory) / static_cast<double>(u.memory_limit)
                       : 0;
    r.before = u;
    out.push_back({{"id", r.id},
                   {"name", r.name},
                   {"cpu_percent", cpu},
                   {"memory_usage", u.memory},
                   {"memory_limit", u.memory_limit},
                   {"memory_percent", mem_pct},
                   {"pids", u.pids},
                   {"block_read", u.io_read},
                   {"block_write", u.io_write}});
    table += fmt::format(
        "{:<12}  {:<16}  {:>6.2f}%  {:>21}  {:>5.1f}%  {:>5}  {:>19}\n", r.id.substr(0, 12), r.name,
        cpu, human(u.memory) + " / " + (u.memory_limit ? human(u.memory_limit) : "unlimited"),
        mem_pct, u.pids, human(u.io_read) + " / " + human(u.io_write));
  }
  return json ? out.dump(2) + "\n" : table;
}

}  // namespace

int stats(int argc, char** argv) {
  CLI::App app{"Resource usage of running containers", "nucleus stats"};
  bool no_stream = false;
  std::string format = "table";
  std::vector<std::string> refs;
  app.add_flag("--no-stream", no_stream, "Print one sample and exit");
  app.add_option("--format", format, "table or json")->check(CLI::IsMember({"table", "json"}));
  app.add_option("CONTAINER", refs, "ID, ID prefix or name (default: all running)");
  if (auto code = parse(app, argc, argv)) return *code;
  auto st = store();
  auto rows = select(st, refs);
  if (!rows) return report(rows.error());
  for (auto& r : *rows) r.before = r.cg.usage();
  double t0 = now_s();
  for (;;) {
    ::usleep(no_stream ? 500 * 1000 : 1000 * 1000);  // the CPU rate needs an interval
    double t1 = now_s();
    std::string text = render(*rows, t1 - t0, format == "json");
    t0 = t1;
    if (!no_stream && ::isatty(STDOUT_FILENO)) std::fputs("\033[2J\033[H", stdout);
    std::fputs(text.c_str(), stdout);
    std::fflush(stdout);
    if (no_stream) return 0;
  }
}

}  // namespace nucleus::cli
