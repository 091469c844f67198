// Orders, payments, refunds, queueing and the export lists.
#include <algorithm>
#include <nlohmann/json.hpp>

#include "base/text.h"
#include "store/postgres/pg_sql.h"
#include "store/postgres/pg_store.h"
#include "store/rules.h"

namespace store::postgres {
namespace {

using nlohmann::json;
using rules::FromSeconds;
using rules::Seconds;

const std::string kNow = kNowSql;

std::string Str(const json& j) { return j.is_string() ? j.get<std::string>() : std::string(); }
std::optional<std::string> OptStr(const json& j) {
  if (!j.is_string()) return std::nullopt;
  return j.get<std::string>();
}
int64_t Int(const json& j) { return j.is_number() ? j.get<int64_t>() : 0; }

json Children(const pqxx::field& f) {
  json j = json::parse(f.c_str(), nullptr, false);
  return j.is_array() ? j : json::array();
}

// The order's own columns as parameters $2..$16 (number … total), in the order of kOrderColumns.
constexpr const char* kOrderColumns =
    "number, placed_at, status, currency, email, first_name, last_name, phone, billing_address, "
    "shipping_address, order_discount_cents, shipping_method, shipping_cents, tax_cents, "
    "total_cents";

// Everything PutOrder writes in one statement: the order (CTE `o`, inserted or updated) and its
// lines, payments and refunds, each a multi-row INSERT from arrays. $1 now, $2..$16 the order's
// columns, $17 the store (insert) or the order's id (update), $18.. the children.
std::string WriteOrderSql(bool replace) {
  std::string sql;
  if (replace) {
    sql = "WITH o AS (UPDATE orders SET (" + std::string(kOrderColumns) +
          ", updated_at) = ($2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,$16," + kNow +
          ") WHERE id = $17 RETURNING id)";
  } else {
    sql = "WITH o AS (INSERT INTO orders (" + std::string(kOrderColumns) +
          ", updated_at, store_id) VALUES ($2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,$16," +
          kNow + ",$17) ON CONFLICT (store_id, number) DO NOTHING RETURNING id)";
  }
  sql +=
      ", l AS (INSERT INTO order_lines (order_id, idx, sku, quantity, unit_price_cents, "
      "discount_cents, taxable, serial_numbers, kind, description) "
      "SELECT o.id, t.i - 1, t.sku, t.quantity, t.unit_price, t.discount, t.taxable, t.serials, "
      "t.kind, t.description FROM o, unnest($18::text[], $19::bigint[], $20::bigint[], "
      "$21::bigint[], $22::boolean[], $23::text[], $24::text[], $25::text[]) WITH ORDINALITY "
      "AS t(sku, quantity, unit_price, discount, taxable, serials, kind, description, i))"
      ", p AS (INSERT INTO order_payments (order_id, idx, payment_id, method, amount_cents, "
      "status, reference) SELECT o.id, t.i - 1, t.payment_id, t.method, t.amount, t.status, "
      "t.reference FROM o, unnest($26::text[], $27::text[], $28::bigint[], $29::text[], "
      "$30::text[]) WITH ORDINALITY AS t(payment_id, method, amount, status, reference, i))"
      ", r AS (INSERT INTO order_refunds (order_id, idx, refund_id, method, amount_cents, at, "
      "lines) SELECT o.id, t.i - 1, t.refund_id, t.method, t.amount, t.refunded_at, t.lines "
      "FROM o, unnest($31::text[], $32::text[], $33::bigint[], $34::bigint[], $35::text[]) "
      "WITH ORDINALITY AS t(refund_id, method, amount, refunded_at, lines, i)) "
      "SELECT id FROM o";
  return sql;
}

}  // namespace

std::string PostgresStore::OrderSelect(bool with_attempts) {
  std::string sql =
      "SELECT o.id, o.number, o.placed_at, o.status, o.currency, o.email, o.first_name, "
      "o.last_name, o.phone, o.billing_address, o.shipping_address, o.order_discount_cents, "
      "o.shipping_method, o.shipping_cents, o.tax_cents, o.total_cents, o.export_state, "
      "o.sale_id, o.queued_at, o.exported_at, o.export_message, o.export_attempts, o.not_sent, "
      "(SELECT COALESCE(json_agg(json_build_array(l.sku, l.quantity, l.unit_price_cents, "
      "l.discount_cents, l.taxable, l.serial_numbers, COALESCE(l.kind, i.kind), "
      "COALESCE(l.description, i.description)) ORDER BY l.idx), '[]') FROM order_lines l "
      "LEFT JOIN items i ON i.store_id = o.store_id AND i.sku = l.sku WHERE l.order_id = o.id), "
      "(SELECT COALESCE(json_agg(json_build_array(p.payment_id, p.method, p.amount_cents, "
      "p.status, p.reference) ORDER BY p.idx), '[]') FROM order_payments p "
      "WHERE p.order_id = o.id), "
      "(SELECT COALESCE(json_agg(json_build_array(r.refund_id, r.method, r.amount_cents, r.at, "
      "r.lines) ORDER BY r.idx), '[]') FROM order_refunds r WHERE r.order_id = o.id)";
  if (with_attempts)
    sql +=
        ", (SELECT COALESCE(json_agg(json_build_array(a.n, a.started_at, a.finished_at, "
        "a.outcome, a.http_status, a.message, a.units, a.sent) ORDER BY a.id), '[]') "
        "FROM export_attempts a WHERE a.order_id = o.id)";
  return sql + " FROM orders o";
}

void PostgresStore::WriteHold(pqxx::work& w, int64_t order_id) {
  int64_t id = order_id;
  const OrderRecord record =
      ReadOrder(w.exec_params1(OrderSelect(false) + " WHERE o.id = $1", id), &id);
  w.exec_params0("UPDATE orders SET hold = $1 WHERE id = $2", rules::ExportHold(record.order),
                 order_id);
}

OrderRecord PostgresStore::ReadOrder(const pqxx::row& r, int64_t* id) {
  OrderRecord record;
  *id = r[0].as<int64_t>();
  shop::Order& o = record.order;
  o.number = r[1].as<std::string>();
  o.placed_at = FromSeconds(r[2].as<int64_t>());
  (void)shop::Parse(r[3].as<std::string>(), &o.status);
  o.currency = r[4].as<std::string>();
  o.customer = shop::Customer{r[5].as<std::string>(), r[6].as<std::string>(),
                              r[7].as<std::string>(), OptText(r[8])};
  o.billing_address = rules::AddressFromText(OptText(r[9]));
  o.shipping_address = rules::AddressFromText(OptText(r[10]));
  o.order_discount = base::Money::FromCents(r[11].as<int64_t>());
  if (!r[13].is_null())
    o.shipping =
        shop::Shipping{OptText(r[12]).value_or(""), base::Money::FromCents(r[13].as<int64_t>())};
  o.tax = base::Money::FromCents(r[14].as<int64_t>());
  o.total = base::Money::FromCents(r[15].as<int64_t>());
  ExportRecord& e = record.export_record;
  (void)shop::Parse(r[16].as<std::string>(), &e.state);
  e.sale_id = OptText(r[17]).value_or("");
  if (auto q = OptInt(r[18])) e.queued_at = FromSeconds(*q);
  if (auto x = OptInt(r[19])) e.exported_at = FromSeconds(*x);
  e.message = base::ValidUtf8(OptText(r[20]).value_or(""));
  e.attempts = r[21].as<int>();
  e.not_sent = rules::NotSentFromText(OptText(r[22]));
  for (const json& j : Children(r[23])) {
    shop::Line l;
    l.sku = Str(j[0]);
    l.quantity = Int(j[1]);
    l.unit_price = base::Money::FromCents(Int(j[2]));
    l.discount = base::Money::FromCents(Int(j[3]));
    l.taxable = j[4].is_boolean() && j[4].get<bool>();
    l.serial_numbers = rules::SerialsFromText(Str(j[5]));
    (void)shop::Parse(Str(j[6]), &l.kind);
    l.description = Str(j[7]);
    o.lines.push_back(std::move(l));
  }
  for (const json& j : Children(r[24])) {
    shop::Payment p{Str(j[0]), Str(j[1]), base::Money::FromCents(Int(j[2]))};
    (void)shop::Parse(Str(j[3]), &p.status);
    p.reference = OptStr(j[4]);
    o.payments.push_back(std::move(p));
  }
  for (const json& j : Children(r[25]))
    o.refunds.push_back(shop::Refund{Str(j[0]), Str(j[1]), base::Money::FromCents(Int(j[2])),
                                     FromSeconds(Int(j[3])),
                                     rules::RefundLinesFromText(Str(j[4]))});
  if (r.size() > 26) {
    for (const json& j : Children(r[26])) {
      ExportAttempt a{static_cast<int>(Int(j[0])),
                      FromSeconds(Int(j[1])),
                      FromSeconds(Int(j[2])),
                      AttemptOutcome::kFailed,
                      static_cast<int>(Int(j[4])),
                      base::ValidUtf8(Str(j[5])),
                      j[6].is_number() ? j[6].get<double>() : 0.0,
                      base::ValidUtf8(Str(j[7]))};
      Parse(Str(j[3]), &a.outcome);
      record.attempts.push_back(std::move(a));
    }
  }
  return record;
}

Result<PutOutcome> PostgresStore::PutOrder(StoreId store, const shop::Order& order) {
  return pool_->Get<PutOutcome>([&](pqxx::work& w) -> Result<PutOutcome> {
    // Lock first, then read in a statement of its own: under READ COMMITTED a statement that
    // waited for the lock would otherwise compare against children as they were before.
    auto locked =
        w.exec_params("SELECT id FROM orders WHERE store_id = $1 AND number = $2 FOR UPDATE",
                      store.value, order.number);
    std::optional<OrderRecord> existing;
    int64_t order_id = 0;
    if (!locked.empty()) {
      order_id = locked[0][0].as<int64_t>();
      auto r = w.exec_params1(OrderSelect(false) + " WHERE o.id = $1", order_id);
      existing = ReadOrder(r, &order_id);
    }
    auto decided = rules::DecidePut(existing ? &*existing : nullptr, order);
    if (!decided.ok() || *decided == PutOutcome::kUnchanged) return decided;
    const bool replace = *decided == PutOutcome::kReplaced;
    if (replace)
      w.exec_params0(
          "WITH l AS (DELETE FROM order_lines WHERE order_id = $1), "
          "p AS (DELETE FROM order_payments WHERE order_id = $1) "
          "DELETE FROM order_refunds WHERE order_id = $1",
          order_id);

    std::vector<std::string> skus, serials, kinds, descriptions;
    std::vector<int64_t> quantities, prices, discounts;
    std::vector<bool> taxable;
    for (const shop::Line& l : order.lines) {
      skus.push_back(l.sku);
      quantities.push_back(l.quantity);
      prices.push_back(l.unit_price.cents());
      discounts.push_back(l.discount.cents());
      taxable.push_back(l.taxable);
      serials.push_back(rules::SerialsToText(l.serial_numbers));
      kinds.push_back(shop::Name(l.kind));
      descriptions.push_back(l.description);
    }
    std::vector<std::string> pay_ids, pay_methods, pay_statuses;
    std::vector<std::optional<std::string>> pay_refs;
    std::vector<int64_t> pay_amounts;
    for (const shop::Payment& p : order.payments) {
      pay_ids.push_back(p.id);
      pay_methods.push_back(p.method);
      pay_amounts.push_back(p.amount.cents());
      pay_statuses.push_back(shop::Name(p.status));
      pay_refs.push_back(p.reference);
    }
    std::vector<std::string> refund_ids, refund_methods, refund_lines;
    std::vector<int64_t> refund_amounts, refund_ats;
    for (const shop::Refund& r : order.refunds) {
      refund_lines.push_back(rules::RefundLinesToText(r.lines));
      refund_ids.push_back(r.id);
      refund_methods.push_back(r.method);
      refund_amounts.push_back(r.amount.cents());
      refund_ats.push_back(Seconds(r.at));
    }
    const shop::Order& o = order;
    std::optional<std::string> ship_method;
    std::optional<int64_t> ship_cents;
    if (o.shipping) {
      ship_method = o.shipping->method;
      ship_cents = o.shipping->amount.cents();
    }
    auto written = w.exec_params(
        WriteOrderSql(replace), ClockSeconds(), o.number, Seconds(o.placed_at),
        shop::Name(o.status), o.currency, o.customer.email, o.customer.first_name,
        o.customer.last_name, o.customer.phone, rules::AddressToText(o.billing_address),
        rules::AddressToText(o.shipping_address), o.order_discount.cents(), ship_method, ship_cents,
        o.tax.cents(), o.total.cents(), replace ? order_id : store.value, TextArray(skus),
        IntArray(quantities), IntArray(prices), IntArray(discounts), BoolArray(taxable),
        TextArray(serials), TextArray(kinds), TextArray(descriptions), TextArray(pay_ids),
        TextArray(pay_methods), IntArray(pay_amounts), TextArray(pay_statuses), TextArray(pay_refs),
        TextArray(refund_ids), TextArray(refund_methods), IntArray(refund_amounts),
        IntArray(refund_ats), TextArray(refund_lines));
    if (written.empty())  // another writer created it since our lock found nothing
      return base::Unavailable("order " + order.number + " was stored concurrently; try again");
    w.exec_params0("UPDATE orders SET hold = $1 WHERE id = $2", rules::ExportHold(order),
                   written[0][0].as<int64_t>());
    QueueRefundExports(w, written[0][0].as<int64_t>(),
                       rules::AddedRefunds(existing ? &*existing : nullptr, order));
    return *decided;
  });
}

Result<OrderRecord> PostgresStore::GetOrder(StoreId store, const std::string& number) {
  // PostgreSQL text cannot hold a NUL and libpq would cut the key there: nothing is stored under
  // it.
  if (rules::HasNul(number)) return rules::OrderNotFound(number);
  return pool_->Get<OrderRecord>([&](pqxx::work& w) -> Result<OrderRecord> {
    auto r =
        w.exec_prepared(Prepare(w, OrderSelect(true) + " WHERE o.store_id = $1 AND o.number = $2"),
                        store.value, number);
    if (r.empty()) return rules::OrderNotFound(number);
    int64_t id = 0;
    return ReadOrder(r[0], &id);
  });
}

namespace {

// The searched text, as orders_search indexes it (migration 5).
constexpr const char* kSearchText =
    "lower(o.email || E'\\n' || o.first_name || ' ' || o.last_name)";

std::string EscapeLike(const std::string& text) {
  std::string out;
  for (char c : text) {
    if (c == '\\' || c == '%' || c == '_') out += '\\';
    out += c;
  }
  return out;
}

// The conditions after "WHERE o.store_id = $1" that ListOrders and CountOrders share; their
// values are appended to `args` (all text, cast where used).
// `ids`: the search's matches, found already (the search condition becomes "one of these").
std::string OrderWhere(const OrderFilter& f, const rules::OrderQuery& q, bool with_cursor,
                       std::vector<std::string>* args, const std::vector<int64_t>* ids = nullptr) {
  const auto arg = [&](std::string value) {
    args->push_back(std::move(value));
    return "$" + std::to_string(args->size());
  };
  std::string sql;
  if (!f.statuses.empty()) {
    std::vector<std::string> names;
    for (shop::OrderStatus s : f.statuses) names.push_back(shop::Name(s));
    sql += " AND o.status = ANY(" + arg(TextArray(names)) + "::text[])";
  }
  if (f.export_state) sql += " AND o.export_state = " + arg(shop::Name(*f.export_state));
  if (f.needs_action) sql += std::string(" AND ") + rules::kNeedsActionSql;
  if (q.search.active && ids) {
    sql += " AND o.id = ANY(" + arg(IntArray(*ids)) + "::bigint[])";
  } else if (q.search.active) {
    std::vector<std::string> parts;
    if (!q.search.number_prefix.empty())
      parts.push_back("lower(o.number) LIKE " + arg(EscapeLike(q.search.number_prefix) + "%"));
    if (!q.search.substring.empty())
      parts.push_back(std::string(kSearchText) + " LIKE lower(" +
                      arg("%" + EscapeLike(q.search.substring) + "%") + ")");
    if (parts.empty()) sql += " AND false";
    if (parts.size() == 1) sql += " AND " + parts[0];
    if (parts.size() == 2) sql += " AND (" + parts[0] + " OR " + parts[1] + ")";
  }
  if (with_cursor && q.cursor) {
    sql += std::string(" AND (o.") + (q.by_total ? "total_cents" : "placed_at") + ", o.id) " +
           (q.ReadDescending() ? "<" : ">") + " (" + arg(std::to_string(q.cursor->key)) +
           "::bigint, " + arg(std::to_string(q.cursor->row_id)) + "::bigint)";
  }
  return sql;
}

}  // namespace

Result<OrderPage> PostgresStore::ListOrders(StoreId store, const OrderFilter& filter) {
  auto query = rules::PlanOrderQuery(filter);
  if (!query.ok()) return query.error();
  const char* dir = query->ReadDescending() ? " DESC" : " ASC";
  auto rows = pool_->Get<std::vector<std::pair<int64_t, OrderRecord>>>(
      [&](pqxx::work& w) -> Result<std::vector<std::pair<int64_t, OrderRecord>>> {
        std::optional<std::vector<int64_t>> ids;
        if (query->search.active) {
          std::vector<std::string> args{std::to_string(store.value)};
          const std::string matches = OrderWhere(OrderFilter{}, *query, false, &args);
          args.push_back(std::to_string(walk_above_ + 1));
          ids.emplace();
          for (const auto& row :
               w.exec_params("SELECT o.id FROM orders o WHERE o.store_id = $1::bigint" + matches +
                                 " LIMIT $" + std::to_string(args.size()) + "::bigint",
                             pqxx::prepare::make_dynamic_params(args)))
            ids->push_back(row[0].as<int64_t>());
          if (static_cast<int64_t>(ids->size()) > walk_above_) ids.reset();
        }
        std::vector<std::string> args{std::to_string(store.value)};
        const std::string where = OrderWhere(filter, *query, true, &args, ids ? &*ids : nullptr);
        // Sorting by an expression keeps the planner from walking the whole date or total index
        // testing each row against the ids (it did: 155 ms for 2,240 ids); it fetches the ids
        // through the primary key and sorts them instead.
        const char* plus = ids ? " + 0" : "";
        args.push_back(std::to_string(filter.limit + 1));
        const std::string sql = OrderSelect(false) + " WHERE o.store_id = $1::bigint" + where +
                                " ORDER BY o." + (query->by_total ? "total_cents" : "placed_at") +
                                plus + dir + ", o.id" + plus + dir + " LIMIT $" +
                                std::to_string(args.size()) + "::bigint";
        std::vector<std::pair<int64_t, OrderRecord>> out;
        for (const auto& row : w.exec_params(sql, pqxx::prepare::make_dynamic_params(args))) {
          int64_t id = 0;
          OrderRecord record = ReadOrder(row, &id);
          out.emplace_back(id, std::move(record));
        }
        return out;
      });
  if (!rows.ok()) return rows.error();
  auto page = rules::MakeOrderPage(*query, filter.limit, std::move(*rows));
  if (page) return std::move(*page);
  OrderFilter first = filter;  // a Previous page that reached the start: the first page
  first.cursor.clear();
  return ListOrders(store, first);
}

Result<int64_t> PostgresStore::CountOrders(StoreId store, const OrderFilter& filter,
                                           int64_t at_most) {
  auto query = rules::PlanOrderQuery(filter);
  if (!query.ok()) return query.error();
  std::vector<std::string> args{std::to_string(store.value)};
  const std::string where = OrderWhere(filter, *query, false, &args);
  args.push_back(std::to_string(std::max<int64_t>(at_most, 0)));
  const std::string sql =
      "SELECT COUNT(*) FROM (SELECT 1 FROM orders o WHERE o.store_id = $1::bigint" + where +
      " LIMIT $" + std::to_string(args.size()) + "::bigint) AS matching";
  return pool_->Get<int64_t>([&](pqxx::work& w) -> Result<int64_t> {
    return w.exec_params1(sql, pqxx::prepare::make_dynamic_params(args))[0].as<int64_t>();
  });
}

Status PostgresStore::SetOrderStatus(StoreId store, const std::string& number,
                                     shop::OrderStatus status) {
  return pool_->Run([&](pqxx::work& w) -> Status {
    auto r = w.exec_params0("UPDATE orders SET status = $2, updated_at = " + kNow +
                                " WHERE store_id = $3 AND number = $4",
                            ClockSeconds(), shop::Name(status), store.value, number);
    if (r.affected_rows() == 0) return rules::OrderNotFound(number);
    return {};
  });
}

Status PostgresStore::CapturePayment(StoreId store, const std::string& number,
                                     const std::string& payment_id) {
  return pool_->Run([&](pqxx::work& w) -> Status {
    auto found = w.exec_params(
        "SELECT p.status, o.id FROM orders o LEFT JOIN order_payments p "
        "ON p.order_id = o.id AND p.payment_id = $1 WHERE o.store_id = $2 AND o.number = $3",
        payment_id, store.value, number);
    if (found.empty()) return rules::OrderNotFound(number);
    if (found[0][0].is_null())
      return base::NotFound("order " + number + " has no payment \"" + payment_id + "\"");
    const std::string status = found[0][0].as<std::string>();
    const int64_t order_id = found[0][1].as<int64_t>();
    if (status != "authorized") return rules::NotAuthorized(payment_id, status);
    // Guarded by the status, so of two captures racing only one succeeds.
    auto done = w.exec_params(
        "WITH p AS (UPDATE order_payments SET status = 'captured' WHERE order_id = $2 AND "
        "payment_id = $3 AND status = 'authorized' RETURNING order_id) "
        "UPDATE orders SET updated_at = " +
            kNow + " WHERE id IN (SELECT order_id FROM p) RETURNING id",
        ClockSeconds(), order_id, payment_id);
    if (done.empty()) return rules::NotAuthorized(payment_id, "captured");
    WriteHold(w, order_id);
    return {};
  });
}

Status PostgresStore::AddRefund(StoreId store, const std::string& number,
                                const shop::Refund& refund) {
  auto added = pool_->Run([&](pqxx::work& w) -> Status {
    // The lock orders refunds of one order (and QueueExport's check) one after another.
    auto locked =
        w.exec_params("SELECT id FROM orders WHERE store_id = $1 AND number = $2 FOR UPDATE",
                      store.value, number);
    if (locked.empty()) return rules::OrderNotFound(number);
    w.exec_params0(
        "INSERT INTO order_refunds (order_id, idx, refund_id, method, amount_cents, at, lines) "
        "SELECT $1, COALESCE(MAX(idx) + 1, 0), $2::text, $3::text, $4::bigint, $5::bigint, "
        "$6::text FROM order_refunds "
        "WHERE order_id = $1",
        locked[0][0].as<int64_t>(), refund.id, refund.method, refund.amount.cents(),
        Seconds(refund.at), rules::RefundLinesToText(refund.lines));
    WriteHold(w, locked[0][0].as<int64_t>());
    QueueRefundExports(w, locked[0][0].as<int64_t>(), {refund.id});
    return {};
  });
  if (!added.ok() && IsDuplicate(added.error())) return rules::DuplicateRefund(number, refund.id);
  return added;
}

Result<ExportRecord> PostgresStore::QueueExport(StoreId store, const std::string& number,
                                                const ExportCheck& check) {
  return pool_->Get<ExportRecord>([&](pqxx::work& w) -> Result<ExportRecord> {
    // Lock, then read: the check must see every refund committed before the lock was ours.
    auto locked =
        w.exec_params("SELECT id FROM orders WHERE store_id = $1 AND number = $2 FOR UPDATE",
                      store.value, number);
    if (locked.empty()) return rules::OrderNotFound(number);
    int64_t order_id = locked[0][0].as<int64_t>();
    auto r = w.exec_params1(OrderSelect(false) + " WHERE o.id = $1", order_id);
    OrderRecord record = ReadOrder(r, &order_id);
    auto settings = LoadSettings(w, store);
    if (!settings.ok()) return settings.error();
    const shop::Eligibility verdict = check(record.order, record.export_record.state, *settings);
    if (!verdict.ok()) return rules::QueueRefusal(verdict);
    auto queued = w.exec_params1(
        "UPDATE orders SET export_state = 'queued', queued_at = " + kNow +
            ", export_message = NULL, export_not_before = NULL, updated_at = " + kNow +
            " WHERE id = $2 RETURNING queued_at",
        ClockSeconds(), order_id);
    ExportRecord out = record.export_record;
    out.state = shop::ExportState::kQueued;
    out.queued_at = FromSeconds(queued[0].as<int64_t>());
    out.message.clear();
    return out;
  });
}

Result<std::vector<OrderRecord>> PostgresStore::ListExports(StoreId store,
                                                            std::optional<shop::ExportState> state,
                                                            int limit) {
  std::optional<std::string> name;
  if (state) name = shop::Name(*state);
  return pool_->Get<std::vector<OrderRecord>>(
      [&](pqxx::work& w) -> Result<std::vector<OrderRecord>> {
        std::vector<OrderRecord> out;
        int64_t id = 0;
        for (const auto& row : w.exec_params(
                 OrderSelect(true) +
                     " WHERE o.store_id = $1 AND CASE WHEN $2::text IS NULL THEN "
                     "o.export_state <> 'not_exported' ELSE o.export_state = $2::text END "
                     "ORDER BY COALESCE(o.queued_at, 0) DESC, o.id DESC LIMIT $3",
                 store.value, name, static_cast<int64_t>(limit)))
          out.push_back(ReadOrder(row, &id));
        return out;
      });
}

Result<std::map<shop::ExportState, int64_t>> PostgresStore::CountExports(StoreId store) {
  using Counts = std::map<shop::ExportState, int64_t>;
  return pool_->Get<Counts>([&](pqxx::work& w) -> Result<Counts> {
    Counts out;
    for (const auto& row : w.exec_params(
             "SELECT export_state, COUNT(*) FROM orders WHERE store_id = $1 GROUP BY export_state",
             store.value)) {
      shop::ExportState state;
      if (shop::Parse(row[0].as<std::string>(), &state)) out[state] = row[1].as<int64_t>();
    }
    return out;
  });
}

Result<std::map<StoreId, std::map<shop::ExportState, int64_t>>>
PostgresStore::CountExportsByStore() {
  using Counts = std::map<StoreId, std::map<shop::ExportState, int64_t>>;
  return pool_->Get<Counts>([&](pqxx::work& w) -> Result<Counts> {
    Counts out;
    for (const auto& row : w.exec("SELECT store_id, export_state, COUNT(*) FROM orders GROUP BY "
                                  "store_id, export_state")) {
      shop::ExportState state;
      if (shop::Parse(row[1].as<std::string>(), &state))
        out[StoreId{row[0].as<int64_t>()}][state] = row[2].as<int64_t>();
    }
    return out;
  });
}

}  // namespace store::postgres
