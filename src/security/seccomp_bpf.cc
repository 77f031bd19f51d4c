#include "security/seccomp_bpf.h"

#include <linux/seccomp.h>

#include <algorithm>
#include <cstddef>

namespace nucleus::security::seccomp {
namespace {

using Prog = std::vector<sock_filter>;

constexpr uint32_t kNrOffset = offsetof(seccomp_data, nr);
constexpr uint32_t kArchOffset = offsetof(seccomp_data, arch);
constexpr uint32_t kX32Bit = 0x40000000u;

sock_filter stmt(uint16_t code, uint32_t k) { return BPF_STMT(code, k); }
sock_filter jump(uint16_t code, uint32_t k, uint8_t jt, uint8_t jf) {
  return BPF_JUMP(code, k, jt, jf);
}
uint32_t arg_lo(unsigned arg) { return offsetof(seccomp_data, args) + 8 * arg; }

void append(Prog& out, const Prog& in) { out.insert(out.end(), in.begin(), in.end()); }

// One 32-bit half of a condition; `fail` jumps are patched by the caller.
void emit_half(Prog& rule, std::vector<size_t>& fails, uint32_t off, uint32_t mask, uint32_t value) {
  if (mask == 0) return;
  rule.push_back(stmt(BPF_LD | BPF_W | BPF_ABS, off));
  if (mask != 0xffffffffu) rule.push_back(stmt(BPF_ALU | BPF_AND | BPF_K, mask));
  fails.push_back(rule.size());
  rule.push_back(jump(BPF_JMP | BPF_JEQ | BPF_K, value & mask, 0, 0));
}

Prog emit_rules(const Syscall& sc) {
  Prog block;
  for (const Rule& r : sc.rules) {
    Prog rule;
    std::vector<size_t> fails;
    for (const Cond& c : r.conds) {
      emit_half(rule, fails, arg_lo(c.arg), static_cast<uint32_t>(c.mask),
                static_cast<uint32_t>(c.value));
      emit_half(rule, fails, arg_lo(c.arg) + 4, static_cast<uint32_t>(c.mask >> 32),
                static_cast<uint32_t>(c.value >> 32));
    }
    rule.push_back(stmt(BPF_RET | BPF_K, r.action));
    // A failed comparison skips to the next rule: the instruction after this rule's RET.
    for (size_t at : fails) rule[at].jf = static_cast<uint8_t>(rule.size() - at - 1);
    append(block, rule);
  }
  block.push_back(stmt(BPF_RET | BPF_K, sc.fallback));
  return block;
}

// Entry with A = nr: falls through when nr != sc.nr, otherwise never returns.
Prog emit_leaf(const Syscall& sc) {
  auto nr = static_cast<uint32_t>(sc.nr);
  if (sc.rules.empty()) {
    return {jump(BPF_JMP | BPF_JEQ | BPF_K, nr, 0, 1), stmt(BPF_RET | BPF_K, sc.fallback)};
  }
  Prog block = emit_rules(sc);
  Prog out = {jump(BPF_JMP | BPF_JEQ | BPF_K, nr, 1, 0),
              stmt(BPF_JMP | BPF_JA, static_cast<uint32_t>(block.size()))};
  append(out, block);
  return out;
}

// Binary search over the sorted syscalls; A holds nr on entry.
Prog emit_tree(const std::vector<const Syscall*>& s, size_t lo, size_t hi, uint32_t dflt) {
  Prog out;
  if (hi - lo <= 4) {
    for (size_t i = lo; i < hi; i++) append(out, emit_leaf(*s[i]));
    out.push_back(stmt(BPF_RET | BPF_K, dflt));
    return out;
  }
  size_t mid = lo + (hi - lo) / 2;
  Prog left = emit_tree(s, lo, mid, dflt);
  Prog right = emit_tree(s, mid, hi, dflt);
  out.push_back(jump(BPF_JMP | BPF_JGE | BPF_K, static_cast<uint32_t>(s[mid]->nr), 0, 1));
  out.push_back(stmt(BPF_JMP | BPF_JA, static_cast<uint32_t>(left.size())));
  append(out, left);
  append(out, right);
  return out;
}

}  // namespace

std::vector<sock_filter> compile(const Profile& p) {
  std::vector<const Syscall*> sorted;
  for (const auto& sc : p.syscalls) {
    bool seen = std::any_of(sorted.begin(), sorted.end(), [&](auto* o) { return o->nr == sc.nr; });
    if (!seen && sc.nr >= 0) sorted.push_back(&sc);
  }
  std::sort(sorted.begin(), sorted.end(), [](auto* a, auto* b) { return a->nr < b->nr; });

  Prog prog = {
      stmt(BPF_LD | BPF_W | BPF_ABS, kArchOffset),
      jump(BPF_JMP | BPF_JEQ | BPF_K, p.arch, 1, 0),
      stmt(BPF_RET | BPF_K, kKillProcess),
      stmt(BPF_LD | BPF_W | BPF_ABS, kNrOffset),
      // x32 system calls share the x86_64 audit arch; refuse them all.
      jump(BPF_JMP | BPF_JGE | BPF_K, kX32Bit, 0, 1),
      stmt(BPF_RET | BPF_K, kKillProcess),
  };
  append(prog, emit_tree(sorted, 0, sorted.size(), p.default_action));
  return prog;
}

}  // namespace nucleus::security::seccomp
