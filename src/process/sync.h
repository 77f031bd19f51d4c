// The parent/child channel: a SOCK_SEQPACKET socketpair carrying fixed-size typed messages
// (and a pty master by SCM_RIGHTS). Both sides may use it; the child side never allocates.
#pragma once

#include <cstdint>
#include <string_view>

#include "util/result.h"
#include "util/unique_fd.h"

namespace nucleus::process {

enum class MsgType : uint32_t {
  kGo = 1,          // parent -> child: ID maps written, cgroup joined; continue
  kError = 2,       // child -> parent: setup failed (errno + static text)
  kExecFailed = 3,  // child -> parent: no candidate could be executed (errno)
  kPtyMaster = 4,   // child -> parent: the pty master, as SCM_RIGHTS
  kReady = 5,       // child -> parent: every policy applied; execve comes next
  kPrepared = 6,    // child -> parent: root assembled, before pivot_root (OCI hooks); waits kGo
  kCreated = 7,     // child -> parent: set up; waits for `start` on the plan's start socket
  kSeccompListener = 8,  // child -> parent: the seccomp user-notification listener (SCM_RIGHTS)
  kAudit = 9,            // child -> parent: policies applied but seccomp; audit my mounts, then kGo
};

struct Msg {
  MsgType type;
  int32_t err;
  int32_t op;  // kError: index of the failing mount operation, or -1
  char text[116];
};

// Child side: no allocation, no formatting. Returns false on a send error.
bool child_send(int fd, MsgType type, int err, const char* text, int pass_fd = -1,
                int op = -1) noexcept;
// Child side: blocks until kGo; false on EOF or error (the parent went away). A descriptor
// sent with it lands in *passed (-1 if none).
bool child_wait_go(int fd, int* passed = nullptr) noexcept;

// Parent side.
Result<> send_go(int fd, int pass_fd = -1);
// Receives one message; std::nullopt-like: returns false in *eof at end of stream.
Result<Msg> receive(int fd, bool* eof, UniqueFd* passed);
// One recvmsg into buf (EINTR retried) with a descriptor passed by SCM_RIGHTS, if any, into
// *passed (close-on-exec); the byte count, or -1 with errno.
ssize_t receive_with_fd(int fd, void* buf, size_t len, UniqueFd* passed);
// One sendmsg of data with `pass` by SCM_RIGHTS (a pty master to a console socket).
Result<> send_with_fd(int fd, std::string_view data, int pass);

}  // namespace nucleus::process
