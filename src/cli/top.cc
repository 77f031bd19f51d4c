// nucleus top CONTAINER: the processes in the container's cgroup, as the host sees them (under
// gVisor: as the sandbox's kernel sees them, from `runsc ps`).
#include <unistd.h>

#include <cstdio>

#include "backend/gvisor.h"
#include "cgroup/live.h"
#include "cli/common.h"
#include "cli/verbs.h"
#include "util/fs.h"
#include "util/parse.h"
#include "util/proc.h"

namespace nucleus::cli {
namespace {

struct ProcInfo {
  std::string ppid, uid, time, cmd;
};

ProcInfo read_proc(pid_t pid) {
  ProcInfo p;
  auto status = fs::read_file(fmt::format("/proc/{}/status", pid)).value_or("");
  for (auto line : parse::split(status, '\n')) {
    auto tab = line.find('\t');
    if (line.rfind("PPid:", 0) == 0) p.ppid = std::string(line.substr(tab + 1));
    if (line.rfind("Uid:", 0) == 0) {
      auto rest = line.substr(tab + 1);
      p.uid = std::string(rest.substr(0, rest.find('\t')));
    }
  }
  if (auto stat = proc::Stat::read(pid)) {
    uint64_t ticks = parse::uint(stat->field(14), 0, UINT64_MAX).value_or(0) +
                     parse::uint(stat->field(15), 0, UINT64_MAX).value_or(0);
    uint64_t secs = ticks / static_cast<uint64_t>(::sysconf(_SC_CLK_TCK));
    p.time = fmt::format("{:02}:{:02}:{:02}", secs / 3600, secs / 60 % 60, secs % 60);
  }
  auto cmdline = fs::read_file(fmt::format("/proc/{}/cmdline", pid)).value_or("");
  for (char& c : cmdline) c = c == '\0' ? ' ' : c;
  while (!cmdline.empty() && cmdline.back() == ' ') cmdline.pop_back();
  p.cmd = cmdline;
  return p;
}

}  // namespace

int top(int argc, char** argv) {
  CLI::App app{"List the processes of a container", "nucleus top"};
  std::string ref;
  app.add_option("CONTAINER", ref, "ID, ID prefix or name")->required();
  if (auto code = parse(app, argc, argv)) return *code;
  auto st = store();
  auto id = st.resolve(ref);
  if (!id) return report(id.error());
  auto now = container::look(st, *id);
  if (!now) return report(now.error());
  const auto& [s, o] = *now;
  if (o.status != "running" && o.status != "paused")
    return report(Error::invalid("container {} is not running ({})", ref, o.status));
  if (s.gvisor) {  // the host sees only the sandbox's own processes: ask its kernel
    auto table = backend::gvisor::processes(*id);
    if (!table) return report(table.error());
    std::fputs(table->c_str(), stdout);
    return 0;
  }
  if (s.cgroup_path.empty())
    return report(Error::invalid("container {} has no cgroup to list", ref));
  std::printf("%-8s %-8s %-8s %-10s %s\n", "PID", "PPID", "UID", "TIME", "CMD");
  for (pid_t pid : cgroup::Live(cgroup::detect(), s.cgroup_path).pids()) {
    auto p = read_proc(pid);
    std::printf("%-8d %-8s %-8s %-10s %s\n", pid, p.ppid.c_str(), p.uid.c_str(), p.time.c_str(),
                p.cmd.c_str());
  }
  return 0;
}

}  // namespace nucleus::cli
