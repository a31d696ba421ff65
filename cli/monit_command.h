// pmctl monit: the live terminal dashboard (ncurses), fed by the daemon's monit.subscribe stream.
#pragma once

#include "session.h"

namespace pmd::cli {

/// Runs until `q`; exit status 1 when stdout or stdin is not a terminal or the daemon goes away.
int run_monit(Session& session);

}  // namespace pmd::cli
