#include "web/api_routes.h"

#include <strings.h>

#include "api/codec.h"
#include "base/secrets.h"

namespace web {
namespace {

using api::codec::json;
constexpr const char* kJson = "application/json";

void SendJson(http::Response& res, int status, const json& body) {
  res.status = status;
  res.SetContent(api::codec::Dump(body), kJson);
}

// Sends an operation's value as JSON with `status`, or its error.
template <typename T, typename ToJson>
void Reply(http::Response& res, const base::Result<T>& r, int status, ToJson to_json) {
  if (!r.ok()) return SendError(res, r.error());
  SendJson(res, status, to_json(*r));
}

base::Result<int> Limit(const http::Request& req, int fallback, int max) {
  if (!req.HasParam("limit")) return fallback;
  const std::string text = req.Param("limit");
  try {
    size_t used = 0;
    const int v = std::stoi(text, &used);
    if (used == text.size() && v >= 1 && v <= max) return v;
  } catch (const std::exception&) {
  }
  return base::Invalid("limit", "limit must be a whole number from 1 to " + std::to_string(max));
}

json NextCursor(const std::string& cursor) { return cursor.empty() ? json(nullptr) : json(cursor); }

json OrderJson(const api::OrderView& v) { return api::codec::OrderViewToJson(v, true); }

base::Result<store::OrderFilter> OrderFilterOf(const http::Request& req) {
  store::OrderFilter f;
  auto limit = Limit(req, 50, 200);
  if (!limit.ok()) return limit.error();
  f.limit = *limit;
  if (std::string rest = req.Param("status"); !rest.empty()) {
    // A comma-separated list; "open_orders" stands for every status but completed and cancelled.
    while (!rest.empty()) {
      const size_t comma = rest.find(',');
      const std::string name = rest.substr(0, comma);
      rest = comma == std::string::npos ? "" : rest.substr(comma + 1);
      shop::OrderStatus st;
      if (name == "open_orders") {
        for (auto o : {shop::OrderStatus::kOpen, shop::OrderStatus::kProcessing,
                       shop::OrderStatus::kShipped})
          f.statuses.push_back(o);
      } else if (shop::Parse(name, &st)) {
        f.statuses.push_back(st);
      } else {
        return base::Invalid("status",
                             "status must be open, processing, shipped, completed, cancelled or "
                             "open_orders (comma-separated)");
      }
    }
  }
  if (const std::string name = req.Param("export_state"); !name.empty()) {
    shop::ExportState st;
    if (!shop::Parse(name, &st))
      return base::Invalid("export_state",
                           "export_state must be not_exported, queued, exporting, exported or "
                           "needs_attention");
    f.export_state = st;
  }
  if (const std::string v = req.Param("needs_action"); !v.empty()) {
    if (v != "true" && v != "false")
      return base::Invalid("needs_action", "needs_action must be true or false");
    f.needs_action = v == "true";
  }
  if (const std::string name = req.Param("sort"); !name.empty() && !store::Parse(name, &f.sort))
    return base::Invalid("sort", "sort must be newest, oldest, total_desc or total_asc");
  f.q = req.Param("q");
  f.cursor = req.Param("cursor");
  return f;
}

base::Result<std::optional<shop::ExportState>> ExportStateOf(const http::Request& req) {
  const std::string name = req.Param("state");
  if (name.empty()) return std::optional<shop::ExportState>();
  shop::ExportState st;
  if (!shop::Parse(name, &st))
    return base::Invalid("state",
                         "state must be queued, exporting, exported, needs_attention or "
                         "not_exported");
  return std::optional<shop::ExportState>(st);
}

}  // namespace

http::Handler WithToken(store::Store& store, Authed handler) {
  return [&store, handler](const http::Request& req, http::Response& res) {
    const std::string auth = req.Header("Authorization");
    constexpr size_t kPrefix = 7;  // "Bearer "
    if (auth.size() <= kPrefix || strncasecmp(auth.c_str(), "bearer ", kPrefix) != 0) {
      res.SetHeader("WWW-Authenticate", "Bearer");
      return SendError(res,
                       base::Unauthenticated("an API token is required (Authorization: Bearer …)"));
    }
    auto s = store.FindTokenStore(base::Sha256Hex(auth.substr(kPrefix)));
    if (!s.ok()) {
      res.SetHeader("WWW-Authenticate", "Bearer error=\"invalid_token\"");
      return SendError(res, s.error());
    }
    handler(*s, req, res);
  };
}

int HttpStatus(base::ErrorCode code) {
  switch (code) {
    case base::ErrorCode::kMalformed:
      return 400;
    case base::ErrorCode::kInvalidInput:
      return 422;
    case base::ErrorCode::kNotFound:
      return 404;
    case base::ErrorCode::kConflict:
      return 409;
    case base::ErrorCode::kRateLimited:
      return 429;
    case base::ErrorCode::kUnavailable:
      return 503;
    case base::ErrorCode::kUnauthenticated:
      return 401;
    case base::ErrorCode::kInternal:
      return 500;
  }
  return 500;
}

void SendError(http::Response& res, const base::Error& e) {
  SendJson(res, HttpStatus(e.code), api::codec::ErrorJson(e));
}

void AddApiRoutes(http::Router& r, api::Api& api, store::Store& store) {
  const std::string order = R"(/api/v1/orders/([^/]+))";
  const std::string item = R"(/api/v1/items/([^/]+))";
  auto route = [&](const char* method, const std::string& pattern, Authed h) {
    r.Add(method, pattern, WithToken(store, std::move(h)));
  };
  // A JSON body, or the error that answers the request.
  auto body = [](const http::Request& req) { return api::codec::ParseBody(req.body); };

  route("PUT", item, [&api, body](store::StoreId s, const http::Request& req, http::Response& res) {
    auto j = body(req);
    if (!j.ok()) return SendError(res, j.error());
    auto parsed = api::codec::ItemFromJson(*j, req.matches[1]);
    if (!parsed.ok()) return SendError(res, parsed.error());
    auto put = api.PutItem(s, std::move(*parsed));
    Reply(res, put, put.ok() && put->created ? 201 : 200,
          [](const auto& w) { return api::codec::ItemToJson(w.value); });
  });
  route("GET", item, [&api](store::StoreId s, const http::Request& req, http::Response& res) {
    Reply(res, api.GetItem(s, req.matches[1]), 200, api::codec::ItemToJson);
  });
  route("GET", "/api/v1/items",
        [&api](store::StoreId s, const http::Request& req, http::Response& res) {
          auto limit = Limit(req, 100, 500);
          if (!limit.ok()) return SendError(res, limit.error());
          Reply(res, api.ListItems(s, req.Param("cursor"), *limit), 200,
                [](const store::ItemPage& page) {
                  json items = json::array();
                  for (const shop::Item& i : page.items) items.push_back(api::codec::ItemToJson(i));
                  return json{{"items", items}, {"next_cursor", NextCursor(page.next_cursor)}};
                });
        });

  route("PUT", order,
        [&api, body](store::StoreId s, const http::Request& req, http::Response& res) {
          auto j = body(req);
          if (!j.ok()) return SendError(res, j.error());
          auto parsed = api::codec::OrderFromJson(*j, req.matches[1], api.clock().Now());
          if (!parsed.ok()) return SendError(res, parsed.error());
          auto put = api.PutOrder(s, std::move(*parsed));
          Reply(res, put, put.ok() && put->created ? 201 : 200,
                [](const auto& w) { return OrderJson(w.value); });
        });
  route("GET", order, [&api](store::StoreId s, const http::Request& req, http::Response& res) {
    Reply(res, api.GetOrder(s, req.matches[1]), 200, OrderJson);
  });
  route("PATCH", order,
        [&api, body](store::StoreId s, const http::Request& req, http::Response& res) {
          auto j = body(req);
          if (!j.ok()) return SendError(res, j.error());
          if (!j->is_object())
            return SendError(res, base::Invalid("body", "the body must be a JSON object"));
          for (auto& [key, value] : j->items())
            if (key != "status")
              return SendError(res, base::Invalid(key, key + " cannot be changed with PATCH; only "
                                                             "status can"));
          auto it = j->find("status");
          shop::OrderStatus st;
          if (it == j->end() || !it->is_string() || !shop::Parse(it->get<std::string>(), &st))
            return SendError(res, base::Invalid("status",
                                                "status must be one of open, processing, "
                                                "shipped, completed, cancelled"));
          Reply(res, api.SetOrderStatus(s, req.matches[1], st), 200, OrderJson);
        });
  route("GET", "/api/v1/orders",
        [&api](store::StoreId s, const http::Request& req, http::Response& res) {
          auto filter = OrderFilterOf(req);
          if (!filter.ok()) return SendError(res, filter.error());
          const std::string count = req.Param("count");
          if (!count.empty() && count != "true" && count != "false")
            return SendError(res, base::Invalid("count", "count must be true or false"));
          std::optional<int64_t> matching;
          if (count == "true") {
            auto n = api.CountOrders(s, *filter);
            if (!n.ok()) return SendError(res, n.error());
            matching = *n;
          }
          Reply(res, api.ListOrders(s, *filter), 200, [&](const api::OrderViewPage& page) {
            json orders = json::array();
            for (const api::OrderView& v : page.orders)
              orders.push_back(api::codec::OrderViewToJson(v, false));
            json out{{"orders", orders},
                     {"next_cursor", NextCursor(page.next_cursor)},
                     {"prev_cursor", NextCursor(page.prev_cursor)}};
            if (matching) {
              // Counted up to api::Api::kMaxCount; at the cap it is a lower bound.
              out["count"] = *matching;
              out["count_exact"] = *matching < api::Api::kMaxCount;
            }
            return out;
          });
        });
  route("POST", order + R"(/payments/([^/]+)/capture)",
        [&api](store::StoreId s, const http::Request& req, http::Response& res) {
          Reply(res, api.CapturePayment(s, req.matches[1], req.matches[2]), 200, OrderJson);
        });
  route("POST", order + "/refunds",
        [&api, body](store::StoreId s, const http::Request& req, http::Response& res) {
          auto j = body(req);
          if (!j.ok()) return SendError(res, j.error());
          auto refund = api::codec::RefundFromJson(*j, api.clock().Now());
          if (!refund.ok()) return SendError(res, refund.error());
          Reply(res, api.AddRefund(s, req.matches[1], std::move(*refund)), 201, OrderJson);
        });
  route("POST", order + R"(/refunds/([^/]+)/retry)",
        [&api](store::StoreId s, const http::Request& req, http::Response& res) {
          Reply(res, api.RetryRefund(s, req.matches[1], req.matches[2]), 202, OrderJson);
        });
  auto export_json = [](const store::ExportRecord& e) {
    return api::codec::ExportToJson(e, nullptr);
  };
  route("POST", order + "/export",
        [&api, export_json](store::StoreId s, const http::Request& req, http::Response& res) {
          Reply(res, api.RequestExport(s, req.matches[1]), 202, export_json);
        });
  route("POST", order + "/export/retry",
        [&api, export_json](store::StoreId s, const http::Request& req, http::Response& res) {
          Reply(res, api.RetryExport(s, req.matches[1]), 202, export_json);
        });
  route("GET", order + "/export/preview",
        [&api](store::StoreId s, const http::Request& req, http::Response& res) {
          Reply(res, api.PreviewExport(s, req.matches[1]), 200, api::codec::ExportPreviewToJson);
        });
  route("POST", "/api/v1/exports",
        [&api, body, export_json](store::StoreId s, const http::Request& req, http::Response& res) {
          auto j = body(req);
          if (!j.ok()) return SendError(res, j.error());
          auto it = j->is_object() ? j->find("orders") : j->end();
          if (!j->is_object() || it == j->end() || !it->is_array())
            return SendError(res,
                             base::Invalid("orders", "orders must be an array of order numbers"));
          std::vector<std::string> numbers;
          for (size_t i = 0; i < it->size(); ++i) {
            if (!(*it)[i].is_string()) {
              const std::string field = "orders[" + std::to_string(i) + "]";
              return SendError(res, base::Invalid(field, field + " must be a string"));
            }
            numbers.push_back((*it)[i].get<std::string>());
          }
          Reply(res, api.RequestExports(s, numbers), 200,
                [export_json](const std::vector<api::BatchResult>& results) {
                  json out = json::array();
                  for (const api::BatchResult& b : results) {
                    json one = {{"number", b.number}};
                    if (b.result.ok()) {
                      one["status"] = 202;
                      one["export"] = export_json(*b.result);
                    } else {
                      one["status"] = HttpStatus(b.result.error().code);
                      one["error"] = api::codec::ErrorJson(b.result.error())["error"];
                    }
                    out.push_back(one);
                  }
                  return json{{"results", out}};
                });
        });
  route("GET", "/api/v1/exports",
        [&api](store::StoreId s, const http::Request& req, http::Response& res) {
          auto state = ExportStateOf(req);
          if (!state.ok()) return SendError(res, state.error());
          auto limit = Limit(req, 100, 500);
          if (!limit.ok()) return SendError(res, limit.error());
          Reply(res, api.ListExports(s, *state, *limit), 200,
                [](const std::vector<store::OrderRecord>& records) {
                  json exports = json::array();
                  for (const store::OrderRecord& rec : records) {
                    json e = api::codec::ExportToJson(rec.export_record, &rec.attempts);
                    e["number"] = rec.order.number;
                    exports.push_back(e);
                  }
                  return json{{"exports", exports}};
                });
        });

  route("GET", "/api/v1/settings/lightspeed",
        [&api](store::StoreId s, const http::Request&, http::Response& res) {
          Reply(res, api.GetLightspeedSettings(s), 200, api::codec::SettingsToJson);
        });
  route("PUT", "/api/v1/settings/lightspeed",
        [&api, body](store::StoreId s, const http::Request& req, http::Response& res) {
          auto j = body(req);
          if (!j.ok()) return SendError(res, j.error());
          auto change = api::codec::SettingsChangeFromJson(*j);
          if (!change.ok()) return SendError(res, change.error());
          Reply(res, api.ChangeLightspeedSettings(s, *change), 200, api::codec::SettingsToJson);
        });
  route("POST", "/api/v1/settings/lightspeed/connect",
        [&api, body](store::StoreId s, const http::Request& req, http::Response& res) {
          auto j = body(req);
          if (!j.ok()) return SendError(res, j.error());
          auto it = j->is_object() ? j->find("refresh_token") : j->end();
          if (it == j->end() || !it->is_string())
            return SendError(res, base::Invalid("refresh_token", "refresh_token is required"));
          Reply(res, api.ConnectLightspeed(s, it->get<std::string>()), 200,
                api::codec::ConnectionStatusToJson);
        });
  route("GET", "/api/v1/lightspeed/status",
        [&api](store::StoreId s, const http::Request&, http::Response& res) {
          Reply(res, api.LightspeedStatus(s), 200, api::codec::ConnectionStatusToJson);
        });
  // Reconciliation (issue 15): compares now and keeps the run; /last answers the kept one.
  route("GET", "/api/v1/reconciliation",
        [&api](store::StoreId s, const http::Request& req, http::Response& res) {
          Reply(res, api.Reconcile(s, {req.Param("from"), req.Param("to")}), 200,
                api::codec::ReconcileRunToJson);
        });
  route("GET", "/api/v1/reconciliation/last",
        [&api](store::StoreId s, const http::Request&, http::Response& res) {
          auto last = api.LastReconciliation(s);
          if (!last.ok()) return SendError(res, last.error());
          if (!last->has_value())
            return SendError(res, base::NotFound("No reconciliation has run for this store yet"));
          SendJson(res, 200, api::codec::ReconcileRunToJson(**last));
        });
}

}  // namespace web
