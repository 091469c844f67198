// Versioned schema. Append new migrations; never edit one that has shipped.
#include "store/sqlite/migrations.h"

#include "store/sqlite/db.h"

namespace store::sqlite {
namespace {

struct Migration {
  int version;
  const char* sql;
};

constexpr Migration kMigrations[] = {
    {1, R"sql(
CREATE TABLE stores (
  id INTEGER PRIMARY KEY,
  slug TEXT NOT NULL UNIQUE,
  name TEXT NOT NULL,
  currency TEXT NOT NULL,
  created_at INTEGER NOT NULL
);
CREATE TABLE users (
  id INTEGER PRIMARY KEY,
  store_id INTEGER NOT NULL REFERENCES stores(id),
  email TEXT NOT NULL UNIQUE COLLATE NOCASE,
  password_hash TEXT NOT NULL,
  created_at INTEGER NOT NULL
);
CREATE TABLE api_tokens (
  id INTEGER PRIMARY KEY,
  store_id INTEGER NOT NULL REFERENCES stores(id),
  token_hash TEXT NOT NULL UNIQUE,
  label TEXT NOT NULL DEFAULT '',
  created_at INTEGER NOT NULL
);
CREATE TABLE items (
  store_id INTEGER NOT NULL REFERENCES stores(id),
  sku TEXT NOT NULL,
  description TEXT NOT NULL,
  kind TEXT NOT NULL,
  source TEXT NOT NULL,
  lightspeed_item_id TEXT,
  upc TEXT, ean TEXT, manufacturer_sku TEXT, brand TEXT,
  price_cents INTEGER NOT NULL,
  cost_cents INTEGER, msrp_cents INTEGER,
  serialized INTEGER NOT NULL DEFAULT 0,
  updated_at INTEGER NOT NULL,
  PRIMARY KEY (store_id, sku)
);
CREATE TABLE orders (
  id INTEGER PRIMARY KEY,
  store_id INTEGER NOT NULL REFERENCES stores(id),
  number TEXT NOT NULL,
  placed_at INTEGER NOT NULL,
  status TEXT NOT NULL,
  currency TEXT NOT NULL,
  email TEXT NOT NULL, first_name TEXT NOT NULL, last_name TEXT NOT NULL, phone TEXT,
  billing_address TEXT, shipping_address TEXT,
  order_discount_cents INTEGER NOT NULL,
  shipping_method TEXT, shipping_cents INTEGER,
  tax_cents INTEGER NOT NULL,
  total_cents INTEGER NOT NULL,
  export_state TEXT NOT NULL DEFAULT 'not_exported',
  sale_id TEXT,
  queued_at INTEGER, exported_at INTEGER,
  export_message TEXT,
  export_attempts INTEGER NOT NULL DEFAULT 0,
  not_sent TEXT,
  updated_at INTEGER NOT NULL,
  UNIQUE (store_id, number)
);
CREATE INDEX orders_newest ON orders (store_id, placed_at DESC, id DESC);
CREATE INDEX orders_by_export ON orders (store_id, export_state, placed_at DESC, id DESC);
CREATE TABLE order_lines (
  order_id INTEGER NOT NULL REFERENCES orders(id) ON DELETE CASCADE,
  idx INTEGER NOT NULL,
  sku TEXT NOT NULL,
  quantity INTEGER NOT NULL,
  unit_price_cents INTEGER NOT NULL,
  discount_cents INTEGER NOT NULL,
  taxable INTEGER NOT NULL,
  serial_numbers TEXT NOT NULL DEFAULT '',
  PRIMARY KEY (order_id, idx)
);
CREATE TABLE order_payments (
  order_id INTEGER NOT NULL REFERENCES orders(id) ON DELETE CASCADE,
  idx INTEGER NOT NULL,
  payment_id TEXT NOT NULL,
  method TEXT NOT NULL,
  amount_cents INTEGER NOT NULL,
  status TEXT NOT NULL,
  reference TEXT,
  PRIMARY KEY (order_id, idx),
  UNIQUE (order_id, payment_id)
);
CREATE TABLE order_refunds (
  order_id INTEGER NOT NULL REFERENCES orders(id) ON DELETE CASCADE,
  idx INTEGER NOT NULL,
  refund_id TEXT NOT NULL,
  method TEXT NOT NULL,
  amount_cents INTEGER NOT NULL,
  at INTEGER NOT NULL,
  PRIMARY KEY (order_id, idx),
  UNIQUE (order_id, refund_id)
);
CREATE TABLE lightspeed_settings (
  store_id INTEGER PRIMARY KEY REFERENCES stores(id),
  account_id TEXT NOT NULL DEFAULT '',
  shop_id TEXT NOT NULL DEFAULT '',
  register_id TEXT NOT NULL DEFAULT '',
  employee_id TEXT NOT NULL DEFAULT '',
  reference_source TEXT NOT NULL DEFAULT 'web',
  tax_mode TEXT NOT NULL DEFAULT 'web',
  auto_export TEXT NOT NULL DEFAULT 'off',
  payment_types TEXT NOT NULL DEFAULT '{}',
  connection TEXT NOT NULL DEFAULT 'none',
  refresh_token_sealed TEXT,
  updated_at INTEGER NOT NULL
);
CREATE TABLE export_attempts (
  id INTEGER PRIMARY KEY,
  order_id INTEGER NOT NULL REFERENCES orders(id) ON DELETE CASCADE,
  n INTEGER NOT NULL,
  started_at INTEGER NOT NULL,
  finished_at INTEGER NOT NULL,
  outcome TEXT NOT NULL,
  http_status INTEGER NOT NULL DEFAULT 0,
  message TEXT NOT NULL DEFAULT '',
  units REAL NOT NULL DEFAULT 0
);
CREATE INDEX export_attempts_order ON export_attempts (order_id, n);
)sql"},
    {2, R"sql(
ALTER TABLE lightspeed_settings ADD COLUMN access_token_sealed TEXT;
ALTER TABLE lightspeed_settings ADD COLUMN access_expires_at INTEGER;
ALTER TABLE lightspeed_settings ADD COLUMN refresh_lease_holder TEXT;
ALTER TABLE lightspeed_settings ADD COLUMN refresh_lease_until INTEGER;
ALTER TABLE lightspeed_settings ADD COLUMN connection_message TEXT;
)sql"},
    // What each line was when the order arrived: a later catalog change must not rewrite
    // what a queued or exported order contains.
    {3, R"sql(
ALTER TABLE order_lines ADD COLUMN kind TEXT;
ALTER TABLE order_lines ADD COLUMN description TEXT;
)sql"},
    // The export engine: leases with fencing tokens, backoff, the search-first mark, and what
    // spoke has learned of each Lightspeed account.
    {4, R"sql(
ALTER TABLE orders ADD COLUMN export_fence INTEGER NOT NULL DEFAULT 0;
ALTER TABLE orders ADD COLUMN export_lease_holder TEXT;
ALTER TABLE orders ADD COLUMN export_lease_until INTEGER;
ALTER TABLE orders ADD COLUMN export_not_before INTEGER;
ALTER TABLE orders ADD COLUMN export_maybe_sent INTEGER NOT NULL DEFAULT 0;
CREATE INDEX orders_export_due ON orders (export_state, export_not_before);
CREATE TABLE lightspeed_links (
  store_id INTEGER NOT NULL REFERENCES stores(id),
  account_id TEXT NOT NULL,
  kind TEXT NOT NULL,
  key TEXT NOT NULL,
  lightspeed_id TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  PRIMARY KEY (store_id, account_id, kind, key)
);
)sql"},
    {5, R"sql(
ALTER TABLE export_attempts ADD COLUMN sent TEXT NOT NULL DEFAULT '';
)sql"},
    // Site manager sessions: only a hash of the cookie's id is kept, so a copy of the database
    // cannot be used to log in. The OAuth state ties a Connect round trip to the session.
    {6, R"sql(
CREATE TABLE sessions (
  id_hash TEXT PRIMARY KEY,
  user_id INTEGER NOT NULL REFERENCES users(id),
  csrf_token TEXT NOT NULL,
  oauth_state TEXT NOT NULL DEFAULT '',
  created_at INTEGER NOT NULL,
  last_seen_at INTEGER NOT NULL
);
CREATE INDEX sessions_last_seen ON sessions (last_seen_at);
)sql"},
    // The create gate (store.h): one create per Lightspeed record in flight, and a search
    // before any later create of a key already tried. A row outlives its holder's crash.
    {7, R"sql(
CREATE TABLE lightspeed_creates (
  account_id TEXT NOT NULL,
  kind TEXT NOT NULL,
  key TEXT NOT NULL,
  holder TEXT NOT NULL,
  lease_until INTEGER NOT NULL,
  started_at INTEGER NOT NULL,
  PRIMARY KEY (account_id, kind, key)
);
)sql"},
    // Whether customers spoke creates in Lightspeed may receive marketing (issue 10).
    {8, R"sql(
ALTER TABLE lightspeed_settings ADD COLUMN customer_marketing TEXT NOT NULL DEFAULT 'no_consent';
)sql"},
    // When the refresh token was issued: Lightspeed forgets one unused for 30 days, so spoke
    // refreshes a quiet store ahead of that and tells the merchant when it would lapse.
    {9, R"sql(
ALTER TABLE lightspeed_settings ADD COLUMN refresh_token_at INTEGER;
)sql"},
    // Lanes across nodes (issue 13): which node drives each Lightspeed account's exports, and
    // which nodes are alive to share them. A released lane keeps its row, so fences only grow.
    {10, R"sql(
CREATE TABLE export_lanes (
  lane TEXT PRIMARY KEY,
  node TEXT NOT NULL,
  fence INTEGER NOT NULL,
  lease_until INTEGER NOT NULL
);
CREATE TABLE export_nodes (
  node TEXT PRIMARY KEY,
  alive_until INTEGER NOT NULL
);
)sql"},
    // The site's flash messages and login attempts, in the database so that a user's requests
    // may land on any `spoke serve` node (issue 13). Attempts are instants in milliseconds: a
    // refused login says how long to wait. Old attempts are deleted as their window passes.
    {11, R"sql(
CREATE TABLE session_flashes (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  session_hash TEXT NOT NULL REFERENCES sessions(id_hash) ON DELETE CASCADE,
  error INTEGER NOT NULL,
  text TEXT NOT NULL
);
CREATE INDEX session_flashes_session ON session_flashes (session_hash, id);
CREATE TABLE login_attempts (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  kind TEXT NOT NULL CHECK (kind IN ('email', 'address')),
  key TEXT NOT NULL,
  attempted_ms INTEGER NOT NULL
);
CREATE INDEX login_attempts_key ON login_attempts (kind, key, attempted_ms);
CREATE INDEX login_attempts_age ON login_attempts (kind, attempted_ms);
)sql"},
    // Open Orders for a busy store (issue 14): search, sorts, the needs-action filter.
    // `hold` is rules::ExportHold of the order, written with every change to it; the UPDATE below
    // computes the same rule once for the orders already stored. orders_search is a contentless
    // FTS5 trigram index of each order's e-mail and "first last" name (case-insensitive
    // substrings of 3 or more characters), kept by triggers; numbers are found by prefix through
    // orders_by_number.
    {12, R"sql(
ALTER TABLE orders ADD COLUMN hold TEXT NOT NULL DEFAULT '';
UPDATE orders SET hold = CASE
  WHEN total_cents
       - COALESCE((SELECT SUM(amount_cents) FROM order_payments p
                   WHERE p.order_id = orders.id AND p.status = 'captured'), 0)
       + COALESCE((SELECT SUM(amount_cents) FROM order_refunds r
                   WHERE r.order_id = orders.id), 0) <> 0 THEN 'unbalanced'
  WHEN COALESCE(shipping_cents, 0) > 0 THEN ''
  WHEN EXISTS (SELECT 1 FROM order_lines l LEFT JOIN items i
               ON i.store_id = orders.store_id AND i.sku = l.sku
               WHERE l.order_id = orders.id
                 AND COALESCE(l.kind, i.kind, 'inventory') = 'inventory') THEN ''
  ELSE 'nothing_to_export' END;
CREATE INDEX orders_by_total ON orders (store_id, total_cents DESC, id DESC);
CREATE INDEX orders_by_number ON orders (store_id, lower(number));
CREATE INDEX orders_needing_action ON orders (store_id, placed_at DESC, id DESC)
  WHERE status <> 'cancelled' AND (export_state = 'needs_attention'
        OR (export_state = 'not_exported' AND hold <> ''));
CREATE VIRTUAL TABLE orders_search USING fts5(email, name, content='', tokenize='trigram');
INSERT INTO orders_search (rowid, email, name)
  SELECT id, email, first_name || ' ' || last_name FROM orders;
CREATE TRIGGER orders_search_insert AFTER INSERT ON orders BEGIN
  INSERT INTO orders_search (rowid, email, name)
    VALUES (new.id, new.email, new.first_name || ' ' || new.last_name);
END;
CREATE TRIGGER orders_search_update AFTER UPDATE OF email, first_name, last_name ON orders BEGIN
  INSERT INTO orders_search (orders_search, rowid, email, name)
    VALUES ('delete', old.id, old.email, old.first_name || ' ' || old.last_name);
  INSERT INTO orders_search (rowid, email, name)
    VALUES (new.id, new.email, new.first_name || ' ' || new.last_name);
END;
CREATE TRIGGER orders_search_delete AFTER DELETE ON orders BEGIN
  INSERT INTO orders_search (orders_search, rowid, email, name)
    VALUES ('delete', old.id, old.email, old.first_name || ' ' || old.last_name);
END;
)sql"},
    // The store's time zone, for the times the site manager shows (issue 14).
    {13, R"sql(
ALTER TABLE lightspeed_settings ADD COLUMN time_zone TEXT NOT NULL DEFAULT 'UTC';
)sql"},
    // Alerts (issue 15): each store's alert settings, the incidents the checker opened and
    // resolved (one open incident per key), and the notices' deliveries with their attempts.
    {14, R"sql(
CREATE TABLE alert_settings (
  store_id INTEGER PRIMARY KEY REFERENCES stores(id),
  webhook_enabled INTEGER NOT NULL,
  email_enabled INTEGER NOT NULL,
  attention_minutes INTEGER NOT NULL,
  queue_minutes INTEGER NOT NULL,
  token_lapse_days INTEGER NOT NULL,
  webhook_url TEXT NOT NULL,
  webhook_secret TEXT NOT NULL,
  smtp_host TEXT NOT NULL,
  smtp_port INTEGER NOT NULL,
  smtp_security TEXT NOT NULL,
  smtp_user TEXT NOT NULL,
  smtp_password_sealed TEXT NOT NULL,
  smtp_from TEXT NOT NULL,
  smtp_to TEXT NOT NULL,
  updated_at INTEGER NOT NULL
);
CREATE TABLE alert_incidents (
  id INTEGER PRIMARY KEY,
  store_id INTEGER NOT NULL REFERENCES stores(id),
  incident_key TEXT NOT NULL,
  kind TEXT NOT NULL,
  subject TEXT NOT NULL,
  message TEXT NOT NULL,
  order_number TEXT NOT NULL,
  opened_at INTEGER NOT NULL,
  resolved_at INTEGER
);
CREATE UNIQUE INDEX alert_incidents_open ON alert_incidents (store_id, incident_key)
  WHERE resolved_at IS NULL;
CREATE INDEX alert_incidents_by_store ON alert_incidents (store_id, id);
CREATE TABLE alert_deliveries (
  id INTEGER PRIMARY KEY,
  store_id INTEGER NOT NULL REFERENCES stores(id),
  incident_id INTEGER NOT NULL REFERENCES alert_incidents(id),
  event TEXT NOT NULL,
  channel TEXT NOT NULL,
  state TEXT NOT NULL DEFAULT 'pending',
  attempts INTEGER NOT NULL DEFAULT 0,
  created_at INTEGER NOT NULL,
  next_attempt_at INTEGER NOT NULL,
  delivered_at INTEGER,
  last_error TEXT NOT NULL DEFAULT '',
  lease_holder TEXT,
  lease_until INTEGER,
  fence INTEGER NOT NULL DEFAULT 0,
  UNIQUE (incident_id, event, channel)
);
CREATE INDEX alert_deliveries_due ON alert_deliveries (next_attempt_at) WHERE state = 'pending';
CREATE INDEX alert_deliveries_by_store ON alert_deliveries (store_id, id);
)sql"},
    // Reconciliation (issue 15): the total of the sale sent for each exported order, the kept
    // runs with their differences, and the daily run's claim per store and day (one node runs it).
    {15, R"sql(
ALTER TABLE orders ADD COLUMN sent_total_cents INTEGER;
CREATE INDEX orders_by_exported_at ON orders (store_id, exported_at)
  WHERE export_state = 'exported';
CREATE TABLE reconcile_runs (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  store_id INTEGER NOT NULL REFERENCES stores(id),
  window_from INTEGER NOT NULL, window_to INTEGER NOT NULL,
  started_at INTEGER NOT NULL, finished_at INTEGER NOT NULL,
  run_kind TEXT NOT NULL,
  ok INTEGER NOT NULL,
  message TEXT NOT NULL,
  requests INTEGER NOT NULL,
  differences TEXT NOT NULL
);
CREATE INDEX reconcile_runs_newest ON reconcile_runs (store_id, id DESC);
CREATE TABLE reconcile_daily (
  store_id INTEGER NOT NULL REFERENCES stores(id),
  day TEXT NOT NULL,
  node TEXT NOT NULL,
  PRIMARY KEY (store_id, day)
);
)sql"},
    // Refunds sent to Lightspeed (issue 15): the store's choice, the lines a refund gives back,
    // and each refund's export with its own claim, fence and "maybe sent" mark.
    {16, R"sql(
ALTER TABLE lightspeed_settings ADD COLUMN refunds TEXT NOT NULL DEFAULT 'manual';
ALTER TABLE order_refunds ADD COLUMN lines TEXT NOT NULL DEFAULT '[]';
CREATE TABLE refund_exports (
  order_id INTEGER NOT NULL REFERENCES orders(id) ON DELETE CASCADE,
  refund_id TEXT NOT NULL,
  state TEXT NOT NULL DEFAULT 'queued',
  not_before INTEGER NOT NULL DEFAULT 0,
  fence INTEGER NOT NULL DEFAULT 0,
  lease_until INTEGER NOT NULL DEFAULT 0,
  attempts INTEGER NOT NULL DEFAULT 0,
  maybe_sent INTEGER NOT NULL DEFAULT 0,
  sale_id TEXT NOT NULL DEFAULT '',
  message TEXT NOT NULL DEFAULT '',
  queued_at INTEGER NOT NULL,
  sent_at INTEGER,
  PRIMARY KEY (order_id, refund_id)
);
CREATE INDEX refund_exports_due ON refund_exports (state, not_before);
)sql"},
    // Issue 12: the stores with queued orders, found one index step per store (ListDueStores),
    // not by reading every queued order.
    {17, R"sql(
CREATE INDEX orders_queued_by_store ON orders (store_id, export_not_before)
  WHERE export_state = 'queued';
)sql"},
};

}  // namespace

base::Result<std::vector<int>> Migrate(Conn& conn) {
  if (auto s = conn.Exec("CREATE TABLE IF NOT EXISTS schema_migrations ("
                         "version INTEGER PRIMARY KEY, applied_at INTEGER NOT NULL)");
      !s.ok())
    return s.error();
  std::vector<int> applied;
  for (const Migration& m : kMigrations) {
    WriteTxn txn(conn);
    if (!txn.begun().ok()) return txn.begun().error();
    Stmt check(conn, "SELECT 1 FROM schema_migrations WHERE version = ?");
    check.Bind(1, static_cast<int64_t>(m.version));
    if (check.Step()) continue;
    if (!check.status().ok()) return check.status().error();
    if (auto s = conn.Exec(m.sql); !s.ok()) return s.error();
    Stmt mark(conn, "INSERT INTO schema_migrations (version, applied_at) VALUES (?, unixepoch())");
    mark.Bind(1, static_cast<int64_t>(m.version));
    mark.Step();
    if (!mark.status().ok()) return mark.status().error();
    if (auto s = txn.Commit(); !s.ok()) return s.error();
    applied.push_back(m.version);
  }
  return applied;
}

}  // namespace store::sqlite
