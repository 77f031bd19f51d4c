// Bad bundles and bad requests: one clear error line, exit code 125 (127 for a command that is
// not there), and nothing left behind: no state, no cgroup, no process.
#include "oci.h"

namespace nucleus::testing {
namespace {

using OciBadInput = Oci;

// The one line of the error (the last line of stderr).
std::string error_line(const RunResult& r) {
  auto lines = split_lines(r.err);
  return lines.empty() ? "" : lines.back();
}

TEST_F(OciBadInput, MalformedConfigsAreRefusedByField) {
  struct Case {
    const char* what;
    std::function<void(nlohmann::json&)> change;
    const char* message;
  };
  std::vector<Case> cases = {
      {"no args", [](auto& c) { c["process"]["args"] = nlohmann::json::array(); }, "process.args"},
      {"args not strings",
       [](auto& c) {
         c["process"]["args"] = {1, 2};
       },
       "process.args"},
      {"relative cwd", [](auto& c) { c["process"]["cwd"] = "tmp"; }, "process.cwd"},
      {"env without =", [](auto& c) { c["process"]["env"] = {"NOVALUE"}; }, "process.env"},
      {"unknown rlimit",
       [](auto& c) {
         c["process"]["rlimits"] = {{{"type", "RLIMIT_BOGUS"}, {"soft", 1}, {"hard", 1}}};
       },
       "unknown rlimit"},
      {"soft above hard",
       [](auto& c) {
         c["process"]["rlimits"] = {{{"type", "RLIMIT_NOFILE"}, {"soft", 9}, {"hard", 1}}};
       },
       "soft limit"},
      {"unknown capability", [](auto& c) { c["process"]["capabilities"]["bounding"] = {"FLY"}; },
       "unknown capability"},
      {"no root", [](auto& c) { c.erase("root"); }, "root: required"},
      {"root missing", [](auto& c) { c["root"]["path"] = "/no/such/rootfs"; }, "root.path"},
      {"bad ociVersion", [](auto& c) { c["ociVersion"] = "2.0.0"; }, "ociVersion"},
      {"relative mount",
       [](auto& c) {
         c["mounts"].push_back({{"destination", "mnt"}, {"type", "tmpfs"}});
       },
       "not absolute"},
      {"bind source missing",
       [](auto& c) {
         c["mounts"].push_back(
             {{"destination", "/mnt"}, {"type", "bind"}, {"source", "/no/such/dir"}});
       },
       "/no/such/dir"},
      {"namespace type",
       [](auto& c) {
         c["linux"]["namespaces"].push_back({{"type", "bogus"}});
       },
       "unknown namespace type"},
      {"namespace twice",
       [](auto& c) {
         c["linux"]["namespaces"].push_back({{"type", "pid"}});
       },
       "listed twice"},
      {"no mount namespace",
       [](auto& c) {
         auto& ns = c["linux"]["namespaces"];
         for (size_t i = 0; i < ns.size(); i++)
           if (ns[i]["type"] == "mount") ns.erase(i);
       },
       "mount namespace"},
      {"maps without a user namespace",
       [](auto& c) {
         c["linux"]["uidMappings"] = {{{"containerID", 0}, {"hostID", 1000}, {"size", 1}}};
       },
       "without a new user namespace"},
      {"seccomp action",
       [](auto& c) { c["linux"]["seccomp"]["defaultAction"] = "SCMP_ACT_EXPLODE"; },
       "unknown action"},
      {"seccomp operator",
       [](auto& c) {
         c["linux"]["seccomp"]["syscalls"] = {
             {{"names", {"read"}},
              {"action", "SCMP_ACT_ALLOW"},
              {"args", {{{"index", 0}, {"value", 1}, {"op", "SCMP_CMP_ABOUT"}}}}}};
       },
       "unknown comparison"},
      {"device type",
       [](auto& c) {
         c["linux"]["devices"] = {{{"path", "/dev/x"}, {"type", "z"}, {"major", 1}, {"minor", 1}}};
       },
       "linux.devices"},
      {"cpu shares",
       [](auto& c) {
         c["linux"]["resources"]["cpu"] = {{"shares", 1}};
       },
       "shares"},
      {"memory swap below limit",
       [](auto& c) {
         c["linux"]["resources"]["memory"] = {{"limit", 64 << 20}, {"swap", 32 << 20}};
       },
       "swap"},
      {"propagation", [](auto& c) { c["linux"]["rootfsPropagation"] = "sideways"; },
       "rootfsPropagation"},
  };
  for (const auto& k : cases) {
    nlohmann::json saved = config_;
    k.change(config_);
    RunResult r = create("bad");
    EXPECT_EQ(r.code, 125) << k.what;
    EXPECT_NE(error_line(r).find(k.message), std::string::npos) << k.what << ": " << r.err;
    EXPECT_EQ(split_lines(r.err).size(), 1u) << k.what << ": " << r.err;
    EXPECT_EQ(oci({"state", "bad"}).code, 125) << k.what;
    config_ = saved;
    std::filesystem::remove(dir_.path() + "/create.err");
  }
}

TEST_F(OciBadInput, TheBundleItself) {
  std::ofstream(bundle_ + "/config.json") << "{\"ociVersion\": \"1.0.2\", ";
  RunResult r = oci({"create", "--bundle", bundle_, "trunc"});
  EXPECT_EQ(r.code, 125);
  EXPECT_NE(r.err.find("config.json: not valid JSON"), std::string::npos) << r.err;
  // A symlink where config.json should be is not followed.
  std::filesystem::remove(bundle_ + "/config.json");
  std::ofstream(dir_.path() + "/elsewhere.json") << config_.dump();
  std::filesystem::create_symlink(dir_.path() + "/elsewhere.json", bundle_ + "/config.json");
  r = oci({"create", "--bundle", bundle_, "link"});
  EXPECT_EQ(r.code, 125);
  EXPECT_NE(r.err.find("a symlink, not a file"), std::string::npos) << r.err;
  std::filesystem::remove(bundle_ + "/config.json");
  r = oci({"create", "--bundle", dir_.path() + "/no-bundle", "none"});
  EXPECT_EQ(r.code, 125);
  EXPECT_NE(r.err.find("no-bundle/config.json"), std::string::npos) << r.err;
}

TEST_F(OciBadInput, IdsAndRequests) {
  config_["process"]["args"] = {"sleep", "100"};
  for (const char* bad : {"../up", ".hidden", "a/b", "names", "sp ace"}) {
    RunResult r = create(bad);
    EXPECT_EQ(r.code, 125) << bad;
    EXPECT_NE(r.err.find("invalid container ID"), std::string::npos) << bad << ": " << r.err;
    std::filesystem::remove(dir_.path() + "/create.err");
  }
  ASSERT_EQ(create("one").code, 0);
  std::filesystem::remove(dir_.path() + "/create.err");
  RunResult dup = create("one");
  EXPECT_EQ(dup.code, 125);
  EXPECT_NE(dup.err.find("already exists"), std::string::npos) << dup.err;
  EXPECT_EQ(status("one"), "created");  // the first one is untouched
  for (auto args :
       std::vector<std::vector<std::string>>{{"start", "nope"},
                                             {"kill", "nope", "TERM"},
                                             {"delete", "nope"},
                                             {"kill", "one", "NOSIG"},
                                             {"pause", "one"},
                                             {"update", "--resources", "/no/file", "one"}}) {
    RunResult r = oci(args);
    EXPECT_EQ(r.code, 125) << args[0];
    EXPECT_EQ(split_lines(r.err).size(), 1u) << args[0] << ": " << r.err;
  }
  EXPECT_EQ(oci({"delete", "--force", "one"}).code, 0);
  // A command that is not there: create says so (and leaves nothing).
  config_["process"]["args"] = {"/bin/not-there"};
  std::filesystem::remove(dir_.path() + "/create.err");
  RunResult nf = create("missing");
  EXPECT_EQ(nf.code, 127);
  EXPECT_NE(nf.err.find("not-there"), std::string::npos) << nf.err;
  EXPECT_EQ(oci({"state", "missing"}).code, 125);
}

}  // namespace
}  // namespace nucleus::testing
