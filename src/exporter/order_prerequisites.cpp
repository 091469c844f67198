// What a sale needs before it can be sent: the customer, the items, the payment types and the
// shop's tax rates; and, after it, the serial numbers (R12-R19). Every create goes through the
// store's create gate: one create of a record in flight per account, and a fresh search under the
// gate before any create of a record an earlier writer made or may have made (issue 9: two
// customers for one e-mail when a batch's "not found" was trusted after a lost answer; two
// payment types when a search came before another process's create and the gate after it).
#include <spdlog/spdlog.h>

#include <optional>

#include "base/crash_points.h"
#include "base/text.h"
#include "exporter/order_export.h"

namespace exporter {

using base::CrashPoint;

namespace {

std::string LowestLive(const std::vector<lightspeed::Customer>& found) {
  std::string id;
  for (const auto& c : found)
    if (!c.archived && (id.empty() || IdLess(c.id, id))) id = c.id;  // R13: lowest live id
  return id;
}

}  // namespace

base::Task<base::Result<std::string>> OrderExport::GatedCreate(
    Attempt& a, std::string kind, std::string key, bool always_search,
    std::function<base::Task<base::Result<std::string>>()> search,
    std::function<base::Task<base::Result<std::string>>()> create,
    std::function<void(const std::string&)> remember) {
  const std::string& account = a.settings.account_id;
  auto tried = store_.BeginCreate(account, kind, key, a.gate_holder, policy_.lease);
  if (!tried.ok()) {
    if (tried.error().code != base::ErrorCode::kConflict) co_return tried.error();
    base::Error wait = base::Unavailable(tried.error().message);
    wait.retry_after_s = 2;
    co_return wait;
  }
  // The gate stays ours while the search and the create wait (bucket, Retry-After, a token
  // refresh); it is let go, and the keeper stopped, only once the outcome is known.
  std::optional<LeaseKeeper> keep;
  keep.emplace(policy_.lease, [&] {
    if (auto st = store_.BeginCreate(account, kind, key, a.gate_holder, policy_.lease); !st.ok())
      spdlog::warn("create gate for {} {} not renewed: {}", base::EscapeForLog(kind),
                   base::EscapeForLog(key), base::EscapeForLog(st.error().message));
  });
  // Searched while holding the gate: no other writer can create it between search and create.
  std::optional<base::Result<std::string>> result;
  if (always_search || *tried) {
    auto found = co_await search();
    if (!found.ok() || !found->empty()) result = std::move(found);
  }
  if (!result) {
    CrashPoint(("before_create_" + kind).c_str());
    result = co_await create();
    if (result->ok()) CrashPoint(("after_create_" + kind).c_str());
  }
  keep.reset();
  if (result->ok() && remember) {
    // The link and the gate's opening in one commit. If it is lost, the record still exists: the
    // gate's mark makes the next writer search.
    auto st = store_.EndCreateLinked(a.store, account, kind, key, a.gate_holder, **result);
    if (st.ok()) {
      remember(**result);
      co_return std::move(*result);
    }
    result = st.error();  // then the gate is let go below, without the link
  }
  // After an uncertain create the gate stays shut while that create may still land, so the next
  // writer's search finds it.
  const base::Duration reopen_after =
      !result->ok() && MayHaveLanded(result->error()) ? policy_.settle : base::Duration::zero();
  if (auto st = store_.EndCreate(account, kind, key, a.gate_holder, reopen_after); !st.ok())
    spdlog::warn("create gate for {} {} not released ({}); it opens when its lease ends",
                 base::EscapeForLog(kind), base::EscapeForLog(key),
                 base::EscapeForLog(st.error().message));
  co_return std::move(*result);
}

base::Task<base::Status> OrderExport::ResolveCustomer(Attempt& a, lightspeed::Client& client,
                                                      const Prefetch& prefetch) {
  const CustomerNeed& need = *a.plan.customer;
  const auto search = [&]() -> base::Task<base::Result<std::string>> {
    auto found = co_await client.FindCustomersByEmail(need.email);
    if (!found.ok()) co_return found.error();
    for (const auto& c : *found)
      cache_.NoteCustomerTax(a.settings.account_id, c.id, c.tax_category_id);
    co_return LowestLive(*found);
  };
  const auto remember = [&](const std::string& id) { a.links.customer_by_email[need.email] = id; };
  // The lane's batch may have searched this e-mail already (R27); a hit became a link.
  if (!prefetch.emails_searched.count(need.email)) {
    auto found = co_await search();
    if (!found.ok()) co_return found.error();
    if (!found->empty()) {
      if (auto s = store_.PutLink(a.store, a.settings.account_id, "customer", need.email, *found);
          !s.ok())
        co_return s;
      remember(*found);
      co_return base::Status{};
    }
  }
  auto made = co_await GatedCreate(
      a, "customer", need.email, /*always_search=*/false, search,
      [&]() -> base::Task<base::Result<std::string>> {
        auto c = co_await client.CreateCustomer(need.create);
        if (!c.ok()) co_return c.error();
        cache_.NoteCustomerTax(a.settings.account_id, c->id, c->tax_category_id);
        co_return c->id;
      },
      remember);
  if (!made.ok()) co_return made.error();
  co_return base::Status{};
}

base::Task<base::Status> OrderExport::ResolveItems(Attempt& a, lightspeed::Client& client,
                                                   const Prefetch& prefetch) {
  for (const ItemNeed& need : a.plan.items) {
    // R17: UPC, then EAN, then manufacturer SKU, then custom SKU = web SKU; else create. Archived
    // items are searched too: Lightspeed keeps their codes taken, so a new item with the same
    // code would be refused. A live item wins (lowest id, first key that has one); an item found
    // only archived is used as it is — the sale records what was sold, the merchant's catalog is
    // not changed — and the timeline says so.
    std::string archived_match;
    const auto search = [&]() -> base::Task<base::Result<std::string>> {
      const std::pair<lightspeed::ItemKey, std::optional<std::string>> keys[] = {
          {lightspeed::ItemKey::kUpc, need.catalog.upc},
          {lightspeed::ItemKey::kEan, need.catalog.ean},
          {lightspeed::ItemKey::kManufacturerSku, need.catalog.manufacturer_sku},
          {lightspeed::ItemKey::kCustomSku, need.sku}};
      std::string archived;
      for (const auto& [key, value] : keys) {
        if (!value || value->empty()) continue;
        auto found = co_await client.FindItems(key, *value);
        if (!found.ok()) co_return found.error();
        std::string live, archived_here;
        for (const auto& item : *found) {
          std::string& best = item.archived ? archived_here : live;
          if (best.empty() || IdLess(item.id, best)) best = item.id;
        }
        if (!live.empty()) co_return live;
        if (archived.empty()) archived = archived_here;
      }
      archived_match = archived;
      co_return archived;
    };
    const auto remember = [&](const std::string& id) { a.links.item_by_sku[need.sku] = id; };
    // The lane's batch may have searched this item by the same codes and found it nowhere
    // (R27): then, as for customers, the gate searches only if a create of it was ever tried.
    const auto hint = prefetch.items_missing.find(need.sku);
    const bool searched = hint != prefetch.items_missing.end() && hint->second == CodesOf(need);
    std::string refused;  // Lightspeed's words when it refused our create for a taken code
    auto made = co_await GatedCreate(
        a, "item", need.sku, /*always_search=*/!searched, search,
        [&]() -> base::Task<base::Result<std::string>> {
          auto i = co_await client.CreateItem(need.create);
          if (i.ok()) co_return i->id;
          if (i.error().code != base::ErrorCode::kInvalidInput) co_return i.error();
          // A refusal for a code already taken (by an item the search could not see yet): search
          // once more and link what holds it; never a second create.
          auto again = co_await search();
          if (!again.ok() || again->empty()) co_return i.error();
          refused = i.error().message;
          co_return *again;
        },
        remember);
    if (!made.ok()) co_return made.error();
    if (!refused.empty())
      a.notes += "; item " + need.sku + ": Lightspeed refused a new item (" + refused +
                 "), so item " + *made + " that has its code is used";
    if (!archived_match.empty() && archived_match == *made)
      a.notes += "; item " + need.sku + " is Lightspeed item " + *made +
                 ", which is archived: it was sold as it is (unarchive it in Lightspeed if you "
                 "stock it again)";
  }
  co_return base::Status{};
}

base::Task<base::Status> OrderExport::ResolvePaymentTypes(Attempt& a, lightspeed::Client& client,
                                                          const Prefetch& prefetch) {
  const std::string& account = a.settings.account_id;
  for (const std::string& name : a.plan.payment_types) {
    const std::string key = NormalizeKey(name);
    const auto remember = [&](const std::string& id) { a.links.payment_type_by_name[key] = id; };
    auto cached = co_await cache_.FindPaymentType(account, client, name, /*fresh=*/false,
                                                  prefetch.turn_started);
    if (!cached.ok()) co_return cached.error();
    if (*cached) {
      if (auto s = store_.PutLink(a.store, account, "payment_type", key, **cached); !s.ok())
        co_return s;
      remember(**cached);
      continue;
    }
    auto made = co_await GatedCreate(
        a, "payment_type", key, /*always_search=*/false,
        [&]() -> base::Task<base::Result<std::string>> {
          auto fresh = co_await cache_.FindPaymentType(account, client, name, /*fresh=*/true);
          if (!fresh.ok()) co_return fresh.error();
          co_return fresh->value_or("");
        },
        [&]() -> base::Task<base::Result<std::string>> {
          auto t = co_await client.CreatePaymentType(name);  // R12: created once, then remembered
          if (!t.ok()) co_return t.error();
          cache_.AddPaymentType(account, name, t->id);
          co_return t->id;
        },
        remember);
    if (!made.ok()) co_return made.error();
  }
  co_return base::Status{};
}

base::Task<base::Status> OrderExport::Resolve(Attempt& a, lightspeed::Client& client,
                                              const Prefetch& prefetch) {
  if (a.plan.customer)
    if (auto s = co_await ResolveCustomer(a, client, prefetch); !s.ok()) co_return s;
  if (auto s = co_await ResolveItems(a, client, prefetch); !s.ok()) co_return s;
  if (auto s = co_await ResolvePaymentTypes(a, client, prefetch); !s.ok()) co_return s;
  co_return co_await LoadTax(a, client);
}

base::Task<base::Status> OrderExport::LoadTax(Attempt& a, lightspeed::Client& client) {
  if (a.settings.tax_mode != store::TaxMode::kLightspeed) co_return base::Status{};
  a.plan = PlanExport(a.record.order, a.catalog, a.settings, a.links);  // after Resolve's links
  if (!a.plan.needs_tax_rates) co_return base::Status{};
  const std::string& account = a.settings.account_id;
  if (!a.links.tax || a.links.tax_customer_id != a.plan.tax_customer_id) {
    auto tax = co_await cache_.SaleTax(account, client, a.settings.shop_id, a.plan.tax_customer_id);
    if (!tax.ok()) co_return tax.error();
    a.links.tax = std::move(*tax);
    a.links.tax_customer_id = a.plan.tax_customer_id;
    a.plan = PlanExport(a.record.order, a.catalog, a.settings, a.links);
  }
  if (!a.plan.tax_items.empty()) {
    auto classes = co_await cache_.ItemTaxClasses(account, client, a.plan.tax_items);
    if (!classes.ok()) co_return classes.error();
    a.links.item_tax_class.insert(classes->begin(), classes->end());
    a.plan = PlanExport(a.record.order, a.catalog, a.settings, a.links);
  }
  co_return base::Status{};
}

base::Task<base::Result<std::string>> OrderExport::RecordSerials(Attempt& a,
                                                                 lightspeed::Client& client,
                                                                 const lightspeed::Sale& sale) {
  std::string words;
  for (const SerialNeed& need : a.plan.serials) {
    if (need.sale_line >= sale.lines.size()) {
      words += "; serial " + need.serial + " not recorded: sale " + sale.id +
               " has no line for it in Lightspeed";
      continue;
    }
    const lightspeed::SaleLineRef& line = sale.lines[need.sale_line];
    const lightspeed::NewSerialized wanted{need.serial, line.item_id, sale.customer_id, line.id};
    // What happened to this serial, in the timeline's words (" recorded", " not recorded: …").
    std::string outcome;
    // Searched under the gate every time: a serial received into stock is already a Serialized
    // record (it is updated, not created again), and an earlier attempt's write may have landed.
    // Answers the record's id when nothing is to be created ("" when it is missing).
    const auto settle = [&]() -> base::Task<base::Result<std::string>> {
      auto found = co_await client.FindSerialized(need.serial);
      if (!found.ok()) co_return found.error();
      const auto empty = [](const std::string& id) { return id.empty() || id == "0"; };
      const lightspeed::Serialized *ours = nullptr, *in_stock = nullptr, *other = nullptr;
      for (const auto& s : *found) {
        if (s.archived) {
          if (!other) other = &s;
          continue;
        }
        if (s.sale_line_id == line.id)
          ours = &s;
        else if (empty(s.sale_line_id) && (empty(s.item_id) || s.item_id == line.item_id)) {
          if (!in_stock || IdLess(s.id, in_stock->id)) in_stock = &s;
        } else if (!other || other->archived) {
          other = &s;
        }
      }
      if (ours) {
        if (outcome.empty()) outcome = " already in Lightspeed on this sale";
        co_return ours->id;
      }
      if (in_stock) {
        lightspeed::NewSerialized update = wanted;
        if (!empty(in_stock->item_id)) update.item_id.clear();  // its item is kept as it is
        if (auto st = co_await client.UpdateSerialized(in_stock->id, update); !st.ok())
          co_return st.error();
        outcome = " was in stock in Lightspeed: now linked to this sale and customer";
        co_return in_stock->id;
      }
      if (other) {
        outcome = other->archived
                      ? " not recorded: Lightspeed has it archived (record " + other->id + ")"
                  : other->item_id != line.item_id
                      ? " not recorded: Lightspeed has it on item " + other->item_id
                      : " not recorded: Lightspeed has it on sale line " + other->sale_line_id;
        co_return other->id;
      }
      co_return std::string();
    };
    auto made = co_await GatedCreate(
        a, "serial", need.serial, /*always_search=*/true, settle,
        [&]() -> base::Task<base::Result<std::string>> {
          if (auto st = co_await client.CreateSerialized(wanted); !st.ok()) {
            // Refused (a serial is unique in the account): look once more and settle what holds
            // it; never a second create.
            if (st.error().code != base::ErrorCode::kInvalidInput) co_return st.error();
            auto again = co_await settle();
            if (!again.ok() || again->empty()) co_return st.error();
            co_return *again;
          }
          outcome = " recorded";
          co_return std::string("created");
        },
        /*remember=*/nullptr);  // a serial is searched every time, never linked
    if (!made.ok()) {
      // A refused access token is not a refused serial number: the next attempt resumes it.
      if (made.error().Retryable() || made.error().code == base::ErrorCode::kUnauthenticated)
        co_return made.error();
      words += "; serial " + need.serial + " not recorded: " + made.error().message;
      continue;
    }
    words += "; serial " + need.serial + outcome;
  }
  co_return words;
}

}  // namespace exporter
