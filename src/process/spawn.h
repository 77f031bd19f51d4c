// Helper programs that nucleus runs (runsc, nucleus-nft): fork + exec with the given stdio,
// signals reset, every descriptor above 2 closed, and a parent-death signal so that none
// outlives the nucleus that started it.
#pragma once

#include <sys/types.h>

#include <string>
#include <string_view>
#include <vector>

#include "util/result.h"
#include "util/unique_fd.h"

namespace nucleus::process {

struct Child {
  pid_t pid = -1;
  UniqueFd pidfd;
};

struct SpawnOptions {
  int stdio[3] = {-1, -1, -1};  // -1 inherits ours
  bool session = false;         // in a session of its own (killable as one)
  std::vector<int> pass;        // descriptors it gets as 3, 4, ... (every other one is closed)
  bool die_with_parent = true;  // false: it may outlive us (a detached exec)
  // Runs in the child just before exec (after fork: async-signal-safe calls only).
  void (*before_exec)() = nullptr;
};
Result<Child> spawn(const std::vector<std::string>& argv, const SpawnOptions& o);

// Kills a helper that serves until told to stop (the egress guard, slirp4netns) and reaps it.
void stop(Child& c);

// Runs argv to completion (stdio on /dev/null) within timeout_ms, then kills its whole session;
// its exit code, or -1.
int run_quietly(const std::vector<std::string>& argv, int timeout_ms);

struct Finished {
  int code = -1;    // exit code; -1 when killed or timed out
  std::string out;  // what it wrote to stdout
  std::string err;  // and to stderr
};
// A sealed-size memfd holding `data`, positioned at its start: a helper's stdin of any size.
Result<UniqueFd> memfd_with(std::string_view data, const char* name);

// Runs argv with `input` on stdin (any size: a sealed memfd), its stdout and stderr captured.
Result<Finished> run_with_input(const std::vector<std::string>& argv, std::string_view input,
                                int timeout_ms);

// A program nucleus runs as root must be a regular file owned by root and writable by nobody
// else; anything else is refused with an error naming it.
Result<> check_trusted_executable(const std::string& path);

}  // namespace nucleus::process
