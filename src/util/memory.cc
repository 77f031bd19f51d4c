#include "util/memory.h"

#include <malloc.h>
#include <sys/mman.h>
#include <unistd.h>

#include <climits>
#include <cstdio>
#include <cstring>

namespace nucleus::memory {
namespace {

struct Mapping {
  unsigned long start = 0, end = 0;
  bool candidate = false;  // read-only, backed by our executable
  bool anonymous = false;  // holds copied-on-write pages (e.g. RELRO after relocation)
};

void release(const Mapping& m) {
  if (m.candidate && !m.anonymous)
    ::madvise(reinterpret_cast<void*>(m.start), m.end - m.start, MADV_DONTNEED);
}

}  // namespace

void release_startup_pages() {
  ::malloc_trim(0);
  char exe[PATH_MAX];
  ssize_t n = ::readlink("/proc/self/exe", exe, sizeof exe - 1);
  if (n <= 0) return;
  exe[n] = '\0';
  FILE* smaps = std::fopen("/proc/self/smaps", "re");
  if (smaps == nullptr) return;
  char line[PATH_MAX + 128];
  Mapping m;
  unsigned long kb = 0;
  while (std::fgets(line, sizeof line, smaps) != nullptr) {
    unsigned long start = 0, end = 0;
    char perms[5] = {};
    int path_at = 0;
    if (std::sscanf(line, "%lx-%lx %4s %*s %*s %*s %n", &start, &end, perms, &path_at) >= 3 &&
        path_at > 0) {
      release(m);
      char* path = line + path_at;
      path[std::strcspn(path, "\n")] = '\0';
      // Private writable mappings hold modified data: never discard those.
      m = Mapping{start, end, perms[1] != 'w' && std::strcmp(path, exe) == 0, false};
    } else if (std::sscanf(line, "Anonymous: %lu kB", &kb) == 1 && kb > 0) {
      m.anonymous = true;
    }
  }
  release(m);
  std::fclose(smaps);
}

}  // namespace nucleus::memory
