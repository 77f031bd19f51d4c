// Landlock: the kernel's unprivileged access control. The parent probes the ABI and builds the
// rule list (plan side); the child creates the ruleset and restricts itself (child side).
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace nucleus::security::landlock {

// LANDLOCK_ACCESS_FS_* (defined here: Debian 12's headers predate ABI 3-5).
inline constexpr uint64_t kExecute = 1ull << 0, kWriteFile = 1ull << 1, kReadFile = 1ull << 2,
                          kReadDir = 1ull << 3, kRemoveDir = 1ull << 4, kRemoveFile = 1ull << 5,
                          kMakeChar = 1ull << 6, kMakeDir = 1ull << 7, kMakeReg = 1ull << 8,
                          kMakeSock = 1ull << 9, kMakeFifo = 1ull << 10, kMakeBlock = 1ull << 11,
                          kMakeSym = 1ull << 12, kRefer = 1ull << 13, kTruncate = 1ull << 14,
                          kIoctlDev = 1ull << 15;
// LANDLOCK_ACCESS_NET_* (ABI 4).
inline constexpr uint64_t kNetBindTcp = 1ull << 0, kNetConnectTcp = 1ull << 1;
// LANDLOCK_SCOPE_* (ABI 6).
inline constexpr uint64_t kScopeAbstractUnix = 1ull << 0, kScopeSignal = 1ull << 1;

inline constexpr uint64_t kRead = kReadFile | kReadDir;
inline constexpr uint64_t kReadExec = kRead | kExecute;
inline constexpr uint64_t kReadWrite = kRead | kWriteFile | kRemoveDir | kRemoveFile | kMakeDir |
                                       kMakeReg | kMakeSym | kMakeSock | kMakeFifo | kRefer |
                                       kTruncate;
// Device nodes: read and write (/dev/null, ptys), terminal ioctls; never create nodes.
inline constexpr uint64_t kDevice = kRead | kWriteFile | kTruncate | kIoctlDev;

// Each filesystem right by its name in the kernel's headers (LANDLOCK_ACCESS_FS_READ_FILE:
// "read_file"), as policies and traces spell them.
inline constexpr std::array<std::pair<std::string_view, uint64_t>, 16> kFsRightNames = {{
    {"execute", kExecute},
    {"write_file", kWriteFile},
    {"read_file", kReadFile},
    {"read_dir", kReadDir},
    {"remove_dir", kRemoveDir},
    {"remove_file", kRemoveFile},
    {"make_char", kMakeChar},
    {"make_dir", kMakeDir},
    {"make_reg", kMakeReg},
    {"make_sock", kMakeSock},
    {"make_fifo", kMakeFifo},
    {"make_block", kMakeBlock},
    {"make_sym", kMakeSym},
    {"refer", kRefer},
    {"truncate", kTruncate},
    {"ioctl_dev", kIoctlDev},
}};
// The names of the rights in `access`, in the table's order.
std::vector<std::string> fs_right_names(uint64_t access);
// The lowest ABI that handles every right in `access`.
int fs_rights_abi(uint64_t access);

// The highest ABI the kernel supports; 0 when Landlock is absent or disabled.
int probe_abi();
// The filesystem rights a ruleset of that ABI can handle.
uint64_t handled_fs(int abi);
uint64_t handled_scopes(int abi);

struct PathRule {
  std::string path;  // absolute, inside the container
  uint64_t access;
};

// ABI 4: TCP bind/connect allowed on a port.
struct PortRule {
  uint16_t port;
  uint64_t access;  // kNetBindTcp | kNetConnectTcp
};

struct Ruleset {
  int abi = 0;  // 0: not applied
  uint64_t handled = 0;
  uint64_t handled_net = 0;  // when set: only the ports' rules allow TCP bind/connect
  uint64_t scoped = 0;
  std::vector<PathRule> rules;
  std::vector<PortRule> ports;
};

// Clamps the rules' rights to what the ABI handles; drops rules left with nothing.
Ruleset make_ruleset(int abi, std::vector<PathRule> rules);

// Child side: creates the ruleset, adds the rules and restricts the calling thread.
// Returns 0 or an errno; *what names the failing step (a static string).
int child_apply(const Ruleset& rs, const char** what) noexcept;

}  // namespace nucleus::security::landlock
