// A netfilter log (nflog) group read over a raw NETLINK_NETFILTER socket: the packets that an
// nftables `log group N` statement hands to user space, in the namespace the socket was made in.
#pragma once

#include <cstdint>
#include <functional>
#include <span>

#include "util/result.h"
#include "util/unique_fd.h"

namespace nucleus::net {

class NflogGroup {
 public:
  static Result<NflogGroup> bind(uint16_t group);
  // The first group from `first` on (at most `count` tried) that no other socket of this network
  // namespace has bound: the host's namespace is shared by every host-side guard.
  static Result<NflogGroup> bind_free(uint16_t first, uint16_t count);
  // A socket bound by another process (the guard gets the parent's).
  static NflogGroup adopt(UniqueFd fd);
  uint16_t group() const { return group_; }
  int fd() const { return fd_.get(); }
  // Reads what is queued and calls `packet` with each logged packet (its network header on).
  void drain(const std::function<void(std::span<const uint8_t>)>& packet);

 private:
  UniqueFd fd_;
  uint16_t group_ = 0;
};

}  // namespace nucleus::net
