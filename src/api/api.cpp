#include "api/api.h"

#include <cmath>

#include "api/codec.h"
#include "api/settings_check.h"
#include "shop/validate.h"

namespace api {
namespace {

using codec::json;

// Messages may quote a key from the URL, whose bytes need not be UTF-8: those become U+FFFD
// rather than an exception (and a 500).
Response Json(int status, const json& body) {
  return Response{status, body.dump(-1, ' ', false, json::error_handler_t::replace)};
}

// The order as the API shows it: the web order, its balance, its export record and whether it
// can be exported now.
json OrderView(const store::OrderRecord& r, const store::LightspeedSettings& settings,
               bool with_timeline) {
  json out = codec::OrderToJson(r.order);
  out["balance"] = codec::BalanceToJson(shop::ComputeBalance(r.order));
  out["export"] = codec::ExportToJson(r.export_record, with_timeline ? &r.attempts : nullptr);
  const shop::Eligibility e =
      shop::CheckEligibility(r.order, r.export_record.state, store::ConnectionOf(settings));
  out["exportable"] = {{"ok", e.ok()},
                       {"code", e.ok() ? json(nullptr) : json(e.code)},
                       {"message", e.ok() ? json(nullptr) : json(e.message)}};
  json notices = json::array();
  if (r.export_record.state == shop::ExportState::kExported && !r.order.refunds.empty())
    notices.push_back("Exported order: refund it in Lightspeed as well");  // R24
  out["notices"] = notices;
  return out;
}

base::Result<int> Limit(const Query& q, int fallback, int max) {
  auto it = q.find("limit");
  if (it == q.end()) return fallback;
  try {
    size_t used = 0;
    const int v = std::stoi(it->second, &used);
    if (used == it->second.size() && v >= 1 && v <= max) return v;
  } catch (const std::exception&) {
  }
  return base::Invalid("limit", "limit must be a whole number from 1 to " + std::to_string(max));
}

json BucketJson(exporter::Connections* connections, store::StoreId s) {
  if (!connections) return nullptr;
  auto bucket = connections->Bucket(s);
  if (!bucket || !bucket->known) return nullptr;
  return {{"level", bucket->level}, {"size", bucket->size}, {"drip_rate", bucket->drip_rate}};
}

// R27: what the queue will cost at about 10 units an order (a completed sale of a few lines plus
// a lookup or two), against the bucket's room and drip. Null until a bucket has been seen.
json DrainSeconds(exporter::Connections* connections, store::StoreId s, int64_t queue) {
  if (!connections) return nullptr;
  auto bucket = connections->Bucket(s);
  if (!bucket || !bucket->known) return queue == 0 ? json(0) : json(nullptr);
  return std::ceil(connections->SecondsUntilAdmits(s, 10.0 * static_cast<double>(queue)));
}

}  // namespace

int Api::HttpStatus(const base::Error& e) {
  switch (e.code) {
    case base::ErrorCode::kInvalidInput:
      return e.reason == "malformed_json" ? 400 : 422;
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

Response Api::Error(const base::Error& e) { return Json(HttpStatus(e), codec::ErrorJson(e)); }

Response Api::PutItem(store::StoreId s, const std::string& sku, const std::string& body) {
  auto j = codec::ParseBody(body);
  if (!j.ok()) return Error(j.error());
  auto item = codec::ItemFromJson(*j, sku);
  if (!item.ok()) return Error(item.error());
  if (auto v = shop::ValidateItem(*item); !v.ok()) return Error(v.error());
  auto outcome = store_.PutItem(s, *item);
  if (!outcome.ok()) return Error(outcome.error());
  return Json(*outcome == store::PutOutcome::kCreated ? 201 : 200, codec::ItemToJson(*item));
}

Response Api::GetItem(store::StoreId s, const std::string& sku) {
  auto item = store_.GetItem(s, sku);
  if (!item.ok()) return Error(item.error());
  return Json(200, codec::ItemToJson(*item));
}

Response Api::ListItems(store::StoreId s, const Query& q) {
  auto limit = Limit(q, 100, 500);
  if (!limit.ok()) return Error(limit.error());
  auto it = q.find("cursor");
  auto page = store_.ListItems(s, it == q.end() ? "" : it->second, *limit);
  if (!page.ok()) return Error(page.error());
  json items = json::array();
  for (const shop::Item& i : page->items) items.push_back(codec::ItemToJson(i));
  return Json(
      200, {{"items", items},
            {"next_cursor", page->next_cursor.empty() ? json(nullptr) : json(page->next_cursor)}});
}

Response Api::PutOrder(store::StoreId s, const std::string& number, const std::string& body) {
  if (!shop::IsValidKey(number))
    return Error(base::Invalid("number", "number must be 1–64 characters of A-Z a-z 0-9 - _ ."));
  auto info = store_.GetStore(s);
  if (!info.ok()) return Error(info.error());
  auto j = codec::ParseBody(body);
  if (!j.ok()) return Error(j.error());
  auto order = codec::OrderFromJson(*j, number, info->currency, clock_.Now());
  if (!order.ok()) return Error(order.error());
  std::vector<std::string> skus;
  for (const shop::Line& l : order->lines) skus.push_back(l.sku);
  auto items = store_.GetItems(s, skus);
  if (!items.ok()) return Error(items.error());
  auto valid = shop::ValidateOrder(*order, info->currency, [&](std::string_view sku) {
    auto it = items->find(std::string(sku));
    return it == items->end() ? nullptr : &it->second;
  });
  if (!valid.ok()) return Error(valid.error());
  for (shop::Line& l : order->lines) {
    const shop::Item& item = items->at(l.sku);
    l.kind = item.kind;
    l.description = item.description;
  }
  auto outcome = store_.PutOrder(s, *order);
  if (!outcome.ok()) return Error(outcome.error());
  MaybeAutoExport(s, number);
  Response r = GetOrder(s, number);
  if (r.status == 200 && *outcome == store::PutOutcome::kCreated) r.status = 201;
  return r;
}

Response Api::GetOrder(store::StoreId s, const std::string& number) {
  auto record = store_.GetOrder(s, number);
  if (!record.ok()) return Error(record.error());
  auto settings = store_.GetLightspeedSettings(s);
  if (!settings.ok()) return Error(settings.error());
  return Json(200, OrderView(*record, *settings, true));
}

Response Api::ListOrders(store::StoreId s, const Query& q) {
  store::OrderFilter f;
  auto limit = Limit(q, 50, 200);
  if (!limit.ok()) return Error(limit.error());
  f.limit = *limit;
  if (auto it = q.find("status"); it != q.end() && !it->second.empty()) {
    // A comma-separated list; "open_orders" stands for every status but completed and cancelled.
    std::string rest = it->second;
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
        return Error(base::Invalid("status",
                                   "status must be open, processing, shipped, "
                                   "completed, cancelled or open_orders (comma-separated)"));
      }
    }
  }
  if (auto it = q.find("export_state"); it != q.end() && !it->second.empty()) {
    shop::ExportState st;
    if (!shop::Parse(it->second, &st))
      return Error(base::Invalid("export_state",
                                 "export_state must be not_exported, queued, "
                                 "exporting, exported or needs_attention"));
    f.export_state = st;
  }
  if (auto it = q.find("cursor"); it != q.end()) f.cursor = it->second;
  auto page = store_.ListOrders(s, f);
  if (!page.ok()) return Error(page.error());
  auto settings = store_.GetLightspeedSettings(s);
  if (!settings.ok()) return Error(settings.error());
  json orders = json::array();
  for (const store::OrderRecord& r : page->orders) orders.push_back(OrderView(r, *settings, false));
  return Json(
      200, {{"orders", orders},
            {"next_cursor", page->next_cursor.empty() ? json(nullptr) : json(page->next_cursor)}});
}

Response Api::PatchOrder(store::StoreId s, const std::string& number, const std::string& body) {
  auto j = codec::ParseBody(body);
  if (!j.ok()) return Error(j.error());
  if (!j->is_object()) return Error(base::Invalid("body", "the body must be a JSON object"));
  for (auto& [key, value] : j->items())
    if (key != "status")
      return Error(base::Invalid(key, key + " cannot be changed with PATCH; only status can"));
  auto it = j->find("status");
  shop::OrderStatus st;
  if (it == j->end() || !it->is_string() || !shop::Parse(it->get<std::string>(), &st))
    return Error(base::Invalid(
        "status", "status must be one of open, processing, shipped, completed, cancelled"));
  // R23: allowed whatever the export state; Lightspeed is not touched.
  if (auto r = store_.SetOrderStatus(s, number, st); !r.ok()) return Error(r.error());
  MaybeAutoExport(s, number);
  return GetOrder(s, number);
}

Response Api::CapturePayment(store::StoreId s, const std::string& number, const std::string& id) {
  if (auto r = store_.CapturePayment(s, number, id); !r.ok()) return Error(r.error());
  MaybeAutoExport(s, number);
  return GetOrder(s, number);
}

Response Api::AddRefund(store::StoreId s, const std::string& number, const std::string& body) {
  auto j = codec::ParseBody(body);
  if (!j.ok()) return Error(j.error());
  auto refund = codec::RefundFromJson(*j, clock_.Now());
  if (!refund.ok()) return Error(refund.error());
  auto record = store_.GetOrder(s, number);
  if (!record.ok()) return Error(record.error());
  for (const shop::Refund& r : record->order.refunds)
    if (r.id == refund->id)
      return Error(base::Conflict("duplicate_refund",
                                  "order " + number + " already has refund \"" + r.id + "\""));
  record->order.refunds.push_back(*refund);
  if (auto v = shop::ValidatePaymentsAndRefunds(record->order); !v.ok()) {
    base::Error e = v.error();
    e.field = e.field.substr(e.field.find('.') + 1);  // "refunds[3].id" → "id": the body's field
    return Error(e);
  }
  if (auto r = store_.AddRefund(s, number, *refund); !r.ok()) return Error(r.error());
  Response out = GetOrder(s, number);
  if (out.status == 200) out.status = 201;
  return out;
}

Response Api::GetLightspeedSettings(store::StoreId s) {
  auto settings = store_.GetLightspeedSettings(s);
  if (!settings.ok()) return Error(settings.error());
  return Json(200, codec::SettingsToJson(*settings));
}

Response Api::PutLightspeedSettings(store::StoreId s, const std::string& body) {
  auto j = codec::ParseBody(body);
  if (!j.ok()) return Error(j.error());
  auto current = store_.GetLightspeedSettings(s);
  if (!current.ok()) return Error(current.error());
  auto next = codec::SettingsFromJson(*j, *current);
  if (!next.ok()) return Error(next.error());
  if (auto st = CheckLightspeedSettings(options_.connections, s, *current, *next); !st.ok())
    return Error(st.error());
  if (auto r = store_.PutLightspeedSettings(s, *next); !r.ok()) return Error(r.error());
  return GetLightspeedSettings(s);
}

Response Api::ConnectLightspeed(store::StoreId s, const std::string& body) {
  auto j = codec::ParseBody(body);
  if (!j.ok()) return Error(j.error());
  auto it = j->is_object() ? j->find("refresh_token") : j->end();
  if (!j->is_object() || it == j->end() || !it->is_string() || it->get<std::string>().empty())
    return Error(base::Invalid("refresh_token", "refresh_token is required"));
  if (!options_.connections)
    return Error(base::Unavailable("this server has no Lightspeed configuration"));
  auto account = options_.connections->Connect(s, it->get<std::string>());
  if (!account.ok()) {
    base::Error e = account.error();
    if (e.reason == "invalid_grant") e.code = base::ErrorCode::kInvalidInput;
    e.field = "refresh_token";
    return Error(e);
  }
  return LightspeedStatus(s);
}

Response Api::LightspeedStatus(store::StoreId s) {
  auto settings = store_.GetLightspeedSettings(s);
  if (!settings.ok()) return Error(settings.error());
  auto counts = store_.CountExports(s);
  if (!counts.ok()) return Error(counts.error());
  const int64_t queue =
      (*counts)[shop::ExportState::kQueued] + (*counts)[shop::ExportState::kExporting];
  shop::Connection c = store::ConnectionOf(*settings);
  std::string connection = settings->connection, message;
  const auto lapses_at = exporter::ConnectionLapsesAt(store_, s);
  if (lapses_at && *lapses_at <= clock_.Now()) {
    // Nothing refreshed it in time: Lightspeed has forgotten the authorization.
    connection = "reconnect";
    c.connected = false;
    message = exporter::LapsedMessage(*lapses_at);
  } else if (settings->connection == "reconnect")
    message = settings->connection_message.empty()
                  ? "Reconnect to Lightspeed: Lightspeed no longer accepts this store's "
                    "authorization"
                  : settings->connection_message;
  else if (!c.connected)
    message = "Lightspeed is not connected";
  // When the connection lapses unless something refreshes it first (the keep-alive does, well
  // before), and the OAuth redirect URI Connect gives Lightspeed.
  const json lapses = lapses_at ? json(base::FormatTime(*lapses_at)) : json(nullptr);
  json redirect = nullptr, redirect_problem = nullptr;
  if (!options_.public_url.empty())
    redirect = options_.public_url + "/settings/lightspeed/callback";
  else
    redirect_problem =
        "server.public_url is not set: connecting from Settings works only when spoke is opened "
        "at a loopback address (http://127.0.0.1); set it to spoke's https address, the one "
        "registered with the Lightspeed app";
  return Json(200, {{"connected", c.connected},
                    {"connection", connection},
                    {"message", message.empty() ? json(nullptr) : json(message)},
                    {"lapses_at", lapses},
                    {"oauth_redirect_uri", redirect},
                    {"oauth_redirect_problem", redirect_problem},
                    {"account_id", settings->account_id},
                    {"shop_id", settings->shop_id},
                    {"register_id", settings->register_id},
                    {"employee_id", settings->employee_id},
                    {"bucket", BucketJson(options_.connections, s)},
                    {"queue_length", queue},
                    {"needs_attention", (*counts)[shop::ExportState::kNeedsAttention]},
                    {"expected_drain_seconds", DrainSeconds(options_.connections, s, queue)}});
}

Response Api::Queue(store::StoreId s, const std::string& number, bool retry) {
  auto check = [retry](const shop::Order& order, shop::ExportState state,
                       const store::LightspeedSettings& settings) {
    if (retry && state != shop::ExportState::kNeedsAttention)
      return shop::Eligibility{"not_needing_attention",
                               std::string("Only orders that need attention can be retried; "
                                           "this one is ") +
                                   shop::Name(state)};
    return shop::CheckEligibility(order, state, store::ConnectionOf(settings));
  };
  auto record = store_.QueueExport(s, number, check);
  if (!record.ok()) {
    base::Error e = record.error();
    if (e.reason == "not_needing_attention") e.code = base::ErrorCode::kConflict;
    return Error(e);
  }
  if (options_.on_queued) options_.on_queued();
  return Json(202, codec::ExportToJson(*record, nullptr));
}

void Api::MaybeAutoExport(store::StoreId s, const std::string& number) {
  auto settings = store_.GetLightspeedSettings(s);
  if (!settings.ok() || settings->auto_export == "off") return;
  const bool need_fulfilled = settings->auto_export == "when_paid_and_fulfilled";
  auto queued = store_.QueueExport(
      s, number,
      [need_fulfilled](const shop::Order& order, shop::ExportState state,
                       const store::LightspeedSettings& current) {
        // Only orders never tried: an order that needs attention waits for a person.
        if (state != shop::ExportState::kNotExported)
          return shop::Eligibility{"already_queued", "not automatic"};
        if (need_fulfilled && !shop::IsFulfilled(order.status))
          return shop::Eligibility{"not_fulfilled", "not fulfilled yet"};
        if (current.auto_export == "off")
          return shop::Eligibility{"off", "automatic export is off"};
        return shop::CheckEligibility(order, state, store::ConnectionOf(current));
      });
  if (queued.ok() && options_.on_queued) options_.on_queued();
}

Response Api::RequestExport(store::StoreId s, const std::string& number) {
  return Queue(s, number, false);
}

Response Api::RetryExport(store::StoreId s, const std::string& number) {
  return Queue(s, number, true);
}

Response Api::RequestExports(store::StoreId s, const std::string& body) {
  auto j = codec::ParseBody(body);
  if (!j.ok()) return Error(j.error());
  auto it = j->is_object() ? j->find("orders") : j->end();
  if (!j->is_object() || it == j->end() || !it->is_array())
    return Error(base::Invalid("orders", "orders must be an array of order numbers"));
  if (it->size() > 500) return Error(base::Invalid("orders", "at most 500 orders at a time"));
  json results = json::array();
  for (size_t i = 0; i < it->size(); ++i) {
    const json& n = (*it)[i];
    if (!n.is_string())
      return Error(base::Invalid("orders[" + std::to_string(i) + "]",
                                 "orders[" + std::to_string(i) + "] must be a string"));
  }
  for (const json& n : *it) {
    const std::string number = n.get<std::string>();
    Response r = Queue(s, number, false);
    json one = {{"number", number}, {"status", r.status}};
    json body_json = json::parse(r.body, nullptr, false);
    if (r.status == 202)
      one["export"] = body_json;
    else
      one["error"] = body_json["error"];
    results.push_back(one);
  }
  return Json(200, {{"results", results}});
}

Response Api::ListExports(store::StoreId s, const Query& q) {
  std::optional<shop::ExportState> state;
  if (auto it = q.find("state"); it != q.end() && !it->second.empty()) {
    shop::ExportState st;
    if (!shop::Parse(it->second, &st))
      return Error(base::Invalid("state",
                                 "state must be queued, exporting, exported, "
                                 "needs_attention or not_exported"));
    state = st;
  }
  auto limit = Limit(q, 100, 500);
  if (!limit.ok()) return Error(limit.error());
  auto records = store_.ListExports(s, state, *limit);
  if (!records.ok()) return Error(records.error());
  json exports = json::array();
  for (const store::OrderRecord& r : *records) {
    json e = codec::ExportToJson(r.export_record, &r.attempts);
    e["number"] = r.order.number;
    exports.push_back(e);
  }
  return Json(200, {{"exports", exports}});
}

}  // namespace api
