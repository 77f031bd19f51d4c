#include "container/logfile.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <sys/socket.h>
#include <sys/un.h>

#include <cstdlib>
#include <cstring>
#include <nlohmann/json.hpp>
#include <optional>

#include <fmt/format.h>

#include "util/clock.h"
#include "util/fs.h"
#include "util/json_text.h"
#include "util/parse.h"

namespace nucleus::container {
namespace {

std::string numbered(const std::string& dir, int n) {
  return n == 0 ? dir + "/" + kLogName : fmt::format("{}/{}.{}", dir, kLogName, n);
}

constexpr size_t kJournalLineMax = 48 * 1024;  // journald's LineMax default

void append_field(std::string& msg, std::string_view key, std::string_view value) {
  // The native protocol: KEY=VALUE, or KEY, newline, 64-bit little-endian size, VALUE for a
  // value holding a newline (never here: lines are split) or arbitrary bytes.
  msg += key;
  msg += '=';
  msg += value;
  msg += '\n';
}

}  // namespace

Result<LogDriver> parse_log_driver(std::string_view name) {
  if (name == "k8s-file") return LogDriver::kK8sFile;
  if (name == "json-file") return LogDriver::kJsonFile;
  if (name == "journald") return LogDriver::kJournald;
  return fail_invalid("--log-driver {}: want k8s-file, json-file or journald", name);
}

const char* log_driver_name(LogDriver d) {
  return d == LogDriver::kJsonFile   ? "json-file"
         : d == LogDriver::kJournald ? "journald"
                                     : "k8s-file";
}

std::string journal_socket() {
  const char* env = std::getenv("NUCLEUS_JOURNAL_SOCKET");
  return env != nullptr && env[0] == '/' ? env : "/run/systemd/journal/socket";
}

void LogWriter::to_journal(const char* stream, std::string_view line) {
  for (size_t at = 0; at < line.size() || at == 0; at += kJournalLineMax) {
    std::string msg;
    append_field(msg, "MESSAGE", line.substr(at, kJournalLineMax));
    append_field(msg, "PRIORITY", stream[3] == 'o' ? "6" : "3");  // info, or err for stderr
    append_field(msg, "SYSLOG_IDENTIFIER",
                 "nucleus-" + (who_.name.empty() ? who_.id.substr(0, 12) : who_.name));
    append_field(msg, "CONTAINER_ID", who_.id.substr(0, 12));
    append_field(msg, "CONTAINER_ID_FULL", who_.id);
    if (!who_.name.empty()) append_field(msg, "CONTAINER_NAME", who_.name);
    append_field(msg, "CONTAINER_STREAM", stream);
    (void)!::send(journal_.get(), msg.data(), msg.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
    if (line.empty()) break;
  }
}

Result<> LogWriter::open() {
  if (driver_ == LogDriver::kJournald && !journal_) {
    std::string path = journal_socket();
    sockaddr_un a{};
    if (path.size() >= sizeof a.sun_path) return fail_invalid("journal socket {}: too long", path);
    a.sun_family = AF_UNIX;
    std::memcpy(a.sun_path, path.data(), path.size());
    journal_.reset(::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0));
    if (!journal_ || ::connect(journal_.get(), reinterpret_cast<sockaddr*>(&a), sizeof a) != 0)
      return fail_errno("--log-driver journald: no journal at {}", path);
  }
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
    if (journal_) to_journal(stream, line);
    std::string record =
        driver_ == LogDriver::kJsonFile
            ? fmt::format("{{\"log\":{},\"stream\":\"{}\",\"time\":\"{}\"}}\n",
                          json_text::quote(whole ? std::string(line) + "\n" : std::string(line)),
                          stream, stamp)
            : fmt::format("{} {} {} {}\n", stamp, stream, whole ? 'F' : 'P', line);
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

namespace {

// {"log":"text\n","stream":"stdout","time":"..."}: a json-file line (no newline: partial).
std::optional<LogEntry> parse_json_line(std::string_view line) {
  auto j = nlohmann::json::parse(line, nullptr, false);
  if (!j.is_object() || !j.contains("log") || !j["log"].is_string()) return std::nullopt;
  LogEntry e;
  e.text = j["log"].get<std::string>();
  e.stream = j.value("stream", "");
  e.time = j.value("time", "");
  if (e.stream != "stdout" && e.stream != "stderr") return std::nullopt;
  e.partial = e.text.empty() || e.text.back() != '\n';
  if (!e.partial) e.text.pop_back();
  return e;
}

// "<time> <stream> <F|P> <text>": a CRI (k8s-file) line.
std::optional<LogEntry> parse_cri_line(std::string_view line) {
  auto sp1 = line.find(' ');
  auto sp2 = sp1 == std::string_view::npos ? sp1 : line.find(' ', sp1 + 1);
  auto sp3 = sp2 == std::string_view::npos ? sp2 : line.find(' ', sp2 + 1);
  if (sp3 == std::string_view::npos || sp3 != sp2 + 2) return std::nullopt;
  std::string_view stream = line.substr(sp1 + 1, sp2 - sp1 - 1);
  if (stream != "stdout" && stream != "stderr") return std::nullopt;
  return LogEntry{std::string(line.substr(0, sp1)), std::string(stream),
                  std::string(line.substr(sp3 + 1)), line[sp2 + 1] == 'P'};
}

}  // namespace

std::vector<LogEntry> parse_log(std::string_view text) {
  std::vector<LogEntry> out;
  bool continuing = false;
  for (auto line : parse::split(text, '\n')) {
    auto e = line.starts_with('{') ? parse_json_line(line) : parse_cri_line(line);
    if (!e) continue;
    if (continuing && !out.empty() && out.back().stream == e->stream) {
      out.back().text += e->text;
      out.back().partial = e->partial;
    } else {
      out.push_back(std::move(*e));
    }
    continuing = out.back().partial;
  }
  return out;
}

Result<std::string> log_tail(const std::string& dir, uint64_t max) {
  std::string path = numbered(dir, 0);
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC));
  if (!fd && errno == ENOENT) return std::string();
  if (!fd) return fail_errno("open {}", path);
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0 || !S_ISREG(st.st_mode))
    return fail_invalid("{} is not a regular file", path);
  auto size = static_cast<uint64_t>(st.st_size);
  uint64_t from = size > max ? size - max : 0;
  std::string out(size - from, '\0');
  ssize_t n = ::pread(fd.get(), out.data(), out.size(), static_cast<off_t>(from));
  if (n < 0) return fail_errno("read {}", path);
  out.resize(static_cast<size_t>(n));
  if (from > 0) {  // from a whole line on
    size_t nl = out.find('\n');
    out.erase(0, nl == std::string::npos ? out.size() : nl + 1);
  }
  return out;
}

Result<> continue_log(const std::string& checkpoint_dir, const std::string& dir) {
  std::string carried = TRY(log_tail(checkpoint_dir, UINT64_MAX));
  if (carried.empty()) return {};
  return fs::write_atomic(dir, kLogName, carried, false);
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
