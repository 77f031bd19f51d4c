// libFuzzer target: `nucleus run` flag values and env files -> Spec. Any input must give a Spec
// or an Error, never a crash, a hang or undefined behaviour.
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "spec/run_flags.h"

using nucleus::spec::RunFlags;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  // Fields separated by '\n'; the first byte of each picks the flag it feeds.
  std::string in(reinterpret_cast<const char*>(data), size);
  RunFlags f;
  f.command = {"true"};
  size_t start = 0;
  while (start < in.size()) {
    size_t end = in.find('\n', start);
    if (end == std::string::npos) end = in.size();
    std::string field = in.substr(start, end - start);
    start = end + 1;
    if (field.empty()) continue;
    char which = field[0];
    std::string v = field.substr(1);
    switch (which % 16) {
      case 0: f.volumes.push_back(v); break;
      case 1: f.tmpfs.push_back(v); break;
      case 2: f.memory = v; break;
      case 3: f.memory_swap = v; break;
      case 4: f.cpus = v; break;
      case 5: f.cpu_weight = v; break;
      case 6: f.pids = v; break;
      case 7: f.io_limits.push_back(v); break;
      case 8: f.env.push_back(v); break;
      case 9: f.env_files.push_back(v); break;
      case 10: f.user = v; break;
      case 11: f.name = v; break;
      case 12: f.hostname = v; break;
      case 13: f.workdir = v; break;
      case 14: f.cap_add.push_back(v); break;
      default: f.timeout = v; break;
    }
  }
  nucleus::spec::Caller c;
  c.id = std::string(64, 'f');
  c.ncpu = 2;
  (void)nucleus::spec::from_run_flags(f, c);
  return 0;
}
