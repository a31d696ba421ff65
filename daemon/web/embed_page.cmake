# Writes OUTPUT, a C++ file defining pmd::dashboard_page() as the text of INPUT (the page), in a
# raw string literal; fails if the page holds the literal's closing delimiter.
file(READ "${INPUT}" page)
string(FIND "${page}" ")pmd_page\"" clash)
if(NOT clash EQUAL -1)
  message(FATAL_ERROR "${INPUT} contains the delimiter )pmd_page\"")
endif()
file(WRITE "${OUTPUT}.tmp" "// Generated from web/dashboard.html by web/embed_page.cmake; do not edit.\n#include \"web/dashboard_page.h\"\n\nnamespace pmd {\n\nstd::string_view dashboard_page() {\n  static constexpr std::string_view kPage = R\"pmd_page(${page})pmd_page\";\n  return kPage;\n}\n\n}  // namespace pmd\n")
file(RENAME "${OUTPUT}.tmp" "${OUTPUT}")
