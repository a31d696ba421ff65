// The shape of the code, checked: four layers (common <- config <- cli, daemon), and inside the
// daemon its rooms, each including only the rooms below it. An include that points up (or a
// cycle) fails here, naming the file.
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <sstream>

namespace fs = std::filesystem;

namespace {

const fs::path kRoot = PMD_TEST_SOURCE_DIR;

// What each part may include, besides itself.
const std::map<std::string, std::set<std::string>> kAllowed = {
    {"common", {}},
    {"config", {"common"}},
    {"cli", {"common", "config"}},
    {"daemon/loop", {"common"}},
    {"daemon/process", {"common", "config", "daemon/loop"}},
    {"daemon/store", {"common"}},
    {"daemon/handover", {"common"}},
    {"daemon/triggers", {"common", "daemon/loop"}},
    {"daemon/rpc", {"common", "daemon/loop"}},
    {"daemon/logs", {"common", "daemon/loop", "daemon/process", "daemon/rpc"}},
    {"daemon/web", {"common", "daemon/loop", "daemon/rpc", "daemon/supervise"}},
    {"daemon/supervise",
     {"common", "config", "daemon/loop", "daemon/process", "daemon/rpc", "daemon/store", "daemon/logs",
      "daemon/triggers", "daemon/handover"}},
    {"daemon",
     {"common", "config", "daemon/loop", "daemon/process", "daemon/rpc", "daemon/store", "daemon/logs",
      "daemon/supervise", "daemon/triggers", "daemon/handover", "daemon/web"}},
};

std::string part_of(const fs::path& file) {
  auto rel = fs::relative(file, kRoot);
  auto first = rel.begin()->string();
  if (first != "daemon") return first;
  auto second = std::next(rel.begin());
  return std::next(second) == rel.end() ? "daemon" : "daemon/" + second->string();
}

std::vector<fs::path> sources() {
  std::vector<fs::path> out;
  for (const char* dir : {"common", "config", "cli", "daemon"})
    for (const auto& e : fs::recursive_directory_iterator(kRoot / dir))
      if (e.path().extension() == ".h" || e.path().extension() == ".cpp") out.push_back(e.path());
  return out;
}

}  // namespace

TEST_CASE("no include points up a layer or a room: common, config, cli, and the daemon's rooms", "[layering]") {
  // Headers are included by their path under a layer's root: "supervise/instance.h", "jsonrpc.h".
  std::map<std::string, std::string> owner;  // include text -> part
  for (const auto& f : sources()) {
    if (f.extension() != ".h") continue;
    const std::string part = part_of(f);
    const fs::path layer_root = kRoot / (part.rfind("daemon", 0) == 0 ? "daemon" : part);
    owner[fs::relative(f, layer_root).string()] = part;
  }
  REQUIRE(owner.count("supervise/instance_table.h") == 1);
  REQUIRE(owner.count("jsonrpc.h") == 1);

  std::regex include_line(R"re(#include "([^"]+)")re");
  int checked = 0;
  for (const auto& f : sources()) {
    const std::string part = part_of(f);
    REQUIRE(kAllowed.count(part) == 1);
    std::ifstream in(f);
    std::stringstream text;
    text << in.rdbuf();
    const std::string s = text.str();
    for (auto it = std::sregex_iterator(s.begin(), s.end(), include_line); it != std::sregex_iterator(); ++it) {
      auto found = owner.find((*it)[1].str());
      if (found == owner.end() || found->second == part) continue;  // generated, or its own part
      INFO(fs::relative(f, kRoot).string() << " includes " << (*it)[1].str() << " (" << found->second << ")");
      CHECK(kAllowed.at(part).count(found->second) == 1);
      ++checked;
    }
  }
  CHECK(checked > 100);
}
