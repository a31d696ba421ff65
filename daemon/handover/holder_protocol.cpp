// The holder protocol's pure parts: names, headers, and what is kept of unread output.
#include "handover/holder_protocol.h"

#include <algorithm>
#include <charconv>
#include <cstdio>

namespace pmd::handover {

namespace {

// FNV-1a: stable across builds and machines (std::hash is neither), so an upgraded pmd finds
// the names its predecessor used.
std::string home_hash(const std::filesystem::path& home) {
  std::uint64_t h = 1469598103934665603ull;
  for (unsigned char c : home.lexically_normal().string()) {
    h ^= c;
    h *= 1099511628211ull;
  }
  char text[17];
  std::snprintf(text, sizeof text, "%016llx", static_cast<unsigned long long>(h));
  return text;
}

std::string name_for(const char* what, const std::filesystem::path& home, uid_t uid) {
  return std::string(what) + "/" + std::to_string(uid) + "/" + home_hash(home);
}

// Cuts the first word off `rest`.
std::string_view word(std::string_view& rest) {
  auto end = rest.find(' ');
  std::string_view w = rest.substr(0, end);
  rest.remove_prefix(end == std::string_view::npos ? rest.size() : end + 1);
  return w;
}

}  // namespace

std::string daemon_lock_name(const std::filesystem::path& home, uid_t uid) { return name_for("pmd-lock", home, uid); }
std::string holder_name(const std::filesystem::path& home, uid_t uid) { return name_for("pmd-holder", home, uid); }

std::string format_header(const Header& h) {
  std::string line = h.verb;
  if (h.verb == "put" || h.verb == "rec") line += " " + (h.roles.empty() ? std::string("-") : h.roles);
  if (h.verb == "rec") line += " " + (h.lost.empty() ? std::string("-") : h.lost);
  if (h.verb == "put" || h.verb == "rec" || h.verb == "del" || h.verb == "end") line += " " + h.key;
  return line;
}

std::optional<Header> parse_header(std::string_view line) {
  if (line.find('\n') != std::string_view::npos || line.find('\0') != std::string_view::npos) return std::nullopt;
  Header h;
  h.verb = std::string(word(line));
  if (h.verb == "take" || h.verb == "bye") return line.empty() ? std::optional(h) : std::nullopt;
  if (h.verb == "put" || h.verb == "rec") {
    h.roles = std::string(word(line));
    if (h.roles.empty()) return std::nullopt;
    if (h.roles == "-") h.roles.clear();
    if (h.roles.size() > 16) return std::nullopt;
  }
  if (h.verb == "rec") {
    h.lost = std::string(word(line));
    if (h.lost == "-") h.lost.clear();
  }
  if (h.verb != "put" && h.verb != "rec" && h.verb != "del" && h.verb != "end") return std::nullopt;
  h.key = std::string(line);
  if (h.key.empty()) return std::nullopt;
  return h;
}

void KeptOutput::feed(std::string_view chunk) {
  if (!full_) {
    kept_.append(chunk);
    if (kept_.size() <= capacity_) return;
    // Full: keep the whole lines that fit; the rest, and everything after, is dropped.
    full_ = true;
    auto cut = capacity_ == 0 ? std::string::npos : kept_.rfind('\n', capacity_ - 1);
    const std::size_t keep = cut == std::string::npos ? 0 : cut + 1;
    std::string dropped = kept_.substr(keep);
    kept_.resize(keep);
    return drop(dropped);
  }
  drop(chunk);
}

void KeptOutput::drop(std::string_view chunk) {
  // Every line of which anything is dropped counts once, when its first byte goes.
  std::size_t pos = 0;
  while (pos < chunk.size()) {
    if (!dropping_) {
      ++lost_;
      dropping_ = true;
    }
    auto nl = chunk.find('\n', pos);
    if (nl == std::string_view::npos) break;
    dropping_ = false;
    pos = nl + 1;
  }
}

std::string KeptOutput::lost_text() const {
  if (lost_ == 0 && !dropping_) return "-";
  return std::to_string(lost_) + (dropping_ ? "+" : "");
}

void KeptOutput::clear() {
  kept_.clear();
  lost_ = 0;
  dropping_ = false;
  full_ = false;
}

Lost parse_lost(std::string_view text) {
  Lost lost;
  if (text.empty() || text == "-") return lost;
  if (text.back() == '+') {
    lost.inside_line = true;
    text.remove_suffix(1);
  }
  std::from_chars(text.data(), text.data() + text.size(), lost.lines);
  return lost;
}

std::vector<std::string> split_lost(std::string_view csv) {
  std::vector<std::string> out;
  while (!csv.empty()) {
    auto comma = csv.find(',');
    out.emplace_back(csv.substr(0, comma));
    csv.remove_prefix(comma == std::string_view::npos ? csv.size() : comma + 1);
  }
  return out;
}

}  // namespace pmd::handover
