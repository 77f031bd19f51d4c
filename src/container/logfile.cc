#include "container/logfile.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <fmt/format.h>

#include "util/clock.h"
#include "util/parse.h"

namespace nucleus::container {
namespace {

std::string numbered(const std::string& dir, int n) {
  return n == 0 ? dir + "/" + kLogName : fmt::format("{}/{}.{}", dir, kLogName, n);
}

}  // namespace

Result<> LogWriter::open() {
  fd_.reset(::open(numbered(dir_, 0).c_str(),
                   O_WRONLY | O_CREAT | O_APPEND | O_NOFOLLOW | O_CLOEXEC, 0600));
  if (!fd_) return fail_errno("open {}", numbered(dir_, 0));
  struct stat st {};
  size_ = ::fstat(fd_.get(), &st) == 0 ? static_cast<uint64_t>(st.st_size) : 0;
  return {};
}

void LogWriter::rotate() {
  for (int n = max_files_ - 1; n >= 1; n--)
    ::rename(numbered(dir_, n - 1).c_str(), numbered(dir_, n).c_str());
  if (max_files_ <= 1) ::unlink(numbered(dir_, 0).c_str());
  (void)open();
}

void LogWriter::write(const char* stream, std::string_view data) {
  std::string out;
  std::string stamp = clock::now_rfc3339();
  // A full disk loses log lines, never the container.
  auto flush = [&] {
    if (fd_ && !out.empty() && ::write(fd_.get(), out.data(), out.size()) > 0) size_ += out.size();
    out.clear();
  };
  while (!data.empty()) {
    size_t nl = data.find('\n');
    bool whole = nl != std::string_view::npos;
    std::string_view line = data.substr(0, whole ? nl : data.size());
    std::string record = fmt::format("{} {} {} {}\n", stamp, stream, whole ? 'F' : 'P', line);
    data.remove_prefix(whole ? nl + 1 : data.size());
    if (max_size_ != 0 && size_ + out.size() + record.size() > max_size_ &&
        size_ + out.size() > 0) {
      flush();
      rotate();
    }
    out += record;
  }
  flush();
}

std::vector<LogEntry> parse_log(std::string_view text) {
  std::vector<LogEntry> out;
  bool continuing = false;
  for (auto line : parse::split(text, '\n')) {
    auto sp1 = line.find(' ');
    auto sp2 = sp1 == std::string_view::npos ? sp1 : line.find(' ', sp1 + 1);
    auto sp3 = sp2 == std::string_view::npos ? sp2 : line.find(' ', sp2 + 1);
    if (sp3 == std::string_view::npos || sp3 != sp2 + 2) continue;
    std::string_view stream = line.substr(sp1 + 1, sp2 - sp1 - 1);
    if (stream != "stdout" && stream != "stderr") continue;
    bool partial = line[sp2 + 1] == 'P';
    std::string_view body = line.substr(sp3 + 1);
    if (continuing && !out.empty() && out.back().stream == stream) {
      out.back().text += body;
      out.back().partial = partial;
    } else {
      out.push_back(
          {std::string(line.substr(0, sp1)), std::string(stream), std::string(body), partial});
    }
    continuing = partial;
  }
  return out;
}

std::vector<std::string> log_files(const std::string& dir) {
  std::vector<std::string> out;
  for (int n = 16; n >= 0; n--) {
    std::string f = numbered(dir, n);
    if (::access(f.c_str(), F_OK) == 0) out.push_back(f);
  }
  return out;
}

}  // namespace nucleus::container
