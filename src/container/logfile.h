// A detached container's output log, size-capped and rotated (container.log, container.log.1,
// ...), one line per chunk: in the CRI logging format ("<RFC 3339 time> <stdout|stderr> <F|P>
// <text>", P for a partial line; --log-driver k8s-file, the default) or in Docker's json-file
// one ({"log":"text\n","stream":"stdout","time":"..."}). --log-driver journald sends each line to
// the journal too (its native protocol, no libsystemd). The monitor writes it; `nucleus logs`
// reads either format.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "util/result.h"
#include "util/unique_fd.h"

namespace nucleus::container {

inline constexpr uint64_t kDefaultLogMaxSize = 10ull << 20;
inline constexpr int kDefaultLogMaxFiles = 2;
inline constexpr const char* kLogName = "container.log";

enum class LogDriver { kK8sFile, kJsonFile, kJournald };
// "k8s-file", "json-file" or "journald".
Result<LogDriver> parse_log_driver(std::string_view name);
const char* log_driver_name(LogDriver d);
// The journal's socket: $NUCLEUS_JOURNAL_SOCKET, or /run/systemd/journal/socket.
std::string journal_socket();

struct LogIdentity {
  std::string id, name;  // CONTAINER_ID, CONTAINER_NAME; SYSLOG_IDENTIFIER=nucleus-NAME (or ID)
};

class LogWriter {
 public:
  LogWriter(std::string dir, uint64_t max_size, int max_files, LogDriver driver = {},
            LogIdentity who = {})
      : dir_(std::move(dir)),
        max_size_(max_size),
        max_files_(max_files),
        driver_(driver),
        who_(std::move(who)) {}
  // Opens the file (and, for journald, checks that the journal listens: an error otherwise).
  Result<> open();
  // Writes what the workload printed on `stream` ("stdout" or "stderr").
  void write(const char* stream, std::string_view data);

 private:
  void rotate();
  void to_journal(const char* stream, std::string_view line);
  std::string dir_;
  uint64_t max_size_;
  int max_files_;
  LogDriver driver_;
  LogIdentity who_;
  UniqueFd fd_;
  UniqueFd journal_;
  uint64_t size_ = 0;
};

struct LogEntry {
  std::string time;    // RFC 3339 with nanoseconds, UTC
  std::string stream;  // stdout | stderr
  std::string text;    // the line without its newline
  bool partial = false;
};

// The end of the current log of the container directory `dir`: its last `max` bytes at most,
// from a line's start ("" when there is no log).
Result<std::string> log_tail(const std::string& dir, uint64_t max);

// A restored container's log begins with what its checkpoint in `checkpoint_dir` carried (if
// anything), copied to the container directory `dir`.
Result<> continue_log(const std::string& checkpoint_dir, const std::string& dir);

// Parses log text; malformed lines are skipped. Partial fragments are joined to their line.
std::vector<LogEntry> parse_log(std::string_view text);
// The log files of dir, oldest first.
std::vector<std::string> log_files(const std::string& dir);

}  // namespace nucleus::container
