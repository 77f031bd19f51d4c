// Native containers through CRIU (checkpoint/native.h has what is saved and the command lines):
// the dump, run by `nucleus checkpoint`, and the restore, run by the new container's monitor in
// place of its first start, so that the restored init is the monitor's child as any other.
#pragma once

#include "cgroup/manager.h"
#include "container/checkpoint.h"
#include "container/start.h"
#include "process/launch.h"
#include "spec/spec.h"

namespace nucleus::container {

// What a native container needs to be checkpointed (with --tcp-established or not), or why it
// cannot be.
Result<> check_checkpointable(const std::string& id, const spec::Spec& s, bool tcp_established);

// Dumps the running container's init (s.init) into o.dir (prepared, empty): the images, its root
// filesystem (root.tar; not a --rootfs, which stays the host's) and native.json.
// check_checkpointable() has passed.
Result<> dump_native(const State& s, const spec::Spec& sp, const CheckpointOptions& o);

// Restores the checkpoint in o.restore_from as the init of the container `s` (its cgroup made):
// into cg, a new network namespace (loopback, and o.network plugged in) and cgroup namespace,
// with no_new_privs, its stdio on o.stdio (ours where -1); o.after_clone sees its PID before it
// continues. Returns once it runs.
Result<process::Launched> restore_native(const spec::Spec& s, cgroup::Manager* cg,
                                         const StartOptions& o);

}  // namespace nucleus::container
