// Integration test harness: runs the real nucleus binary (as root), the probe inside it, and
// checks that nothing is left on the host afterwards.
#pragma once

#include <gtest/gtest.h>
#include <sys/types.h>

#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <vector>

namespace nucleus::testing {

struct RunResult {
  int code = -1;
  std::string out, err;
};

struct RunOptions {
  std::string stdin_data;
  bool pass_stdin = false;  // else stdin is /dev/null
  int timeout_s = 60;
  std::vector<std::string> env;  // extra K=V for nucleus itself
  uid_t as_uid = 0;              // run nucleus as this user (0: as the test)
  int stray_fd = -1;             // leave this descriptor open (not close-on-exec)
  int stray_as = -1;             // with stray_fd: moved to this number first
  int signal_after_ready = 0;    // send to nucleus once "probe: waiting" shows on stderr
};

RunResult run(const std::vector<std::string>& args, const RunOptions& opts = {});
// Runs nucleus with stdin, stdout and stderr on a new terminal of rows x cols.
RunResult run_on_terminal(const std::vector<std::string>& args, int rows, int cols);
// Runs nucleus with stdout and stderr on files (appended), for commands that leave processes
// holding them (OCI create, run -d): waits for nucleus only; out and err are the files' text.
RunResult run_to_files(const std::vector<std::string>& args, const std::string& out_path,
                       const std::string& err_path);
// Starts nucleus in the background (stdio on /dev/null); returns its pid.
pid_t spawn(const std::vector<std::string>& args);

// Runs nucleus with args and expects the refusal of bad input: exit 125 and exactly one line on
// stderr, "nucleus: ..." containing needle.
void expect_refused(const std::vector<std::string>& args, const std::string& needle,
                    const RunOptions& opts = {});
// The same for `nucleus run <flags> -- true`.
void expect_run_refused(const std::vector<std::string>& flags, const std::string& needle,
                        const RunOptions& opts = {});

// A directory holding the probe, for --context DIR --context-mode bind.
const std::string& probe_dir();
// Runs `nucleus run <flags> -- /context/probe <checks>` and parses the probe's JSON.
nlohmann::json probe(const std::vector<std::string>& flags, const std::vector<std::string>& checks,
                     RunResult* raw = nullptr, const RunOptions& opts = {});

// A minimal root filesystem at dir: /bin/busybox with links for common tools, the probe at
// /probe, and empty /proc /dev /sys /tmp /etc. Skips the test without /bin/busybox.
void make_busybox_rootfs(const std::string& dir);

// A temporary directory removed (recursively) at destruction.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  const std::string& path() const { return path_; }
  std::string file(const std::string& name, const std::string& content, mode_t mode = 0644) const;

 private:
  std::string path_;
};

// What nucleus could leave behind: mounts, cgroups, state files, child processes.
struct HostState {
  std::vector<std::string> mounts;
  std::set<std::string> cgroups;
  std::set<std::string> state_files;
  std::set<pid_t> children;
  static HostState capture();
};

// The newline-terminated lines of a program's output.
std::vector<std::string> split_lines(const std::string& text);

bool is_root();
// The host mounts a pure cgroup v2 hierarchy at /sys/fs/cgroup.
bool cgroup_v2();

// Base fixture: skips without root; after each test the host must look as before.
class IntegrationTest : public ::testing::Test {
 protected:
  void SetUp() override;
  void TearDown() override;

 private:
  HostState before_;
};

}  // namespace nucleus::testing
