// The systemd unit pmctl startup writes: what each section holds, and that the units shipped in
// packaging/systemd are exactly what the generator makes.
#include "systemd_unit.h"
#include "systemd_export.h"

#include <catch2/catch.hpp>

#include <fstream>
#include <map>
#include <sstream>

using namespace pmd::cli;

namespace {

// section -> key -> values (a key may repeat); comments and blank lines skipped.
using Sections = std::map<std::string, std::multimap<std::string, std::string>>;

Sections parse_unit(const std::string& text) {
  Sections out;
  std::istringstream in(text);
  std::string section;
  for (std::string line; std::getline(in, line);) {
    if (line.empty() || line[0] == '#') continue;
    if (line.front() == '[') {
      section = line.substr(1, line.size() - 2);
      continue;
    }
    auto eq = line.find('=');
    REQUIRE(eq != std::string::npos);
    REQUIRE_FALSE(section.empty());
    out[section].emplace(line.substr(0, eq), line.substr(eq + 1));
  }
  return out;
}

std::string only(const Sections& s, const std::string& section, const std::string& key) {
  auto sec = s.find(section);
  if (sec == s.end() || sec->second.count(key) != 1)
    return "<" + std::to_string(sec == s.end() ? 0 : sec->second.count(key)) + " values>";
  return sec->second.find(key)->second;
}

std::string read_file(const std::string& path) {
  std::ifstream in(path);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

}  // namespace

TEST_CASE("a system unit runs pmd as the account, notifies, restarts on failure, and bakes in no PATH", "[systemd]") {
  UnitRequest r{UnitRequest::Scope::kSystem, "alice", "/opt/pmd/bin/pmd", ""};
  CHECK(unit_name(r) == "pmd-alice.service");
  auto u = parse_unit(unit_text(r));
  CHECK(only(u, "Service", "Type") == "notify");
  CHECK(only(u, "Service", "NotifyAccess") == "main");
  CHECK(only(u, "Service", "User") == "alice");
  CHECK(only(u, "Service", "ExecStart") == "/opt/pmd/bin/pmd --no-daemon --resurrect");
  CHECK(only(u, "Service", "Restart") == "on-failure");
  CHECK(only(u, "Service", "KillMode") == "process");
  CHECK(only(u, "Service", "Delegate") == "yes");
  CHECK(only(u, "Service", "RestartPreventExitStatus") == "3");
  CHECK(only(u, "Install", "WantedBy") == "multi-user.target");
  CHECK(u["Unit"].count("Restart") == 0);
  CHECK(u["Service"].count("Environment") == 0);
  CHECK(unit_text(r).find("PATH=") == std::string::npos);

  r.user = "root";
  CHECK(unit_name(r) == "pmd.service");
  // PM2's --service-name.
  r.service_name = "web-apps";
  CHECK(unit_name(r) == "web-apps.service");
  r.service_name = "web-apps.service";
  CHECK(unit_name(r) == "web-apps.service");
  CHECK(unit_text(r).find("journalctl -u web-apps.service") != std::string::npos);
}

TEST_CASE("a user unit has no User= and is wanted by the user's default target — a chosen PMD_HOME is kept",
          "[systemd]") {
  UnitRequest r{UnitRequest::Scope::kUser, "bob", "/usr/bin/pmd", "/srv/bob/pmd-home"};
  CHECK(unit_name(r) == "pmd.service");
  auto u = parse_unit(unit_text(r));
  CHECK(u["Service"].count("User") == 0);
  CHECK(only(u, "Service", "Environment") == "PMD_HOME=/srv/bob/pmd-home");
  CHECK(only(u, "Install", "WantedBy") == "default.target");
  CHECK(u["Unit"].count("After") == 0);  // network-online.target is a system target
}

TEST_CASE("the units in packaging/systemd are the generator's", "[systemd]") {
  CHECK(read_file(PMD_TEST_SOURCE_DIR "/packaging/systemd/pmd.service") ==
        unit_text({UnitRequest::Scope::kSystem, "root", "/usr/bin/pmd", ""}));
  CHECK(read_file(PMD_TEST_SOURCE_DIR "/packaging/systemd/pmd-user.service") ==
        unit_text({UnitRequest::Scope::kUser, "", "/usr/bin/pmd", ""}));
}

TEST_CASE("words written into exported units read back as they were: quotes, escapes, specifiers, variables",
          "[systemd]") {
  using pmd::cli::systemd_quote;
  CHECK(systemd_quote("/usr/bin/node", true) == "\"/usr/bin/node\"");
  CHECK(systemd_quote("a b", true) == "\"a b\"");
  CHECK(systemd_quote("say \"hi\"", true) == "\"say \\\"hi\\\"\"");
  CHECK(systemd_quote("C:\\dir", true) == "\"C:\\\\dir\"");
  // %i would be the instance name, $HOME the unit's variable: both kept literal.
  CHECK(systemd_quote("100%i", true) == "\"100%%i\"");
  CHECK(systemd_quote("$HOME", true) == "\"$$HOME\"");
  CHECK(systemd_quote("$HOME", false) == "\"$HOME\"");  // Environment= does not expand variables
  CHECK(systemd_quote("two\nlines", false) == "\"two\\nlines\"");
}

TEST_CASE("app names become unit names as systemd-escape would write them", "[systemd]") {
  using pmd::cli::unit_prefix;
  CHECK(unit_prefix("api") == "api");
  CHECK(unit_prefix("my-api_v2:web.1") == "my-api_v2:web.1");
  CHECK(unit_prefix("a@b") == "a\\x40b");  // '@' would start a template's instance
  CHECK(unit_prefix("a+b") == "a\\x2bb");
  CHECK(unit_prefix(".hidden") == "\\x2ehidden");
  CHECK(unit_prefix("caf\xc3\xa9") == "caf\\xc3\\xa9");
}
