// A detached container's output log: one line per chunk in the CRI logging format
// ("<RFC 3339 time> <stdout|stderr> <F|P> <text>", P for a partial line), size-capped and
// rotated (container.log, container.log.1, ...). The monitor writes it; `nucleus logs` reads it.
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

class LogWriter {
 public:
  LogWriter(std::string dir, uint64_t max_size, int max_files)
      : dir_(std::move(dir)), max_size_(max_size), max_files_(max_files) {}
  Result<> open();
  // Writes what the workload printed on `stream` ("stdout" or "stderr").
  void write(const char* stream, std::string_view data);

 private:
  void rotate();
  std::string dir_;
  uint64_t max_size_;
  int max_files_;
  UniqueFd fd_;
  uint64_t size_ = 0;
};

struct LogEntry {
  std::string time;    // RFC 3339 with nanoseconds, UTC
  std::string stream;  // stdout | stderr
  std::string text;    // the line without its newline
  bool partial = false;
};

// Parses log text; malformed lines are skipped. Partial fragments are joined to their line.
std::vector<LogEntry> parse_log(std::string_view text);
// The log files of dir, oldest first.
std::vector<std::string> log_files(const std::string& dir);

}  // namespace nucleus::container
