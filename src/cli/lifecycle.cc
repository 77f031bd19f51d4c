// nucleus wait | stop | kill | pause | unpause | rm: one container state change each.
#include <signal.h>

#include <cstdio>

#include "cli/common.h"
#include "cli/verbs.h"
#include "container/lifecycle.h"

namespace nucleus::cli {
namespace {

// Runs op on each referenced container and prints the reference of each that succeeded (as
// docker); the exit code is the first failure's.
int for_each(const std::vector<std::string>& refs,
             const std::function<Result<>(container::Store&, const std::string&)>& op) {
  auto st = store();
  return for_each_container(st, refs,
                            [&](const std::string& ref, const std::string& id) -> Result<> {
                              TRY(op(st, id));
                              std::printf("%s\n", ref.c_str());
                              return Result<>{};
                            });
}

}  // namespace

int wait(int argc, char** argv) {
  CLI::App app{"Wait for containers to stop; print their exit codes", "nucleus wait"};
  std::vector<std::string> refs;
  app.add_option("CONTAINER", refs, "ID, ID prefix or name")->required();
  if (auto code = parse(app, argc, argv)) return *code;
  auto st = store();
  int last = 0;
  for (const auto& ref : refs) {
    auto id = st.resolve(ref);
    if (!id) return report(id.error());
    auto s = container::wait_stopped(st, *id);
    if (!s) return report(s.error());
    if (s->status != "exited")
      return report(Error::invalid("container {} died with its monitor (no exit code)", ref));
    std::printf("%d\n", s->exit_code);
    last = s->exit_code;
  }
  return last;
}

int stop(int argc, char** argv) {
  CLI::App app{"Stop containers: SIGTERM, then SIGKILL after a grace period", "nucleus stop"};
  std::vector<std::string> refs;
  unsigned timeout = 10;
  app.add_option("-t,--time", timeout, "Seconds to wait before SIGKILL (default 10)");
  app.add_option("CONTAINER", refs, "ID, ID prefix or name")->required();
  if (auto code = parse(app, argc, argv)) return *code;
  return for_each(refs, [&](container::Store& st, const std::string& id) -> Result<> {
    TRY(container::stop(st, id, timeout));
    return {};
  });
}

int kill(int argc, char** argv) {
  CLI::App app{"Send a signal to containers' init", "nucleus kill"};
  std::vector<std::string> refs;
  std::string sig = "KILL";
  app.add_option("-s,--signal", sig, "Signal name or number (default KILL)");
  app.add_option("CONTAINER", refs, "ID, ID prefix or name")->required();
  if (auto code = parse(app, argc, argv)) return *code;
  auto n = signal_number(sig);
  if (!n) return report(n.error());
  return for_each(refs, [&](container::Store& st, const std::string& id) {
    return container::signal(st, id, *n);
  });
}

int pause(int argc, char** argv, bool paused) {
  CLI::App app{paused ? "Freeze every process of containers" : "Thaw paused containers",
               paused ? "nucleus pause" : "nucleus unpause"};
  std::vector<std::string> refs;
  app.add_option("CONTAINER", refs, "ID, ID prefix or name")->required();
  if (auto code = parse(app, argc, argv)) return *code;
  return for_each(refs, [&](container::Store& st, const std::string& id) {
    return container::pause(st, id, paused);
  });
}

int rm(int argc, char** argv) {
  CLI::App app{"Remove containers", "nucleus rm"};
  std::vector<std::string> refs;
  bool force = false;
  app.add_flag("-f,--force", force, "Kill a running container first");
  app.add_option("CONTAINER", refs, "ID, ID prefix or name")->required();
  if (auto code = parse(app, argc, argv)) return *code;
  return for_each(refs, [&](container::Store& st, const std::string& id) {
    return container::remove(st, id, force);
  });
}

}  // namespace nucleus::cli
