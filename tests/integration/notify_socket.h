// A datagram socket standing in for systemd's notification socket (NOTIFY_SOCKET).
#pragma once

#include <gtest/gtest.h>
#include <sys/socket.h>
#include <sys/un.h>

#include <cstddef>
#include <cstring>
#include <string>

#include "util/unique_fd.h"

namespace nucleus::testing {

class NotifySocket {
 public:
  explicit NotifySocket(const std::string& path) : path_(path) {
    fd_.reset(::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
    sockaddr_un a{};
    a.sun_family = AF_UNIX;
    std::strncpy(a.sun_path, path.c_str(), sizeof a.sun_path - 1);
    socklen_t len = sizeof a;
    if (path[0] == '@') {  // abstract: the name is exactly as long as it is
      a.sun_path[0] = '\0';
      len = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + path.size());
    }
    EXPECT_EQ(::bind(fd_.get(), reinterpret_cast<sockaddr*>(&a), len), 0);
  }
  std::string env() const { return "NOTIFY_SOCKET=" + path_; }
  std::string receive() const {
    char buf[512];
    ssize_t n = ::recv(fd_.get(), buf, sizeof buf, 0);
    return n < 0 ? "" : std::string(buf, static_cast<size_t>(n));
  }

 private:
  std::string path_;
  UniqueFd fd_;
};

}  // namespace nucleus::testing
