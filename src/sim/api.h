// The /API/V3 entity routes: path parsing, the cost inputs of a request, and serving it.
#pragma once

#include <cstdint>
#include <string>

#include "sim/engine.h"
#include "sim/query.h"
#include "sim/rate_limit.h"

namespace sim {

struct ApiRoute {
  bool ok = false;
  bool json = false;          // ".json" suffix
  bool account_root = false;  // /API/V3/Account.json or /API/V3/Account/{id}.json
  int64_t account_id = 0;     // 0 when the path names none
  std::string entity;         // "Sale"
  int64_t id = 0;             // 0 = list / create
};

ApiRoute ParseApiPath(const std::string& path);

// What the rate model needs to price the request.
CostInput CostOf(const ApiRoute& route, const std::string& method, const Params& params,
                 const Json* body);

// Serves one entity request for an account (authorization and rate limiting already done).
HttpResponse ServeEntity(Account& acct, int64_t now_us, const ApiRoute& route,
                         const HttpRequest& req, const Params& params, const Json* body);

}  // namespace sim
