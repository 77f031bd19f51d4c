// Landlock in an OCI container, from the org.nucleus.landlock annotations (docs/oci.md): what
// the workload and the processes exec'd into it can and cannot touch.
#include "oci.h"
#include "security/landlock.h"

namespace nucleus::testing {
namespace {

class OciLandlock : public Oci {
 protected:
  void SetUp() override {
    Oci::SetUp();
    if (IsSkipped()) return;
    abi_ = security::landlock::probe_abi();
    if (abi_ == 0) GTEST_SKIP() << "needs a kernel with Landlock";
  }

  nlohmann::json probe_run(const std::string& id, std::vector<std::string> checks) {
    checks.insert(checks.begin(), "/probe");
    config_["process"]["args"] = checks;
    std::string out = run_to_end(id);
    return out.empty() ? nlohmann::json() : nlohmann::json::parse(out);
  }

  int abi_ = 0;
};

// Explicit rules: exactly what they grant, for the init and for an exec'd process alike.
TEST_F(OciLandlock, RulesConfineTheContainerAndItsExecs) {
  config_["root"]["readonly"] = false;  // so that only Landlock refuses the writes below
  config_["annotations"]["org.nucleus.landlock"] = "rx:/, rw:/tmp";
  auto j = probe_run("rules", {"write=/tmp/a", "write=/etc/x", "mkdir=/new", "read=/bin/busybox",
                               "exec=/bin/true"});
  ASSERT_TRUE(j.is_object());
  EXPECT_EQ(j["checks"]["write=/tmp/a"], 0);
  EXPECT_EQ(j["checks"]["write=/etc/x"], EACCES);
  EXPECT_EQ(j["checks"]["mkdir=/new"], EACCES);
  EXPECT_EQ(j["checks"]["read=/bin/busybox"], 0);
  EXPECT_EQ(j["checks"]["exec=/bin/true"], 0);

  config_["process"]["args"] = {"sh", "-c", "sleep 100; true"};
  ASSERT_EQ(create("target").code, 0);
  ASSERT_EQ(oci({"start", "target"}).code, 0);
  RunResult e = oci({"exec", "target", "/probe", "write=/etc/y", "write=/tmp/b"});
  ASSERT_EQ(e.code, 0) << e.err;
  auto x = nlohmann::json::parse(e.out);
  EXPECT_EQ(x["checks"]["write=/etc/y"], EACCES);
  EXPECT_EQ(x["checks"]["write=/tmp/b"], 0);
  EXPECT_EQ(oci({"delete", "--force", "target"}).code, 0);
  EXPECT_FALSE(std::filesystem::exists(bundle_ + "/rootfs/etc/x"));
  EXPECT_FALSE(std::filesystem::exists(bundle_ + "/rootfs/etc/y"));
}

// "default": nucleus's own rules for this root and these mounts: a writable bind mount is
// writable but not executable, a read-only root is readable and executable.
TEST_F(OciLandlock, DefaultRulesFollowTheMounts) {
  std::string data = dir_.path() + "/data";
  std::filesystem::create_directories(data);
  std::filesystem::copy_file("/bin/busybox", data + "/busybox");
  std::filesystem::create_directories(bundle_ + "/rootfs/data");
  config_["root"]["readonly"] = true;
  config_["mounts"].push_back(
      {{"destination", "/data"}, {"type", "bind"}, {"source", data}, {"options", {"rbind", "rw"}}});
  config_["annotations"]["org.nucleus.landlock"] = "default";
  auto j = probe_run("defaults", {"write=/data/x", "exec=/data/busybox", "exec=/bin/true",
                                  "read=/etc", "write=/dev/null"});
  ASSERT_TRUE(j.is_object());
  EXPECT_EQ(j["checks"]["write=/data/x"], 0);
  EXPECT_EQ(j["checks"]["exec=/data/busybox"], EACCES);
  EXPECT_EQ(j["checks"]["exec=/bin/true"], 0);
  EXPECT_EQ(j["checks"]["read=/etc"], 0);
  EXPECT_EQ(j["checks"]["write=/dev/null"], 0);
  EXPECT_TRUE(std::filesystem::exists(data + "/x"));
}

// Signal scoping: an exec'd process is in a domain of its own, so it cannot signal the init.
TEST_F(OciLandlock, SignalScopeOrARefusal) {
  config_["process"]["args"] = {"sh", "-c", "sleep 100; true"};
  config_["annotations"]["org.nucleus.landlock.scope"] = "signal";
  RunResult c = create("scoped");
  if (abi_ < 6) {
    EXPECT_EQ(c.code, 125);
    EXPECT_NE(c.err.find("needs Landlock ABI 6"), std::string::npos) << c.err;
    EXPECT_EQ(oci({"state", "scoped"}).code, 125);
    return;
  }
  ASSERT_EQ(c.code, 0) << c.err;
  ASSERT_EQ(oci({"start", "scoped"}).code, 0);
  EXPECT_NE(oci({"exec", "scoped", "kill", "-0", "1"}).code, 0);
  // File access is untouched by a scope alone.
  EXPECT_EQ(oci({"exec", "scoped", "ls", "/bin/busybox"}).code, 0);
  EXPECT_EQ(oci({"delete", "--force", "scoped"}).code, 0);
}

TEST_F(OciLandlock, BadAnnotationsAreRefusedLeavingNothing) {
  for (auto [key, value, message] : {
           std::tuple<const char*, const char*, const char*>{"org.nucleus.landlock", "w:/tmp",
                                                             "access 'w' is not r, rx, rw or rwx"},
           {"org.nucleus.landlock", "rw:tmp", "annotations.org.nucleus.landlock: "},
           {"org.nucleus.landlock.scope", "everything", "is not abstract-unix or signal"},
       }) {
    config_["annotations"] = {{key, value}};
    std::filesystem::remove(dir_.path() + "/create.err");
    RunResult c = create("bad");
    EXPECT_EQ(c.code, 125) << value;
    EXPECT_NE(c.err.find(message), std::string::npos) << c.err;
    EXPECT_EQ(split_lines(c.err).size(), 1u) << c.err;
    EXPECT_EQ(oci({"state", "bad"}).code, 125);
  }
}

}  // namespace
}  // namespace nucleus::testing
