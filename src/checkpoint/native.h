// What a checkpoint of a native container holds besides CRIU's images (native.json), and the
// CRIU command lines that make and restore it. The container's own filesystems (its root tmpfs,
// /dev, /tmp, proc, sysfs...) are CRIU's to save; what the host lent it (bind mounts of host
// paths) is "external": named at dump, bound again from the same host path at restore. Its
// network namespace is external too: the restore gets a fresh one (loopback only), as a new
// container would.
#pragma once

#include <sys/types.h>

#include <array>
#include <string>
#include <string_view>
#include <vector>

#include "util/result.h"

namespace nucleus::checkpoint {

struct ExternalMount {
  std::string point;   // in the container
  std::string source;  // the host path it is bound from
};

struct NativeImage {
  std::vector<ExternalMount> mounts;
  std::array<std::string, 3> stdio;  // what the init's fds 0-2 were: "/dev/null", "pipe:[N]"
  bool tcp_established = false;      // saved, so restored too
};

// The container's mounts (its mountinfo) whose filesystem the host has mounted too, with the
// host path each is bound from; the container's root itself is not among them.
Result<std::vector<ExternalMount>> external_mounts(std::string_view host_mountinfo,
                                                   std::string_view container_mountinfo);

std::string to_json(const NativeImage& n);
Result<NativeImage> native_from_json(std::string_view text);

constexpr const char* kNativeFile = "native.json";
constexpr const char* kRootArchive = "root.tar";  // the container's root filesystem
constexpr const char* kNetworkKey = "nucleus-net";

struct DumpArgs {
  std::string criu, dir;
  pid_t pid = 0;
  ino_t netns = 0;  // the init's network namespace, external
  bool leave_running = false, tcp_established = false;
};
std::vector<std::string> dump_command(const DumpArgs& a, const NativeImage& n);

struct RestoreArgs {
  std::string criu, dir, work_dir, root, pid_file;
  int netns_fd = -1;                     // the new network namespace, inherited by CRIU
  std::array<int, 3> stdio{-1, -1, -1};  // the new stdio, where the image had pipes
  bool tcp_established = false;
};
std::vector<std::string> restore_command(const RestoreArgs& a, const NativeImage& n);

// The last error CRIU logged, for the message of a failed dump or restore.
std::string last_error(std::string_view log);

}  // namespace nucleus::checkpoint
