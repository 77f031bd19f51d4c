#include "net/rtnl.h"

#include <fcntl.h>
#include <net/if.h>
#include <netlink/errno.h>
#include <netlink/netlink.h>
#include <netlink/route/addr.h>
#include <netlink/route/link.h>
#include <netlink/route/link/veth.h>
#include <netlink/route/route.h>
#include <sched.h>
#include <unistd.h>

#include <arpa/inet.h>

#include "net/ipv4.h"
#include "util/unique_fd.h"

namespace nucleus::net {
namespace {

Error nl_error(int err, std::string what) {
  return Error::invalid("{}: {}", what, nl_geterror(err));
}

Result<nl_sock*> connect_here() {
  nl_sock* s = nl_socket_alloc();
  if (s == nullptr) return fail_invalid("netlink: out of memory");
  if (int err = nl_connect(s, NETLINK_ROUTE); err < 0) {
    nl_socket_free(s);
    return fail(nl_error(err, "netlink connect"));
  }
  return s;
}

// libnl objects are reference counted: each pointer here is put once.
template <typename T, void (*Put)(T*)>
struct Ref {
  T* p;
  explicit Ref(T* x) : p(x) {}
  Ref(Ref&& o) noexcept : p(o.p) { o.p = nullptr; }
  Ref(const Ref&) = delete;
  ~Ref() {
    if (p) Put(p);
  }
};
using Link = Ref<rtnl_link, rtnl_link_put>;
using Addr = Ref<nl_addr, nl_addr_put>;

Addr ipv4_addr(uint32_t ip, int prefix) {
  uint32_t be = htonl(ip);
  Addr a(nl_addr_build(AF_INET, &be, sizeof be));
  if (a.p) nl_addr_set_prefixlen(a.p, prefix);
  return a;
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
  auto s = connect_here();
  // A socket stays in the namespace it was made in; this thread goes back at once.
  if (::setns(own.get(), CLONE_NEWNET) != 0) ::abort();
  if (!s) return fail(s.error());
  return Rtnl(*s);
}

Rtnl::~Rtnl() {
  if (sock_) nl_socket_free(sock_);
}

std::optional<int> Rtnl::ifindex(const std::string& name) {
  rtnl_link* l = nullptr;
  if (rtnl_link_get_kernel(sock_, 0, name.c_str(), &l) < 0) return std::nullopt;
  Link link(l);
  return rtnl_link_get_ifindex(l);
}

Result<int> Rtnl::add_bridge(const std::string& name) {
  Link link(rtnl_link_alloc());
  rtnl_link_set_name(link.p, name.c_str());
  if (int err = rtnl_link_set_type(link.p, "bridge"); err < 0)
    return fail(nl_error(err, "bridge type"));
  if (int err = rtnl_link_add(sock_, link.p, NLM_F_CREATE | NLM_F_EXCL); err < 0)
    return fail(nl_error(err, "create bridge " + name));
  auto index = ifindex(name);
  if (!index) return fail_invalid("bridge {} vanished after its creation", name);
  return *index;
}

Result<> Rtnl::add_veth(const std::string& name, const std::string& peer_name, pid_t peer_pid,
                        int master) {
  Link link(rtnl_link_veth_alloc());
  if (!link.p) return fail_invalid("netlink: out of memory");
  rtnl_link_set_name(link.p, name.c_str());
  rtnl_link_set_master(link.p, master);
  rtnl_link_set_flags(link.p, IFF_UP);
  rtnl_link* peer = rtnl_link_veth_get_peer(link.p);
  rtnl_link_set_name(peer, peer_name.c_str());
  rtnl_link_set_ns_pid(peer, peer_pid);
  rtnl_link_put(peer);
  if (int err = rtnl_link_add(sock_, link.p, NLM_F_CREATE | NLM_F_EXCL); err < 0)
    return fail(nl_error(err, "create veth " + name));
  return {};
}

Result<> Rtnl::add_address(int index, uint32_t ip, int prefix) {
  Ref<rtnl_addr, rtnl_addr_put> addr(rtnl_addr_alloc());
  Addr local = ipv4_addr(ip, prefix);
  if (!addr.p || !local.p) return fail_invalid("netlink: out of memory");
  rtnl_addr_set_ifindex(addr.p, index);
  rtnl_addr_set_local(addr.p, local.p);
  rtnl_addr_set_prefixlen(addr.p, prefix);
  if (int err = rtnl_addr_add(sock_, addr.p, 0); err < 0)
    return fail(nl_error(err, "add address " + format_ipv4(ip)));
  return {};
}

Result<> Rtnl::set_up(int index) {
  Link orig(rtnl_link_alloc()), change(rtnl_link_alloc());
  rtnl_link_set_ifindex(orig.p, index);
  rtnl_link_set_flags(change.p, IFF_UP);
  if (int err = rtnl_link_change(sock_, orig.p, change.p, 0); err < 0)
    return fail(nl_error(err, "bring link " + std::to_string(index) + " up"));
  return {};
}

Result<> Rtnl::add_default_route(uint32_t gateway) {
  Ref<rtnl_route, rtnl_route_put> route(rtnl_route_alloc());
  Addr dst = ipv4_addr(0, 0), gw = ipv4_addr(gateway, 32);
  rtnl_route_set_family(route.p, AF_INET);
  rtnl_route_set_dst(route.p, dst.p);
  rtnl_nexthop* nh = rtnl_route_nh_alloc();  // owned by the route once added
  rtnl_route_nh_set_gateway(nh, gw.p);
  rtnl_route_add_nexthop(route.p, nh);
  if (int err = rtnl_route_add(sock_, route.p, NLM_F_CREATE); err < 0)
    return fail(nl_error(err, "default route via " + format_ipv4(gateway)));
  return {};
}

Result<bool> Rtnl::remove_link(const std::string& name) {
  Link link(rtnl_link_alloc());
  rtnl_link_set_name(link.p, name.c_str());
  int err = rtnl_link_delete(sock_, link.p);
  if (err == -NLE_NODEV || err == -NLE_OBJ_NOTFOUND) return false;
  if (err < 0) return fail(nl_error(err, "remove link " + name));
  return true;
}

}  // namespace nucleus::net
