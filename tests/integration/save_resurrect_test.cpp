// save / resurrect / cleardump / autosave: the dump written atomically and privately, apps back
// after a daemon restart as they were (instances, stopped or not, environment without the
// starter's session), damaged dumps falling back to the backup, and nothing started half-way.
#include "daemon_fixture.h"
#include "skip.h"

#include <catch2/catch.hpp>

#include <sys/mount.h>
#include <sys/stat.h>

#include <cerrno>
#include <cstring>
#include <fstream>

using namespace pmd::test;
using nlohmann::json;
namespace fs = std::filesystem;

namespace {

json read_json(const fs::path& path) { return json::parse(read_file(path)); }

void write_text(const fs::path& path, const std::string& text) {
  std::ofstream out(path, std::ios::trunc);
  out << text;
}

int count_instances(const Daemon& d, const std::string& name, const std::string& status) {
  int n = 0;
  for (const auto& v : d.list()) n += v["name"] == name && v["status"] == status;
  return n;
}

// Two apps saved: `web` with 2 instances online, `worker` stopped.
void start_and_save_two_apps(const Daemon& d) {
  REQUIRE(d.pmctl({"start", fixture("hello.js").string(), "--name", "web", "-i", "2", "--exec-mode", "fork",
                   "--merge-logs"})
              .exit_code == 0);
  REQUIRE(d.pmctl({"start", fixture("hello.js").string(), "--name", "worker"}).exit_code == 0);
  REQUIRE(d.pmctl({"stop", "worker"}).exit_code == 0);
  auto saved = d.pmctl({"save"});
  REQUIRE(saved.exit_code == 0);
  CHECK(saved.out.find("saved 2 apps") != std::string::npos);
}

}  // namespace

