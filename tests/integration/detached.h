// Helpers for tests of detached containers.
#pragma once

#include <unistd.h>

#include <string>
#include <vector>

#include "harness.h"

namespace nucleus::testing {

inline std::string trim(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  return s;
}

// `nucleus run -d ARGS`; the new container's full ID (a test failure when it does not start).
inline std::string start(const std::vector<std::string>& args, const RunOptions& o = {}) {
  std::vector<std::string> full = {"run", "-d"};
  full.insert(full.end(), args.begin(), args.end());
  RunResult r = run(full, o);
  EXPECT_EQ(r.code, 0) << r.err;
  std::string id = trim(r.out);
  EXPECT_EQ(id.size(), 64u) << r.out;
  return id;
}

// Waits (up to 10 s) until `nucleus logs REF` holds NEEDLE: a workload says it is ready (a trap
// is set) before the test signals it. True when it does.
inline bool wait_for_log(const std::string& ref, const std::string& needle) {
  for (int i = 0; i < 200; i++) {
    if (run({"logs", ref}).out.find(needle) != std::string::npos) return true;
    usleep(50000);
  }
  return false;
}

// A detached container with the probe at /context/probe.
inline std::string start_with_probe(const std::vector<std::string>& flags = {}) {
  std::vector<std::string> args = {"--context", probe_dir(), "--context-mode", "bind"};
  args.insert(args.end(), flags.begin(), flags.end());
  args.insert(args.end(), {"--", "sleep", "100"});
  return start(args);
}

// `nucleus exec FLAGS ID /context/probe CHECKS` (a container from start_with_probe).
inline nlohmann::json exec_probe(const std::string& id, const std::vector<std::string>& flags,
                                 const std::vector<std::string>& checks, RunResult* raw = nullptr) {
  std::vector<std::string> args = {"exec"};
  args.insert(args.end(), flags.begin(), flags.end());
  args.push_back(id);
  args.push_back("/context/probe");
  args.insert(args.end(), checks.begin(), checks.end());
  RunResult r = run(args);
  if (raw) *raw = r;
  size_t brace = r.out.find('{');
  if (brace == std::string::npos) {
    ADD_FAILURE() << "no probe output; exit " << r.code << ": " << r.err;
    return nlohmann::json::object();
  }
  return nlohmann::json::parse(r.out.substr(brace));
}

inline std::string slurp_proc(pid_t pid, const std::string& file) {
  std::string out;
  FILE* f = std::fopen(("/proc/" + std::to_string(pid) + "/" + file).c_str(), "r");
  if (f == nullptr) return out;
  char buf[4096];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) out.append(buf, n);
  std::fclose(f);
  return out;
}

// Gone, or a zombie (a test is the subreaper of whatever its monitors leave).
inline bool process_gone(pid_t pid) {
  std::string stat = slurp_proc(pid, "stat");
  size_t rp = stat.rfind(')');
  return rp == std::string::npos || stat.compare(rp + 2, 1, "Z") == 0;
}

}  // namespace nucleus::testing
