#include "container/state.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "helpers.h"

namespace nucleus::container {
namespace {

class StoreTest : public testing::TempDirTest {
 protected:
  State state(char c, const std::string& name = "") {
    State s;
    s.id = std::string(64, c);
    s.name = name;
    s.command = {"sleep", "1"};
    s.created = 1700000000;
    s.status = "running";
    s.monitor = ProcessId::self();
    s.cgroup_path = "/nucleus/" + s.id;
    return s;
  }
};

TEST_F(StoreTest, RoundTrip) {
  Store store(dir_);
  ASSERT_TRUE(store.create(state('a', "web"), {}));
  auto s = store.load(std::string(64, 'a'));
  ASSERT_TRUE(s) << s.error().what();
  EXPECT_EQ(s->name, "web");
  EXPECT_EQ(s->command, (std::vector<std::string>{"sleep", "1"}));
  EXPECT_EQ(s->created, 1700000000);
  EXPECT_TRUE(s->monitor.alive());
  EXPECT_EQ(s->status, "running");
  struct stat st {};
  ASSERT_EQ(stat((dir_ + "/" + std::string(64, 'a')).c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0700u);
  ASSERT_EQ(stat((dir_ + "/" + std::string(64, 'a') + "/state.json").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  EXPECT_FALSE(store.create(state('a'), {}));  // an ID exists once
  ASSERT_TRUE(store.remove(std::string(64, 'a')));
  EXPECT_TRUE(store.ids().empty());
}

TEST(StateJson, EscapesEverything) {
  State s;
  s.id = std::string(64, 'd');
  s.name = "n";
  s.command = {"sh", "-c", "echo \"hi\" \\ \n\x01"};
  s.status = "exited";
  s.monitor = {7, 9};
  s.exit_code = 3;
  s.restart = {"on-failure", 4};
  auto back = from_json(to_json(s));
  ASSERT_TRUE(back) << back.error().what() << to_json(s);
  EXPECT_EQ(back->command, s.command);
  EXPECT_EQ(back->monitor.pid, 7);
  EXPECT_EQ(back->monitor.start_time, 9u);
  EXPECT_EQ(back->exit_code, 3);
  EXPECT_EQ(back->restart.mode, "on-failure");
  EXPECT_EQ(back->restart.max_retries, 4);
  s.status = "bogus";
  EXPECT_FALSE(from_json(to_json(s)));
}

TEST(StateJson, HealthAndReadinessRoundTrip) {
  State s;
  s.id = std::string(64, 'e');
  s.status = "running";
  s.health.status = "unhealthy";
  s.health.failing_streak = 2;
  s.health.log = {{10, 11, -1, "timed out"}, {12, 13, 1, "quote \" and \n"}};
  s.readiness = "ready";
  auto back = from_json(to_json(s));
  ASSERT_TRUE(back) << back.error().what() << to_json(s);
  EXPECT_EQ(back->health.status, "unhealthy");
  EXPECT_EQ(back->health.failing_streak, 2);
  ASSERT_EQ(back->health.log.size(), 2u);
  EXPECT_EQ(back->health.log[0].exit_code, -1);
  EXPECT_EQ(back->health.log[1].start, 12);
  EXPECT_EQ(back->health.log[1].output, "quote \" and \n");
  EXPECT_EQ(back->readiness, "ready");
}

TEST_F(StoreTest, LookTellsExitedFromDead) {
  Store store(dir_);
  State s = state('d');
  s.monitor = {7, 9};  // a start time pid 7 never had: a monitor that is gone
  ASSERT_TRUE(store.create(s, {}, false));
  auto dead = look(store, s.id);
  ASSERT_TRUE(dead) << dead.error().what();
  EXPECT_EQ(dead->seen.status, "dead");
  EXPECT_FALSE(dead->seen.active);
  ASSERT_TRUE(store.modify(
      s.id,
      [](State& x) {
        x.status = "exited";
        x.exit_code = 3;
      },
      false));
  auto exited = look(store, s.id);
  ASSERT_TRUE(exited);
  EXPECT_EQ(exited->seen.status, "exited");
  EXPECT_EQ(exited->state.exit_code, 3);
  EXPECT_FALSE(look(store, std::string(64, 'e')));
}

TEST_F(StoreTest, ResolvesIdsPrefixesAndNames) {
  Store store(dir_);
  ASSERT_TRUE(store.create(state('a', "alpha"), {}));
  State b = state('b');
  b.id = std::string(63, 'b') + "c";
  ASSERT_TRUE(store.create(b, {}));
  State c = state('b');
  c.id = std::string(63, 'b') + "d";
  ASSERT_TRUE(store.create(c, {}));
  EXPECT_EQ(*store.resolve("aaaa"), std::string(64, 'a'));
  EXPECT_EQ(*store.resolve("alpha"), std::string(64, 'a'));
  EXPECT_EQ(*store.resolve(c.id), c.id);
  auto amb = store.resolve("bbbb");
  ASSERT_FALSE(amb);
  EXPECT_NE(amb.error().what().find("matches 2 containers"), std::string::npos);
  EXPECT_FALSE(store.resolve("zzz"));
  EXPECT_FALSE(store.resolve(""));
}

TEST_F(StoreTest, CorruptedStateIsAnErrorNotACrash) {
  Store store(dir_);
  ASSERT_TRUE(store.create(state('e'), {}));
  std::ofstream(dir_ + "/" + std::string(64, 'e') + "/state.json") << "{\"id\": 42";
  auto s = store.load(std::string(64, 'e'));
  ASSERT_FALSE(s);
  EXPECT_NE(s.error().what().find("corrupted state"), std::string::npos);
  EXPECT_FALSE(from_json("{\"id\": \"../../etc\", \"monitor\": {\"pid\": 1, \"start_time\": 1}}"));
  EXPECT_FALSE(store.load("../x"));
}

TEST_F(StoreTest, TempFileSymlinkIsNeverFollowed) {
  Store store(dir_);
  State st = state('f', "before");
  ASSERT_TRUE(store.create(st, {}));
  std::string target = dir_ + "/target";
  std::ofstream(target) << "precious";
  std::string tmp = dir_ + "/" + st.id + "/.state.json.tmp";
  ASSERT_EQ(symlink(target.c_str(), tmp.c_str()), 0);
  st.name = "after";
  ASSERT_TRUE(store.update(st));
  std::ifstream in(target);
  EXPECT_EQ(std::string((std::istreambuf_iterator<char>(in)), {}), "precious");
  EXPECT_EQ(store.load(st.id)->name, "after");
  struct stat lst {};
  EXPECT_NE(lstat(tmp.c_str(), &lst), 0);  // the planted link is gone, the temp file renamed
}

TEST_F(StoreTest, NamesAreUniqueWhileTheContainerExists) {
  Store store(dir_);
  ASSERT_TRUE(store.create(state('a', "web"), {}));
  auto again = store.create(state('b', "web"), {});
  ASSERT_FALSE(again);
  EXPECT_NE(again.error().what().find("already in use"), std::string::npos);
  EXPECT_EQ(store.ids().size(), 1u);  // the loser left nothing
  ASSERT_TRUE(store.remove(std::string(64, 'a')));
  EXPECT_TRUE(store.create(state('b', "web"), {}));  // freed by rm
  // A name whose container vanished (crash between the two removals) is free again.
  std::filesystem::remove_all(dir_ + "/" + std::string(64, 'b'));
  EXPECT_TRUE(store.create(state('c', "web"), {}));
  store.sweep();
  EXPECT_EQ(*store.resolve("web"), std::string(64, 'c'));
}

TEST_F(StoreTest, ModifyKeepsOtherWritersChanges) {
  Store store(dir_);
  ASSERT_TRUE(store.create(state('a'), {{"spec.json", "{}"}}));
  ASSERT_TRUE(store.modify(std::string(64, 'a'), [](State& s) { s.stop_requested = true; }));
  auto s = store.modify(std::string(64, 'a'), [](State& x) { x.status = "exited"; });
  ASSERT_TRUE(s);
  EXPECT_TRUE(s->stop_requested);
  EXPECT_TRUE(store.load(std::string(64, 'a'))->stop_requested);
  EXPECT_TRUE(std::filesystem::exists(dir_ + "/" + std::string(64, 'a') + "/spec.json"));
  ASSERT_TRUE(store.remove(std::string(64, 'a')));
  EXPECT_FALSE(std::filesystem::exists(dir_ + "/" + std::string(64, 'a')));
}

// --restart and a checkpoint's metadata.json (its "restart") go through the same parser.
TEST(RestartPolicyText, ParsesWhatItPrintsAndRefusesTheRest) {
  for (const char* text : {"no", "always", "on-failure", "on-failure:5"}) {
    auto r = parse_restart(text);
    ASSERT_TRUE(r) << text;
    EXPECT_EQ(restart_text(*r), text);
  }
  EXPECT_EQ(parse_restart("on-failure:5")->max_retries, 5);
  for (const char* bad : {"sometimes", "", "on-failure:0", "on-failure:-1", "always:3", "no:"})
    EXPECT_FALSE(parse_restart(bad)) << bad;
}

TEST(ProcessIdTest, DeadOrReusedPidIsNotAlive) {
  ProcessId me = ProcessId::self();
  EXPECT_TRUE(me.alive());
  ProcessId reused = me;
  reused.start_time += 1;  // same pid, another process
  EXPECT_FALSE(reused.alive());
  pid_t child = fork();
  if (child == 0) _exit(0);
  int st;
  waitpid(child, &st, 0);
  EXPECT_FALSE((ProcessId{child, 1}).alive());
}

}  // namespace
}  // namespace nucleus::container
