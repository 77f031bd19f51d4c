// A seccomp profile as data, and its compilation to a classic BPF program.
//
// Why not libseccomp: its rule model cannot say "allow this syscall unless an argument has
// these values" (an unconditional rule overrides conditional ones, and one argument may not be
// compared twice), and loading it costs start-up time. The compiler here is ~150 lines, emits a
// binary search over segments of the syscall number space (runs of numbers with the same
// action are one segment: ~400 instructions for the default profile), and runs in
// microseconds in the parent.
#pragma once

#include <linux/filter.h>

#include <cstdint>
#include <vector>

namespace nucleus::security::seccomp {

// Raw SECCOMP_RET_* values.
inline constexpr uint32_t kAllow = 0x7fff0000u;
inline constexpr uint32_t kKillProcess = 0x80000000u;
inline constexpr uint32_t kLog = 0x7ffc0000u;
inline constexpr uint32_t kKillThread = 0x00000000u;
inline constexpr uint32_t kTrap = 0x00030000u;
inline constexpr uint32_t kNotify = 0x7fc00000u;
constexpr uint32_t trace_action(uint32_t data) {
  return 0x7ff00000u | (data & 0xffffu);
}
constexpr uint32_t errno_action(int err) {
  return 0x00050000u | (static_cast<uint32_t>(err) & 0xffffu);
}

// How a condition compares the full 64-bit argument (unsigned, as libseccomp does).
enum class Cmp : uint8_t { kMaskedEq, kEq, kNe, kLt, kLe, kGt, kGe };

// kMaskedEq: (args[arg] & mask) == value; the others: args[arg] OP value (mask unused).
struct Cond {
  unsigned arg;
  uint64_t mask;
  uint64_t value;
  Cmp op = Cmp::kMaskedEq;
};

// All conditions must hold for the action to apply.
struct Rule {
  std::vector<Cond> conds;
  uint32_t action;
};

// Rules are tried in order; the first that matches decides, otherwise `fallback`.
struct Syscall {
  int nr;
  std::vector<Rule> rules;
  uint32_t fallback = kAllow;
};

struct Profile {
  uint32_t arch;            // AUDIT_ARCH_*
  uint32_t default_action;  // for syscalls not listed
  std::vector<Syscall> syscalls;
};

// Compiles a profile; syscalls listed twice keep the first entry.
std::vector<sock_filter> compile(const Profile& profile);

}  // namespace nucleus::security::seccomp
