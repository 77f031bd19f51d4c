// --seccomp-mode trace, the parent's side: a thread that receives every seccomp notification of
// the workload (security::seccomp::trace_profile), counts its system call, notes the files it
// names (process/access_trace.h) and lets it continue (SECCOMP_USER_NOTIF_FLAG_CONTINUE, 5.5+).
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <thread>

#include "process/access_trace.h"
#include "util/result.h"
#include "util/unique_fd.h"

namespace nucleus::process {

class SyscallTrace {
 public:
  static Result<std::unique_ptr<SyscallTrace>> start(UniqueFd listener);
  ~SyscallTrace();
  SyscallTrace(const SyscallTrace&) = delete;
  SyscallTrace& operator=(const SyscallTrace&) = delete;

  // Once the workload is gone: waits until no process uses the filter any more (at most
  // grace_ms; a process still under it gets ENOSYS from then on), then the counts by number.
  std::map<int, uint64_t> finish(int grace_ms = 2000);
  // After finish(): each path the calls named and the Landlock rights they needed.
  std::map<std::string, uint64_t> take_paths() { return access_.take(); }

 private:
  SyscallTrace(UniqueFd listener, UniqueFd stop, UniqueFd done);
  void serve();

  UniqueFd listener_;
  UniqueFd stop_, done_;            // eventfds: finish() to the thread, the thread's end
  std::map<int, uint64_t> counts_;  // the thread's until it is joined, as access_
  AccessTrace access_;
  std::thread thread_;
};

}  // namespace nucleus::process
