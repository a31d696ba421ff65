// pmctl's command table is the one list of commands: the completion script and the README
// follow it (a command or flag added to the table and forgotten there fails here).
#include "command_table.h"

#include <catch2/catch.hpp>

#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <sstream>

using namespace pmd::cli;

namespace {

std::string read_file(const std::string& relative) {
  std::ifstream in(std::string(PMD_TEST_SOURCE_DIR) + "/" + relative);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

std::set<std::string> words(const std::string& text) {
  std::istringstream in(text);
  std::set<std::string> out;
  for (std::string w; in >> w;) out.insert(w);
  return out;
}

// `cmd|alias) flags="..." ;;` rows of the completion script, by command name.
std::map<std::string, std::set<std::string>> completion_flags(const std::string& script) {
  std::map<std::string, std::set<std::string>> out;
  std::regex row(R"(\n\s*([A-Za-z|]+)\)\s*\n?\s*flags="([^"]*)\")");
  for (auto it = std::sregex_iterator(script.begin(), script.end(), row); it != std::sregex_iterator(); ++it) {
    std::istringstream names((*it)[1].str());
    for (std::string name; std::getline(names, name, '|');) out[name] = words((*it)[2].str());
  }
  return out;
}

}  // namespace

TEST_CASE("the completion script offers every command, alias and flag of the command table", "[command_table]") {
  const std::string script = read_file("packaging/completion/pmctl.bash");
  std::smatch m;
  REQUIRE(std::regex_search(script, m, std::regex(R"(local commands="([^"]*)\")")));
  const std::set<std::string> offered = words(m[1].str());
  const auto flags = completion_flags(script);

  CLI::App app;
  CommandArgs args;
  const Command* chosen = nullptr;
  add_commands(app, args, chosen);
  std::set<std::string> names;
  for (const Command& c : command_table()) {
    INFO("pmctl " << c.name);
    names.insert(c.name);
    CHECK(offered.count(c.name) == 1);
    CLI::App* cmd = app.get_subcommand(c.name);
    for (const CLI::Option* option : cmd->get_options()) {
      if (option->get_positional() || option->get_name() == "--help") continue;
      for (const auto& l : option->get_lnames()) {
        INFO("--" << l);
        CHECK(flags.count(c.name) == 1);
        if (flags.count(c.name)) CHECK(flags.at(c.name).count("--" + l) == 1);
        for (const auto& alias : c.aliases)
          if (flags.count(alias)) CHECK(flags.at(alias).count("--" + l) == 1);
      }
    }
  }
  // Nothing offered that is not a command.
  for (const auto& word : offered) CHECK(names.count(word) == 1);
}

TEST_CASE("the README shows every command of the table", "[command_table]") {
  const std::string readme = read_file("README.md");
  for (const Command& c : command_table()) {
    INFO("pmctl " << c.name);
    CHECK(readme.find("pmctl " + c.name) != std::string::npos);
  }
}

TEST_CASE("names and aliases are unique, and each command that talks to the daemon names its method",
          "[command_table]") {
  std::set<std::string> seen;
  for (const Command& c : command_table()) {
    CHECK(seen.insert(c.name).second);
    for (const auto& a : c.aliases) CHECK(seen.insert(a).second);
    CHECK_FALSE(c.help.empty());
    CHECK(c.add_flags);
    CHECK(c.run);
  }
  CHECK(seen.count("del") == 1);
  CHECK(seen.count("ls") == 1);
}

TEST_CASE("only the command a line names is built, by name or alias, and every one for anything else",
          "[command_table]") {
  const auto built = [](const std::string& first_word) {
    CLI::App app;
    CommandArgs args;
    const Command* chosen = nullptr;
    add_commands(app, args, chosen, first_word);
    return app.get_subcommands({}).size();
  };
  CHECK(built("list") == 1);
  CHECK(built("ls") == 1);
  CHECK(built("start") == 1);
  CHECK(built("--help") == command_table().size());
  CHECK(built("no-such-command") == command_table().size());
  CHECK(built("") == command_table().size());

  // And the one built parses as it would among all of them.
  CLI::App app;
  CommandArgs args;
  const Command* chosen = nullptr;
  add_commands(app, args, chosen, "ls");
  app.parse(std::vector<std::string>{"name:desc", "--sort", "--json", "ls"});
  REQUIRE(chosen);
  CHECK(chosen->name == "list");
  CHECK(args.json);
  CHECK(args.sort == "name:desc");
}
