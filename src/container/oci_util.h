// What the OCI verbs share inside container/ (oci_create.cc, oci_verbs.cc, oci_exec.cc).
#pragma once

#include <sys/types.h>

#include <string>

#include "container/oci.h"
#include "process/launch.h"
#include "spec/oci.h"
#include "util/result.h"

namespace nucleus::container::oci {

inline constexpr const char* kConfigFile = "config.json";
inline constexpr const char* kStartSocket = "start.sock";

// The start socket of the state directory `dir`, bound or connected through /proc/self/fd (a
// socket path is limited to 107 bytes; engines' state directories are often longer).
Result<> bind_start(int sock, const std::string& dir);
Result<> connect_start(int sock, const std::string& dir);

// Writes pid to path (absolute, or relative to the working directory) through a temp file and
// a rename, as runc does.
Result<> write_pid_file(const std::string& path, pid_t pid);

// create's work; the init is this process's child (run waits for it).
Result<process::Launched> create_container(Store& store, const std::string& id,
                                           const CreateOptions& o);

// A stream socket connected to the unix socket at path; errors name `what` (the option or
// field that gave it).
Result<UniqueFd> connect_unix(const std::string& path, const char* what);

// linux.seccomp.listenerPath: the container process state (runtime spec, "Seccomp"), with the
// listener as its one descriptor, sent to the agent's socket.
Result<> send_seccomp_listener(const spec::Seccomp& seccomp, const std::string& state_json,
                               pid_t pid, int listener);

// --preserve-fds N: descriptors 3..3+N-1 of this process, which must all have been open when
// it started (so none of its own is passed on by mistake). With listen_fds, $LISTEN_FDS more
// (systemd socket activation, as runc does), and LISTEN_FDS and LISTEN_PID=1 added to env. The
// number to pass on.
Result<unsigned> preserved_fds(unsigned n, bool listen_fds, std::vector<std::string>* env);

// RFC 3339 with nanoseconds, UTC ("2026-12-02T02:37:12.847565068Z").
std::string rfc3339(int64_t seconds, int64_t nanos);

}  // namespace nucleus::container::oci
