#include "net/attach.h"

#include <fcntl.h>
#include <unistd.h>

#include "net/egress.h"
#include "net/guard.h"
#include "net/host_tables.h"
#include "net/nft.h"
#include "net/ports.h"
#include "net/rtnl.h"
#include "util/log.h"

namespace nucleus::net {

std::unique_ptr<Attachment> Attachment::for_spec(const spec::Spec& s,
                                                 const std::string& state_root) {
  if (s.network.mode != spec::NetworkMode::kBridge) return nullptr;
  return std::make_unique<Attachment>(s.id, s.network, state_root,
                                      s.runtime == spec::Runtime::kGvisor);
}

Attachment::~Attachment() {
  stop_guard();
  if (host_tables_) {
    if (auto r = drop_host_tables(networks_.dir(), id_); !r)
      log::error("network: {}", r.error().what());
  }
  if (!lease_) return;
  if (auto r = networks_.release(id_, /*remove_veth=*/false); !r)
    log::error("network: {}", r.error().what());
}

Result<> Attachment::publish() {
  // A connection to 127.0.0.1:PORT is routed out through the bridge once DNATed.
  std::string knob = "/proc/sys/net/ipv4/conf/" + lease_->bridge + "/route_localnet";
  UniqueFd f(::open(knob.c_str(), O_WRONLY | O_NOFOLLOW | O_CLOEXEC));
  if (!f || ::write(f.get(), "1", 1) != 1) return fail_errno("{}", knob);
  TRY(nft::apply(publish_ruleset(id_, lease_->ip, network_.publish)));
  published_ = true;
  return {};
}

std::string Attachment::ip() const {
  if (slirp_) return kSlirpIp;
  return lease_ ? format_ipv4(lease_->ip) : "";
}

std::string Attachment::resolver() const {
  if (host_side_ && lease_) return format_ipv4(lease_->gateway);
  return guard::kResolverIp;
}

Result<> Attachment::plug(pid_t init) {
  if (network_.user_mode) {
    slirp_.reset();  // a restarted init gets its own
    slirp_.emplace(TRY(Slirp::start(init, state_dir_, network_.publish)));
    return {};
  }
  bool first = !lease_;
  if (first) {
    lease_ = TRY(networks_.lease(network_.name, id_));
    if (!network_.publish.empty()) TRY(reserve_ports(networks_.dir(), id_, network_.publish));
  }
  auto host = TRY(Rtnl::open());
  auto master = host.ifindex(lease_->bridge);
  if (!master)
    return fail_invalid("network '{}': bridge {} is missing", network_.name, lease_->bridge);
  if (!host.add_veth(lease_->link, "eth0", init, *master)) {
    // The previous run's veth, while the kernel has not finished removing its namespace.
    TRY(host.remove_link(lease_->link));
    TRY(host.add_veth(lease_->link, "eth0", init, *master));
  }
  auto inside = TRY(Rtnl::open_in(init));
  auto eth0 = inside.ifindex("eth0");
  if (!eth0) return fail_invalid("eth0 did not arrive in the container");
  TRY(inside.add_address(*eth0, lease_->ip, lease_->prefix));
  TRY(inside.set_up(*eth0));
  TRY(inside.add_default_route(lease_->gateway));
  if (network_.egress.enforced && host_side_) {
    TRY(host.hook_bridged_ipv4(*master));
    TRY(start_guard(init, first));
  } else if (network_.egress.enforced) {
    // The guard's resolver listens on loopback, which the child may not have brought up yet.
    if (auto lo = inside.ifindex("lo")) TRY(inside.set_up(*lo));
    TRY(start_guard(init, first));
  }
  if (!network_.publish.empty() && !published_) TRY(publish());
  log::debug("{:.2f} ms: network {}: {}/{} via {}", log::elapsed_ms(), network_.name,
             format_ipv4(lease_->ip), lease_->prefix, format_ipv4(lease_->gateway));
  return {};
}

}  // namespace nucleus::net