TEST_CASE("save writes a private dump of every app — the previous one becomes the backup", "[save]") {
  Daemon d;
  RunOptions shell;
  shell.env = {{"GREETING", "kept"}, {"SSH_AUTH_SOCK", "/tmp/agent.sock"},
               {"TERM", "xterm"},    {"XDG_SESSION_ID", "7"},
               {"OLDPWD", "/root"},  {"SHLVL", "2"},
               {"DISPLAY", ":0"}};
  REQUIRE(d.pmctl({"start", fixture("hello.js").string(), "--name", "web", "-i", "2", "--exec-mode", "fork",
                   "--merge-logs"},
                  shell)
              .exit_code == 0);
  REQUIRE(d.pmctl({"save"}).exit_code == 0);
  const fs::path dump = d.home() / "dump.json";
  struct stat st {};
  REQUIRE(::stat(dump.c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0600);
  CHECK_FALSE(fs::exists(d.home() / "dump.json.bak"));

  json first = read_json(dump);
  CHECK(first["format"] == 1);
  REQUIRE(first["apps"].size() == 1);
  const json& spec = first["apps"][0]["spec"];
  CHECK(first["apps"][0]["running"] == true);
  CHECK(spec["name"] == "web");
  CHECK(spec["instances"] == 2);
  CHECK(spec["base_env"]["GREETING"] == "kept");
  CHECK(spec["base_env"].contains("PATH"));
  for (const char* session : {"SSH_AUTH_SOCK", "TERM", "XDG_SESSION_ID", "OLDPWD", "SHLVL", "DISPLAY"})
    CHECK_FALSE(spec["base_env"].contains(session));

  REQUIRE(d.pmctl({"scale", "web", "3"}).exit_code == 0);
  REQUIRE(d.pmctl({"save"}).exit_code == 0);
  CHECK(read_json(d.home() / "dump.json.bak") == first);
  CHECK(read_json(dump)["apps"][0]["spec"]["instances"] == 3);
  REQUIRE(::stat((d.home() / "dump.json.bak").c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0600);
  CHECK_FALSE(fs::exists(d.home() / "dump.json.tmp"));
}

TEST_CASE("pmd --resurrect brings the saved apps back as they were: instances, stopped ones stopped, env", "[save]") {
  Daemon d;
  RunOptions shell;
  shell.env = {{"GREETING", "from the saving shell"}, {"SSH_AUTH_SOCK", "/tmp/agent.sock"}};
  REQUIRE(d.pmctl({"start", fixture("hello.js").string(), "--name", "web", "-i", "2", "--exec-mode", "fork",
                   "--merge-logs"},
                  shell)
              .exit_code == 0);
  REQUIRE(d.pmctl({"start", fixture("hello.js").string(), "--name", "worker"}).exit_code == 0);
  REQUIRE(d.pmctl({"stop", "worker"}).exit_code == 0);
  REQUIRE(d.pmctl({"save"}).exit_code == 0);
  const auto before = d.list();
  REQUIRE(wait_until([&] { return json_reports(d, "web").size() == 2; }));

  d.restart({"--resurrect"});
  CHECK(wait_until([&] { return count_instances(d, "web", "online") == 2; }));
  CHECK(count_instances(d, "worker", "stopped") == 1);
  auto after = d.list();
  REQUIRE(after.size() == 3);
  for (std::size_t i = 0; i < after.size(); ++i) {
    CHECK(after[i]["name"] == before[i]["name"]);
    CHECK(after[i]["id"] == before[i]["id"]);
    if (after[i]["name"] == "web") CHECK(after[i]["pid"] != before[i]["pid"]);
  }
  // The resurrected instances saw the saved environment, minus the session's.
  REQUIRE(wait_until([&] { return json_reports(d, "web").size() >= 4; }));
  json seen = json_reports(d, "web").back();
  CHECK(seen["GREETING"] == "from the saving shell");
  CHECK(seen["SSH_AUTH_SOCK"].is_null());

  // Asking again changes nothing: the names are taken.
  auto again = d.pmctl({"resurrect"});
  CHECK(again.exit_code == 0);
  CHECK(again.out.find("already present web") != std::string::npos);
  CHECK(d.list().size() == 3);
}

TEST_CASE("a damaged dump falls back to the backup with a warning — with no usable backup nothing starts", "[save]") {
  Daemon d;
  start_and_save_two_apps(d);
  REQUIRE(d.pmctl({"save"}).exit_code == 0);  // the backup is a whole dump too
  REQUIRE(d.pmctl({"delete", "all"}).exit_code == 0);
  const fs::path dump = d.home() / "dump.json", backup = d.home() / "dump.json.bak";
  const std::string whole = read_file(dump);

  SECTION("truncated: the backup is used, and says so") {
    write_text(dump, whole.substr(0, whole.size() / 2));
    auto r = d.pmctl({"resurrect"});
    CHECK(r.exit_code == 0);
    CHECK(r.err.find("damaged") != std::string::npos);
    CHECK(r.err.find("dump.json.bak") != std::string::npos);
    CHECK(count_instances(d, "web", "online") == 2);
  }
  SECTION("empty, and the backup truncated: an error, and no app at all") {
    write_text(dump, "");
    write_text(backup, whole.substr(0, 40));
    auto r = d.pmctl({"resurrect"});
    CHECK(r.exit_code == 1);
    CHECK(r.err.find("it is empty") != std::string::npos);
    CHECK(r.err.find("nothing was restored") != std::string::npos);
    CHECK(d.list().empty());
  }
  SECTION("one bad app in it: nothing starts, not even the good ones") {
    json broken = json::parse(whole);
    broken["apps"][1]["spec"]["instances"] = "many";
    write_text(dump, broken.dump());
    fs::remove(backup);
    auto r = d.pmctl({"resurrect"});
    CHECK(r.exit_code == 1);
    CHECK(r.err.find("app 2") != std::string::npos);
    CHECK(r.err.find("instances") != std::string::npos);
    CHECK(d.list().empty());
  }
  SECTION("from a newer pmd: refused, the backup is not used behind the user's back") {
    json newer = json::parse(whole);
    newer["format"] = 99;
    newer["pmd_version"] = "42.0.0";
    write_text(dump, newer.dump());
    auto r = d.pmctl({"resurrect"});
    CHECK(r.exit_code == 1);
    CHECK(r.err.find("pmd 42.0.0") != std::string::npos);
    CHECK(r.err.find("upgrade pmd") != std::string::npos);
    CHECK(d.list().empty());
  }
  SECTION("missing: says to save first") {
    fs::remove(dump);
    fs::remove(backup);
    auto r = d.pmctl({"resurrect"});
    CHECK(r.exit_code == 1);
    CHECK(r.err.find("pmctl save") != std::string::npos);
  }
}

TEST_CASE("an empty save needs --force — cleardump empties the dump and keeps the last one as backup", "[save]") {
  Daemon d;
  start_and_save_two_apps(d);
  REQUIRE(d.pmctl({"delete", "all"}).exit_code == 0);
  auto refused = d.pmctl({"save"});
  CHECK(refused.exit_code == 1);
  CHECK(refused.err.find("--force") != std::string::npos);
  CHECK(read_json(d.home() / "dump.json")["apps"].size() == 2);  // untouched

  REQUIRE(d.pmctl({"cleardump"}).exit_code == 0);
  CHECK(read_json(d.home() / "dump.json")["apps"].empty());
  CHECK(read_json(d.home() / "dump.json.bak")["apps"].size() == 2);
  auto r = d.pmctl({"resurrect"});
  CHECK(r.exit_code == 0);
  CHECK(r.out.find("holds no apps") != std::string::npos);
  CHECK(d.pmctl({"save", "--force"}).exit_code == 0);
}

TEST_CASE("autosave (flag or pmd.yaml) saves after every change", "[save]") {
  Daemon d({"--autosave"});
  const fs::path dump = d.home() / "dump.json";
  REQUIRE(d.pmctl({"start", fixture("hello.js").string(), "--name", "web"}).exit_code == 0);
  REQUIRE(fs::exists(dump));
  CHECK(read_json(dump)["apps"][0]["spec"]["name"] == "web");
  REQUIRE(d.pmctl({"scale", "web", "2"}).exit_code == 0);
  CHECK(read_json(dump)["apps"][0]["spec"]["instances"] == 2);
  REQUIRE(d.pmctl({"stop", "web"}).exit_code == 0);
  CHECK(read_json(dump)["apps"][0]["running"] == false);
  REQUIRE(d.pmctl({"delete", "web"}).exit_code == 0);
  CHECK(read_json(dump)["apps"].empty());

  // The same from the settings file, after a restart.
  write_text(d.home() / "pmd.yaml", "# pmd's own settings\nautosave: true\n");
  d.restart();
  REQUIRE(d.pmctl({"start", fixture("hello.js").string(), "--name", "api"}).exit_code == 0);
  CHECK(read_json(dump)["apps"][0]["spec"]["name"] == "api");
}

TEST_CASE("a broken pmd.yaml stops pmd with the file, line and fix — unknown keys only warn", "[save]") {
  const fs::path home = make_temp_home();
  write_text(home / "pmd.yaml", "autosave: maybe\n");
  auto r = run_command({(bin_dir() / "pmd").string(), "--no-daemon", "--home", home.string()});
  CHECK(r.exit_code == 2);
  CHECK(r.err.find("pmd.yaml:1") != std::string::npos);
  CHECK(r.err.find("true or false") != std::string::npos);
  fs::remove_all(home);
}

TEST_CASE("save on a full disk says so and keeps the previous dump whole", "[save]") {
  const fs::path mount_point = make_temp_home();
  if (::mount("tmpfs", mount_point.c_str(), "tmpfs", 0, "size=256k") != 0) {
    const std::string why = std::strerror(errno);
    fs::remove_all(mount_point);
    PMD_SKIP(pmd::test::Need::kMount, "cannot mount a small tmpfs here (" + why + ")");
  }
  {
    Daemon d({}, mount_point / "home");
    REQUIRE(d.pmctl({"start", fixture("hello.js").string(), "--name", "web"}).exit_code == 0);
    REQUIRE(d.pmctl({"save"}).exit_code == 0);
    const std::string saved = read_file(d.home() / "dump.json");
    {
      std::ofstream filler(mount_point / "filler", std::ios::binary);
      const std::string block(4096, 'x');
      while (filler.write(block.data(), block.size()) && filler.flush()) {
      }
    }
    REQUIRE(d.pmctl({"start", fixture("hello.js").string(), "--name", "api"}).exit_code == 0);
    auto r = d.pmctl({"save"});
    CHECK(r.exit_code == 1);
    CHECK(r.err.find("No space left on device") != std::string::npos);
    CHECK(r.err.find("the previous dump is unchanged") != std::string::npos);
    CHECK(read_file(d.home() / "dump.json") == saved);
    CHECK_FALSE(fs::exists(d.home() / "dump.json.tmp"));
    fs::remove(mount_point / "filler");
  }
  ::umount2(mount_point.c_str(), MNT_DETACH);
  fs::remove_all(mount_point);
}
