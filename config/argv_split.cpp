// Shell-style word splitting.
#include "argv_split.h"

#include <cctype>

namespace pmd::config {

std::variant<std::vector<std::string>, std::string> split_command_line(std::string_view text) {
  std::vector<std::string> words;
  std::string word;
  bool in_word = false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (std::isspace(static_cast<unsigned char>(c))) {
      if (in_word) words.push_back(std::move(word)), word.clear(), in_word = false;
      continue;
    }
    in_word = true;
    if (c == '\'') {
      auto end = text.find('\'', i + 1);
      if (end == std::string_view::npos)
        return std::string("unterminated single quote in \"" + std::string(text) + "\"");
      word.append(text.substr(i + 1, end - i - 1));
      i = end;
    } else if (c == '"') {
      std::size_t j = i + 1;
      for (; j < text.size() && text[j] != '"'; ++j) {
        if (text[j] == '\\' && j + 1 < text.size() &&
            std::string_view("\"\\$`").find(text[j + 1]) != std::string_view::npos)
          ++j;
        word += text[j];
      }
      if (j >= text.size()) return std::string("unterminated double quote in \"" + std::string(text) + "\"");
      i = j;
    } else if (c == '\\' && i + 1 < text.size()) {
      word += text[++i];
    } else {
      word += c;
    }
  }
  if (in_word) words.push_back(std::move(word));
  return words;
}

bool has_shell_syntax(std::string_view text) {
  bool single = false, dbl = false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == '\\' && !single) {
      ++i;
      continue;
    }
    if (c == '\'' && !dbl)
      single = !single;
    else if (c == '"' && !single)
      dbl = !dbl;
    else if (single)
      continue;
    else if (c == '$' || c == '`')
      return true;
    else if (!dbl && std::string_view("|&;<>()").find(c) != std::string_view::npos)
      return true;
  }
  return false;
}

}  // namespace pmd::config
