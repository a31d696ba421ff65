// The dashboard's single page (web/dashboard.html), built into the binary: no file to install,
// nothing fetched from anywhere at run time.
#pragma once

#include <string_view>

namespace pmd {

std::string_view dashboard_page();

}  // namespace pmd
