#include "container/event_log.h"

#include <fcntl.h>
#include <unistd.h>

#include "net/guard.h"
#include "util/clock.h"
#include "util/unique_fd.h"

namespace nucleus::container {

nlohmann::json event(const std::string& id, const char* type) {
  return {{"time", clock::now_rfc3339()}, {"container", id}, {"type", type}};
}

void append_event(const Store& store, const std::string& id, const nlohmann::json& e) {
  std::string line = e.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
  UniqueFd fd(::open((store.dir(id) + "/" + net::guard::kEventsFile).c_str(),
                     O_WRONLY | O_CREAT | O_APPEND | O_NOFOLLOW | O_CLOEXEC, 0600));
  if (fd) (void)!::write(fd.get(), line.data(), line.size());
}

}  // namespace nucleus::container
