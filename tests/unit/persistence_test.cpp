// The dump format (what is saved, what is refused when read back), pmd's settings file, and
// the exit status of `pmd run`.
#include "run_apps.h"
#include "settings.h"
#include "store/dump_format.h"

#include <catch2/catch.hpp>

using namespace pmd;
using nlohmann::json;

namespace {

AppSpec spec_named(const std::string& name) {
  AppSpec s;
  s.name = name;
  s.script = "/srv/" + name + "/server.js";
  s.interpreter = "node";
  s.cwd = "/srv/" + name;
  s.instances = 3;
  s.base_env = {{"PATH", "/usr/bin"},
                {"NODE_ENV", "production"},
                {"SSH_CONNECTION", "1.2.3.4 5 6.7.8.9 22"},
                {"TERM", "xterm-256color"},
                {"XDG_SESSION_TYPE", "tty"},
                {"OLDPWD", "/"},
                {"SHLVL", "1"}};
  return s;
}

}  // namespace

TEST_CASE("session variables are the login's, not the app's", "[dump]") {
  for (const char* name : {"SSH_AUTH_SOCK", "SSH_TTY", "TERM", "DISPLAY", "XDG_SESSION_ID", "XDG_RUNTIME_DIR", "OLDPWD",
                           "SHLVL", "_", "SUDO_USER", "TMUX", "NOTIFY_SOCKET", "LISTEN_FDS", "PMD_UNIT"})
    CHECK(is_session_variable(name));
  for (const char* name :
       {"PATH", "HOME", "USER", "LANG", "NODE_ENV", "DATABASE_URL", "TERMINATE_AFTER", "SSH", "XDG_CONFIG_HOME"})
    CHECK_FALSE(is_session_variable(name));
}

TEST_CASE("a dump round-trips every app, in order, without session variables", "[dump]") {
  std::vector<DumpEntry> entries{{spec_named("api"), true}, {spec_named("worker"), false}};
  entries[1].spec.env = {{"QUEUE", "jobs"}};
  const std::string text = encode_dump(entries, "1.2.3", "2026-11-27T08:00:00Z");
  json raw = json::parse(text);
  CHECK(raw["format"] == kDumpFormat);
  CHECK(raw["pmd_version"] == "1.2.3");

  auto decoded = decode_dump(text);
  REQUIRE(std::holds_alternative<std::vector<DumpEntry>>(decoded));
  const auto& back = std::get<std::vector<DumpEntry>>(decoded);
  REQUIRE(back.size() == 2);
  CHECK(back[0].spec.name == "api");
  CHECK(back[0].running);
  CHECK(back[1].spec.name == "worker");
  CHECK_FALSE(back[1].running);
  CHECK(back[1].spec.env == Env{{"QUEUE", "jobs"}});
  CHECK(back[0].spec.instances == 3);
  CHECK(back[0].spec.base_env == Env{{"NODE_ENV", "production"}, {"PATH", "/usr/bin"}});
}

TEST_CASE("damaged dumps are told apart from dumps of a newer pmd", "[dump]") {
  auto error_of = [](std::string_view text) {
    auto decoded = decode_dump(text);
    REQUIRE(std::holds_alternative<DumpError>(decoded));
    return std::get<DumpError>(decoded);
  };
  const std::string good = encode_dump({{spec_named("api"), true}, {spec_named("web"), true}}, "1.0.0", "now");

  CHECK(error_of("").kind == DumpError::kDamaged);
  CHECK(error_of("  \n").message == "it is empty");
  CHECK(error_of(good.substr(0, good.size() - 10)).message.find("not valid JSON") != std::string::npos);
  CHECK(error_of("[1,2]").message.find("not a pmd dump") != std::string::npos);

  json newer = json::parse(good);
  newer["format"] = kDumpFormat + 1;
  auto too_new = error_of(newer.dump());
  CHECK(too_new.kind == DumpError::kTooNew);
  CHECK(too_new.message.find("pmd 1.0.0") != std::string::npos);

  json twice = json::parse(good);
  twice["apps"][1]["spec"]["name"] = "api";
  CHECK(error_of(twice.dump()).message == "app 2: the name 'api' appears twice");

  json relative = json::parse(good);
  relative["apps"][0]["spec"]["script"] = "server.js";
  auto bad_spec = error_of(relative.dump());
  CHECK(bad_spec.kind == DumpError::kDamaged);
  CHECK(bad_spec.message.find("app 1") == 0);
  CHECK(bad_spec.message.find("script") != std::string::npos);

  CHECK(std::holds_alternative<std::vector<DumpEntry>>(decode_dump(R"({"format":1,"apps":[]})")));
}

TEST_CASE("pmd.yaml: known settings, warnings for unknown keys, errors with the line", "[settings]") {
  auto ok = parse_settings("autosave: true\nmetrics: 127.0.0.1:9209\nsample_interval: 500ms\n", "pmd.yaml");
  CHECK(ok.error.empty());
  CHECK(ok.settings.autosave == true);
  CHECK(ok.settings.metrics == "127.0.0.1:9209");
  CHECK(ok.settings.sample_interval == "500ms");

  CHECK(parse_settings("", "pmd.yaml").settings.autosave == std::nullopt);
  CHECK(parse_settings("# nothing yet\n", "pmd.yaml").error.empty());

  auto typo = parse_settings("autosav: true\n", "pmd.yaml");
  CHECK(typo.error.empty());
  REQUIRE(typo.warnings.size() == 1);
  CHECK(typo.warnings[0] == "pmd.yaml:1: unknown setting 'autosav' ignored (did you mean 'autosave'?)");

  CHECK(parse_settings("metrics: ':9209'\nautosave: perhaps\n", "pmd.yaml").error ==
        "pmd.yaml:2: autosave must be true or false, not 'perhaps'");
  CHECK(parse_settings("- autosave\n", "pmd.yaml").error.find("expected keys") != std::string::npos);
  CHECK(parse_settings("autosave: [true\n", "pmd.yaml").error.find("pmd.yaml:") == 0);
}

TEST_CASE("pmd run's exit status: running while any instance may run, then the first failure", "[container]") {
  auto inst = [](const char* status, json last_exit) { return json{{"status", status}, {"last_exit", last_exit}}; };
  auto code = [](int c) { return json{{"code", c}, {"signal", nullptr}}; };
  auto signal = [](const char* name) { return json{{"code", nullptr}, {"signal", name}}; };

  CHECK(container_exit_status(json::array()) == 0);
  CHECK(container_exit_status(json::array({inst("online", nullptr)})) == std::nullopt);
  CHECK(container_exit_status(json::array({inst("stopped", code(0)), inst("waiting restart", code(1))})) ==
        std::nullopt);
  CHECK(container_exit_status(json::array({inst("stopped", code(0)), inst("stopped", code(0))})) == 0);
  CHECK(container_exit_status(
            json::array({inst("stopped", code(0)), inst("stopped", code(3)), inst("errored", code(4))})) == 3);
  CHECK(container_exit_status(json::array({inst("errored", code(2))})) == 2);
  CHECK(container_exit_status(json::array({inst("errored", nullptr)})) == 1);           // never ran
  CHECK(container_exit_status(json::array({inst("stopped", signal("SIGINT"))})) == 0);  // stopped by request
  CHECK(container_exit_status(json::array({inst("stopped", signal("SIGSEGV"))})) == 139);
  CHECK(container_exit_status(json::array({inst("errored", signal("SIGKILL"))})) == 137);
}
