// The monitor's snapshot in the Prometheus text exposition format (version 0.0.4), for
// `pmctl metrics` and `GET /metrics`. Pure: snapshot in, text out.
#pragma once

#include <nlohmann/json.hpp>

#include <string>

namespace pmd {

/// Metrics of the daemon and of every instance (labelled app and id).
std::string prometheus_text(const nlohmann::json& snapshot);

/// A label value escaped as the format requires (backslash, double quote, newline).
std::string escape_label_value(const std::string& value);

}  // namespace pmd
