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

sock_filter stmt(uint16_t code, uint32_t k) {
  return BPF_STMT(code, k);
}
sock_filter jump(uint16_t code, uint32_t k, uint8_t jt, uint8_t jf) {
  return BPF_JUMP(code, k, jt, jf);
}
uint32_t arg_lo(unsigned arg) {
  return static_cast<uint32_t>(offsetof(seccomp_data, args) + 8UL * arg);
}

void append(Prog& out, const Prog& in) {
  out.insert(out.end(), in.begin(), in.end());
}

// Jumps to the next rule, patched once the rule's length is known: (instruction, in jt?).
using Fails = std::vector<std::pair<size_t, bool>>;

// One 32-bit half of a masked comparison.
void emit_half(Prog& rule, Fails& fails, uint32_t off, uint32_t mask, uint32_t value) {
  if (mask == 0) return;
  rule.push_back(stmt(BPF_LD | BPF_W | BPF_ABS, off));
  if (mask != 0xffffffffu) rule.push_back(stmt(BPF_ALU | BPF_AND | BPF_K, mask));
  fails.push_back({rule.size(), false});
  rule.push_back(jump(BPF_JMP | BPF_JEQ | BPF_K, value & mask, 0, 0));
}

// An ordering of the 64-bit argument against value, from its high and low words: the high
// words decide unless equal, then the low ones. Falls through when it holds.
void emit_order(Prog& rule, Fails& fails, unsigned arg, uint64_t value, Cmp op) {
  auto hi = static_cast<uint32_t>(value >> 32), lo = static_cast<uint32_t>(value);
  bool greater = op == Cmp::kGt || op == Cmp::kGe;
  bool strict_lo = op == Cmp::kGt || op == Cmp::kLe;  // the low-word test: JGT, else JGE
  rule.push_back(stmt(BPF_LD | BPF_W | BPF_ABS, arg_lo(arg) + 4));
  // greater: hi > v.hi holds at once; less: hi < v.hi (not hi >= v.hi) holds at once.
  if (greater) {
    rule.push_back(jump(BPF_JMP | BPF_JGT | BPF_K, hi, 3, 0));
  } else {
    rule.push_back(jump(BPF_JMP | BPF_JGE | BPF_K, hi, 0, 3));
  }
  fails.push_back({rule.size(), false});  // the high words differ the wrong way
  rule.push_back(jump(BPF_JMP | BPF_JEQ | BPF_K, hi, 0, 0));
  rule.push_back(stmt(BPF_LD | BPF_W | BPF_ABS, arg_lo(arg)));
  uint16_t code = BPF_JMP | (strict_lo ? BPF_JGT : BPF_JGE) | BPF_K;
  fails.push_back({rule.size(), !greater});  // greater: fails when false; less: when true
  rule.push_back(jump(code, lo, 0, 0));
}

void emit_cond(Prog& rule, Fails& fails, const Cond& c) {
  switch (c.op) {
    case Cmp::kMaskedEq:
    case Cmp::kEq: {
      uint64_t mask = c.op == Cmp::kEq ? ~0ull : c.mask;
      emit_half(rule, fails, arg_lo(c.arg), static_cast<uint32_t>(mask),
                static_cast<uint32_t>(c.value));
      emit_half(rule, fails, arg_lo(c.arg) + 4, static_cast<uint32_t>(mask >> 32),
                static_cast<uint32_t>(c.value >> 32));
      return;
    }
    case Cmp::kNe:
      // Holds as soon as either word differs.
      rule.push_back(stmt(BPF_LD | BPF_W | BPF_ABS, arg_lo(c.arg) + 4));
      rule.push_back(jump(BPF_JMP | BPF_JEQ | BPF_K, static_cast<uint32_t>(c.value >> 32), 0, 2));
      rule.push_back(stmt(BPF_LD | BPF_W | BPF_ABS, arg_lo(c.arg)));
      fails.push_back({rule.size(), true});
      rule.push_back(jump(BPF_JMP | BPF_JEQ | BPF_K, static_cast<uint32_t>(c.value), 0, 0));
      return;
    default:
      emit_order(rule, fails, c.arg, c.value, c.op);
  }
}

Prog emit_rules(const Syscall& sc) {
  Prog block;
  for (const Rule& r : sc.rules) {
    Prog rule;
    Fails fails;
    for (const Cond& c : r.conds) emit_cond(rule, fails, c);
    rule.push_back(stmt(BPF_RET | BPF_K, r.action));
    // A failed comparison skips to the next rule: the instruction after this rule's RET.
    for (auto [at, jt] : fails) {
      auto off = static_cast<uint8_t>(rule.size() - at - 1);
      (jt ? rule[at].jt : rule[at].jf) = off;
    }
    append(block, rule);
  }
  block.push_back(stmt(BPF_RET | BPF_K, sc.fallback));
  return block;
}

// The syscall number space cut into contiguous segments, each decided one way: a plain action
// (runs of allowed numbers, gaps with the default) or one syscall's rules.
struct Segment {
  uint32_t lo;  // first number; the segment ends where the next begins
  uint32_t action;
  const Syscall* rules;  // non-null: a syscall with argument rules
};

std::vector<Segment> segments(const std::vector<const Syscall*>& sorted, uint32_t dflt) {
  std::vector<Segment> out;
  auto add = [&](uint32_t lo, uint32_t action, const Syscall* rules) {
    if (!out.empty() && out.back().rules == nullptr && rules == nullptr &&
        out.back().action == action)
      return;  // extends the previous segment
    out.push_back({lo, action, rules});
  };
  uint32_t next = 0;
  for (const Syscall* sc : sorted) {
    auto nr = static_cast<uint32_t>(sc->nr);
    if (nr > next) add(next, dflt, nullptr);
    add(nr, sc->fallback, sc->rules.empty() ? nullptr : sc);
    next = nr + 1;
  }
  add(next, dflt, nullptr);
  return out;
}

// Binary search over segments; A holds nr on entry.
Prog emit_tree(const std::vector<Segment>& segs, size_t lo, size_t hi) {
  if (hi - lo == 1) {
    const Segment& s = segs[lo];
    return s.rules ? emit_rules(*s.rules) : Prog{stmt(BPF_RET | BPF_K, s.action)};
  }
  size_t mid = lo + (hi - lo) / 2;
  Prog left = emit_tree(segs, lo, mid);
  Prog right = emit_tree(segs, mid, hi);
  Prog out = {jump(BPF_JMP | BPF_JGE | BPF_K, segs[mid].lo, 0, 1),
              stmt(BPF_JMP | BPF_JA, static_cast<uint32_t>(left.size()))};
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
  auto segs = segments(sorted, p.default_action);
  append(prog, emit_tree(segs, 0, segs.size()));
  return prog;
}

}  // namespace nucleus::security::seccomp
