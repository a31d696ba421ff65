// The registry of JSON-RPC methods: a name, a one-line description, and a coroutine from params
// to result. Built explicitly in methods.cpp; the CLI's commands mirror it.
#pragma once

#include <utility>  // Boost 1.74's awaitable.hpp uses std::exchange without including it

#include "rpc/rpc_connection.h"

#include <boost/asio/awaitable.hpp>
#include <nlohmann/json.hpp>

#include <functional>
#include <map>
#include <string>

namespace pmd {

/// Handlers get the params and the connection the request came on (streams keep writing to it).
using Handler = std::function<boost::asio::awaitable<nlohmann::json>(const nlohmann::json& params,
                                                                     const std::shared_ptr<RpcConnection>& connection)>;

/// For a method whose result is large and written directly as JSON text (`list`): params to the
/// result's text, which must be one valid JSON value.
using TextHandler = std::function<std::string(const nlohmann::json& params)>;

struct Method {
  std::string summary;
  Handler handler;
  TextHandler text_handler{};  // when set, used instead of handler
};

using MethodTable = std::map<std::string, Method>;

}  // namespace pmd
