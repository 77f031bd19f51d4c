// The cgroup of an OCI container (config.json's cgroupsPath and resources): a directory in
// every v1 hierarchy under /sys/fs/cgroup, as runc makes them, or in the unified one with the
// controllers the resources need; `update` rewrites the limits of a running one.
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

#include "cgroup/layout.h"
#include "spec/spec.h"
#include "util/result.h"
#include "util/unique_fd.h"

namespace nucleus::cgroup {

class OciCgroup {
 public:
  OciCgroup(Layout layout, std::string path) : layout_(std::move(layout)), path_(std::move(path)) {}
  // Makes the directories (an existing one is used as it is) and writes the resources.
  Result<> create(const spec::Resources& r, const spec::OciResources& x);
  // Writes the resources to the existing directories.
  Result<> update(const spec::Resources& r, const spec::OciResources& x);
  // v2: the directory, for CLONE_INTO_CGROUP; invalid on v1 (processes are added by pid).
  Result<UniqueFd> clone_target() const;
  Result<> add(pid_t pid) const;
  // The directories, for inspection and tests.
  std::vector<std::string> dirs() const;

  // OCI cpu.shares (2..262144) -> v2 cpu.weight (1..10000), and blkio weight (10..1000) ->
  // io.weight (1..10000), as runc converts them.
  static uint64_t shares_to_weight(uint64_t shares);
  static uint64_t blkio_to_io_weight(uint64_t weight);

 private:
  Result<> write_v1(const spec::Resources& r, const spec::OciResources& x);
  Result<> write_v2(const spec::Resources& r, const spec::OciResources& x);
  Result<> enable_v2(const std::vector<std::string>& controllers);
  Layout layout_;
  std::string path_;
};

// "MAJ:MIN" device rules as the v1 devices controller takes them ("c 1:5 rwm", "a *:* rwm").
std::string device_rule_line(const spec::DeviceRule& d);
// cgroupsPath -> the absolute path under each hierarchy root: absolute as it is, relative below
// the caller's own cgroup (runtime-spec), "slice:prefix:name" (systemd form) as the scope under
// its slices; empty -> /nucleus-oci/<id>.
Result<std::string> oci_cgroup_path(const std::string& cgroups_path, const std::string& id,
                                    const std::string& own_cgroup);
// This process's cgroup (from /proc/self/cgroup: the v2 entry, or v1's memory or first one).
std::string own_cgroup();

}  // namespace nucleus::cgroup
