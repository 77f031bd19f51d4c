// --seccomp-mode trace, the files: for each notified call that names a path (open, mkdir,
// unlink, rename, ...), the Landlock rights it needs, read from its arguments and the strings
// they point to in the caller's memory; and execute on each program a process runs (read from
// /proc/PID/exe when it starts: execve passes the filter unnotified, see seccomp_profile.h). What
// `nucleus landlock generate` makes a policy of (spec/landlock_trace.h).
//
// Paths are as the workload sees them (inside its root), made absolute against its working
// directory or the directory descriptor it passed. What the run made (a file, a directory, a
// rename's target) is made anew on each run: the rights on it and below it go to the directory
// above everything the run made.
// Every path under /proc/PID (/proc/self) stands for /proc: another process's is another file.
#pragma once

#include <linux/seccomp.h>
#include <sys/types.h>

#include <cstdint>
#include <map>
#include <set>
#include <string>

namespace nucleus::process {

class AccessTrace {
 public:
  // One notification, before the call continues; listener: to tell that the caller still waits
  // in it once its memory has been read (else the strings may be another process's).
  void note(int listener, const seccomp_notif& req);

  // Each path and the rights (security::landlock::k*) its calls needed.
  std::map<std::string, uint64_t> take() { return std::move(paths_); }

 private:
  void grant(const std::string& path, uint64_t rights);
  void grant_parent(const std::string& path, uint64_t rights);
  // A node made at path (right: make_reg, make_dir, ...), and what it is made of.
  void make(pid_t pid, const std::string& path, uint64_t right);
  // execute on the program and on what runs it: its ELF interpreter, a script's #! program.
  void grant_exec(pid_t pid, const std::string& path, int depth = 0);
  // The program pid runs, when it is another than last seen (and a #! script it runs).
  void note_program(pid_t pid);
  void note_open(pid_t pid, const std::string& path, uint64_t flags);
  void note_move(pid_t pid, const std::string& from, const std::string& to, bool keep_source);

  std::map<std::string, uint64_t> paths_;
  std::map<pid_t, std::string> programs_;  // what each process was last seen running
  std::set<std::string> made_;             // what was not there before the run made it
};

}  // namespace nucleus::process
