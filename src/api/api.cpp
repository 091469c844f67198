#include "api/api.h"

#include <algorithm>
#include <cmath>

#include "api/settings_check.h"
#include "base/text.h"
#include "base/time_zone.h"
#include "shop/validate.h"

namespace api {
namespace {

// Lightspeed ids are digits ("" clears the choice).
base::Status CheckId(const char* field, const std::string& value) {
  for (char c : value)
    if (c < '0' || c > '9')
      return base::Invalid(field, std::string(field) + " must be a Lightspeed id (digits)");
  return base::OkStatus();
}

template <typename E>
base::Status ReadName(const char* field, const std::optional<std::string>& text, E* out,
                      const char* choices) {
  if (text && !store::Parse(*text, out))
    return base::Invalid(field, std::string(field) + " must be " + choices);
  return base::OkStatus();
}

}  // namespace

Result<store::LightspeedSettings> ApplySettingsChange(store::LightspeedSettings s,
                                                      const SettingsChange& c) {
  struct IdField {
    const char* name;
    const std::optional<std::string>& value;
    std::string* target;
  };
  for (const IdField& f : {IdField{"account_id", c.account_id, &s.account_id},
                           IdField{"shop_id", c.shop_id, &s.shop_id},
                           IdField{"register_id", c.register_id, &s.register_id},
                           IdField{"employee_id", c.employee_id, &s.employee_id}}) {
    if (!f.value) continue;
    if (auto st = CheckId(f.name, *f.value); !st.ok()) return st.error();
    *f.target = *f.value;
  }
  if (c.reference_source) {
    if (c.reference_source->empty() || c.reference_source->size() > 32 ||
        !base::IsValidUtf8(*c.reference_source) || base::FindUnsafeCharacter(*c.reference_source))
      return base::Invalid("reference_source",
                           "reference_source must be 1–32 characters of text (no control "
                           "characters)");
    s.reference_source = *c.reference_source;
  }
  if (auto st = ReadName("tax_mode", c.tax_mode, &s.tax_mode, "web or lightspeed"); !st.ok())
    return st.error();
  if (auto st = ReadName("auto_export", c.auto_export, &s.auto_export,
                         "off, when_paid or when_paid_and_fulfilled");
      !st.ok())
    return st.error();
  if (auto st = ReadName("customer_marketing", c.customer_marketing, &s.customer_marketing,
                         "no_consent or consented");
      !st.ok())
    return st.error();
  if (auto st = ReadName("refunds", c.refunds, &s.refunds, "manual or send"); !st.ok())
    return st.error();
  if (c.time_zone) {
    if (!base::IsTimeZone(*c.time_zone))
      return base::Invalid("time_zone",
                           "time_zone must be a zone of the tz database, such as "
                           "America/Chicago or Europe/Amsterdam");
    s.time_zone = *c.time_zone;
  }
  if (c.payment_types) {
    for (const auto& [web, type] : *c.payment_types)
      if (web.empty() || type.empty())
        return base::Invalid("payment_types." + web,
                             "payment_types." + web + " must name a Lightspeed payment type");
    s.payment_types = *c.payment_types;
  }
  return s;
}

namespace {

OrderView ViewOf(store::OrderRecord record, const store::LightspeedSettings& settings,
                 std::vector<store::RefundExport> refund_exports = {}) {
  OrderView v;
  v.balance = shop::ComputeBalance(record.order);
  v.exportable = shop::CheckEligibility(record.order, record.export_record.state,
                                        store::ConnectionOf(settings));
  for (store::RefundExport& x : refund_exports) v.refund_exports[x.refund_id] = std::move(x);
  // R24: refunds spoke does not send are the merchant's to make in Lightspeed too.
  const std::optional<base::TimePoint>& exported_at = record.export_record.exported_at;
  bool by_hand = false;
  for (const shop::Refund& r : record.order.refunds)
    by_hand = by_hand || ((!exported_at || r.at >= *exported_at) && !v.refund_exports.count(r.id));
  if (record.export_record.state == shop::ExportState::kExported && by_hand)
    v.notices.push_back("Exported order: refund it in Lightspeed as well");
  v.record = std::move(record);
  return v;
}

}  // namespace

Result<Written<shop::Item>> Api::PutItem(store::StoreId s, shop::Item item) {
  if (auto v = shop::ValidateItem(item); !v.ok()) return v.error();
  auto outcome = store_.PutItem(s, item);
  if (!outcome.ok()) return outcome.error();
  return Written<shop::Item>{std::move(item), *outcome == store::PutOutcome::kCreated};
}

Result<shop::Item> Api::GetItem(store::StoreId s, const std::string& sku) {
  return store_.GetItem(s, sku);
}

Result<store::ItemPage> Api::ListItems(store::StoreId s, const std::string& cursor, int limit) {
  return store_.ListItems(s, cursor, limit);
}

Result<Written<OrderView>> Api::PutOrder(store::StoreId s, shop::Order order) {
  if (!shop::IsValidKey(order.number))
    return base::Invalid("number", "number must be 1–64 characters of A-Z a-z 0-9 - _ .");
  auto info = store_.GetStore(s);
  if (!info.ok()) return info.error();
  if (order.currency.empty()) order.currency = info->currency;
  std::vector<std::string> skus;
  for (const shop::Line& l : order.lines) skus.push_back(l.sku);
  auto items = store_.GetItems(s, skus);
  if (!items.ok()) return items.error();
  auto valid = shop::ValidateOrder(order, info->currency, [&](std::string_view sku) {
    auto it = items->find(std::string(sku));
    return it == items->end() ? nullptr : &it->second;
  });
  if (!valid.ok()) return valid.error();
  for (shop::Line& l : order.lines) {
    const shop::Item& item = items->at(l.sku);
    l.kind = item.kind;
    l.description = item.description;
  }
  auto outcome = store_.PutOrder(s, order);
  if (!outcome.ok()) return outcome.error();
  MaybeAutoExport(s, order.number);
  auto view = GetOrder(s, order.number);
  if (!view.ok()) return view.error();
  return Written<OrderView>{std::move(*view), *outcome == store::PutOutcome::kCreated};
}

Result<OrderView> Api::GetOrder(store::StoreId s, const std::string& number) {
  auto record = store_.GetOrder(s, number);
  if (!record.ok()) return record.error();
  auto settings = store_.GetLightspeedSettings(s);
  if (!settings.ok()) return settings.error();
  auto refunds = store_.ListRefundExports(s, number);
  if (!refunds.ok()) return refunds.error();
  return ViewOf(std::move(*record), *settings, std::move(*refunds));
}

Result<OrderViewPage> Api::ListOrders(store::StoreId s, const store::OrderFilter& filter) {
  if (filter.limit < 1 || filter.limit > 200)
    return base::Invalid("limit", "limit must be a whole number from 1 to 200");
  auto page = store_.ListOrders(s, filter);
  if (!page.ok()) return page.error();
  auto settings = store_.GetLightspeedSettings(s);
  if (!settings.ok()) return settings.error();
  OrderViewPage out;
  out.next_cursor = page->next_cursor;
  out.prev_cursor = page->prev_cursor;
  for (store::OrderRecord& r : page->orders) out.orders.push_back(ViewOf(std::move(r), *settings));
  return out;
}

Result<int64_t> Api::CountOrders(store::StoreId s, const store::OrderFilter& filter) {
  return store_.CountOrders(s, filter, kMaxCount);
}

Result<OrderView> Api::SetOrderStatus(store::StoreId s, const std::string& number,
                                      shop::OrderStatus status) {
  // R23: allowed whatever the export state; Lightspeed is not touched.
  if (auto r = store_.SetOrderStatus(s, number, status); !r.ok()) return r.error();
  MaybeAutoExport(s, number);
  return GetOrder(s, number);
}

Result<OrderView> Api::CapturePayment(store::StoreId s, const std::string& number,
                                      const std::string& payment_id) {
  if (auto r = store_.CapturePayment(s, number, payment_id); !r.ok()) return r.error();
  MaybeAutoExport(s, number);
  return GetOrder(s, number);
}

Result<OrderView> Api::AddRefund(store::StoreId s, const std::string& number, shop::Refund refund) {
  auto record = store_.GetOrder(s, number);
  if (!record.ok()) return record.error();
  for (const shop::Refund& r : record->order.refunds)
    if (r.id == refund.id)
      return base::Conflict("duplicate_refund",
                            "order " + number + " already has refund \"" + r.id + "\"");
  record->order.refunds.push_back(refund);
  if (auto v = shop::ValidatePaymentsAndRefunds(record->order); !v.ok()) {
    base::Error e = v.error();
    e.field = e.field.substr(e.field.find('.') + 1);  // "refunds[3].id" → "id": the body's field
    return e;
  }
  if (auto r = store_.AddRefund(s, number, refund); !r.ok()) return r.error();
  return GetOrder(s, number);
}

Result<store::LightspeedSettings> Api::GetLightspeedSettings(store::StoreId s) {
  return store_.GetLightspeedSettings(s);
}

Result<store::LightspeedSettings> Api::ChangeLightspeedSettings(store::StoreId s,
                                                                const SettingsChange& change) {
  auto current = store_.GetLightspeedSettings(s);
  if (!current.ok()) return current.error();
  auto next = ApplySettingsChange(*current, change);
  if (!next.ok()) return next.error();
  if (auto st = CheckLightspeedSettings(options_.connections, s, *current, *next); !st.ok())
    return st.error();
  if (auto r = store_.PutLightspeedSettings(s, *next); !r.ok()) return r.error();
  return GetLightspeedSettings(s);
}

Result<ConnectionStatus> Api::ConnectLightspeed(store::StoreId s,
                                                const std::string& refresh_token) {
  if (refresh_token.empty()) return base::Invalid("refresh_token", "refresh_token is required");
  if (!options_.connections)
    return base::Unavailable("this server has no Lightspeed configuration");
  auto account = options_.connections->Connect(s, refresh_token);
  if (!account.ok()) return account.error();
  (void)ResumeAfterReconnect(s);  // best effort: each order can still be retried by hand
  return LightspeedStatus(s);
}

Result<ConnectionStatus> Api::LightspeedStatus(store::StoreId s) {
  auto settings = store_.GetLightspeedSettings(s);
  if (!settings.ok()) return settings.error();
  auto counts = store_.CountExports(s);
  if (!counts.ok()) return counts.error();
  ConnectionStatus out;
  out.settings = *settings;
  out.queue_length =
      (*counts)[shop::ExportState::kQueued] + (*counts)[shop::ExportState::kExporting];
  out.needs_attention = (*counts)[shop::ExportState::kNeedsAttention];
  out.queued = (*counts)[shop::ExportState::kQueued];
  out.exporting = (*counts)[shop::ExportState::kExporting];
  out.lane = store::LaneName(s, settings->account_id);
  auto lanes = store_.ListLanes();
  if (!lanes.ok()) return lanes.error();
  for (const store::LaneLease& l : *lanes)
    if (l.lane == out.lane) out.driving_node = l.node;
  out.connected = store::ConnectionOf(*settings).connected;
  out.connection = settings->connection;
  out.lapses_at = exporter::ConnectionLapsesAt(store_, s);
  if (out.lapses_at && *out.lapses_at <= clock_.Now()) {
    // Nothing refreshed it in time: Lightspeed has forgotten the authorization.
    out.connection = store::ConnectionState::kReconnect;
    out.connected = false;
    out.message = exporter::LapsedMessage(*out.lapses_at);
  } else if (settings->connection == store::ConnectionState::kReconnect) {
    out.message = settings->connection_message.empty()
                      ? "Reconnect to Lightspeed: Lightspeed no longer accepts this store's "
                        "authorization"
                      : settings->connection_message;
  } else if (!out.connected) {
    out.message = "Lightspeed is not connected";
  }
  // The OAuth redirect URI Connect gives Lightspeed, or why Connect works only on loopback.
  if (!options_.public_url.empty())
    out.oauth_redirect_uri = options_.public_url + "/settings/lightspeed/callback";
  else
    out.oauth_redirect_problem =
        "server.public_url is not set: connecting from Settings works only when spoke is opened "
        "at a loopback address (http://127.0.0.1); set it to spoke's https address, the one "
        "registered with the Lightspeed app";
  if (options_.connections) {
    auto bucket = options_.connections->Bucket(s);
    if (bucket && bucket->known) out.bucket = *bucket;
    // R27: what the queue will cost at about 10 units an order (a completed sale of a few lines
    // plus a lookup or two), against the bucket's room and drip.
    if (out.bucket)
      out.expected_drain_seconds = std::ceil(options_.connections->SecondsUntilAdmits(
          s, 10.0 * static_cast<double>(out.queue_length)));
    else if (out.queue_length == 0)
      out.expected_drain_seconds = 0;
  }
  return out;
}

Result<store::ExportRecord> Api::Queue(store::StoreId s, const std::string& number, bool retry) {
  auto check = [retry](const shop::Order& order, shop::ExportState state,
                       const store::LightspeedSettings& settings) {
    if (retry && state != shop::ExportState::kNeedsAttention)
      return shop::Eligibility{"not_needing_attention",
                               std::string("Only orders that need attention can be retried; "
                                           "this one is ") +
                                   shop::Name(state),
                               true};
    return shop::CheckEligibility(order, state, store::ConnectionOf(settings));
  };
  auto record = store_.QueueExport(s, number, check);
  if (!record.ok()) return record.error();
  if (options_.on_queued) options_.on_queued();
  return record;
}

void Api::MaybeAutoExport(store::StoreId s, const std::string& number) {
  auto settings = store_.GetLightspeedSettings(s);
  if (!settings.ok() || settings->auto_export == store::AutoExport::kOff) return;
  auto queued = store_.QueueExport(
      s, number,
      [](const shop::Order& order, shop::ExportState state,
         const store::LightspeedSettings& current) {
        // Only orders never tried: an order that needs attention waits for a person.
        if (state != shop::ExportState::kNotExported)
          return shop::Eligibility{"already_queued", "not automatic", true};
        if (current.auto_export == store::AutoExport::kOff)
          return shop::Eligibility{"off", "automatic export is off"};
        if (current.auto_export == store::AutoExport::kWhenPaidAndFulfilled &&
            !shop::IsFulfilled(order.status))
          return shop::Eligibility{"not_fulfilled", "not fulfilled yet"};
        return shop::CheckEligibility(order, state, store::ConnectionOf(current));
      });
  if (queued.ok() && options_.on_queued) options_.on_queued();
}

Result<store::ExportRecord> Api::RequestExport(store::StoreId s, const std::string& number) {
  return Queue(s, number, false);
}

Result<store::ExportRecord> Api::RetryExport(store::StoreId s, const std::string& number) {
  return Queue(s, number, true);
}

Result<OrderView> Api::RetryRefund(store::StoreId s, const std::string& number,
                                   const std::string& refund_id) {
  auto view = GetOrder(s, number);
  if (!view.ok()) return view.error();
  auto it = view->refund_exports.find(refund_id);
  if (it == view->refund_exports.end())
    return base::NotFound("order " + number + " has no refund \"" + refund_id +
                          "\" sent to Lightspeed");
  if (it->second.state != store::RefundState::kNeedsAttention)
    return base::Conflict("not_stopped", "refund \"" + refund_id + "\" of order " + number +
                                             " is " + store::Name(it->second.state) +
                                             ", not waiting for a retry");
  if (auto st = store_.RequeueRefund(s, number, refund_id); !st.ok()) return st.error();
  if (options_.on_queued) options_.on_queued();
  return GetOrder(s, number);
}

Result<std::vector<BatchResult>> Api::RequestExports(store::StoreId s,
                                                     const std::vector<std::string>& numbers) {
  if (numbers.size() > kMaxBatch)
    return base::Invalid("orders", "at most " + std::to_string(kMaxBatch) + " orders at a time");
  std::vector<BatchResult> out;
  for (const std::string& n : numbers) out.push_back({n, Queue(s, n, false)});
  return out;
}

Result<std::vector<BatchResult>> Api::RetryStopped(
    store::StoreId s, const std::function<bool(const store::ExportRecord&)>& which) {
  auto stopped = store_.ListExports(s, shop::ExportState::kNeedsAttention, kMaxBatch);
  if (!stopped.ok()) return stopped.error();
  std::vector<BatchResult> out;
  for (const store::OrderRecord& r : *stopped)
    if (!which || which(r.export_record))
      out.push_back({r.order.number, Queue(s, r.order.number, true)});
  return out;
}

Result<int> Api::ResumeAfterReconnect(store::StoreId s) {
  auto retried = RetryStopped(
      s, [](const store::ExportRecord& e) { return exporter::IsStoppedForConnection(e.message); });
  if (!retried.ok()) return retried.error();
  // Refunds the lost connection stopped (issue 15) go again too; they are not counted as orders.
  if (auto refunds = store_.ListStoppedRefunds(s, kMaxBatch); refunds.ok()) {
    bool any = false;
    for (const store::RefundExport& x : *refunds)
      if (exporter::IsStoppedForConnection(x.message))
        any = store_.RequeueRefund(s, x.number, x.refund_id).ok() || any;
    if (any && options_.on_queued) options_.on_queued();
  }
  return static_cast<int>(std::count_if(retried->begin(), retried->end(),
                                        [](const BatchResult& b) { return b.result.ok(); }));
}

Result<std::vector<BatchResult>> Api::RetryAll(store::StoreId s) {
  return RetryStopped(s, nullptr);
}

Result<std::vector<store::OrderRecord>> Api::ListExports(store::StoreId s,
                                                         std::optional<shop::ExportState> state,
                                                         int limit) {
  if (limit < 1 || limit > 500)
    return base::Invalid("limit", "limit must be a whole number from 1 to 500");
  return store_.ListExports(s, state, limit);
}

}  // namespace api
