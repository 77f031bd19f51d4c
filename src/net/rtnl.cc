#include "net/rtnl.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <linux/if.h>
#include <linux/if_link.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/veth.h>
#include <sched.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstring>
#include <vector>

#include "net/ipv4.h"

namespace nucleus::net {

// One request: a header, a fixed part (ifinfomsg, ifaddrmsg, rtmsg), then attributes, which
// may nest.
class NetlinkMessage {
 public:
  NetlinkMessage(uint16_t type, uint16_t flags) : buf_(NLMSG_HDRLEN) {
    hdr()->nlmsg_type = type;
    hdr()->nlmsg_flags = static_cast<uint16_t>(NLM_F_REQUEST | NLM_F_ACK | flags);
  }
  template <typename T>
  T* fixed(const T& value) {
    size_t at = append(&value, sizeof value);
    return reinterpret_cast<T*>(buf_.data() + at);
  }
  void attr(uint16_t type, const void* data, size_t len) {
    nlattr a{static_cast<uint16_t>(NLA_HDRLEN + len), type};
    append(&a, sizeof a);
    append(data, len);
  }
  void attr(uint16_t type, const std::string& s) { attr(type, s.c_str(), s.size() + 1); }
  void attr(uint16_t type, uint32_t v) { attr(type, &v, sizeof v); }
  // A nested attribute: what is added until end(at) goes inside.
  size_t begin(uint16_t type) {
    nlattr a{NLA_HDRLEN, static_cast<uint16_t>(type | NLA_F_NESTED)};
    return append(&a, sizeof a);
  }
  void end(size_t at) {
    reinterpret_cast<nlattr*>(buf_.data() + at)->nla_len = static_cast<uint16_t>(buf_.size() - at);
  }
  nlmsghdr* hdr() { return reinterpret_cast<nlmsghdr*>(buf_.data()); }
  std::vector<uint8_t>& finish(uint32_t seq) {
    hdr()->nlmsg_len = static_cast<uint32_t>(buf_.size());
    hdr()->nlmsg_seq = seq;
    return buf_;
  }

 private:
  // Appends `len` bytes, padded to the netlink alignment; their offset.
  size_t append(const void* data, size_t len) {
    size_t at = buf_.size();
    buf_.resize(at + NLMSG_ALIGN(len));
    std::memcpy(buf_.data() + at, data, len);
    return at;
  }
  std::vector<uint8_t> buf_;
};

namespace {

Result<UniqueFd> connect_here() {
  UniqueFd fd(::socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE));
  if (!fd) return fail_errno("netlink socket");
  sockaddr_nl sa{};
  sa.nl_family = AF_NETLINK;
  if (::bind(fd.get(), reinterpret_cast<sockaddr*>(&sa), sizeof sa) != 0)
    return fail_errno("netlink bind");
  return fd;
}

ifinfomsg link_info(int index = 0, unsigned flags = 0) {
  ifinfomsg i{};
  i.ifi_family = AF_UNSPEC;
  i.ifi_index = index;
  i.ifi_flags = flags;
  i.ifi_change = flags;
  return i;
}

void kind(NetlinkMessage& m, const char* name) {
  m.attr(IFLA_INFO_KIND, name, std::strlen(name));
}

}  // namespace

Result<Rtnl> Rtnl::open() {
  return Rtnl(TRY(connect_here()));
}

Result<Rtnl> Rtnl::open_in(pid_t pid) {
  UniqueFd target(
      ::open(("/proc/" + std::to_string(pid) + "/ns/net").c_str(), O_RDONLY | O_CLOEXEC));
  if (!target) return fail_errno("network namespace of {}", pid);
  UniqueFd own(::open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC));
  if (!own) return fail_errno("own network namespace");
  if (::setns(target.get(), CLONE_NEWNET) != 0) return fail_errno("enter network namespace");
  auto fd = connect_here();
  // A socket stays in the namespace it was made in; this thread goes back at once.
  if (::setns(own.get(), CLONE_NEWNET) != 0) ::abort();
  if (!fd) return fail(fd.error());
  return Rtnl(std::move(*fd));
}

Result<> Rtnl::transact(NetlinkMessage& m, const std::string& what, int* reply_index) {
  auto& req = m.finish(++seq_);
  if (::send(fd_.get(), req.data(), req.size(), 0) < 0) return fail_errno("{}", what);
  alignas(nlmsghdr) uint8_t buf[16384];
  while (true) {
    ssize_t n = ::recv(fd_.get(), buf, sizeof buf, 0);
    if (n < 0) {
      if (errno == EINTR) continue;
      return fail_errno("{}", what);
    }
    auto len = static_cast<unsigned>(n);
    for (auto* h = reinterpret_cast<nlmsghdr*>(buf); NLMSG_OK(h, len); h = NLMSG_NEXT(h, len)) {
      if (h->nlmsg_seq != seq_) continue;
      if (h->nlmsg_type == RTM_NEWLINK && reply_index != nullptr &&
          h->nlmsg_len >= NLMSG_LENGTH(sizeof(ifinfomsg)))
        *reply_index = static_cast<ifinfomsg*>(NLMSG_DATA(h))->ifi_index;
      if (h->nlmsg_type != NLMSG_ERROR) continue;
      int err = -static_cast<nlmsgerr*>(NLMSG_DATA(h))->error;
      if (err == 0) return {};
      errno = err;
      return fail_errno("{}", what);
    }
  }
}

