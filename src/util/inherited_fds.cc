#include "util/inherited_fds.h"

#include <fcntl.h>

namespace nucleus::inherited_fds {
namespace {
int g_end = 3;
}

void note() noexcept {
  int fd = 3;
  while (fd < 65536 && ::fcntl(fd, F_GETFD) >= 0) fd++;
  g_end = fd;
}

int end() noexcept {
  return g_end;
}

}  // namespace nucleus::inherited_fds
