#include "container/gc.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cstdlib>

#include "cgroup/manager.h"
#include "util/log.h"
#include "util/unique_fd.h"

namespace nucleus::container {
namespace {

// A name file nobody holds locked belongs to no live container.
void remove_stale_names(const std::string& root) {
  std::string dir = root + "/names";
  DIR* d = ::opendir(dir.c_str());
  if (d == nullptr) return;
  while (dirent* e = ::readdir(d)) {
    if (e->d_name[0] == '.') continue;
    std::string path = dir + "/" + e->d_name;
    UniqueFd fd(::open(path.c_str(), O_RDWR | O_NOFOLLOW | O_CLOEXEC));
    if (fd && ::flock(fd.get(), LOCK_EX | LOCK_NB) == 0) ::unlink(path.c_str());
  }
  ::closedir(d);
}

// Seconds; NUCLEUS_TEST_ORPHAN_AGE overrides it for tests.
int64_t orphan_age() {
  const char* v = std::getenv("NUCLEUS_TEST_ORPHAN_AGE");
  return v != nullptr ? std::atoll(v) : 60;
}

// Everything of a container whose owner is gone: its cgroups (and what runs there), its state.
Result<> remove(Store& store, const cgroup::Layout& layout, const std::string& id) {
  TRY(cgroup::remove_leftover(layout, "/nucleus/" + id));
  return store.remove(id);
}

}  // namespace

Result<> collect(Store& store, const std::string& id) {
  auto s = TRY(store.load(id));
  if (s.owner.alive()) return fail_invalid("container {} is still running", id.substr(0, 12));
  return remove(store, cgroup::detect(), id);
}

Result<std::vector<std::string>> gc(Store& store) {
  std::vector<std::string> removed;
  auto layout = cgroup::detect();
  for (const auto& id : store.ids()) {
    auto s = store.load(id);
    if (!s) {
      log::warn("skipping {}: {}", id.substr(0, 12), s.error().what());
      continue;
    }
    if (s->owner.alive()) continue;
    TRY(remove(store, layout, id));
    removed.push_back(id);
  }
  // Cgroups without a state: a nucleus killed between creating its cgroup and registering (a
  // few milliseconds). Only old ones, so that a sandbox starting right now is left alone.
  for (const auto& [id, age] : cgroup::list_containers(layout)) {
    if (age < orphan_age() || ::access((store.root() + "/" + id).c_str(), F_OK) == 0) continue;
    TRY(cgroup::remove_leftover(layout, "/nucleus/" + id));
    removed.push_back(id);
  }
  remove_stale_names(store.root());
  return removed;
}

}  // namespace nucleus::container
