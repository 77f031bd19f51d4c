// `nucleus checkpoint` and `nucleus restore`: a running container saved to a directory (the
// runtime's images, spec.json, metadata.json, an HMAC) and continued from it as a new container.
// gVisor sandboxes go through runsc checkpoint/restore; native ones need a working CRIU.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "container/state.h"
#include "util/result.h"

namespace nucleus::container {

struct CheckpointOptions {
  std::string dir;  // created (0700), or an existing empty directory
  bool leave_running = false;
  bool tcp_established = false;
  // fork's own checkpoint, in a private directory of the state root that lives only while it
  // runs: not signed (restored with `private_dir` too).
  bool private_dir = false;
};
Result<> checkpoint(Store& store, const std::string& id, const CheckpointOptions& o);

struct RestoreOptions {
  std::string dir;
  std::string id, name;  // the new container's
  bool detach = false;
  bool private_dir = false;  // fork: the directory never left this process, no HMAC to check
  bool print_id = true;      // -d: the new ID on stdout
};
// Detached: returns 0 once it runs (its ID printed). Otherwise the workload's exit code.
Result<int> restore(const RestoreOptions& o);

struct ForkOptions {
  unsigned count = 1;
  std::string prefix;                   // the copies are PREFIX-1..N (default: its name)
  std::function<std::string()> new_id;  // an ID for each copy
};
// `nucleus fork`: a checkpoint that leaves the container running, restored `count` times under
// monitors (each ID printed); the checkpoint is removed again. Names already taken are refused
// before anything is made; copies made before a failure are removed with it. runsc cannot leave
// a sandbox running: a gVisor container is checkpointed and goes on in place (its ID, name and
// log) before its copies are made.
Result<std::vector<std::string>> fork(Store& store, const std::string& id, const ForkOptions& o);

}  // namespace nucleus::container
