#include "exporter/order_export.h"

#include <algorithm>
#include <random>

#include "exporter/call_meter.h"
#include "exporter/crash_points.h"
#include "exporter/plan.h"
#include "exporter/telemetry.h"

namespace exporter {

bool IdLess(const std::string& a, const std::string& b) {
  return a.size() != b.size() ? a.size() < b.size() : a < b;
}

// The sale in plain words for the export timeline: what a clerk needs to compare with Lightspeed.
std::string Describe(const lightspeed::NewSale& sale) {
  std::string out = "Sale " + sale.reference_number + " (" + sale.reference_source +
                    ") for customer " + sale.customer_id + ": ";
  for (size_t i = 0; i < sale.lines.size(); ++i) {
    const auto& l = sale.lines[i];
    if (i) out += "; ";
    out += l.item_id == "0" ? l.note + " " + l.unit_price.Dollars()
                            : "item " + l.item_id + " × " + std::to_string(l.quantity) + " @ " +
                                  l.unit_price.Dollars();
    if (!l.discount.IsZero()) out += " less " + l.discount.Dollars();
  }
  out += ". Payments: ";
  for (size_t i = 0; i < sale.payments.size(); ++i)
    out += (i ? ", type " : "type ") + sale.payments[i].payment_type_id + " " +
           sale.payments[i].amount.Dollars();
  return out;
}

struct OrderExport::Attempt {
  store::StoreId store;
  std::string number;
  store::ExportClaim claim;
  base::TimePoint started;
  CallMeter meter;
  store::OrderRecord record;
  store::LightspeedSettings settings;
  std::map<std::string, shop::Item> catalog;
  Links links;
  Plan plan;
  std::string sent;
};

namespace {

double DefaultJitter() {
  thread_local std::mt19937 rng{std::random_device{}()};
  return std::uniform_real_distribution<double>(0.5, 1.5)(rng);
}

}  // namespace

void OrderExport::Finish(Attempt& a, const std::string& outcome, const std::string& message) {
  store::ExportAttempt rec{a.claim.attempt,       a.started, clock_.Now(),    outcome,
                           a.meter.last_status(), message,   a.meter.units(), a.sent};
  (void)store_.RecordAttempt(a.store, a.number, rec);
  telemetry::RecordAttempt(outcome);
  if ((outcome == "exported" || outcome == "adopted") && a.record.export_record.queued_at)
    telemetry::RecordExportLatency(
        std::chrono::duration<double>(clock_.Now() - *a.record.export_record.queued_at).count());
}

void OrderExport::Retry(Attempt& a, const base::Error& e, bool maybe_sent) {
  if (a.claim.attempt >= policy_.max_attempts) {
    Fail(a, e, "Lightspeed kept failing after " + std::to_string(a.claim.attempt) + " attempts: ");
    return;
  }
  const double factor = std::min(std::pow(2.0, a.claim.attempt - 1), 1e6);
  auto wait = std::chrono::duration_cast<base::Duration>(policy_.first_backoff * factor);
  wait = std::min(wait, policy_.max_backoff);
  const double jitter = policy_.jitter ? policy_.jitter() : DefaultJitter();
  wait = std::chrono::duration_cast<base::Duration>(wait * jitter);
  if (e.retry_after_s) {
    const auto after =
        std::chrono::duration_cast<base::Duration>(std::chrono::duration<double>(*e.retry_after_s));
    wait = std::max(wait, after);
  }
  const std::string message = "Will try again: " + e.message;
  Finish(a, "retry", message);
  (void)store_.RetryExportLater(a.store, a.number, a.claim.fence, clock_.Now() + wait, message,
                                maybe_sent);
}

void OrderExport::Fail(Attempt& a, const base::Error& e, const std::string& what) {
  const std::string message = what + e.message;
  Finish(a, "failed", message);
  (void)store_.StopExport(a.store, a.number, a.claim.fence, message, a.plan.not_sent);
}

base::Status OrderExport::Resolve(Attempt& a, lightspeed::Client& client,
                                  const Prefetch& prefetch) {
  const std::string& account = a.settings.account_id;
  if (a.plan.customer) {
    const CustomerNeed& need = *a.plan.customer;
    std::string id;
    if (!prefetch.emails_searched.count(need.email)) {
      auto found = client.FindCustomersByEmail(need.email);
      if (!found.ok()) return found.error();
      for (const auto& c : *found)
        if (!c.archived && (id.empty() || IdLess(c.id, id))) id = c.id;  // R13: lowest live id
    }
    if (id.empty()) {
      auto made = client.CreateCustomer(need.create);
      if (!made.ok()) return made.error();
      id = made->id;
    }
    if (auto s = store_.PutLink(a.store, account, "customer", need.email, id); !s.ok()) return s;
    a.links.customer_by_email[need.email] = id;
  }
  for (const ItemNeed& need : a.plan.items) {
    // R17: UPC, then EAN, then manufacturer SKU, then custom SKU = web SKU; else create.
    const std::pair<lightspeed::ItemKey, std::optional<std::string>> keys[] = {
        {lightspeed::ItemKey::kUpc, need.catalog.upc},
        {lightspeed::ItemKey::kEan, need.catalog.ean},
        {lightspeed::ItemKey::kManufacturerSku, need.catalog.manufacturer_sku},
        {lightspeed::ItemKey::kCustomSku, need.sku}};
    std::string id;
    for (const auto& [key, value] : keys) {
      if (!value || value->empty()) continue;
      auto found = client.FindItems(key, *value);
      if (!found.ok()) return found.error();
      for (const auto& item : *found)
        if (!item.archived && (id.empty() || IdLess(item.id, id))) id = item.id;
      if (!id.empty()) break;
    }
    if (id.empty()) {
      auto made = client.CreateItem(need.create);
      if (!made.ok()) return made.error();
      id = made->id;
    }
    if (auto s = store_.PutLink(a.store, account, "item", need.sku, id); !s.ok()) return s;
    a.links.item_by_sku[need.sku] = id;
  }
  for (const std::string& name : a.plan.payment_types) {
    auto found = cache_.FindPaymentType(account, client, name);
    if (!found.ok()) return found.error();
    std::string id = found->value_or("");
    if (id.empty()) {
      auto made = client.CreatePaymentType(name);  // R12: created once, then remembered
      if (!made.ok()) return made.error();
      id = made->id;
      cache_.AddPaymentType(account, name, id);
    }
    if (auto s = store_.PutLink(a.store, account, "payment_type", NormalizeKey(name), id); !s.ok())
      return s;
    a.links.payment_type_by_name[NormalizeKey(name)] = id;
  }
  if (a.plan.needs_tax_rates) {
    auto rates = cache_.ShopTaxRates(account, client, a.settings.shop_id);
    if (!rates.ok()) return rates.error();
    a.links.tax1 = rates->first;
    a.links.tax2 = rates->second;
  }
  return {};
}

void OrderExport::Run(store::StoreId s, const std::string& number, const store::ExportClaim& claim,
                      lightspeed::Client& client, const Prefetch& prefetch) {
  Attempt a;
  a.store = s;
  a.number = number;
  a.claim = claim;
  a.started = clock_.Now();
  auto record = store_.GetOrder(s, number);
  auto settings = store_.GetLightspeedSettings(s);
  if (!record.ok() || !settings.ok()) {
    Retry(a, record.ok() ? settings.error() : record.error(), claim.maybe_sent);
    return;
  }
  a.record = std::move(*record);
  a.settings = std::move(*settings);
  CrashPoint("after_claim");
  // Checked again just before sending (R1–R5): a refund may have arrived while it was queued.
  const shop::Eligibility now = shop::CheckEligibility(
      a.record.order, shop::ExportState::kNotExported, store::ConnectionOf(a.settings));
  if (!now.ok()) {
    Fail(a, base::Invalid("", now.message), "");
    return;
  }
  std::vector<std::string> skus;
  for (const auto& l : a.record.order.lines) skus.push_back(l.sku);
  auto catalog = store_.GetItems(s, skus);
  if (!catalog.ok()) return Retry(a, catalog.error(), claim.maybe_sent);
  a.catalog = std::move(*catalog);
  const std::pair<const char*, std::map<std::string, std::string>*> kinds[] = {
      {"customer", &a.links.customer_by_email},
      {"item", &a.links.item_by_sku},
      {"payment_type", &a.links.payment_type_by_name}};
  for (const auto& [kind, into] : kinds) {
    auto links = store_.GetLinks(s, a.settings.account_id, kind);
    if (!links.ok()) return Retry(a, links.error(), claim.maybe_sent);
    *into = std::move(*links);
  }
  a.plan = PlanExport(a.record.order, a.catalog, a.settings, a.links);

  // R20: an earlier attempt may have created the sale; adopt it rather than send another.
  if (claim.maybe_sent) {
    std::string found;
    auto pre = prefetch.sale_by_reference.find(number);
    if (pre != prefetch.sale_by_reference.end()) {
      found = pre->second;
    } else if (!prefetch.references_searched.count(number)) {
      auto sales = client.FindSales(number, a.settings.reference_source);
      if (!sales.ok()) return Retry(a, sales.error(), true);
      for (const auto& sale : *sales)
        if (!sale.voided && !sale.archived && (found.empty() || IdLess(sale.id, found)))
          found = sale.id;
    }
    if (!found.empty()) {
      Finish(a, "adopted", "Found sale " + found + " already in Lightspeed; adopted it");
      (void)store_.CompleteExport(s, number, claim.fence, found, a.plan.not_sent);
      return;
    }
  }

  for (int pass = 0; pass < 3 && a.plan.hold.empty() && !a.plan.Ready(); ++pass) {
    if (auto r = Resolve(a, client, prefetch); !r.ok()) {
      if (r.error().Retryable()) return Retry(a, r.error(), claim.maybe_sent);
      return Fail(a, r.error(), "Could not prepare the sale: ");
    }
    a.plan = PlanExport(a.record.order, a.catalog, a.settings, a.links);
  }
  if (!a.plan.hold.empty()) return Fail(a, base::Invalid("", a.plan.hold), "");
  if (!a.plan.Ready())
    return Fail(a, base::Internal("the sale could not be completed from what Lightspeed has"),
                "Could not prepare the sale: ");

  if (!store_.MarkSending(s, number, claim.fence, clock_.Now() + policy_.lease).ok()) return;
  CrashPoint("after_intent");
  a.sent = Describe(*a.plan.sale);
  auto sale = client.CreateSale(*a.plan.sale);
  CrashPoint("after_send");
  if (!sale.ok()) {
    if (sale.error().Retryable()) return Retry(a, sale.error(), true);
    return Fail(a, sale.error(), "Lightspeed refused the sale: ");
  }
  // R19: serial numbers after the sale, linked to the item, the sale line and the customer.
  std::string serial_problem;
  for (const SerialNeed& need : a.plan.serials) {
    if (need.sale_line >= sale->lines.size()) continue;
    const auto& line = sale->lines[need.sale_line];
    auto made =
        client.CreateSerialized({need.serial, line.item_id, a.plan.sale->customer_id, line.id});
    if (!made.ok() && serial_problem.empty())
      serial_problem = "; serial " + need.serial + " not recorded: " + made.error().message;
  }
  CrashPoint("before_success");
  Finish(a, "exported", "Sale " + sale->id + " created" + serial_problem);
  (void)store_.CompleteExport(s, number, claim.fence, sale->id, a.plan.not_sent);
}

}  // namespace exporter
