// The state store: one 0700 directory per container under the state root, holding state.json
// written atomically (temp file created exclusively, fsync, rename; never through a symlink).
// A recorded pid is trusted only together with its start time, so a reused pid never counts.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "util/result.h"

namespace nucleus::container {

// A process identity that survives pid reuse: pid plus start time (clock ticks after boot).
struct ProcessId {
  pid_t pid = 0;
  uint64_t start_time = 0;
  static ProcessId self();
  bool alive() const;
};

struct State {
  std::string id;
  std::string name;
  std::vector<std::string> command;
  int64_t created = 0;  // Unix seconds
  ProcessId owner;      // the nucleus process that monitors the container
  std::string cgroup_path;
};

class Store {
 public:
  explicit Store(std::string root) : root_(std::move(root)) {}
  const std::string& root() const { return root_; }

  // durable: fsync the state before it becomes visible (see write_atomic in state.cc).
  Result<> create(const State& s, bool durable = true);
  // Rewrites the state of an existing container (atomically).
  Result<> update(const State& s);
  Result<State> load(const std::string& id) const;
  Result<> remove(const std::string& id);
  // Every container ID with a state directory, sorted.
  std::vector<std::string> ids() const;
  // A full ID, a unique prefix of one, or a name -> the full ID.
  Result<std::string> resolve(const std::string& ref) const;

 private:
  std::string root_;
};

// Serialisation, exposed for tests.
std::string to_json(const State& s);
Result<State> from_json(std::string_view text);

}  // namespace nucleus::container
