// nucleus events CONTAINER...: each container's event log (egress denials, seccomp kills, health
// status changes), one JSON object per line, oldest first.
#include <cstdio>

#include "cli/common.h"
#include "cli/verbs.h"
#include "net/guard.h"
#include "util/fs.h"

namespace nucleus::cli {
namespace {

Result<> print_events(const container::Store& st, const std::string& id) {
  std::string current = net::guard::kEventsFile;
  for (const std::string& name : {current + ".1", current}) {
    std::string path = st.dir(id) + "/" + name;
    if (TRY(fs::kind_of(path)) == fs::Kind::kMissing) continue;  // no event (yet)
    std::string text = TRY(fs::read_file(path));
    std::fwrite(text.data(), 1, text.size(), stdout);
  }
  return {};
}

}  // namespace

int events(int argc, char** argv) {
  CLI::App app{
      "Print containers' events (egress denials, seccomp kills, health changes) as JSON lines",
      "nucleus events"};
  std::vector<std::string> refs;
  app.add_option("CONTAINER", refs, "ID, ID prefix or name")->required();
  if (auto code = parse(app, argc, argv)) return *code;
  auto st = store();
  return for_each_container(
      st, refs, [&](const std::string&, const std::string& id) { return print_events(st, id); });
}

}  // namespace nucleus::cli
