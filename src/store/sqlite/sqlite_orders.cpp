// Orders, payments, refunds and export records.
#include <algorithm>
#include <variant>

#include "base/text.h"
#include "store/rules.h"
#include "store/sqlite/sqlite_store.h"

namespace store::sqlite {
namespace {

constexpr const char* kOrderColumns =
    "o.id, o.number, o.placed_at, o.status, o.currency, o.email, o.first_name, o.last_name, "
    "o.phone, o.billing_address, o.shipping_address, o.order_discount_cents, o.shipping_method, "
    "o.shipping_cents, o.tax_cents, o.total_cents, o.export_state, o.sale_id, o.queued_at, "
    "o.exported_at, o.export_message, o.export_attempts, o.not_sent";
constexpr int kOrderColumnCount = 23;  // a column selected after kOrderColumns has this index

using rules::FromSeconds;
using rules::Seconds;

struct Row {
  int64_t id;
  OrderRecord record;
};

Row ReadOrderRow(const Stmt& s) {
  Row row;
  row.id = s.Int(0);
  shop::Order& o = row.record.order;
  o.number = s.Text(1);
  o.placed_at = FromSeconds(s.Int(2));
  (void)shop::Parse(s.Text(3), &o.status);
  o.currency = s.Text(4);
  o.customer = shop::Customer{s.Text(5), s.Text(6), s.Text(7), s.OptText(8)};
  o.billing_address = rules::AddressFromText(s.OptText(9));
  o.shipping_address = rules::AddressFromText(s.OptText(10));
  o.order_discount = base::Money::FromCents(s.Int(11));
  if (!s.IsNull(13)) o.shipping = shop::Shipping{s.Text(12), base::Money::FromCents(s.Int(13))};
  o.tax = base::Money::FromCents(s.Int(14));
  o.total = base::Money::FromCents(s.Int(15));
  ExportRecord& e = row.record.export_record;
  (void)shop::Parse(s.Text(16), &e.state);
  e.sale_id = s.OptText(17).value_or("");
  if (auto q = s.OptInt(18)) e.queued_at = FromSeconds(*q);
  if (auto x = s.OptInt(19)) e.exported_at = FromSeconds(*x);
  e.message = base::ValidUtf8(s.OptText(20).value_or(""));  // rows written before M2
  e.attempts = static_cast<int>(s.Int(21));
  e.not_sent = rules::NotSentFromText(s.OptText(22));
  return row;
}

// Binds the order's own columns as parameters 1..15 (number … total).
void BindOrderColumns(Stmt& s, const shop::Order& o) {
  s.Bind(1, o.number).Bind(2, Seconds(o.placed_at)).Bind(3, shop::Name(o.status));
  s.Bind(4, o.currency).Bind(5, o.customer.email).Bind(6, o.customer.first_name);
  s.Bind(7, o.customer.last_name).Bind(8, o.customer.phone);
  s.Bind(9, rules::AddressToText(o.billing_address))
      .Bind(10, rules::AddressToText(o.shipping_address));
  s.Bind(11, o.order_discount.cents());
  if (o.shipping) {
    s.Bind(12, o.shipping->method).Bind(13, o.shipping->amount.cents());
  } else {
    s.BindNull(12).BindNull(13);
  }
  s.Bind(14, o.tax.cents()).Bind(15, o.total.cents());
}

}  // namespace

Status SqliteStore::LoadChildren(Conn& conn, StoreId store, int64_t order_id, shop::Order* o) {
  Stmt lines(conn,
             "SELECT l.sku, l.quantity, l.unit_price_cents, l.discount_cents, l.taxable, "
             "l.serial_numbers, COALESCE(l.kind, i.kind), COALESCE(l.description, i.description) "
             "FROM order_lines l LEFT JOIN items i ON i.store_id = ? AND i.sku = l.sku "
             "WHERE l.order_id = ? ORDER BY l.idx");
  lines.Bind(1, store.value).Bind(2, order_id);
  while (lines.Step()) {
    shop::Line l;
    l.sku = lines.Text(0);
    l.quantity = lines.Int(1);
    l.unit_price = base::Money::FromCents(lines.Int(2));
    l.discount = base::Money::FromCents(lines.Int(3));
    l.taxable = lines.Int(4) != 0;
    l.serial_numbers = rules::SerialsFromText(lines.Text(5));
    (void)shop::Parse(lines.Text(6), &l.kind);
    l.description = lines.Text(7);
    o->lines.push_back(std::move(l));
  }
  if (!lines.status().ok()) return lines.status();
  Stmt pays(conn,
            "SELECT payment_id, method, amount_cents, status, reference FROM order_payments "
            "WHERE order_id = ? ORDER BY idx");
  pays.Bind(1, order_id);
  while (pays.Step()) {
    shop::Payment p{pays.Text(0), pays.Text(1), base::Money::FromCents(pays.Int(2))};
    (void)shop::Parse(pays.Text(3), &p.status);
    p.reference = pays.OptText(4);
    o->payments.push_back(std::move(p));
  }
  if (!pays.status().ok()) return pays.status();
  Stmt refunds(conn,
               "SELECT refund_id, method, amount_cents, at, lines FROM order_refunds "
               "WHERE order_id = ? ORDER BY idx");
  refunds.Bind(1, order_id);
  while (refunds.Step())
    o->refunds.push_back(
        shop::Refund{refunds.Text(0), refunds.Text(1), base::Money::FromCents(refunds.Int(2)),
                     FromSeconds(refunds.Int(3)), rules::RefundLinesFromText(refunds.Text(4))});
  return refunds.status();
}

Status SqliteStore::WriteChildren(Conn& conn, int64_t order_id, const shop::Order& o) {
  for (const char* table : {"order_lines", "order_payments", "order_refunds"}) {
    Stmt del(conn, (std::string("DELETE FROM ") + table + " WHERE order_id = ?").c_str());
    del.Bind(1, order_id);
    del.Step();
    if (!del.status().ok()) return del.status();
  }
  Stmt line(conn,
            "INSERT INTO order_lines (order_id, idx, sku, quantity, unit_price_cents, "
            "discount_cents, taxable, serial_numbers, kind, description) "
            "VALUES (?,?,?,?,?,?,?,?,?,?)");
  for (size_t i = 0; i < o.lines.size(); ++i) {
    const shop::Line& l = o.lines[i];
    line.Reset();
    line.Bind(1, order_id).Bind(2, static_cast<int64_t>(i)).Bind(3, l.sku).Bind(4, l.quantity);
    line.Bind(5, l.unit_price.cents()).Bind(6, l.discount.cents());
    line.Bind(7, static_cast<int64_t>(l.taxable)).Bind(8, rules::SerialsToText(l.serial_numbers));
    line.Bind(9, shop::Name(l.kind)).Bind(10, l.description);
    line.Step();
    if (!line.status().ok()) return line.status();
  }
  Stmt pay(conn,
           "INSERT INTO order_payments (order_id, idx, payment_id, method, amount_cents, status, "
           "reference) VALUES (?,?,?,?,?,?,?)");
  for (size_t i = 0; i < o.payments.size(); ++i) {
    const shop::Payment& p = o.payments[i];
    pay.Reset();
    pay.Bind(1, order_id).Bind(2, static_cast<int64_t>(i)).Bind(3, p.id).Bind(4, p.method);
    pay.Bind(5, p.amount.cents()).Bind(6, shop::Name(p.status)).Bind(7, p.reference);
    pay.Step();
    if (!pay.status().ok()) return pay.status();
  }
  Stmt refund(conn,
              "INSERT INTO order_refunds (order_id, idx, refund_id, method, amount_cents, at, "
              "lines) VALUES (?,?,?,?,?,?,?)");
  for (size_t i = 0; i < o.refunds.size(); ++i) {
    const shop::Refund& r = o.refunds[i];
    refund.Reset();
    refund.Bind(1, order_id).Bind(2, static_cast<int64_t>(i)).Bind(3, r.id).Bind(4, r.method);
    refund.Bind(5, r.amount.cents()).Bind(6, Seconds(r.at));
    refund.Bind(7, rules::RefundLinesToText(r.lines));
    refund.Step();
    if (!refund.status().ok()) return refund.status();
  }
  return {};
}

Result<OrderRecord> SqliteStore::LoadOrder(Conn& conn, StoreId store, const std::string& number) {
  Stmt s(conn, (std::string("SELECT ") + kOrderColumns +
                " FROM orders o WHERE o.store_id = ? AND o.number = ?")
                   .c_str());
  s.Bind(1, store.value).Bind(2, number);
  if (!s.Step()) {
    if (!s.status().ok()) return s.status().error();
    return rules::OrderNotFound(number);
  }
  Row row = ReadOrderRow(s);
  if (auto st = LoadChildren(conn, store, row.id, &row.record.order); !st.ok()) return st.error();
  Stmt attempts(conn,
                "SELECT n, started_at, finished_at, outcome, http_status, message, units, sent "
                "FROM export_attempts WHERE order_id = ? ORDER BY id");
  attempts.Bind(1, row.id);
  while (attempts.Step()) {
    ExportAttempt a{static_cast<int>(attempts.Int(0)),
                    FromSeconds(attempts.Int(1)),
                    FromSeconds(attempts.Int(2)),
                    AttemptOutcome::kFailed,
                    static_cast<int>(attempts.Int(4)),
                    base::ValidUtf8(attempts.Text(5)),
                    attempts.Double(6),
                    base::ValidUtf8(attempts.Text(7))};
    Parse(attempts.Text(3), &a.outcome);
    row.record.attempts.push_back(std::move(a));
  }
  if (!attempts.status().ok()) return attempts.status().error();
  return std::move(row.record);
}

Result<PutOutcome> SqliteStore::PutOrder(StoreId store, const shop::Order& order) {
  auto conn = pool_->Take();
  WriteTxn txn(*conn);
  if (!txn.begun().ok()) return txn.begun().error();
  auto existing = LoadOrder(*conn, store, order.number);
  if (!existing.ok() && existing.error().code != base::ErrorCode::kNotFound)
    return existing.error();
  int64_t order_id = 0;
  auto decided = rules::DecidePut(existing.ok() ? &*existing : nullptr, order);
  if (!decided.ok()) return decided;
  // The same order again (a web store retrying): answered as stored only once it is on disk,
  // whichever delivery wrote it.
  if (*decided == PutOutcome::kUnchanged) {
    if (auto c = txn.Commit(); !c.ok()) return c.error();  // wrote nothing: frees the writer
    if (auto st = conn->SyncWal(); !st.ok()) return st.error();
    return decided;
  }
  const PutOutcome outcome = *decided;
  if (outcome == PutOutcome::kReplaced) {
    Stmt update(*conn,
                "UPDATE orders SET number = ?, placed_at = ?, status = ?, currency = ?, "
                "email = ?, first_name = ?, last_name = ?, phone = ?, billing_address = ?, "
                "shipping_address = ?, order_discount_cents = ?, shipping_method = ?, "
                "shipping_cents = ?, tax_cents = ?, total_cents = ?, updated_at = ? "
                "WHERE store_id = ? AND number = ? RETURNING id");
    BindOrderColumns(update, order);
    update.Bind(16, NowSeconds()).Bind(17, store.value).Bind(18, order.number);
    if (update.Step()) order_id = update.Int(0);
    if (!update.status().ok()) return update.status().error();
  } else {
    Stmt insert(*conn,
                "INSERT INTO orders (number, placed_at, status, currency, email, first_name, "
                "last_name, phone, billing_address, shipping_address, order_discount_cents, "
                "shipping_method, shipping_cents, tax_cents, total_cents, updated_at, store_id) "
                "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)");
    BindOrderColumns(insert, order);
    insert.Bind(16, NowSeconds()).Bind(17, store.value);
    insert.Step();
    if (!insert.status().ok()) return insert.status().error();
    order_id = conn->LastInsertId();
  }
  if (auto s = WriteChildren(*conn, order_id, order); !s.ok()) return s.error();
  if (auto s = QueueRefundExports(*conn, order_id,
                                  rules::AddedRefunds(existing.ok() ? &*existing : nullptr, order));
      !s.ok())
    return s.error();
  if (auto s = WriteHold(*conn, order_id, order); !s.ok()) return s.error();
  if (auto s = txn.Commit(); !s.ok()) return s.error();
  // Answered as stored, the order must outlive a power cut: the web store will not send it again.
  if (auto s = conn->SyncWal(); !s.ok()) return s.error();
  return outcome;
}

Status SqliteStore::WriteHold(Conn& conn, int64_t order_id, const shop::Order& order) {
  Stmt s(conn, "UPDATE orders SET hold = ? WHERE id = ?");
  s.Bind(1, rules::ExportHold(order)).Bind(2, order_id);
  s.Step();
  return s.status();
}

Result<OrderRecord> SqliteStore::GetOrder(StoreId store, const std::string& number) {
  auto conn = pool_->Take();
  return LoadOrder(*conn, store, number);
}

namespace {

using Values = std::vector<std::variant<int64_t, std::string>>;

// A broad search (SqliteStore::walk_above_) walks the list testing each row; a walk that filled
// no page within walk_rows_ rows looks the matches up by id after all (they are rare under the
// filter). Only ASCII queries walk: the walk's LIKE folds ASCII letters only.

// One FTS5 phrase (quotes doubled): with the trigram tokenizer, a substring match.
std::string Phrase(const std::string& text) {
  std::string phrase = "\"";
  for (char c : text) phrase += c == '"' ? std::string("\"\"") : std::string(1, c);
  return phrase + "\"";
}

// The ids a search matches, as SELECTs joined by `glue` (" UNION " or " UNION ALL ").
std::string SearchIds(StoreId store, const rules::Search& search, const char* glue,
                      Values* values) {
  std::string parts;
  if (!search.number_prefix.empty()) {
    // Order numbers are ASCII below 0x7f, so every number with the prefix sorts below this.
    parts +=
        "SELECT id FROM orders WHERE store_id = ? AND lower(number) >= ? AND lower(number) < ?";
    values->emplace_back(store.value);
    values->emplace_back(search.number_prefix);
    values->emplace_back(search.number_prefix + "\x7f");
  }
  if (!search.substring.empty()) {
    if (!parts.empty()) parts += glue;
    parts += "SELECT rowid AS id FROM orders_search WHERE orders_search MATCH ?";
    values->emplace_back(Phrase(search.substring));
  }
  return parts.empty() ? "SELECT 0 AS id WHERE 0" : parts;
}

// "FROM … WHERE …" over `orders o` that ListOrders and CountOrders share, with the values to
// bind in order.
struct OrderWhere {
  std::string sql;
  Values values;
};

OrderWhere MakeOrderWhere(StoreId store, const OrderFilter& f, const rules::OrderQuery& q,
                          bool with_cursor) {
  OrderWhere w;
  if (q.search.active) {
    // The matching ids first, then the orders looked up by id (CROSS JOIN keeps that order).
    w.sql = " FROM (" + SearchIds(store, q.search, " UNION ", &w.values) +
            ") AS m CROSS JOIN orders o ON o.id = m.id WHERE o.store_id = ?";
  } else {
    w.sql = " FROM orders o WHERE o.store_id = ?";
  }
  w.values.emplace_back(store.value);
  if (!f.statuses.empty()) {
    w.sql += " AND o.status IN (";
    for (size_t i = 0; i < f.statuses.size(); ++i) {
      w.sql += i ? ",?" : "?";
      w.values.emplace_back(std::string(shop::Name(f.statuses[i])));
    }
    w.sql += ")";
  }
  if (f.export_state) {
    w.sql += " AND o.export_state = ?";
    w.values.emplace_back(std::string(shop::Name(*f.export_state)));
  }
  if (f.needs_action) w.sql += std::string(" AND ") + rules::kNeedsActionSql;
  if (with_cursor && q.cursor) {
    w.sql += std::string(" AND (o.") + (q.by_total ? "total_cents" : "placed_at") + ", o.id) " +
             (q.ReadDescending() ? "<" : ">") + " (?, ?)";
    w.values.emplace_back(q.cursor->key);
    w.values.emplace_back(q.cursor->row_id);
  }
  return w;
}

// A walk's test of one row against the search (see walk_above_), as a column: the number's
// beginning, or LIKE over the e-mail and the name — the same as the trigram index for the ASCII
// queries a walk is used for (LIKE folds ASCII letters only).
std::string WalkTest(const rules::Search& search, Values* values) {
  std::string test = "0";
  if (!search.number_prefix.empty()) {
    test += " OR (lower(o.number) >= ? AND lower(o.number) < ?)";
    values->emplace_back(search.number_prefix);
    values->emplace_back(search.number_prefix + "\x7f");
  }
  if (!search.substring.empty()) {
    std::string pattern = "%";
    for (char c : search.substring) {
      if (c == '\\' || c == '%' || c == '_') pattern += '\\';
      pattern += c;
    }
    pattern += "%";
    test +=
        " OR o.email LIKE ? ESCAPE '\\' OR (o.first_name || ' ' || o.last_name) LIKE ? "
        "ESCAPE '\\'";
    values->emplace_back(pattern);
    values->emplace_back(pattern);
  }
  return "(" + test + ")";
}

void BindValues(Stmt& s, const Values& values, int* i) {
  for (const auto& v : values) std::visit([&](const auto& value) { s.Bind((*i)++, value); }, v);
}

}  // namespace

Result<OrderPage> SqliteStore::ListOrders(StoreId store, const OrderFilter& filter) {
  auto query = rules::PlanOrderQuery(filter);
  if (!query.ok()) return query.error();
  std::vector<std::pair<int64_t, OrderRecord>> rows;
  {  // the connection goes back before a Previous page that reached the start asks again
    auto conn = pool_->Take();
    bool walk = false;
    if (query->search.active) {  // how broad is the search? (a row matching twice counts twice)
      Values values;
      const std::string ids = SearchIds(store, query->search, " UNION ALL ", &values);
      Stmt probe(*conn, ("SELECT COUNT(*) FROM (" + ids + " LIMIT ?)").c_str());
      int i = 1;
      BindValues(probe, values, &i);
      probe.Bind(i, walk_above_ + 1);
      bool ascii = true;
      for (unsigned char c : query->search.substring) ascii = ascii && c < 0x80;
      if (probe.Step()) walk = ascii && probe.Int(0) > walk_above_;
      if (!probe.status().ok()) return probe.status().error();
    }
    const char* dir = query->ReadDescending() ? " DESC" : " ASC";
    const std::string order =
        std::string("o.") + (query->by_total ? "total_cents" : "placed_at") + dir + ", o.id" + dir;
    const auto read = [&](const OrderWhere& where) -> Status {
      rows.clear();
      Stmt s(*conn, (std::string("SELECT ") + kOrderColumns + where.sql + " ORDER BY " + order +
                     " LIMIT ?")
                        .c_str());
      int i = 1;
      BindValues(s, where.values, &i);
      s.Bind(i++, static_cast<int64_t>(filter.limit + 1));
      while (s.Step()) {
        Row row = ReadOrderRow(s);
        rows.emplace_back(row.id, std::move(row.record));
      }
      return s.status();
    };
    bool found = false;
    if (walk) {  // the list in its order, each row tested, until a page is full or the bound
      rules::OrderQuery plain = *query;
      plain.search.active = false;
      const OrderWhere list = MakeOrderWhere(store, filter, plain, true);
      Values test_values;
      const std::string test = WalkTest(query->search, &test_values);
      Stmt s(*conn, (std::string("SELECT ") + kOrderColumns + ", " + test + list.sql +
                     " ORDER BY " + order + " LIMIT ?")
                        .c_str());
      int i = 1;
      BindValues(s, test_values, &i);
      BindValues(s, list.values, &i);
      s.Bind(i, walk_rows_);
      int64_t walked = 0;
      while (static_cast<int>(rows.size()) <= filter.limit && s.Step()) {
        ++walked;
        if (s.Int(kOrderColumnCount) == 0) continue;  // the walk's test
        Row row = ReadOrderRow(s);
        rows.emplace_back(row.id, std::move(row.record));
      }
      if (!s.status().ok()) return s.status().error();
      found = static_cast<int>(rows.size()) > filter.limit || walked < walk_rows_;
    }
    if (!found) {
      if (auto st = read(MakeOrderWhere(store, filter, *query, true)); !st.ok()) return st.error();
    }
    for (auto& [id, record] : rows)
      if (auto st = LoadChildren(*conn, store, id, &record.order); !st.ok()) return st.error();
  }
  auto page = rules::MakeOrderPage(*query, filter.limit, std::move(rows));
  if (page) return std::move(*page);
  OrderFilter first = filter;  // a Previous page that reached the start: the first page
  first.cursor.clear();
  return ListOrders(store, first);
}

Result<int64_t> SqliteStore::CountOrders(StoreId store, const OrderFilter& filter,
                                         int64_t at_most) {
  auto query = rules::PlanOrderQuery(filter);
  if (!query.ok()) return query.error();
  // Counting walks no faster than looking the matches up: it cannot stop after a page.
  const OrderWhere where = MakeOrderWhere(store, filter, *query, false);
  auto conn = pool_->Take();
  Stmt s(*conn, ("SELECT COUNT(*) FROM (SELECT 1" + where.sql + " LIMIT ?)").c_str());
  int i = 1;
  BindValues(s, where.values, &i);
  s.Bind(i++, std::max<int64_t>(at_most, 0));
  if (!s.Step()) {
    if (!s.status().ok()) return s.status().error();
    return int64_t{0};
  }
  return s.Int(0);
}

Status SqliteStore::SetOrderStatus(StoreId store, const std::string& number,
                                   shop::OrderStatus status) {
  auto conn = pool_->Take();
  Stmt s(*conn, "UPDATE orders SET status = ?, updated_at = ? WHERE store_id = ? AND number = ?");
  s.Bind(1, shop::Name(status)).Bind(2, NowSeconds()).Bind(3, store.value).Bind(4, number);
  s.Step();
  if (!s.status().ok()) return s.status();
  if (conn->Changes() == 0) return rules::OrderNotFound(number);
  // A cancellation lost to a power cut would make the order exportable again.
  return conn->SyncWal();
}

Status SqliteStore::CapturePayment(StoreId store, const std::string& number,
                                   const std::string& payment_id) {
  auto conn = pool_->Take();
  WriteTxn txn(*conn);
  if (!txn.begun().ok()) return txn.begun();
  Stmt find(*conn,
            "SELECT p.status, o.id FROM orders o LEFT JOIN order_payments p "
            "ON p.order_id = o.id AND p.payment_id = ? WHERE o.store_id = ? AND o.number = ?");
  find.Bind(1, payment_id).Bind(2, store.value).Bind(3, number);
  if (!find.Step()) {
    if (!find.status().ok()) return find.status();
    return rules::OrderNotFound(number);
  }
  if (find.IsNull(0))
    return base::NotFound("order " + number + " has no payment \"" + payment_id + "\"");
  const std::string status = find.Text(0);
  const int64_t order_id = find.Int(1);
  if (status != "authorized") return rules::NotAuthorized(payment_id, status);
  Stmt update(
      *conn, "UPDATE order_payments SET status = 'captured' WHERE order_id = ? AND payment_id = ?");
  update.Bind(1, order_id).Bind(2, payment_id);
  update.Step();
  if (!update.status().ok()) return update.status();
  Stmt touch(*conn, "UPDATE orders SET updated_at = ? WHERE id = ?");
  touch.Bind(1, NowSeconds()).Bind(2, order_id);
  touch.Step();
  if (!touch.status().ok()) return touch.status();
  auto changed = LoadOrder(*conn, store, number);
  if (!changed.ok()) return changed.error();
  if (auto st = WriteHold(*conn, order_id, changed->order); !st.ok()) return st;
  if (auto st = txn.Commit(); !st.ok()) return st;
  return conn->SyncWal();  // answered as captured, like an order (PutOrder)
}

Status SqliteStore::AddRefund(StoreId store, const std::string& number,
                              const shop::Refund& refund) {
  auto conn = pool_->Take();
  WriteTxn txn(*conn);
  if (!txn.begun().ok()) return txn.begun();
  Stmt find(*conn,
            "SELECT o.id, (SELECT COALESCE(MAX(idx) + 1, 0) FROM order_refunds r "
            "WHERE r.order_id = o.id) FROM orders o WHERE o.store_id = ? AND o.number = ?");
  find.Bind(1, store.value).Bind(2, number);
  if (!find.Step()) {
    if (!find.status().ok()) return find.status();
    return rules::OrderNotFound(number);
  }
  const int64_t order_id = find.Int(0), idx = find.Int(1);
  Stmt insert(*conn,
              "INSERT INTO order_refunds (order_id, idx, refund_id, method, amount_cents, at, "
              "lines) VALUES (?,?,?,?,?,?,?)");
  insert.Bind(1, order_id).Bind(2, idx).Bind(3, refund.id).Bind(4, refund.method);
  insert.Bind(5, refund.amount.cents()).Bind(6, Seconds(refund.at));
  insert.Bind(7, rules::RefundLinesToText(refund.lines));
  insert.Step();
  if (!insert.status().ok()) {
    if (insert.status().error().code == base::ErrorCode::kConflict) {
      // The first delivery's refund, on disk before this one is told so; this transaction wrote
      // nothing, and its commit frees the writer during the sync.
      if (auto c = txn.Commit(); !c.ok()) return c;
      if (auto st = conn->SyncWal(); !st.ok()) return st;
      return rules::DuplicateRefund(number, refund.id);
    }
    return insert.status();
  }
  if (auto st = QueueRefundExports(*conn, order_id, {refund.id}); !st.ok()) return st;
  auto changed = LoadOrder(*conn, store, number);
  if (!changed.ok()) return changed.error();
  if (auto st = WriteHold(*conn, order_id, changed->order); !st.ok()) return st;
  if (auto st = txn.Commit(); !st.ok()) return st;
  return conn->SyncWal();  // answered as stored, like an order (PutOrder)
}

Result<ExportRecord> SqliteStore::QueueExport(StoreId store, const std::string& number,
                                              const ExportCheck& check) {
  auto conn = pool_->Take();
  WriteTxn txn(*conn);
  if (!txn.begun().ok()) return txn.begun().error();
  auto record = LoadOrder(*conn, store, number);
  if (!record.ok()) return record.error();
  auto settings = LoadSettings(*conn, store);
  if (!settings.ok()) return settings.error();
  const shop::Eligibility verdict = check(record->order, record->export_record.state, *settings);
  if (!verdict.ok()) return rules::QueueRefusal(verdict);
  const int64_t now = NowSeconds();
  Stmt update(*conn,
              "UPDATE orders SET export_state = 'queued', queued_at = ?, export_message = NULL, "
              "export_not_before = NULL, "
              "updated_at = ? WHERE store_id = ? AND number = ?");
  update.Bind(1, now).Bind(2, now).Bind(3, store.value).Bind(4, number);
  update.Step();
  if (!update.status().ok()) return update.status().error();
  if (auto s = txn.Commit(); !s.ok()) return s.error();
  ExportRecord out = record->export_record;
  out.state = shop::ExportState::kQueued;
  out.queued_at = FromSeconds(now);
  out.message.clear();
  return out;
}

Result<std::vector<OrderRecord>> SqliteStore::ListExports(StoreId store,
                                                          std::optional<shop::ExportState> state,
                                                          int limit) {
  std::vector<std::string> numbers;
  {
    auto conn = pool_->Take();
    std::string sql = "SELECT number FROM orders WHERE store_id = ? AND export_state ";
    sql += state ? "= ?" : "!= 'not_exported'";
    sql += " ORDER BY COALESCE(queued_at, 0) DESC, id DESC LIMIT ?";
    Stmt s(*conn, sql.c_str());
    int i = 1;
    s.Bind(i++, store.value);
    if (state) s.Bind(i++, shop::Name(*state));
    s.Bind(i++, static_cast<int64_t>(limit));
    while (s.Step()) numbers.push_back(s.Text(0));
    if (!s.status().ok()) return s.status().error();
  }
  std::vector<OrderRecord> out;
  for (const std::string& n : numbers) {
    auto r = GetOrder(store, n);
    if (!r.ok()) return r.error();
    out.push_back(std::move(*r));
  }
  return out;
}

Result<std::map<shop::ExportState, int64_t>> SqliteStore::CountExports(StoreId store) {
  auto conn = pool_->Take();
  Stmt s(*conn,
         "SELECT export_state, COUNT(*) FROM orders WHERE store_id = ? GROUP BY export_state");
  s.Bind(1, store.value);
  std::map<shop::ExportState, int64_t> out;
  while (s.Step()) {
    shop::ExportState state;
    if (shop::Parse(s.Text(0), &state)) out[state] = s.Int(1);
  }
  if (!s.status().ok()) return s.status().error();
  return out;
}

Result<std::map<StoreId, std::map<shop::ExportState, int64_t>>> SqliteStore::CountExportsByStore() {
  auto conn = pool_->Take();
  Stmt s(*conn,
         "SELECT store_id, export_state, COUNT(*) FROM orders GROUP BY store_id, export_state");
  std::map<StoreId, std::map<shop::ExportState, int64_t>> out;
  while (s.Step()) {
    shop::ExportState state;
    if (shop::Parse(s.Text(1), &state)) out[StoreId{s.Int(0)}][state] = s.Int(2);
  }
  if (!s.status().ok()) return s.status().error();
  return out;
}

}  // namespace store::sqlite
