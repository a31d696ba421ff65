// Strict Prometheus text parsing.
#include "prometheus_parser.h"

#include <cmath>
#include <cstdlib>
#include <set>
#include <sstream>
#include <stdexcept>

namespace pmd::test {

namespace {

bool name_start(char c) { return std::isalpha(static_cast<unsigned char>(c)) || c == '_' || c == ':'; }
bool name_char(char c) { return name_start(c) || std::isdigit(static_cast<unsigned char>(c)); }

bool valid_metric_name(const std::string& n) {
  if (n.empty() || !name_start(n[0])) return false;
  for (char c : n)
    if (!name_char(c)) return false;
  return true;
}

bool valid_label_name(const std::string& n) {
  if (n.empty() || n[0] == ':' || !name_start(n[0]) || n.rfind("__", 0) == 0) return false;
  for (char c : n)
    if (c == ':' || !name_char(c)) return false;
  return true;
}

double parse_value(const std::string& text) {
  if (text == "NaN") return std::nan("");
  if (text == "+Inf") return INFINITY;
  if (text == "-Inf") return -INFINITY;
  char* end = nullptr;
  double v = std::strtod(text.c_str(), &end);
  if (text.empty() || *end != '\0') throw std::runtime_error("value '" + text + "' is not a number");
  return v;
}

// The family a sample belongs to (histogram/summary suffixes are not used by pmd).
std::string family_of(const std::string& name) { return name; }

}  // namespace

double PromExposition::value(const std::string& name, const std::map<std::string, std::string>& labels) const {
  const PromSample* found = nullptr;
  for (const auto& s : samples) {
    if (s.name != name) continue;
    bool match = true;
    for (const auto& [k, v] : labels) {
      auto it = s.labels.find(k);
      match = match && it != s.labels.end() && it->second == v;
    }
    if (!match) continue;
    if (found) throw std::runtime_error("more than one sample of " + name + " matches");
    found = &s;
  }
  if (!found) throw std::runtime_error("no sample of " + name + " matches");
  return found->value;
}

PromExposition parse_prometheus_text(const std::string& text) {
  PromExposition out;
  if (!text.empty() && text.back() != '\n') throw std::runtime_error("the text does not end with a newline");
  std::istringstream in(text);
  std::set<std::string> finished_families, series;
  std::string current_family;
  int number = 0;
  for (std::string line; std::getline(in, line);) {
    ++number;
    auto fail = [&](const std::string& what) {
      throw std::runtime_error("line " + std::to_string(number) + ": " + what + ": " + line);
    };
    if (line.empty()) continue;
    if (line[0] == '#') {
      std::istringstream words(line.substr(1));
      std::string keyword, name;
      words >> keyword >> name;
      if (keyword != "HELP" && keyword != "TYPE") continue;  // a plain comment
      if (!valid_metric_name(name)) fail("bad metric name in " + keyword);
      std::string rest;
      std::getline(words, rest);
      if (!rest.empty() && rest[0] == ' ') rest.erase(0, 1);
      if (keyword == "TYPE") {
        static const std::set<std::string> kTypes = {"counter", "gauge", "histogram", "summary", "untyped"};
        if (!kTypes.count(rest)) fail("unknown type");
        if (out.types.count(name)) fail("second TYPE for " + name);
        for (const auto& s : out.samples)
          if (family_of(s.name) == name) fail("TYPE after samples of " + name);
        out.types[name] = rest;
      } else {
        if (out.help.count(name)) fail("second HELP for " + name);
        out.help[name] = rest;
      }
      continue;
    }
    PromSample s;
    std::size_t i = 0;
    while (i < line.size() && name_char(line[i])) ++i;
    s.name = line.substr(0, i);
    if (!valid_metric_name(s.name)) fail("bad metric name");
    if (i < line.size() && line[i] == '{') {
      ++i;
      while (i < line.size() && line[i] != '}') {
        std::size_t start = i;
        while (i < line.size() && name_char(line[i])) ++i;
        std::string label = line.substr(start, i - start);
        if (!valid_label_name(label)) fail("bad label name '" + label + "'");
        if (i + 1 >= line.size() || line[i] != '=' || line[i + 1] != '"') fail("label without =\"value\"");
        i += 2;
        std::string value;
        for (;; ++i) {
          if (i >= line.size()) fail("unterminated label value");
          char c = line[i];
          if (c == '"') break;
          if (c == '\\') {
            if (++i >= line.size()) fail("dangling backslash");
            if (line[i] == 'n')
              value += '\n';
            else if (line[i] == '\\' || line[i] == '"')
              value += line[i];
            else
              fail("bad escape in label value");
          } else {
            value += c;
          }
        }
        ++i;  // closing quote
        if (s.labels.count(label)) fail("label '" + label + "' twice");
        s.labels[label] = value;
        if (i < line.size() && line[i] == ',')
          ++i;
        else if (i < line.size() && line[i] != '}')
          fail("expected , or } after a label");
      }
      if (i >= line.size()) fail("unterminated label set");
      ++i;
    }
    if (i >= line.size() || line[i] != ' ') fail("expected a space before the value");
    std::istringstream rest(line.substr(i + 1));
    std::string value_text, timestamp, extra;
    rest >> value_text >> timestamp >> extra;
    if (!extra.empty()) fail("trailing text");
    try {
      s.value = parse_value(value_text);
    } catch (const std::exception& e) {
      fail(e.what());
    }
    // Families come whole: once another starts, an earlier one cannot continue.
    const std::string family = family_of(s.name);
    if (family != current_family) {
      if (finished_families.count(family)) fail("samples of " + family + " are not together");
      if (!current_family.empty()) finished_families.insert(current_family);
      current_family = family;
    }
    if (out.types.count(family) && out.types[family] == "counter" && family.size() < 6) fail("counter name too short");
    if (out.types.count(family) && out.types[family] == "counter" &&
        family.compare(family.size() - 6, 6, "_total") != 0)
      fail("counter " + family + " does not end in _total");
    std::string key = s.name + "{";
    for (const auto& [k, v] : s.labels) key += k + "=" + v + ",";
    if (!series.insert(key).second) fail("duplicate series");
    out.samples.push_back(std::move(s));
  }
  return out;
}

}  // namespace pmd::test
