// `pmctl jlist` / `prettylist`: the process list in PM2's JSON shape, so tools and scripts that
// parse `pm2 jlist` (p.pm2_env.status, p.monit.memory, ...) work unchanged. `list --json` keeps
// pmd's own shape. The mapping is written down in the README ("jlist").
#pragma once

#include <nlohmann/json.hpp>

namespace pmd::cli {

/// `describe all --json` rows -> PM2's jlist array.
nlohmann::json pm2_process_list(const nlohmann::json& described);

}  // namespace pmd::cli
