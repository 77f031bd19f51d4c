// `nucleus run -d`: a monitor process (this binary, forked) becomes the parent of the
// container's init and stays for its whole life: it logs the output, records each exit,
// applies the restart policy and, with --rm, removes the container at the end.
#pragma once

#include <cstdint>
#include <string>

#include "container/health.h"
#include "container/logfile.h"
#include "container/state.h"
#include "spec/spec.h"
#include "util/result.h"

namespace nucleus::container {

struct DetachOptions {
  bool auto_remove = false;
  RestartPolicy restart;
  uint64_t log_max_size = 0;
  int log_max_files = 0;
  LogDriver log_driver = LogDriver::kK8sFile;
  std::string restore_from;  // a checkpoint's directory to continue from (its first start)
  Checks checks;             // health and readiness, run by the monitor
  bool print_id = true;      // on stdout, once it runs
};

// Returns once the container runs (its ID registered, its command executed; the ID printed on
// stdout), or with the error that prevented it (nothing left behind).
Result<> run_detached(spec::Spec s, const DetachOptions& o);

}  // namespace nucleus::container
