// nucleus events CONTAINER: the container's event log (egress denials), one JSON object per line,
// oldest first.
#include <cstdio>

#include "cli/common.h"
#include "cli/verbs.h"
#include "net/guard.h"
#include "util/fs.h"

namespace nucleus::cli {

int events(int argc, char** argv) {
  CLI::App app{"Print a container's events (egress denials) as JSON lines", "nucleus events"};
  std::string ref;
  app.add_option("CONTAINER", ref, "ID, ID prefix or name")->required();
  if (auto code = parse(app, argc, argv)) return *code;
  auto st = store();
  auto id = st.resolve(ref);
  if (!id) return report(id.error());
  for (std::string name :
       {std::string(net::guard::kEventsFile) + ".1", std::string(net::guard::kEventsFile)}) {
    auto kind = fs::kind_of(st.dir(*id) + "/" + name);
    if (kind && *kind == fs::Kind::kMissing) continue;  // no event yet
    auto text = fs::read_file(st.dir(*id) + "/" + name);
    if (!text) return report(text.error());
    std::fwrite(text->data(), 1, text->size(), stdout);
  }
  return 0;
}

}  // namespace nucleus::cli
