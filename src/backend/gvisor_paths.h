// Where the gVisor backend keeps its files: <state>/gvisor/ holds runsc's own --root (runsc/),
// the platform cache and one bundle per container (<id>/). Internal to src/backend.
#pragma once

#include <string>
#include <vector>

namespace nucleus::backend::gvisor {

std::string gvisor_dir();
std::string bundle_dir(const std::string& id);
// {runsc, --root, <state>/gvisor/runsc}: the start of every runsc command line.
std::vector<std::string> runsc_verb(const std::string& runsc);

}  // namespace nucleus::backend::gvisor
