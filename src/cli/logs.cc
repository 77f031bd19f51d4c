// nucleus logs [-f] [--tail N] [-t] CONTAINER
#include <fcntl.h>
#include <poll.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>

#include "cli/common.h"
#include "cli/verbs.h"
#include "container/logfile.h"
#include "util/fs.h"
#include "util/parse.h"

namespace nucleus::cli {
namespace {

void print(const container::LogEntry& e, bool timestamps) {
  FILE* out = e.stream == "stderr" ? stderr : stdout;
  if (timestamps) std::fprintf(out, "%s ", e.time.c_str());
  std::fwrite(e.text.data(), 1, e.text.size(), out);
  if (!e.partial) std::fputc('\n', out);
}

// Follows container.log from `offset` until the monitor is gone, reopening after a rotation.
Result<> follow(const container::Store& st, const std::string& id, uint64_t offset,
                bool timestamps) {
  std::string path = st.dir(id) + "/" + container::kLogName;
  UniqueFd in(::inotify_init1(IN_CLOEXEC | IN_NONBLOCK));
  if (!in ||
      ::inotify_add_watch(in.get(), st.dir(id).c_str(), IN_MODIFY | IN_CREATE | IN_MOVED_TO) < 0)
    return fail_errno("watch {}", st.dir(id));
  UniqueFd file(::open(path.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC));
  ::lseek(file.get(), static_cast<off_t>(offset), SEEK_SET);
  std::string pending;
  auto state = TRY(st.load(id));
  UniqueFd monitor;
  if (auto fd = state.monitor.open()) monitor = std::move(*fd);
  for (bool last_round = !monitor;;) {
    char buf[65536];
    ssize_t n;
    while ((n = ::read(file.get(), buf, sizeof buf)) > 0)
      pending.append(buf, static_cast<size_t>(n));
    size_t end = pending.rfind('\n');
    if (end != std::string::npos) {
      for (const auto& e : container::parse_log(std::string_view(pending).substr(0, end + 1)))
        print(e, timestamps);
      std::fflush(stdout);
      pending.erase(0, end + 1);
    }
    // Rotated: the old file is finished; the new one starts at 0.
    struct stat a {
    }, b{};
    if (::fstat(file.get(), &a) == 0 && ::stat(path.c_str(), &b) == 0 && a.st_ino != b.st_ino) {
      file.reset(::open(path.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC));
      continue;
    }
    if (last_round) return {};
    pollfd fds[2] = {{in.get(), POLLIN, 0}, {monitor.get(), POLLIN, 0}};
    ::poll(fds, 2, 1000);
    if (fds[0].revents & POLLIN) {
      while (::read(in.get(), buf, sizeof buf) > 0) {
      }
    }
    if (fds[1].revents & POLLIN) last_round = true;  // one more read for the final lines
  }
}

}  // namespace

int logs(int argc, char** argv) {
  CLI::App app{"Print a detached container's output", "nucleus logs"};
  bool follow_flag = false, timestamps = false;
  std::string tail = "all";
  std::string ref;
  app.add_flag("-f,--follow", follow_flag, "Keep printing new output until the container stops");
  app.add_flag("-t,--timestamps", timestamps, "Prefix each line with its time");
  app.add_option("-n,--tail", tail, "Only the last N lines (default all)");
  app.add_option("CONTAINER", ref, "ID, ID prefix or name")->required();
  if (auto code = parse(app, argc, argv)) return *code;
  uint64_t keep = UINT64_MAX;
  if (tail != "all") {
    auto n = parse::uint(tail, 0, UINT64_MAX);
    if (!n) return report(Error::invalid("--tail {}: want a number or all", tail));
    keep = *n;
  }
  auto st = store();
  auto id = st.resolve(ref);
  if (!id) return report(id.error());
  auto state = st.load(*id);
  if (!state) return report(state.error());
  if (!state->detached)
    return report(
        Error::invalid("container {} runs in the foreground: its output goes to the "
                       "terminal of its nucleus, not to a log",
                       ref));
  std::string text;
  uint64_t offset = 0;
  for (const auto& f : container::log_files(st.dir(*id))) {
    auto content = fs::read_file(f);
    if (!content) return report(content.error());
    text += *content;
    offset = content->size();  // of the current file, which comes last
  }
  auto entries = container::parse_log(text);
  size_t first = entries.size() > keep ? entries.size() - keep : 0;
  for (size_t i = first; i < entries.size(); i++) print(entries[i], timestamps);
  std::fflush(stdout);
  if (!follow_flag) return 0;
  if (auto r = follow(st, *id, offset, timestamps); !r) return report(r.error());
  return 0;
}

}  // namespace nucleus::cli
