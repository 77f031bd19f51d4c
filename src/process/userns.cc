#include "process/userns.h"

#include <fcntl.h>
#include <sched.h>
#include <sys/wait.h>
#include <unistd.h>

#include "util/fs.h"
#include "util/pipe.h"
#include "util/scope_exit.h"

namespace nucleus::process {

std::string id_map_lines(const std::vector<spec::IdMap>& maps) {
  std::string out;
  for (const auto& m : maps) out += fmt::format("{} {} {}\n", m.container_id, m.host_id, m.size);
  return out;
}

Result<UniqueFd> user_namespace_with(const std::vector<spec::IdMap>& uid_map,
                                     const std::vector<spec::IdMap>& gid_map) {
  Pipe ready = TRY(make_pipe()), hold = TRY(make_pipe());
  pid_t pid = ::fork();
  if (pid < 0) return fail_errno("fork");
  if (pid == 0) {
    // The namespace's first process: unshares, says so, and waits until the parent is done.
    char c = ::unshare(CLONE_NEWUSER) == 0 ? 1 : 0;
    (void)!::write(ready.write.get(), &c, 1);
    hold.write.reset();
    (void)!::read(hold.read.get(), &c, 1);
    ::_exit(0);
  }
  ScopeExit reap([&] {
    hold.write.reset();
    int st = 0;
    while (::waitpid(pid, &st, 0) < 0 && errno == EINTR) {
    }
  });
  ready.write.reset();
  char ok = 0;
  if (::read(ready.read.get(), &ok, 1) != 1 || ok != 1)
    return fail_invalid("cannot create a user namespace for an idmapped mount");
  UniqueFd proc(::open(fmt::format("/proc/{}", pid).c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
  if (!proc) return fail_errno("open /proc/{}", pid);
  TRY(fs::write_existing_at(proc.get(), "uid_map", id_map_lines(uid_map)));
  TRY(fs::write_existing_at(proc.get(), "gid_map", id_map_lines(gid_map)));
  UniqueFd ns(::openat(proc.get(), "ns/user", O_RDONLY | O_CLOEXEC));
  if (!ns) return fail_errno("open /proc/{}/ns/user", pid);
  return ns;
}

}  // namespace nucleus::process
