// nucleus generate systemd [RUN OPTIONS] [--] COMMAND...: a unit that runs that container under
// systemd: nucleus in the foreground as the service's main process (Type=notify through
// --sd-notify), restarted by systemd, its output in the journal.
#include <unistd.h>

#include <climits>
#include <cstdio>
#include <cstdlib>

#include "cli/common.h"
#include "cli/run_command.h"
#include "cli/verbs.h"
#include "util/fs.h"

namespace nucleus::cli {
namespace {

// One word of an Exec= line: quoted when it holds anything systemd would split or expand.
std::string exec_word(std::string_view w) {
  std::string out;
  bool quote = w.empty();
  for (char c : w) {
    if (c == '%') out += '%';  // specifiers
    if (c == '$') out += '$';  // environment variables
    if (c == '"' || c == '\\') out += '\\';
    if (c == ' ' || c == '\t' || c == '\'' || c == '"' || c == '\\' || c == ';') quote = true;
    if (c == '\n') {
      out += "\\n";
      quote = true;
      continue;
    }
    out += c;
  }
  return quote ? "\"" + out + "\"" : out;
}

std::string exec_line(const std::string& nucleus, const std::vector<std::string>& words) {
  std::string out = exec_word(nucleus);
  for (const auto& w : words) out += " " + exec_word(w);
  return out;
}

Result<std::string> self_path() {
  char buf[PATH_MAX];
  ssize_t n = ::readlink("/proc/self/exe", buf, sizeof buf - 1);
  if (n < 0) return fail_errno("readlink /proc/self/exe");
  return std::string(buf, static_cast<size_t>(n));
}

Result<std::string> systemd_unit(RunCommand& c, const std::vector<std::string>& given) {
  const std::string& name = c.flags.name;
  if (name.empty())
    return fail_invalid("generate systemd needs --name NAME (the container's and the unit's)");
  if (c.life.detach || c.life.auto_remove || c.life.restart != "no" || !c.life.log_opts.empty() ||
      !c.life.log_driver.empty())
    return fail_invalid(
        "generate systemd: no -d, --rm, --restart, --log-opt or --log-driver (systemd "
        "supervises nucleus in the foreground, restarts it and keeps its output in the "
        "journal)");
  container::DetachOptions detach;
  TRY(prepare_run(c, detach));  // every option checked now, as `run` would
  std::string nucleus = TRY(self_path());
  std::string cwd = TRY(fs::current_dir());
  std::vector<std::string> words = {"run"};
  if (!c.sd_notify) words.emplace_back("--sd-notify");
  words.insert(words.end(), given.begin(), given.end());
  return fmt::format(
      "# nucleus generate systemd: install as /etc/systemd/system/nucleus-{0}.service\n"
      "[Unit]\n"
      "Description=nucleus container {0}\n"
      "Wants=network-online.target\n"
      "After=network-online.target\n"
      "\n"
      "[Service]\n"
      "Type=notify\n"
      "NotifyAccess=main\n"
      "WorkingDirectory={1}\n"
      "# A container left by a nucleus that was killed goes first.\n"
      "ExecStartPre=-{2}\n"
      "ExecStart={3}\n"
      "# SIGTERM reaches the workload through nucleus; what is left after the timeout is killed,\n"
      "# and the container's init dies with nucleus.\n"
      "KillMode=mixed\n"
      "TimeoutStopSec=30\n"
      "Restart=on-failure\n"
      "RestartSec=2\n"
      "Delegate=yes\n"
      "StandardOutput=journal\n"
      "StandardError=journal\n"
      "SyslogIdentifier=nucleus-{0}\n"
      "NoNewPrivileges=yes\n"
      "ProtectKernelModules=yes\n"
      "ProtectKernelLogs=yes\n"
      "RestrictRealtime=yes\n"
      "\n"
      "[Install]\n"
      "WantedBy=multi-user.target\n",
      name, exec_word(cwd), exec_line(nucleus, {"rm", "-f", name}), exec_line(nucleus, words));
}

}  // namespace

int generate(int argc, char** argv) {
  if (argc < 2 || std::string_view(argv[1]) != "systemd")
    return report(Error::invalid("usage: nucleus generate systemd [RUN OPTIONS] -- COMMAND..."));
  RunCommand c;
  if (auto code = parse_run(argc - 1, argv + 1, c)) return *code;
  auto unit = systemd_unit(c, std::vector<std::string>(argv + 2, argv + argc));
  if (!unit) return report(unit.error());
  std::fputs(unit->c_str(), stdout);
  return 0;
}

}  // namespace nucleus::cli
