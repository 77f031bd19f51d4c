// runsc's own verbs on a running sandbox: kill, pause/resume, exec, ps, checkpoint. runsc's
// error (its last stderr line) becomes nucleus' error.
#include <fcntl.h>
#include <unistd.h>

#include <optional>

#include "backend/gvisor.h"
#include "backend/gvisor_paths.h"
#include "backend/oci_bundle.h"
#include "backend/output_relay.h"
#include "fs/tar.h"
#include "process/monitor.h"
#include "util/log.h"
#include "util/parse.h"

namespace nucleus::backend::gvisor {
namespace {

constexpr int kVerbMs = 30000;

Result<process::Finished> runsc(const std::string& id, std::vector<std::string> args,
                                int timeout_ms = kVerbMs) {
  auto argv = runsc_verb(TRY(find_runsc()));
  argv.insert(argv.end(), args.begin(), args.end());
  auto f = TRY(process::run_with_input(argv, "", timeout_ms));
  if (f.code != 0) {
    std::string why(parse::last_line(f.err));
    return fail_invalid("container {}: runsc {}: {}", id.substr(0, 12), args.front(),
                        why.empty() ? fmt::format("exit {}", f.code) : why);
  }
  return f;
}

}  // namespace

Result<> kill(const std::string& id, int sig) {
  TRY(runsc(id, {"kill", id, std::to_string(sig)}));
  return {};
}

Result<> pause(const std::string& id, bool paused) {
  TRY(runsc(id, {paused ? "pause" : "resume", id}));
  return {};
}

Result<std::string> processes(const std::string& id) {
  return TRY(runsc(id, {"ps", id})).out;
}

Result<> checkpoint(const std::string& id, const std::string& image_dir, bool leave_running) {
  std::vector<std::string> args = {"checkpoint", "--image-path", image_dir};
  if (leave_running) args.push_back("--leave-running");
  args.push_back(id);
  TRY(runsc(id, args, 300000));
  // The context copy is the host's (a gofer mount), not in runsc's image: archived beside it.
  std::string context = bundle_dir(id) + "/context";
  UniqueFd from(::open(context.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
  if (!from && errno == ENOENT) return {};
  if (!from) return fail_errno("open {}", context);
  return fs::tar::pack_to_file(from.get(), image_dir + "/" + kContextArchive);
}

Result<int> exec(const std::string& id, const spec::Spec& s, const spec::Process& process,
                 bool detach) {
  // runsc reads the process from a path: this memfd, passed as its descriptor 3.
  UniqueFd json = TRY(process::memfd_with(process_config(s, process), "nucleus-process"));
  auto argv = runsc_verb(TRY(find_runsc()));
  argv.insert(argv.end(), {"exec", "--process", "/proc/self/fd/3"});
  // -t: runsc exec makes the caller's terminal the process's (it needs stdin to be one).
  if (process.terminal && !::isatty(STDIN_FILENO))
    return fail_invalid("exec -t into a gVisor container needs a terminal on stdin");
  argv.push_back(id);
  UniqueFd null;
  if (detach || !process.open_stdin) null.reset(::open("/dev/null", O_RDWR | O_CLOEXEC));
  int in = null ? null.get() : -1, out = detach ? null.get() : -1;
  int stdio[3] = {in, out, out};
  OutputRelay relay;
  if (!detach && !process.terminal) TRY(relay.prepare(stdio));
  // Detached: runsc exec in a session of its own that outlives us (runsc's own --detach loses
  // the process descriptor when it re-executes itself).
  auto child =
      TRY(process::spawn(argv, {{stdio[0], stdio[1], stdio[2]}, detach, {json.get()}, !detach}));
  if (detach) return 0;
  relay.started();
  process::Launched launched;
  launched.pid = child.pid;
  launched.pidfd = std::move(child.pidfd);
  TRY(process::block_forwarded_signals());
  process::MonitorOptions mo;
  mo.forward = [&](int sig) { ::kill(child.pid, sig); };
  return TRY(process::monitor(launched, mo, relay.pump())).code;
}

}  // namespace nucleus::backend::gvisor
