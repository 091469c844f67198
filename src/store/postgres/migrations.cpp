// Versioned schema in PostgreSQL's dialect. Append new migrations; never edit one that has
// shipped. Version 1 is the SQLite schema as of its migration 9, translated: BIGSERIAL ids,
// instants as BIGINT epoch seconds, units as DOUBLE PRECISION, flags as BOOLEAN, users' e-mail
// unique whatever its case (a unique index on lower(email); lookups use lower() too).
#include <algorithm>

#include "store/postgres/pg_sql.h"
#include "store/postgres/pg_store.h"

namespace store::postgres {
namespace {

struct Migration {
  int version;
  const char* sql;
};

// Any fixed number: every spoke node migrating the same database takes this lock first.
constexpr int64_t kMigrationLock = 0x73706f6b65;  // "spoke"

constexpr Migration kMigrations[] = {
    {1, R"sql(
CREATE TABLE stores (
  id BIGSERIAL PRIMARY KEY,
  slug TEXT NOT NULL UNIQUE,
  name TEXT NOT NULL,
  currency TEXT NOT NULL,
  created_at BIGINT NOT NULL
);
CREATE TABLE users (
  id BIGSERIAL PRIMARY KEY,
  store_id BIGINT NOT NULL REFERENCES stores(id),
  email TEXT NOT NULL,
  password_hash TEXT NOT NULL,
  created_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX users_email ON users (lower(email));
CREATE TABLE api_tokens (
  id BIGSERIAL PRIMARY KEY,
  store_id BIGINT NOT NULL REFERENCES stores(id),
  token_hash TEXT NOT NULL UNIQUE,
  label TEXT NOT NULL DEFAULT '',
  created_at BIGINT NOT NULL
);
-- SKUs page in byte order, as SQLite's BINARY collation sorts them (lines join items on sku,
-- so both say so).
CREATE TABLE items (
  store_id BIGINT NOT NULL REFERENCES stores(id),
  sku TEXT COLLATE "C" NOT NULL,
  description TEXT NOT NULL,
  kind TEXT NOT NULL,
  source TEXT NOT NULL,
  lightspeed_item_id TEXT,
  upc TEXT, ean TEXT, manufacturer_sku TEXT, brand TEXT,
  price_cents BIGINT NOT NULL,
  cost_cents BIGINT, msrp_cents BIGINT,
  serialized BOOLEAN NOT NULL DEFAULT FALSE,
  updated_at BIGINT NOT NULL,
  PRIMARY KEY (store_id, sku)
);
CREATE TABLE orders (
  id BIGSERIAL PRIMARY KEY,
  store_id BIGINT NOT NULL REFERENCES stores(id),
  number TEXT NOT NULL,
  placed_at BIGINT NOT NULL,
  status TEXT NOT NULL,
  currency TEXT NOT NULL,
  email TEXT NOT NULL, first_name TEXT NOT NULL, last_name TEXT NOT NULL, phone TEXT,
  billing_address TEXT, shipping_address TEXT,
  order_discount_cents BIGINT NOT NULL,
  shipping_method TEXT, shipping_cents BIGINT,
  tax_cents BIGINT NOT NULL,
  total_cents BIGINT NOT NULL,
  export_state TEXT NOT NULL DEFAULT 'not_exported',
  sale_id TEXT,
  queued_at BIGINT, exported_at BIGINT,
  export_message TEXT,
  export_attempts INTEGER NOT NULL DEFAULT 0,
  not_sent TEXT,
  updated_at BIGINT NOT NULL,
  export_fence BIGINT NOT NULL DEFAULT 0,
  export_lease_holder TEXT,
  export_lease_until BIGINT,
  export_not_before BIGINT,
  export_maybe_sent BOOLEAN NOT NULL DEFAULT FALSE,
  UNIQUE (store_id, number)
);
CREATE INDEX orders_newest ON orders (store_id, placed_at DESC, id DESC);
CREATE INDEX orders_by_export ON orders (store_id, export_state, placed_at DESC, id DESC);
CREATE INDEX orders_export_due ON orders (export_state, export_not_before);
CREATE TABLE order_lines (
  order_id BIGINT NOT NULL REFERENCES orders(id) ON DELETE CASCADE,
  idx INTEGER NOT NULL,
  sku TEXT COLLATE "C" NOT NULL,
  quantity BIGINT NOT NULL,
  unit_price_cents BIGINT NOT NULL,
  discount_cents BIGINT NOT NULL,
  taxable BOOLEAN NOT NULL,
  serial_numbers TEXT NOT NULL DEFAULT '',
  kind TEXT,
  description TEXT,
  PRIMARY KEY (order_id, idx)
);
CREATE TABLE order_payments (
  order_id BIGINT NOT NULL REFERENCES orders(id) ON DELETE CASCADE,
  idx INTEGER NOT NULL,
  payment_id TEXT NOT NULL,
  method TEXT NOT NULL,
  amount_cents BIGINT NOT NULL,
  status TEXT NOT NULL,
  reference TEXT,
  PRIMARY KEY (order_id, idx),
  UNIQUE (order_id, payment_id)
);
CREATE TABLE order_refunds (
  order_id BIGINT NOT NULL REFERENCES orders(id) ON DELETE CASCADE,
  idx INTEGER NOT NULL,
  refund_id TEXT NOT NULL,
  method TEXT NOT NULL,
  amount_cents BIGINT NOT NULL,
  at BIGINT NOT NULL,
  PRIMARY KEY (order_id, idx),
  UNIQUE (order_id, refund_id)
);
CREATE TABLE lightspeed_settings (
  store_id BIGINT PRIMARY KEY REFERENCES stores(id),
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
  updated_at BIGINT NOT NULL,
  access_token_sealed TEXT,
  access_expires_at BIGINT,
  refresh_lease_holder TEXT,
  refresh_lease_until BIGINT,
  connection_message TEXT,
  customer_marketing TEXT NOT NULL DEFAULT 'no_consent',
  refresh_token_at BIGINT
);
CREATE TABLE export_attempts (
  id BIGSERIAL PRIMARY KEY,
  order_id BIGINT NOT NULL REFERENCES orders(id) ON DELETE CASCADE,
  n INTEGER NOT NULL,
  started_at BIGINT NOT NULL,
  finished_at BIGINT NOT NULL,
  outcome TEXT NOT NULL,
  http_status INTEGER NOT NULL DEFAULT 0,
  message TEXT NOT NULL DEFAULT '',
  units DOUBLE PRECISION NOT NULL DEFAULT 0,
  sent TEXT NOT NULL DEFAULT ''
);
CREATE INDEX export_attempts_order ON export_attempts (order_id, n);
CREATE TABLE lightspeed_links (
  store_id BIGINT NOT NULL REFERENCES stores(id),
  account_id TEXT NOT NULL,
  kind TEXT NOT NULL,
  key TEXT NOT NULL,
  lightspeed_id TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  PRIMARY KEY (store_id, account_id, kind, key)
);
CREATE TABLE sessions (
  id_hash TEXT PRIMARY KEY,
  user_id BIGINT NOT NULL REFERENCES users(id),
  csrf_token TEXT NOT NULL,
  oauth_state TEXT NOT NULL DEFAULT '',
  created_at BIGINT NOT NULL,
  last_seen_at BIGINT NOT NULL
);
CREATE INDEX sessions_last_seen ON sessions (last_seen_at);
-- The create gate; `taken` counts how often the gate was taken, so BeginCreate's one statement
-- can tell a key tried before (taken > 1) from a new one.
CREATE TABLE lightspeed_creates (
  account_id TEXT NOT NULL,
  kind TEXT NOT NULL,
  key TEXT NOT NULL,
  holder TEXT NOT NULL,
  lease_until BIGINT NOT NULL,
  started_at BIGINT NOT NULL,
  taken BIGINT NOT NULL DEFAULT 1,
  PRIMARY KEY (account_id, kind, key)
);
)sql"},
    // Idle export engines LISTEN on spoke_exports (pg_watch.cpp): an order becoming queued, by
    // any node and any path, wakes them within the transaction's commit, not at the next poll.
    // PostgreSQL folds identical notifications of one transaction into one.
    {2, R"sql(
CREATE FUNCTION spoke_exports_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('spoke_exports', '');
  RETURN NULL;
END
$$;
CREATE TRIGGER orders_queued_notify AFTER UPDATE OF export_state ON orders
  FOR EACH ROW WHEN (NEW.export_state = 'queued') EXECUTE FUNCTION spoke_exports_notify();
)sql"},
    // The site's state shared by every `spoke serve` node: flash messages per session and the
    // login throttle's attempts (pg_site.cpp).
    {3, R"sql(
CREATE TABLE session_flashes (
  id BIGSERIAL PRIMARY KEY,
  session_hash TEXT NOT NULL REFERENCES sessions(id_hash) ON DELETE CASCADE,
  error BOOLEAN NOT NULL,
  text TEXT NOT NULL
);
CREATE INDEX session_flashes_session ON session_flashes (session_hash, id);
CREATE TABLE login_attempts (
  id BIGSERIAL PRIMARY KEY,
  kind TEXT NOT NULL CHECK (kind IN ('email', 'address')),
  key TEXT NOT NULL,
  attempted_ms BIGINT NOT NULL
);
CREATE INDEX login_attempts_key ON login_attempts (kind, key, attempted_ms);
CREATE INDEX login_attempts_age ON login_attempts (kind, attempted_ms);
)sql"},
    // Lanes across nodes: which node drives each Lightspeed account's exports, and which nodes
    // are alive to share them (pg_lanes.cpp). A released lane keeps its row: fences only grow.
    {4, R"sql(
CREATE TABLE export_lanes (
  lane TEXT PRIMARY KEY,
  node TEXT NOT NULL,
  fence BIGINT NOT NULL,
  lease_until BIGINT NOT NULL
);
CREATE TABLE export_nodes (
  node TEXT PRIMARY KEY,
  alive_until BIGINT NOT NULL
);
)sql"},
    // Open Orders for a busy store (issue 14): search, sorts, the needs-action filter.
    // `hold` is rules::ExportHold of the order, written with every change to it; the UPDATE below
    // computes the same rule once for the orders already stored. orders_search is a pg_trgm GIN
    // index of each order's e-mail and "first last" name, lower-cased (a trusted extension since
    // PostgreSQL 13: the database's owner may create it); numbers are found by prefix through
    // orders_by_number.
    {5, R"sql(
CREATE EXTENSION IF NOT EXISTS pg_trgm;
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
CREATE INDEX orders_by_number ON orders (store_id, lower(number) text_pattern_ops);
CREATE INDEX orders_needing_action ON orders (store_id, placed_at DESC, id DESC)
  WHERE status <> 'cancelled' AND (export_state = 'needs_attention'
        OR (export_state = 'not_exported' AND hold <> ''));
CREATE INDEX orders_search ON orders
  USING gin (lower(email || E'\n' || first_name || ' ' || last_name) gin_trgm_ops);
)sql"},
    // The store's time zone, for the times the site manager shows (issue 14).
    {6, R"sql(
ALTER TABLE lightspeed_settings ADD COLUMN time_zone TEXT NOT NULL DEFAULT 'UTC';
)sql"},
    // Alerts (issue 15): each store's alert settings, the incidents the checker opened and
    // resolved (one open incident per key), and the notices' deliveries with their attempts.
    {7, R"sql(
CREATE TABLE alert_settings (
  store_id BIGINT PRIMARY KEY REFERENCES stores(id),
  webhook_enabled BOOLEAN NOT NULL,
  email_enabled BOOLEAN NOT NULL,
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
  updated_at BIGINT NOT NULL
);
CREATE TABLE alert_incidents (
  id BIGSERIAL PRIMARY KEY,
  store_id BIGINT NOT NULL REFERENCES stores(id),
  incident_key TEXT NOT NULL,
  kind TEXT NOT NULL,
  subject TEXT NOT NULL,
  message TEXT NOT NULL,
  order_number TEXT NOT NULL,
  opened_at BIGINT NOT NULL,
  resolved_at BIGINT
);
CREATE UNIQUE INDEX alert_incidents_open ON alert_incidents (store_id, incident_key)
  WHERE resolved_at IS NULL;
CREATE INDEX alert_incidents_by_store ON alert_incidents (store_id, id);
CREATE TABLE alert_deliveries (
  id BIGSERIAL PRIMARY KEY,
  store_id BIGINT NOT NULL REFERENCES stores(id),
  incident_id BIGINT NOT NULL REFERENCES alert_incidents(id),
  event TEXT NOT NULL,
  channel TEXT NOT NULL,
  state TEXT NOT NULL DEFAULT 'pending',
  attempts INTEGER NOT NULL DEFAULT 0,
  created_at BIGINT NOT NULL,
  next_attempt_at BIGINT NOT NULL,
  delivered_at BIGINT,
  last_error TEXT NOT NULL DEFAULT '',
  lease_holder TEXT,
  lease_until BIGINT,
  fence BIGINT NOT NULL DEFAULT 0,
  UNIQUE (incident_id, event, channel)
);
CREATE INDEX alert_deliveries_due ON alert_deliveries (next_attempt_at) WHERE state = 'pending';
CREATE INDEX alert_deliveries_by_store ON alert_deliveries (store_id, id);
)sql"},
    // Reconciliation (issue 15): the total of the sale sent for each exported order, the kept
    // runs with their differences, and the daily run's claim per store and day (one node runs it).
    {8, R"sql(
ALTER TABLE orders ADD COLUMN sent_total_cents BIGINT;
CREATE INDEX orders_by_exported_at ON orders (store_id, exported_at)
  WHERE export_state = 'exported';
CREATE TABLE reconcile_runs (
  id BIGSERIAL PRIMARY KEY,
  store_id BIGINT NOT NULL REFERENCES stores(id),
  window_from BIGINT NOT NULL, window_to BIGINT NOT NULL,
  started_at BIGINT NOT NULL, finished_at BIGINT NOT NULL,
  run_kind TEXT NOT NULL,
  ok BOOLEAN NOT NULL,
  message TEXT NOT NULL,
  requests INTEGER NOT NULL,
  differences TEXT NOT NULL
);
CREATE INDEX reconcile_runs_newest ON reconcile_runs (store_id, id DESC);
CREATE TABLE reconcile_daily (
  store_id BIGINT NOT NULL REFERENCES stores(id),
  day TEXT NOT NULL,
  node TEXT NOT NULL,
  PRIMARY KEY (store_id, day)
);
)sql"},
    // Refunds sent to Lightspeed (issue 15): the store's choice, the lines a refund gives back,
    // and each refund's export with its own claim, fence and "maybe sent" mark.
    {9, R"sql(
ALTER TABLE lightspeed_settings ADD COLUMN refunds TEXT NOT NULL DEFAULT 'manual';
ALTER TABLE order_refunds ADD COLUMN lines TEXT NOT NULL DEFAULT '[]';
CREATE TABLE refund_exports (
  order_id BIGINT NOT NULL REFERENCES orders(id) ON DELETE CASCADE,
  refund_id TEXT NOT NULL,
  seq BIGSERIAL,
  state TEXT NOT NULL DEFAULT 'queued',
  not_before BIGINT NOT NULL DEFAULT 0,
  fence BIGINT NOT NULL DEFAULT 0,
  lease_until BIGINT NOT NULL DEFAULT 0,
  attempts INTEGER NOT NULL DEFAULT 0,
  maybe_sent BOOLEAN NOT NULL DEFAULT FALSE,
  sale_id TEXT NOT NULL DEFAULT '',
  message TEXT NOT NULL DEFAULT '',
  queued_at BIGINT NOT NULL,
  sent_at BIGINT,
  PRIMARY KEY (order_id, refund_id)
);
CREATE INDEX refund_exports_due ON refund_exports (state, not_before);
)sql"},
    // Issue 12: the stores with queued orders, found one index step per store (ListDueStores),
    // not by reading every queued order.
    {10, R"sql(
CREATE INDEX orders_queued_by_store ON orders (store_id, export_not_before NULLS FIRST)
  WHERE export_state = 'queued';
)sql"},
};

}  // namespace

base::Result<std::vector<int>> ApplyMigrations(Pool& pool) {
  return pool.Get<std::vector<int>>([](pqxx::work& w) -> base::Result<std::vector<int>> {
    // Held until this transaction ends: a second node migrating at the same time waits here,
    // then finds the versions applied. Nothing before it, not even the IF NOT EXISTS below,
    // is safe to run concurrently.
    w.exec_params("SELECT pg_advisory_xact_lock($1)", kMigrationLock);
    w.exec(
        "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, "
        "applied_at BIGINT NOT NULL)");
    std::vector<int> present;
    for (const auto& row : w.exec("SELECT version FROM schema_migrations"))
      present.push_back(row[0].as<int>());
    std::vector<int> applied;
    for (const Migration& m : kMigrations) {
      if (std::find(present.begin(), present.end(), m.version) != present.end()) continue;
      w.exec(m.sql);
      w.exec_params(
          "INSERT INTO schema_migrations (version, applied_at) "
          "VALUES ($1, FLOOR(EXTRACT(EPOCH FROM now()))::BIGINT)",
          m.version);
      applied.push_back(m.version);
    }
    return applied;
  });
}

Result<std::vector<int>> Migrate(const std::string& url) {
  auto pool = Pool::Open(url, 1);
  if (!pool.ok()) return pool.error();
  return ApplyMigrations(**pool);
}

}  // namespace store::postgres
