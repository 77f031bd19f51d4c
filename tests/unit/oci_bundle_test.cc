#include "backend/oci_bundle.h"

#include <gtest/gtest.h>

#include <filesystem>

#include <fstream>
#include <nlohmann/json.hpp>
#include "util/fs.h"

#include "plan/build.h"
#include "spec/run_flags.h"

namespace nucleus::backend {
namespace {

spec::Spec make_spec(spec::RunFlags f) {
  spec::Caller c;
  c.id = std::string(64, 'b');
  c.ncpu = 2;
  auto s = spec::from_run_flags(f, c);
  EXPECT_TRUE(s) << s.error().what();
  return *s;
}

plan::Host host() {
  plan::Host h;
  h.landlock_abi = 3;
  h.seccomp = true;
  return h;
}

TEST(OciConfig, TranslatesThePlan) {
  spec::RunFlags f;
  f.command = {"sh", "-c", "true"};
  f.memory = "64m";
  f.cap_add = {"NET_BIND_SERVICE"};
  f.tmpfs = {"/scratch:1m"};
  auto s = make_spec(f);
  auto p = plan::build(s, host());
  ASSERT_TRUE(p) << p.error().what();
  auto j = nlohmann::json::parse(oci_config(s, **p, "/bundle/rootfs", ""));
  EXPECT_EQ(j["root"]["path"], "/bundle/rootfs");
  EXPECT_EQ(j["root"]["readonly"], true);
  EXPECT_EQ(j["process"]["args"][0], "sh");
  EXPECT_EQ(j["process"]["noNewPrivileges"], true);
  EXPECT_EQ(j["process"]["capabilities"]["bounding"],
            nlohmann::json::array({"CAP_NET_BIND_SERVICE"}));
  EXPECT_EQ(j["linux"]["cgroupsPath"], "/nucleus/" + s.id);
  EXPECT_EQ(j["linux"]["resources"]["memory"]["limit"], 64u << 20);
  EXPECT_EQ(j["linux"]["resources"]["memory"]["swap"], 64u << 20);  // no swap, as native
  EXPECT_NE(
      std::find(j["linux"]["maskedPaths"].begin(), j["linux"]["maskedPaths"].end(), "/proc/kcore"),
      j["linux"]["maskedPaths"].end());
  bool tmp_noexec = false, usr_ro = false, scratch = false;
  for (const auto& m : j["mounts"]) {
    std::string dest = m["destination"];
    EXPECT_NE(dest, "/dev/null") << "host device nodes are never passed to gVisor";
    auto opts = m["options"].get<std::vector<std::string>>();
    auto has = [&](const char* o) { return std::find(opts.begin(), opts.end(), o) != opts.end(); };
    if (dest == "/tmp") tmp_noexec = m["type"] == "tmpfs" && has("noexec") && has("mode=1777");
    if (dest == "/usr") usr_ro = m["type"] == "bind" && m["source"] == "/usr" && has("ro");
    if (dest == "/scratch") scratch = has("size=1048576");
  }
  EXPECT_TRUE(tmp_noexec);
  EXPECT_TRUE(usr_ro);
  EXPECT_TRUE(scratch);
}

TEST(OciBundle, MaterialisesTheRootAndRefusesAnExistingDir) {
  char tmpl[] = "/tmp/nucleus-bundletest-XXXXXX";
  std::string base = mkdtemp(tmpl);
  std::filesystem::create_directories(base + "/ctx/sub");
  std::ofstream(base + "/ctx/sub/a.txt") << "A";
  spec::RunFlags f;
  f.command = {"true"};
  f.context = base + "/ctx";
  auto s = make_spec(f);
  auto p = plan::build(s, host());
  ASSERT_TRUE(p) << p.error().what();
  std::string bundle = base + "/bundle";
  ASSERT_TRUE(write_bundle(s, **p, bundle, ""));
  EXPECT_TRUE(std::filesystem::is_regular_file(bundle + "/config.json"));
  EXPECT_TRUE(std::filesystem::is_directory(bundle + "/rootfs/usr"));
  EXPECT_TRUE(std::filesystem::is_directory(bundle + "/rootfs/context"));  // the mount point
  std::ifstream passwd(bundle + "/rootfs/etc/passwd");
  EXPECT_NE(std::string((std::istreambuf_iterator<char>(passwd)), {}).find("root:x:0:0"),
            std::string::npos);
  std::ifstream copied(bundle + "/context/sub/a.txt");
  EXPECT_EQ(std::string((std::istreambuf_iterator<char>(copied)), {}), "A");
  EXPECT_FALSE(std::filesystem::exists(bundle + "/rootfs/dev/null"));
  EXPECT_EQ(std::filesystem::status(bundle).permissions() & std::filesystem::perms::all,
            std::filesystem::perms::owner_all);
  EXPECT_FALSE(write_bundle(s, **p, bundle, ""));  // exists: refused, and left as it was
  EXPECT_TRUE(std::filesystem::exists(bundle + "/config.json"));
  fs::remove_tree(bundle);
  EXPECT_FALSE(std::filesystem::exists(bundle));
  std::filesystem::remove_all(base);
}

}  // namespace
}  // namespace nucleus::backend
