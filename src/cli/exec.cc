// nucleus exec [-i] [-t] [-d] [-e K=V] [-w DIR] [-u UID[:GID]] CONTAINER COMMAND [ARG...]
#include <cstdio>

#include "cli/common.h"
#include "cli/verbs.h"
#include "container/exec.h"

namespace nucleus::cli {

int exec(int argc, char** argv) {
  CLI::App app{"Run a command in a running container, under its policies", "nucleus exec"};
  spec::ExecFlags f;
  bool detach = false;
  std::string ref;
  app.add_flag("-i,--interactive", f.interactive, "Pass stdin to the command");
  app.add_flag("-t,--tty", f.tty, "Allocate a pseudo-terminal");
  app.add_flag("-d,--detach", detach, "Return at once; the command runs on (output discarded)");
  app.add_option("-e,--env", f.env, "Set K=V (or pass K from this environment)");
  app.add_option("-w,--workdir", f.workdir, "Working directory inside");
  app.add_option("-u,--user", f.user, "UID[:GID] to run as (numeric)");
  app.add_option("CONTAINER", ref, "ID, ID prefix or name")->required();
  app.prefix_command();
  if (auto code = parse(app, argc, argv)) return *code;
  f.command = app.remaining();
  if (!f.command.empty() && f.command.front() == "--") f.command.erase(f.command.begin());
  if (detach && (f.interactive || f.tty))
    return report(Error::invalid("-d runs the command in the background: no -i or -t with it"));
  auto st = store();
  auto id = st.resolve(ref);
  if (!id) return report(id.error());
  auto s = container::load_spec(st, *id);
  if (!s) return report(s.error());
  auto process = spec::exec_process(*s, f, caller());
  if (!process) return report(process.error());
  auto code = container::exec(st, *id, *process, detach);
  if (!code) return report(code.error());
  return *code;
}

}  // namespace nucleus::cli
