// --runtime gvisor: the same Spec under gVisor's runsc (an application kernel between the
// workload and the host). nucleus writes the OCI bundle (backend/oci_bundle.h) and runs runsc
// directly, with its own --root under the state directory. The container's "init" in the state
// store is the `runsc run` process; signals, exec, pause and checkpoint go through runsc's verbs.
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

#include "net/attach.h"
#include "process/launch.h"
#include "process/spawn.h"
#include "spec/spec.h"
#include "util/result.h"

namespace nucleus::backend::gvisor {

// runsc at a fixed system path (never through PATH), root-owned, not group- or world-writable.
Result<std::string> find_runsc();

// The platform to use: the requested one, or the best that works here (kvm when it starts a
// sandbox within 5 s, else ptrace), probed once and cached under the state directory.
Result<std::string> choose_platform(const std::string& runsc, const std::string& requested);

// One container's sandbox: runsc, its platform and its network mode, the bundle.
struct Sandbox {
  std::string id, runsc, platform, network = "none", bundle;
  bool terminal = false;  // -t: runsc makes a pty and sends its master (Launched::pty_master)
  bool seccomp = false;   // config.json has linux.seccomp: runsc --oci-seccomp
  // runsc's global options (before the verb).
  std::vector<std::string> command() const;
};

// Finds runsc, chooses the platform and writes the bundle. netns: a network namespace that
// nucleus made and plugged (bridge mode), or "".
Result<Sandbox> prepare(const spec::Spec& s, const std::string& netns);

// Starts `runsc run` (or `runsc restore` from image_dir) with the given stdio; it lives as long
// as the workload and exits with its code. wait: return once runsc records the sandbox as
// running (or ended), so that runsc's verbs find it.
Result<process::Launched> launch(const Sandbox& sb, const int stdio[3],
                                 const std::string& image_dir, bool wait);

// A network namespace for a sandbox on a bridge network: a child process that made it and waits
// (killed with this object), so that nucleus plugs it before runsc joins it by path.
class NetnsHolder {
 public:
  NetnsHolder() = default;
  NetnsHolder(const NetnsHolder&) = delete;
  ~NetnsHolder() { process::stop(child_); }
  // A new namespace (the previous one let go); its path.
  Result<std::string> make();
  pid_t pid() const { return child_.pid; }
  void reset() { process::stop(child_); }

 private:
  process::Child child_;
};

// One start: for a bridge network a new namespace, plugged; the bundle; runsc run (or restore).
Result<process::Launched> start(const spec::Spec& s, net::Attachment* network, const int stdio[3],
                                NetnsHolder& netns, const std::string& image_dir, bool wait);

// A foreground run (or restore from image_dir); the workload's exit code (128+N for signal N).
Result<int> run(const spec::Spec& s, const std::string& image_dir = "");

// runsc's verbs on a running sandbox.
Result<> kill(const std::string& id, int sig);
Result<> pause(const std::string& id, bool paused);
// process: as spec::exec_process makes it. detach: return once it runs.
Result<int> exec(const std::string& id, const spec::Spec& s, const spec::Process& process,
                 bool detach);
// What `runsc ps` prints (the processes as the sandbox's kernel sees them).
Result<std::string> processes(const std::string& id);
// runsc checkpoint, and the context copy (a host directory runsc does not save) as context.tar.
Result<> checkpoint(const std::string& id, const std::string& image_dir, bool leave_running);
inline constexpr const char* kContextArchive = "context.tar";

// nucleus cp through runsc exec (tar in, cat out): see gvisor_copy.cc.
Result<> copy_in(const std::string& id, const spec::Spec& s, const std::string& host_src,
                 const std::string& container_dst);
Result<> copy_out(const std::string& id, const spec::Spec& s, const std::string& container_src,
                  const std::string& host_dst);

// The bundle and runsc state of a sandbox that is over, or whose nucleus is gone (rm, gc).
void collect(const std::string& id);

}  // namespace nucleus::backend::gvisor
