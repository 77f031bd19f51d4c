#include "cgroup/v2/devices.h"

#include <sys/syscall.h>
#include <unistd.h>

#include <cstring>

#include "util/unique_fd.h"

namespace nucleus::cgroup::v2 {
namespace {

// The registers of the program: r1 the context (bpf_cgroup_dev_ctx), r2 the device type, r3 the
// access asked, r4 major, r5 minor, r6 scratch, r0 the verdict.
bpf_insn insn(uint8_t code, uint8_t dst, uint8_t src, int16_t off, int32_t imm) {
  bpf_insn i{};
  i.code = code;
  i.dst_reg = dst & 0xf;
  i.src_reg = src & 0xf;
  i.off = off;
  i.imm = imm;
  return i;
}

bpf_insn load_word(uint8_t dst, int16_t off) {
  return insn(BPF_LDX | BPF_MEM | BPF_W, dst, 1, off, 0);
}

int32_t access_bits(const std::string& access) {
  int32_t bits = 0;
  for (char c : access) {
    if (c == 'm') bits |= BPF_DEVCG_ACC_MKNOD;
    if (c == 'r') bits |= BPF_DEVCG_ACC_READ;
    if (c == 'w') bits |= BPF_DEVCG_ACC_WRITE;
  }
  return bits;
}

// One rule: every test that fails jumps past the block; if all hold, the rule's verdict.
std::vector<bpf_insn> rule_block(const spec::DeviceRule& r) {
  std::vector<bpf_insn> b;
  std::vector<size_t> skips;
  auto unless_equal = [&](uint8_t reg, int32_t value) {
    skips.push_back(b.size());
    b.push_back(insn(BPF_JMP | BPF_JNE | BPF_K, reg, 0, 0, value));
  };
  if (r.type != 'a') unless_equal(2, r.type == 'b' ? BPF_DEVCG_DEV_BLOCK : BPF_DEVCG_DEV_CHAR);
  if (r.type != 'a' && r.major >= 0) unless_equal(4, static_cast<int32_t>(r.major));
  if (r.type != 'a' && r.minor >= 0) unless_equal(5, static_cast<int32_t>(r.minor));
  int32_t acc = access_bits(r.access);
  // An allow rule covers a request made only of its accesses; a deny rule any request that
  // asks one of them.
  b.push_back(insn(BPF_ALU | BPF_MOV | BPF_X, 6, 3, 0, 0));
  b.push_back(insn(BPF_ALU | BPF_AND | BPF_K, 6, 0, 0, r.allow ? (~acc & 7) : acc));
  skips.push_back(b.size());
  b.push_back(insn(BPF_JMP | (r.allow ? BPF_JNE : BPF_JEQ) | BPF_K, 6, 0, 0, 0));
  b.push_back(insn(BPF_ALU64 | BPF_MOV | BPF_K, 0, 0, 0, r.allow ? 1 : 0));
  b.push_back(insn(BPF_JMP | BPF_EXIT, 0, 0, 0, 0));
  for (size_t at : skips) b[at].off = static_cast<int16_t>(b.size() - at - 1);
  return b;
}

long bpf(int cmd, bpf_attr& attr) {
  return ::syscall(SYS_bpf, cmd, &attr, sizeof attr);
}

}  // namespace

std::vector<bpf_insn> device_program(const std::vector<spec::DeviceRule>& rules) {
  std::vector<bpf_insn> p = {
      load_word(2, 0), insn(BPF_ALU | BPF_AND | BPF_K, 2, 0, 0, 0xffff),
      load_word(3, 0), insn(BPF_ALU | BPF_RSH | BPF_K, 3, 0, 0, 16),
      load_word(4, 4), load_word(5, 8),
  };
  // The last rule that matches decides: the blocks go in reverse order.
  for (auto it = rules.rbegin(); it != rules.rend(); ++it) {
    auto b = rule_block(*it);
    p.insert(p.end(), b.begin(), b.end());
  }
  p.push_back(insn(BPF_ALU64 | BPF_MOV | BPF_K, 0, 0, 0, 1));  // nothing matched: as v1, allow
  p.push_back(insn(BPF_JMP | BPF_EXIT, 0, 0, 0, 0));
  return p;
}

Result<> attach_device_rules(int cgroup_fd, const std::vector<spec::DeviceRule>& rules) {
  auto prog = device_program(rules);
  static const char kLicense[] = "Apache-2.0";
  bpf_attr load{};
  load.prog_type = BPF_PROG_TYPE_CGROUP_DEVICE;
  load.insn_cnt = static_cast<uint32_t>(prog.size());
  load.insns = reinterpret_cast<uint64_t>(prog.data());
  load.license = reinterpret_cast<uint64_t>(kLicense);
  std::memcpy(load.prog_name, "nucleus_dev", sizeof "nucleus_dev");
  UniqueFd fd(static_cast<int>(bpf(BPF_PROG_LOAD, load)));
  if (!fd) return fail_errno("load the cgroup device program ({} instructions)", prog.size());
  bpf_attr attach{};
  attach.target_fd = static_cast<uint32_t>(cgroup_fd);
  attach.attach_bpf_fd = static_cast<uint32_t>(fd.get());
  attach.attach_type = BPF_CGROUP_DEVICE;
  attach.attach_flags = BPF_F_ALLOW_MULTI;
  if (bpf(BPF_PROG_ATTACH, attach) != 0) return fail_errno("attach the cgroup device program");
  return {};
}

}  // namespace nucleus::cgroup::v2
