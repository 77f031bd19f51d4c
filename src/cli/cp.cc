// nucleus cp SRC CONTAINER:DST | nucleus cp CONTAINER:SRC DST
#include "cli/common.h"
#include "cli/verbs.h"
#include "container/copy.h"

namespace nucleus::cli {
namespace {

// "ref:/path" -> {ref, /path}; host paths have no colon before their first slash.
std::optional<std::pair<std::string, std::string>> container_ref(const std::string& arg) {
  size_t colon = arg.find(':');
  if (colon == std::string::npos || colon == 0 || arg.find('/') < colon) return std::nullopt;
  return std::make_pair(arg.substr(0, colon), arg.substr(colon + 1));
}

}  // namespace

int cp(int argc, char** argv) {
  CLI::App app{"Copy files between a container and the host", "nucleus cp"};
  std::string from, to;
  app.add_option("SRC", from, "host path or CONTAINER:PATH")->required();
  app.add_option("DST", to, "host path or CONTAINER:PATH")->required();
  if (auto code = parse(app, argc, argv)) return *code;
  auto in = container_ref(to), out = container_ref(from);
  if (in.has_value() == out.has_value())
    return report(Error::invalid("exactly one of SRC and DST must be CONTAINER:PATH"));
  auto st = store();
  auto id = st.resolve(in ? in->first : out->first);
  if (!id) return report(id.error());
  auto r = in ? container::copy_in(st, *id, from, in->second)
              : container::copy_out(st, *id, out->second, to);
  if (!r) return report(r.error());
  return 0;
}

}  // namespace nucleus::cli
