// Seccomp kills of a container's processes, reported: the kernel writes an audit record
// (AUDIT_SECCOMP, type 1326) for each, which nucleus reads on the audit netlink socket's
// read-only multicast group (beside auditd, if one runs; CAP_AUDIT_READ). The container's own
// audit session (plan::Plan::audit_loginuid) tells its records from everyone else's. Where audit
// is unavailable (no CONFIG_AUDIT, a rootless nucleus) nothing is reported and nothing fails.
#pragma once

#include <signal.h>
#include <sys/types.h>

#include <functional>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "util/unique_fd.h"

namespace nucleus::container {

struct Denial {
  std::string syscall;  // its name ("" when the table does not know it)
  long nr = -1;
  pid_t pid = 0;  // as the host sees it
  std::string comm, exe;
  int signal = 0;
};

// One audit record's text ("audit(...): auid=... ses=7 pid=... comm="x" ... syscall=165 ...");
// false when it is not a seccomp record of session `ses`.
bool parse_seccomp_record(std::string_view text, unsigned long ses, Denial& out);

class DenialWatcher {
 public:
  // Subscribes now, before the container starts, so that no record is missed.
  DenialWatcher();
  // The container's session, read from its running init.
  void watch(pid_t init);
  // The container's kills recorded since the last call; wait_ms: how long to wait for a first
  // one (a record follows its kill by a moment).
  std::vector<Denial> drain(int wait_ms = 0);
  // What is left once the command exited with exit_code: killed itself (128+SIGSYS), its record
  // follows by a moment, and is waited for (0.5 s at most).
  std::vector<Denial> drain_at_exit(int exit_code) {
    return drain(exit_code == 128 + SIGSYS ? 500 : 0);
  }
  int fd() const { return sock_.get(); }
  bool active() const { return sock_ && ses_ != 0; }

 private:
  UniqueFd sock_;
  unsigned long ses_ = 0;
};

// A thread that reports the watcher's denials as they come, until it is destroyed (what comes
// after is the caller's to drain).
class DenialReporter {
 public:
  DenialReporter(DenialWatcher& w, std::function<void(const Denial&)> report);
  ~DenialReporter();
  DenialReporter(const DenialReporter&) = delete;
  DenialReporter& operator=(const DenialReporter&) = delete;

 private:
  UniqueFd stop_;
  std::thread thread_;
};

// The event log's line for it: {"type": "seccomp-kill", "syscall", "nr", "pid", "comm", "exe",
// "signal"}.
nlohmann::json denial_event(const std::string& id, const Denial& d);

// A foreground command's end: its kills on stderr, one warning each.
void report_kills(DenialWatcher& w, int exit_code);

// "seccomp killed NAME (pid N, EXE): system call X is not allowed", for a foreground run's
// stderr.
std::string describe(const Denial& d);

}  // namespace nucleus::container
