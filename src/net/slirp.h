// User-mode networking for containers of a non-root caller (`--network bridge` without root):
// slirp4netns gives the init's network namespace a tap device (tap0, 10.0.2.100/24, gateway
// 10.0.2.2, DNS forwarder 10.0.2.3) and NATs its traffic through sockets of the caller, on the
// host. Published ports are host sockets of slirp4netns too (its API socket, add_hostfwd). The
// host's loopback is not reachable through the gateway (--disable-host-loopback).
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

#include "process/spawn.h"
#include "spec/spec.h"

namespace nucleus::net {

inline constexpr const char* kSlirpIp = "10.0.2.100";
inline constexpr const char* kSlirpDns = "10.0.2.3";

class Slirp {
 public:
  // Starts slirp4netns for init's namespaces and waits until tap0 is configured; then publishes
  // the ports. dir: where its API socket lives (the container's state directory).
  static Result<Slirp> start(pid_t init, const std::string& dir,
                             const std::vector<spec::Publish>& publish);
  Slirp(Slirp&& o) noexcept = default;
  Slirp& operator=(Slirp&&) = delete;
  ~Slirp();

 private:
  Slirp() = default;
  process::Child child_;
  UniqueFd exit_;  // its --exit-fd: closing this (or our death) ends it
  std::string socket_;
};

}  // namespace nucleus::net
