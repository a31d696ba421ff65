// The registry of JSON-RPC methods: a name, a one-line description, and a coroutine from params
// to result. Built explicitly in methods.cpp; the CLI's commands mirror it.
#pragma once

#include <utility>  // Boost 1.74's awaitable.hpp uses std::exchange without including it

#include <boost/asio/awaitable.hpp>
#include <nlohmann/json.hpp>

#include <functional>
#include <map>
#include <string>

namespace pmd {

struct Method {
  std::string summary;
  std::function<boost::asio::awaitable<nlohmann::json>(const nlohmann::json& params)> handler;
};

using MethodTable = std::map<std::string, Method>;

}  // namespace pmd
