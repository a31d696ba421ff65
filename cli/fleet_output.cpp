// Metrics merged by family, lists merged with a host, lines prefixed.
#include "fleet_output.h"

#include <map>
#include <sstream>

namespace pmd::cli {

namespace {

std::string family_of_comment(const std::string& line) {
  // "# HELP name text" or "# TYPE name kind"
  std::istringstream in(line);
  std::string hash, kind, name;
  in >> hash >> kind >> name;
  return name;
}

// The exposition format's escapes for a label value.
std::string escaped(const std::string& value) {
  std::string out;
  for (char c : value) out += c == '\\' ? "\\\\" : c == '"' ? "\\\"" : c == '\n' ? "\\n" : std::string(1, c);
  return out;
}

std::string with_host_label(const std::string& sample, const std::string& host) {
  const std::string label = "host=\"" + escaped(host) + "\"";
  const auto brace = sample.find('{');
  const auto space = sample.find(' ');
  if (brace != std::string::npos && (space == std::string::npos || brace < space)) {
    const bool empty = brace + 1 < sample.size() && sample[brace + 1] == '}';
    return sample.substr(0, brace + 1) + label + (empty ? "" : ",") + sample.substr(brace + 1);
  }
  if (space == std::string::npos) return sample;
  return sample.substr(0, space) + "{" + label + "}" + sample.substr(space);
}

}  // namespace

std::string merge_metrics(const std::vector<std::pair<std::string, std::string>>& host_texts) {
  struct Family {
    std::vector<std::string> comments;
    std::vector<std::string> samples;
  };
  std::vector<std::string> order;
  std::map<std::string, Family> families;
  for (const auto& [host, text] : host_texts) {
    std::istringstream in(text);
    std::string current;
    bool first_comment_of_family = false;
    for (std::string line; std::getline(in, line);) {
      if (line.empty()) continue;
      if (line.rfind("# ", 0) == 0) {
        const std::string name = family_of_comment(line);
        if (name != current) {
          current = name;
          first_comment_of_family = !families.count(name);
          if (first_comment_of_family) order.push_back(name);
        }
        if (first_comment_of_family) families[name].comments.push_back(line);
        continue;
      }
      if (!families.count(current)) order.push_back(current);
      families[current].samples.push_back(with_host_label(line, host));
    }
  }
  std::string out;
  for (const auto& name : order) {
    for (const auto& c : families[name].comments) out += c + "\n";
    for (const auto& s : families[name].samples) out += s + "\n";
  }
  return out;
}

nlohmann::json merge_lists(const std::vector<std::pair<std::string, nlohmann::json>>& host_lists) {
  nlohmann::json rows = nlohmann::json::array();
  for (const auto& [host, list] : host_lists) {
    if (!list.is_array()) continue;
    for (auto row : list) {
      if (!row.is_object()) continue;
      row["host"] = host;
      rows.push_back(std::move(row));
    }
  }
  return rows;
}

std::string take_prefixed_lines(std::string& pending, const std::string& prefix) {
  const auto last = pending.rfind('\n');
  if (last == std::string::npos) return {};
  std::string out;
  std::size_t start = 0;
  while (start <= last) {
    const auto nl = pending.find('\n', start);
    out += prefix;
    out.append(pending, start, nl - start + 1);
    start = nl + 1;
  }
  pending.erase(0, last + 1);
  return out;
}

}  // namespace pmd::cli
