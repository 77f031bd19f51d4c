// metadata.json, next to the images in a checkpoint directory: what was checkpointed, when,
// by which nucleus, and the limits its cgroup had then (checkpoint/limits.h).
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "checkpoint/limits.h"
#include "util/result.h"

namespace nucleus::checkpoint {

// How a detached container was run (its log, container/logfile.h; its restart policy; --rm), so
// that its restore goes on alike.
struct Detached {
  std::string log_driver;  // k8s-file | json-file | journald
  uint64_t log_max_size = 0;
  int log_max_files = 0;
  std::string restart = "no";  // as --restart: no | on-failure[:N] | always
  bool auto_remove = false;
};

struct Metadata {
  std::string id, name;
  pid_t pid = 0;  // the original init's pid on the host
  std::vector<std::string> command;
  int64_t time = 0;  // Unix seconds
  std::string version;
  bool gvisor = false, rootless = false;
  std::string cgroup_path;           // empty in metadata from before it was recorded
  std::optional<Limits> limits;      // likewise
  std::optional<Detached> detached;  // run -d's; its log is container.log beside
};

std::string to_json(const Metadata& m);
// Parses and validates (validate() for the limits).
Result<Metadata> metadata_from_json(std::string_view text);

// Writes dir/metadata.json: a temp file created exclusively (0600, O_NOFOLLOW), fsynced, renamed
// over the old file. A stale temp file is removed first; a symlink at its path is an error.
Result<> write_metadata(const std::string& dir, const Metadata& m);
// Reads dir/metadata.json without following a symlink.
Result<Metadata> load_metadata(const std::string& dir);

}  // namespace nucleus::checkpoint
