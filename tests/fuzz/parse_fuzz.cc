// libFuzzer target: size, number and CPU parsers; checkpoint metadata and cgroup limit files.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "checkpoint/limits.h"
#include "checkpoint/metadata.h"
#include "util/fs.h"
#include "util/parse.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view s(reinterpret_cast<const char*>(data), size);
  (void)nucleus::parse::size(s);
  (void)nucleus::parse::millis(s);
  (void)nucleus::parse::uint(s, 0, UINT64_MAX);
  (void)nucleus::fs::normalize_abs(s);
  nucleus::checkpoint::Limits l;
  (void)nucleus::checkpoint::parse_cpu_max(s, l);
  (void)nucleus::checkpoint::parse_io_max(s);
  (void)nucleus::checkpoint::metadata_from_json(s);
  return 0;
}
