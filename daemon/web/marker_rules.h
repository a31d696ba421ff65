// Which of an instance's transitions deserve a marker on the dashboard's charts, and of which
// kind: the cause of a process ending (a crash, a memory restart, a reload, a restart or stop
// asked for) and its first start. Pure, so every reason the supervisor writes is tested here.
#pragma once

#include "supervise/instance_table.h"
#include "web/usage_history.h"

#include <optional>
#include <string_view>

namespace pmd {

std::optional<MarkerKind> marker_for(InstanceState from, InstanceState to, std::string_view reason);

}  // namespace pmd
