// The JSON API's HTTP edge: bearer-token authentication, JSON in and out through api/codec.h,
// and the one mapping from an error's code to an HTTP status. Private to web/.
#pragma once

#include "api/api.h"
#include "http/http.h"
#include "store/store.h"

namespace web {

// The HTTP status for an error: decided by its code alone.
int HttpStatus(base::ErrorCode code);
// A JSON error answer {"error":{"code","message","field"}} with the status of its code.
void SendError(http::Response& res, const base::Error& e);

using Authed = std::function<void(store::StoreId, const http::Request&, http::Response&)>;
// Bearer-token authentication: a token sees only its own store.
http::Handler WithToken(store::Store& store, Authed handler);

// Adds /api/v1/… routes to `router`.
void AddApiRoutes(http::Router& router, api::Api& api, store::Store& store);

}  // namespace web
