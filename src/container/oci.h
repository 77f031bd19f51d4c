// The OCI runtime's verbs, as runc's command line has them, for containers made from bundles.
// There is no monitor of ours: `create` leaves the init set up and waiting for `start` (on a
// socket in its state directory), and exits; the caller (containerd's shim, conmon) is the
// init's parent, as its subreaper, and reaps it. `state` tells created, running, paused or
// stopped from the recorded state and the live init; `delete` removes the cgroup and the state
// and runs the poststop hooks.
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

#include "container/state.h"
#include "spec/spec.h"
#include "util/result.h"

namespace nucleus::container::oci {

struct CreateOptions {
  std::string bundle;          // absolute
  std::string pid_file;        // written with the init's pid (host namespace)
  std::string console_socket;  // process.terminal: the pty master goes there
  bool no_pivot = false;       // accepted (pivot_root is always used where it works)
  unsigned preserve_fds = 0;   // descriptors 3..3+N-1 passed on (and $LISTEN_FDS more)
};

Result<> create(Store& store, const std::string& id, const CreateOptions& o);
Result<> start(Store& store, const std::string& id);
// The runtime-spec state document (with runc's rootfs, created and owner).
Result<std::string> state(const Store& store, const std::string& id);
Result<> kill(const Store& store, const std::string& id, int sig, bool all);
Result<> remove(Store& store, const std::string& id, bool force);
// create + start; detach: return then, else wait, delete and return the exit code.
Result<int> run(Store& store, const std::string& id, const CreateOptions& o, bool detach);
// Every OCI container of the store: runc list's table, or its JSON.
Result<std::string> list(const Store& store, bool json, bool quiet);
// The host pids of the container's processes.
Result<std::vector<pid_t>> pids(const Store& store, const std::string& id);
Result<> pause(Store& store, const std::string& id, bool paused);
// `update --resources`: a linux.resources document (JSON), applied to the running container.
Result<> update(const Store& store, const std::string& id, const std::string& resources_json);
// `events --stats`: one runc-style stats event.
Result<std::string> stats(const Store& store, const std::string& id);

struct ExecOptions {
  std::string process_file;  // a process.json; else the fields below over config.json's
  std::vector<std::string> args, env, caps;
  std::string cwd, user;  // user: UID[:GID]
  std::vector<gid_t> additional_gids;
  bool tty = false, detach = false, no_new_privs = false;
  std::string pid_file, console_socket;
  unsigned preserve_fds = 0;  // descriptors 3..3+N-1 passed on
};
// The exec'd process's exit code (detach: 0 once it runs).
Result<int> exec(const Store& store, const std::string& id, const ExecOptions& o);

// The OCI container's saved config.json as a Spec (exec, delete's poststop hooks).
Result<spec::Spec> saved_spec(const Store& store, const std::string& id);
// Loads the state of an OCI container, by its exact ID ("container ID does not exist" else).
Result<Snapshot> find(const Store& store, const std::string& id);

}  // namespace nucleus::container::oci
