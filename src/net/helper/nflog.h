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
  int fd() const { return fd_.get(); }
  // Reads what is queued and calls `packet` with each logged packet (its network header on).
  void drain(const std::function<void(std::span<const uint8_t>)>& packet);

 private:
  UniqueFd fd_;
};

}  // namespace nucleus::net
