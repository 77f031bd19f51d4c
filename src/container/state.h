// The state store: one 0700 directory per container under the state root, holding state.json
// (and spec.json, the logs) written atomically (temp file created exclusively, fsync, rename;
// never through a symlink). A recorded pid is trusted only together with its start time, so a
// reused pid never counts. Names live in names/<name> (the ID), allocated under names/.lock.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "util/result.h"
#include "util/unique_fd.h"

namespace nucleus::container {

// A process identity that survives pid reuse: pid plus start time (clock ticks after boot).
struct ProcessId {
  pid_t pid = 0;
  uint64_t start_time = 0;
  static ProcessId self();
  static ProcessId of(pid_t pid);
  bool alive() const;
  // A pidfd for the process, or an error when it is gone (or the pid was reused).
  Result<UniqueFd> open() const;
  // Waits up to timeout_ms (-1: for as long as it takes) for it to end; true once it is gone.
  bool wait_gone(int timeout_ms) const;
};

struct RestartPolicy {
  std::string mode = "no";  // no | on-failure | always
  int max_retries = 0;      // on-failure:N; 0 = no limit
};

// One health check's outcome (the last few are kept, as docker inspect's State.Health.Log).
struct HealthResult {
  int64_t start = 0, end = 0;  // Unix seconds
  int exit_code = 0;           // -1: it ran past --health-timeout and was killed
  std::string output;          // its stdout and stderr, at most 4 KiB
};

// The health check's view of the current run; reset at each (re)start.
struct Health {
  std::string status;  // "" (no check) | starting | healthy | unhealthy
  int failing_streak = 0;
  std::vector<HealthResult> log;
};
inline constexpr size_t kHealthLogSize = 5;

struct State {
  std::string id;
  std::string name;
  std::vector<std::string> command;
  int64_t created = 0;       // Unix seconds
  std::string status;        // created | running | paused (gVisor) | restarting | exited
  ProcessId monitor;         // the nucleus process that owns the container
  ProcessId init;            // the container's init, while running
  int64_t started = 0;       // last start, Unix seconds
  int64_t finished = 0;      // last exit, Unix seconds
  int exit_code = -1;        // last exit code (128+N for signal N)
  std::string cgroup_path;   // /nucleus/<id>, or empty when it runs without a cgroup
  std::string ip;            // its address on a bridge network, while it runs there
  bool detached = false;     // run -d: kept after exit until `rm` (unless auto_remove)
  bool auto_remove = false;  // --rm
  RestartPolicy restart;
  int restart_count = 0;
  bool stop_requested = false;  // stop/rm: the monitor must not restart it
  uint64_t log_max_size = 0;    // bytes per log file before rotation
  int log_max_files = 0;
  std::string log_driver;  // k8s-file (also when empty) | json-file | journald
  Health health;
  std::string readiness;  // "" (no check) | waiting | ready: --readiness-exec/-tcp passed
  bool gvisor = false;    // --runtime gvisor: init is `runsc run`; verbs go through runsc
  // An OCI container (create --bundle): no monitor; status creating | created | running |
  // paused, and "stopped" once the init is gone. config.json is kept beside state.json.
  bool oci = false;
  std::string bundle;
  int64_t created_ns = 0;        // nanoseconds past `created`, for the OCI state's RFC 3339 time
  bool poststart_hooks = false;  // config.json has some: start reads it again only then
};

// What `ps` shows: the recorded status checked against the live processes.
struct Observed {
  std::string status;   // created | running | paused | restarting | exited | dead
  bool active = false;  // the monitor lives
};
Observed observe(const State& s);

// docker's --restart: "no", "always", "on-failure" or "on-failure:N" (N >= 1); and back.
Result<RestartPolicy> parse_restart(std::string_view text);
std::string restart_text(const RestartPolicy& r);

class Store {
 public:
  explicit Store(std::string root) : root_(std::move(root)) {}
  const std::string& root() const { return root_; }
  std::string dir(const std::string& id) const { return root_ + "/" + id; }

  // Creates the container's directory with state.json (and `files`, name -> content, first),
  // taking s.name under the names lock. durable: fsync before it becomes visible.
  Result<> create(const State& s, const std::vector<std::pair<std::string, std::string>>& files,
                  bool durable = true);
  // Rewrites the state of an existing container (atomically).
  Result<> update(const State& s, bool durable = true);
  // Read-modify-write under the container's lock.
  Result<State> modify(const std::string& id, const std::function<void(State&)>& change,
                       bool durable = true);
  Result<State> load(const std::string& id) const;
  // fsyncs the container's files, its directory and its name (after a non-durable create).
  void sync(const State& s) const;
  // Removes the directory (moved aside first, so readers never see half of it) and the name.
  Result<> remove(const std::string& id);
  // Every container ID with a state directory, sorted.
  std::vector<std::string> ids() const;
  // A full ID, a unique prefix of one, or a name -> the full ID.
  Result<std::string> resolve(const std::string& ref) const;
  // Exclusive lock on the container's directory (flock; released with the descriptor).
  Result<UniqueFd> lock(const std::string& id) const;
  // Removes what a crashed `rm` left aside and name files that point at no container.
  void sweep() const;

 private:
  Result<UniqueFd> lock_names() const;
  std::string root_;
};

// Serialisation, exposed for tests.
std::string to_json(const State& s);
// A container's record and what the live processes say of it. A monitor writes its last
// record before it dies, so a record read after its death was seen is final: look() reads again
// then, instead of reporting a container that exited a moment ago as dead.
struct Snapshot {
  State state;
  Observed seen;
};
Result<Snapshot> look(const Store& store, const std::string& id);

Result<State> from_json(std::string_view text);
// A nucleus ID (64 hex characters), or an OCI one (letters, digits, '_', '+', '-', '.', not
// starting with '.', up to 1024), except the names of the store's own entries.
bool valid_id(std::string_view id);

}  // namespace nucleus::container
