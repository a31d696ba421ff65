// A strict reader of the Prometheus text exposition format (0.0.4), for tests: anything a
// scraper could reject or misread is an error (names, label syntax and escapes, values, TYPE
// after samples, interleaved families, duplicate series, counters not ending in _total).
#pragma once

#include <map>
#include <string>
#include <vector>

namespace pmd::test {

struct PromSample {
  std::string name;
  std::map<std::string, std::string> labels;
  double value = 0;
};

struct PromExposition {
  std::map<std::string, std::string> types;  // family -> counter, gauge, ...
  std::map<std::string, std::string> help;
  std::vector<PromSample> samples;

  /// The value of the one sample of `name` whose labels include `labels`; throws if not exactly one.
  double value(const std::string& name, const std::map<std::string, std::string>& labels = {}) const;
};

/// Throws std::runtime_error("line N: what is wrong") on the first violation.
PromExposition parse_prometheus_text(const std::string& text);

}  // namespace pmd::test
