#include "list_sort.h"

#include <algorithm>
#include <map>

namespace pmd::cli {

using nlohmann::json;

std::optional<std::string> sort_rows(json& rows, const std::string& spec) {
  // PM2's field names -> the `list` row key that holds the value.
  static const std::map<std::string, std::string> kFields = {{"name", "name"},         {"id", "id"},
                                                             {"pid", "pid"},           {"memory", "memory"},
                                                             {"cpu", "cpu"},           {"uptime", "uptime_ms"},
                                                             {"restarts", "restarts"}, {"status", "status"}};
  const auto colon = spec.find(':');
  const std::string field = spec.substr(0, colon);
  const std::string direction = colon == std::string::npos ? "asc" : spec.substr(colon + 1);
  auto key = kFields.find(field);
  if (key == kFields.end())
    return "cannot sort by '" + field + "': use name, id, pid, memory, cpu, uptime, restarts or status";
  if (direction != "asc" && direction != "desc") return "sort direction '" + direction + "' is neither asc nor desc";
  if (!rows.is_array()) return std::nullopt;
  const std::string& k = key->second;
  const bool descending = direction == "desc";
  // A missing value (no pid while stopped) sorts as the smallest.
  auto value = [&k](const json& row) { return row.contains(k) && !row[k].is_null() ? row[k] : json(); };
  std::vector<json> sorted(rows.begin(), rows.end());
  std::stable_sort(sorted.begin(), sorted.end(), [&](const json& a, const json& b) {
    const json va = value(a), vb = value(b);
    return descending ? vb < va : va < vb;
  });
  rows = json(sorted);
  return std::nullopt;
}

}  // namespace pmd::cli
