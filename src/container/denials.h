// Denials of a container's processes, reported: the kernel writes an audit record for each
// seccomp kill (AUDIT_SECCOMP, 1326) and, where audit is enabled, for each access Landlock
// refuses (AUDIT_LANDLOCK_ACCESS, 1423, ABI 7), which nucleus reads on the audit netlink
// socket's read-only multicast group (beside auditd, if one runs; CAP_AUDIT_READ). The
// container's own audit session (plan::Plan::audit_loginuid) tells its seccomp records from
// everyone else's; its Landlock records name a domain, which the domain's first record
// (AUDIT_LANDLOCK_DOMAIN, 1424) ties to the process that created it: the watched one. Where audit
// is unavailable (no CONFIG_AUDIT, a rootless nucleus) nothing is reported and nothing fails.
#pragma once

#include <signal.h>
#include <sys/types.h>

#include <functional>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "container/audit_record.h"
#include "util/unique_fd.h"

namespace nucleus::container {

struct Denial {
  enum class Kind { kSeccompKill, kLandlock } kind = Kind::kSeccompKill;
  std::string syscall;  // its name ("" when the table does not know it)
  long nr = -1;
  pid_t pid = 0;  // as the host sees it (0: not known, a Landlock denial without its syscall)
  std::string comm, exe;
  int signal = 0;
  // Landlock: the rights or scopes missing ("fs.write_file", "net.connect_tcp") and the object,
  // as the record names it (path=, dev=, ino=; daddr=, dest=; opid=, ocomm=).
  std::string domain;
  std::vector<std::string> blockers;
  std::vector<std::pair<std::string, std::string>> object;
};

// One audit record's text ("audit(...): auid=... ses=7 pid=... comm="x" ... syscall=165 ...");
// false when it is not a seccomp record of session `ses`.
bool parse_seccomp_record(std::string_view text, unsigned long ses, Denial& out);
// An AUDIT_LANDLOCK_ACCESS record ("domain=1a2b blockers=fs.read_file path="/x" dev=... ino=5");
// nullopt when it is not one.
std::optional<Denial> parse_landlock_access(const AuditRecord& r);

class DenialWatcher {
 public:
  // Subscribes now, before the container starts, so that no record is missed.
  DenialWatcher();
  // The container's session, read from its running init, which is also the process that created
  // its Landlock domain.
  void watch(pid_t init);
  // The container's denials recorded since the last call; wait_ms: how long to wait for a first
  // one (a record follows its kill by a moment). A Landlock denial waits for the rest of its event
  // (the system call, naming the process) up to kEventMs.
  std::vector<Denial> drain(int wait_ms = 0);
  // When drain() should next be called even if nothing comes: a Landlock denial's event is
  // complete by then (-1: none is waiting).
  int next_timeout_ms() const;
  // What is left once the command exited with exit_code: killed itself (128+SIGSYS), its record
  // follows by a moment, and is waited for (0.5 s at most).
  std::vector<Denial> drain_at_exit(int exit_code) {
    return drain(exit_code == 128 + SIGSYS ? 500 : 0);
  }
  int fd() const { return sock_.get(); }
  bool active() const { return sock_ && ses_ != 0; }

 private:
  struct Pending {
    uint64_t serial;
    int64_t deadline_ms;
    bool complete;
    Denial denial;
  };
  static constexpr int kEventMs = 100;

  // One record of the audit stream, of that type.
  void take(uint16_t type, std::string_view text, std::vector<Denial>& out);
  // The pending denials whose event is complete or due: the container's to `out`, the rest
  // dropped.
  void release(std::vector<Denial>& out);

  UniqueFd sock_;
  unsigned long ses_ = 0;
  pid_t creator_ = 0;                 // the domain's
  std::vector<std::string> domains_;  // the container's Landlock domains, once seen
  std::vector<Pending> pending_;      // Landlock denials, until their event is complete
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
// "signal"} or {"type": "landlock-denial", "blockers": [...], the object's fields ("path", ...),
// and "pid", "comm", "exe", "syscall" when the event named them}.
nlohmann::json denial_event(const std::string& id, const Denial& d);

// A foreground command's end: its denials on stderr, one warning each.
void report_kills(DenialWatcher& w, int exit_code);

// "seccomp killed NAME (pid N, EXE): system call X is not allowed", or "landlock denied NAME
// (pid N, EXE) fs.write_file: path=/etc/x dev=vda ino=5", for a foreground run's stderr.
std::string describe(const Denial& d);

}  // namespace nucleus::container
