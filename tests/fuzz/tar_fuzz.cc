// libFuzzer target: the tar reader of `nucleus cp` out of a gVisor sandbox (untrusted input):
// headers, paths and pax records, and whole archives unpacked into a scratch directory, which
// nothing may leave.
#include <fcntl.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "fs/tar.h"
#include "util/fs.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  namespace tar = nucleus::fs::tar;
  std::string_view s(reinterpret_cast<const char*>(data), size);
  (void)tar::clean_path(s);
  std::string path, link;
  (void)tar::apply_pax(s, path, link);
  if (size >= tar::kBlock)
    (void)tar::parse_header(std::span<const uint8_t, tar::kBlock>(data, tar::kBlock));
  // One scratch directory, emptied after each input (and left empty at the end).
  static const std::string scratch = [] {
    std::string dir = "/tmp/nucleus-tar-fuzz." + std::to_string(getuid());
    nucleus::fs::remove_tree(dir);
    mkdir(dir.c_str(), 0700);
    return dir;
  }();
  int mem = memfd_create("tar", MFD_CLOEXEC);
  if (mem < 0 || write(mem, data, size) != static_cast<ssize_t>(size)) abort();
  lseek(mem, 0, SEEK_SET);
  std::string dest = scratch + "/d";
  mkdir(dest.c_str(), 0700);
  int fd = open(dest.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  (void)tar::extract(mem, fd, "fuzz");
  close(fd);
  close(mem);
  nucleus::fs::remove_tree(dest);
  return 0;
}