std::optional<int> Rtnl::ifindex(const std::string& name) {
  NetlinkMessage m(RTM_GETLINK, 0);
  m.fixed(link_info());
  m.attr(IFLA_IFNAME, name);
  int index = 0;
  if (!transact(m, "find link " + name, &index) || index <= 0) return std::nullopt;
  return index;
}

Result<int> Rtnl::add_bridge(const std::string& name) {
  NetlinkMessage m(RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL);
  m.fixed(link_info());
  m.attr(IFLA_IFNAME, name);
  size_t info = m.begin(IFLA_LINKINFO);
  kind(m, "bridge");
  m.end(info);
  TRY(transact(m, "create bridge " + name));
  auto index = ifindex(name);
  if (!index) return fail_invalid("bridge {} vanished after its creation", name);
  return *index;
}

Result<> Rtnl::add_veth(const std::string& name, const std::string& peer_name, pid_t peer_pid,
                        int master) {
  NetlinkMessage m(RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL);
  m.fixed(link_info(0, IFF_UP));
  m.attr(IFLA_IFNAME, name);
  m.attr(IFLA_MASTER, static_cast<uint32_t>(master));
  size_t info = m.begin(IFLA_LINKINFO);
  kind(m, "veth");
  size_t data = m.begin(IFLA_INFO_DATA);
  size_t peer = m.begin(VETH_INFO_PEER);
  m.fixed(link_info());
  m.attr(IFLA_IFNAME, peer_name);
  m.attr(IFLA_NET_NS_PID, static_cast<uint32_t>(peer_pid));
  m.end(peer);
  m.end(data);
  m.end(info);
  return transact(m, "create veth " + name);
}

Result<> Rtnl::hook_bridged_ipv4(int bridge) {
  NetlinkMessage m(RTM_NEWLINK, 0);
  m.fixed(link_info(bridge));
  size_t info = m.begin(IFLA_LINKINFO);
  kind(m, "bridge");
  size_t data = m.begin(IFLA_INFO_DATA);
  uint8_t on = 1;
  m.attr(IFLA_BR_NF_CALL_IPTABLES, &on, sizeof on);
  m.end(data);
  m.end(info);
  return transact(m, "bridge " + std::to_string(bridge) + ": nf_call_iptables");
}

Result<> Rtnl::add_address(int index, uint32_t ip, int prefix) {
  NetlinkMessage m(RTM_NEWADDR, NLM_F_CREATE | NLM_F_REPLACE);
  ifaddrmsg a{};
  a.ifa_family = AF_INET;
  a.ifa_prefixlen = static_cast<uint8_t>(prefix);
  a.ifa_index = static_cast<uint32_t>(index);
  m.fixed(a);
  uint32_t be = htonl(ip);
  m.attr(IFA_LOCAL, be);
  m.attr(IFA_ADDRESS, be);
  return transact(m, "add address " + format_ipv4(ip));
}

Result<> Rtnl::set_up(int index) {
  NetlinkMessage m(RTM_NEWLINK, 0);
  m.fixed(link_info(index, IFF_UP));
  return transact(m, "bring link " + std::to_string(index) + " up");
}

Result<> Rtnl::add_default_route(uint32_t gateway) {
  NetlinkMessage m(RTM_NEWROUTE, NLM_F_CREATE | NLM_F_EXCL);
  rtmsg r{};
  r.rtm_family = AF_INET;
  r.rtm_table = RT_TABLE_MAIN;
  r.rtm_protocol = RTPROT_BOOT;
  r.rtm_scope = RT_SCOPE_UNIVERSE;
  r.rtm_type = RTN_UNICAST;
  m.fixed(r);
  m.attr(RTA_GATEWAY, htonl(gateway));
  return transact(m, "default route via " + format_ipv4(gateway));
}

Result<bool> Rtnl::remove_link(const std::string& name) {
  NetlinkMessage m(RTM_DELLINK, 0);
  m.fixed(link_info());
  m.attr(IFLA_IFNAME, name);
  auto r = transact(m, "remove link " + name);
  if (!r && r.error().code == ENODEV) return false;
  if (!r) return fail(r.error());
  return true;
}

}  // namespace nucleus::net
