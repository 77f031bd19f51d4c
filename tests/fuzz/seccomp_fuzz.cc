// libFuzzer target: the BPF compiler on arbitrary profiles. The program must always be
// well-formed: every jump lands inside it and it ends in a return.
#include <linux/filter.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include "security/seccomp_bpf.h"

using namespace nucleus::security::seccomp;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  Profile p{0xc000003e, kKillProcess, {}};
  for (size_t i = 0; i + 4 <= size && p.syscalls.size() < 600; i += 4) {
    Syscall sc{(data[i] | (data[i + 1] << 8)) % 1024, {}, data[i + 2] & 1 ? kAllow : errno_action(1)};
    for (int r = 0; r < (data[i + 3] & 7); r++)
      sc.rules.push_back(Rule{{Cond{static_cast<unsigned>(r % 6), data[i + 3] * 0x0101010101ull,
                                    static_cast<uint64_t>(r)}},
                              errno_action(r + 1)});
    p.syscalls.push_back(sc);
  }
  auto prog = compile(p);
  if (prog.empty() || BPF_CLASS(prog.back().code) != BPF_RET) abort();
  for (size_t pc = 0; pc < prog.size(); pc++) {
    const sock_filter& f = prog[pc];
    if (BPF_CLASS(f.code) != BPF_JMP) continue;
    size_t far = BPF_OP(f.code) == BPF_JA ? pc + 1 + f.k : pc + 1 + std::max(f.jt, f.jf);
    if (far >= prog.size()) abort();
  }
  return 0;
}
