#include "net/nflog.h"

#include <arpa/inet.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter/nfnetlink_log.h>
#include <linux/netlink.h>
#include <sys/socket.h>

#include <cstring>
#include <vector>

namespace nucleus::net {
namespace {

constexpr uint16_t kConfig = NFNL_SUBSYS_ULOG << 8 | NFULNL_MSG_CONFIG;
constexpr uint16_t kPacket = NFNL_SUBSYS_ULOG << 8 | NFULNL_MSG_PACKET;

// One configuration message for `group` with one attribute, acknowledged by the kernel.
Result<> configure(int fd, uint16_t group, uint16_t attr, const void* data, size_t len) {
  std::vector<uint8_t> msg(NLMSG_SPACE(sizeof(nfgenmsg)) + NLA_ALIGN(NLA_HDRLEN + len));
  auto* h = reinterpret_cast<nlmsghdr*>(msg.data());
  h->nlmsg_len = static_cast<uint32_t>(msg.size());
  h->nlmsg_type = kConfig;
  h->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
  auto* g = static_cast<nfgenmsg*>(NLMSG_DATA(h));
  g->nfgen_family = AF_UNSPEC;
  g->version = NFNETLINK_V0;
  g->res_id = htons(group);
  auto* a = reinterpret_cast<nlattr*>(msg.data() + NLMSG_SPACE(sizeof(nfgenmsg)));
  a->nla_len = static_cast<uint16_t>(NLA_HDRLEN + len);
  a->nla_type = attr;
  std::memcpy(reinterpret_cast<uint8_t*>(a) + NLA_HDRLEN, data, len);
  if (::send(fd, msg.data(), msg.size(), 0) < 0) return fail_errno("nflog: send");
  alignas(nlmsghdr) uint8_t buf[1024];
  ssize_t n = ::recv(fd, buf, sizeof buf, 0);
  if (n < static_cast<ssize_t>(NLMSG_SPACE(sizeof(nlmsgerr)))) return fail_errno("nflog: ack");
  auto* r = reinterpret_cast<nlmsghdr*>(buf);
  if (r->nlmsg_type == NLMSG_ERROR) {
    int err = -static_cast<nlmsgerr*>(NLMSG_DATA(r))->error;
    if (err != 0) {
      errno = err;
      return fail_errno("nflog: bind group {}", group);
    }
  }
  return {};
}

}  // namespace

Result<NflogGroup> NflogGroup::bind(uint16_t group) {
  NflogGroup g;
  g.fd_.reset(::socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_NETFILTER));
  if (!g.fd_) return fail_errno("nflog: socket");
  sockaddr_nl sa{};
  sa.nl_family = AF_NETLINK;
  if (::bind(g.fd_.get(), reinterpret_cast<sockaddr*>(&sa), sizeof sa) != 0)
    return fail_errno("nflog: bind");
  nfulnl_msg_config_cmd cmd{NFULNL_CFG_CMD_BIND};
  TRY(configure(g.fd_.get(), group, NFULA_CFG_CMD, &cmd, sizeof cmd));
  nfulnl_msg_config_mode mode{};
  mode.copy_range = htonl(64);  // the IPv4 header and the ports
  mode.copy_mode = NFULNL_COPY_PACKET;
  TRY(configure(g.fd_.get(), group, NFULA_CFG_MODE, &mode, sizeof mode));
  g.group_ = group;
  return g;
}

Result<NflogGroup> NflogGroup::bind_free(uint16_t first, uint16_t count) {
  for (uint32_t group = first; group < uint32_t{first} + count && group <= 0xffff; group++) {
    auto g = bind(static_cast<uint16_t>(group));
    // Another socket has this group: EPERM (the kernel checks the owner first), or EBUSY.
    if (g || (g.error().code != EPERM && g.error().code != EBUSY)) return g;
  }
  return fail_invalid("nflog: groups {} to {} are all taken", first, first + count - 1);
}

NflogGroup NflogGroup::adopt(UniqueFd fd) {
  NflogGroup g;
  g.fd_ = std::move(fd);
  return g;
}

void NflogGroup::drain(const std::function<void(std::span<const uint8_t>)>& packet) {
  alignas(nlmsghdr) uint8_t buf[8192];
  while (true) {
    ssize_t n = ::recv(fd_.get(), buf, sizeof buf, MSG_DONTWAIT);
    if (n <= 0) return;  // EAGAIN, or ENOBUFS when the kernel dropped some: go on
    auto len = static_cast<unsigned>(n);
    for (auto* h = reinterpret_cast<nlmsghdr*>(buf); NLMSG_OK(h, len); h = NLMSG_NEXT(h, len)) {
      if (h->nlmsg_type != kPacket) continue;
      auto* attrs = static_cast<uint8_t*>(NLMSG_DATA(h)) + NLMSG_ALIGN(sizeof(nfgenmsg));
      auto* end = reinterpret_cast<uint8_t*>(h) + h->nlmsg_len;
      while (attrs + NLA_HDRLEN <= end) {
        auto* a = reinterpret_cast<nlattr*>(attrs);
        if (a->nla_len < NLA_HDRLEN || attrs + a->nla_len > end) break;
        if ((a->nla_type & NLA_TYPE_MASK) == NFULA_PAYLOAD)
          packet({attrs + NLA_HDRLEN, static_cast<size_t>(a->nla_len - NLA_HDRLEN)});
        attrs += NLA_ALIGN(a->nla_len);
      }
    }
  }
}

}  // namespace nucleus::net
