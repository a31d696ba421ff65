// Times written with moment.js tokens, as PM2 users write log_date_format and --timestamp.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace pmd {

/// Formats a time with moment.js tokens: YYYY YY MM M DD D HH H hh h mm m ss s SSS A a Z ZZ X x.
/// Text in [brackets] is literal. Local time, as PM2 writes it.
std::string format_timestamp(std::string_view pattern, std::int64_t unix_ms);

}  // namespace pmd
