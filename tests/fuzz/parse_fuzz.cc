// libFuzzer target: size, number and CPU parsers.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "util/fs.h"
#include "util/parse.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view s(reinterpret_cast<const char*>(data), size);
  (void)nucleus::parse::size(s);
  (void)nucleus::parse::millis(s);
  (void)nucleus::parse::uint(s, 0, UINT64_MAX);
  (void)nucleus::fs::normalize_abs(s);
  return 0;
}
