// Stores, users, tokens, catalog and settings. Orders and exports are in sqlite_orders.cpp.
#include "store/sqlite/sqlite_store.h"

#include "base/text.h"
#include "store/rules.h"
#include "store/sqlite/migrations.h"

namespace store {

namespace sqlite {
namespace {

using rules::OptCents;
using rules::OptMoney;

constexpr const char* kItemColumns =
    "sku, description, kind, source, lightspeed_item_id, upc, ean, manufacturer_sku, brand, "
    "price_cents, cost_cents, msrp_cents, serialized";

shop::Item ReadItem(const Stmt& s) {
  shop::Item item;
  item.sku = s.Text(0);
  item.description = s.Text(1);
  (void)shop::Parse(s.Text(2), &item.kind);
  (void)shop::Parse(s.Text(3), &item.source);
  item.lightspeed_item_id = s.OptText(4);
  item.upc = s.OptText(5);
  item.ean = s.OptText(6);
  item.manufacturer_sku = s.OptText(7);
  item.brand = s.OptText(8);
  item.price = base::Money::FromCents(s.Int(9));
  item.cost = OptMoney(s.OptInt(10));
  item.msrp = OptMoney(s.OptInt(11));
  item.serialized = s.Int(12) != 0;
  return item;
}

StoreInfo ReadStore(const Stmt& s) {
  return StoreInfo{StoreId{s.Int(0)}, s.Text(1), s.Text(2), s.Text(3)};
}

}  // namespace

int64_t SqliteStore::NowSeconds() const { return rules::Seconds(clock_->Now()); }

int64_t SqliteStore::Until(base::Duration d) const { return rules::Seconds(clock_->Now() + d); }

Result<StoreInfo> SqliteStore::CreateStore(const std::string& slug, const std::string& name,
                                           const std::string& currency) {
  auto conn = pool_->Take();
  Stmt s(*conn, "INSERT INTO stores (slug, name, currency, created_at) VALUES (?, ?, ?, ?)");
  s.Bind(1, slug).Bind(2, name).Bind(3, currency).Bind(4, NowSeconds());
  s.Step();
  if (!s.status().ok()) {
    if (s.status().error().code == base::ErrorCode::kConflict) return rules::StoreExists(slug);
    return s.status().error();
  }
  return StoreInfo{StoreId{conn->LastInsertId()}, slug, name, currency};
}

Result<StoreInfo> SqliteStore::GetStore(StoreId id) {
  auto conn = pool_->Take();
  Stmt s(*conn, "SELECT id, slug, name, currency FROM stores WHERE id = ?");
  s.Bind(1, id.value);
  if (s.Step()) return ReadStore(s);
  if (!s.status().ok()) return s.status().error();
  return base::NotFound("no such store");
}

Result<StoreInfo> SqliteStore::FindStore(const std::string& slug) {
  auto conn = pool_->Take();
  Stmt s(*conn, "SELECT id, slug, name, currency FROM stores WHERE slug = ?");
  s.Bind(1, slug);
  if (s.Step()) return ReadStore(s);
  if (!s.status().ok()) return s.status().error();
  return base::NotFound("no store named \"" + slug + "\"");
}

Result<std::vector<StoreInfo>> SqliteStore::ListStores() {
  auto conn = pool_->Take();
  Stmt s(*conn, "SELECT id, slug, name, currency FROM stores ORDER BY id");
  std::vector<StoreInfo> out;
  while (s.Step()) out.push_back(ReadStore(s));
  if (!s.status().ok()) return s.status().error();
  return out;
}

Result<User> SqliteStore::AddUser(StoreId store, const std::string& email,
                                  const std::string& password_hash) {
  auto conn = pool_->Take();
  Stmt s(*conn,
         "INSERT INTO users (store_id, email, password_hash, created_at) VALUES (?, ?, ?, ?)");
  s.Bind(1, store.value).Bind(2, email).Bind(3, password_hash).Bind(4, NowSeconds());
  s.Step();
  if (!s.status().ok()) {
    if (s.status().error().code == base::ErrorCode::kConflict) return rules::UserExists(email);
    return s.status().error();
  }
  return User{conn->LastInsertId(), store, email, password_hash};
}

Result<User> SqliteStore::FindUser(const std::string& email) {
  auto conn = pool_->Take();
  Stmt s(*conn, "SELECT id, store_id, email, password_hash FROM users WHERE email = ?");
  s.Bind(1, email);
  if (s.Step()) return User{s.Int(0), StoreId{s.Int(1)}, s.Text(2), s.Text(3)};
  if (!s.status().ok()) return s.status().error();
  return base::NotFound("no such user");
}

Status SqliteStore::AddApiToken(StoreId store, const std::string& token_hash,
                                const std::string& label) {
  auto conn = pool_->Take();
  Stmt s(*conn,
         "INSERT INTO api_tokens (store_id, token_hash, label, created_at) VALUES (?, ?, ?, ?)");
  s.Bind(1, store.value).Bind(2, token_hash).Bind(3, label).Bind(4, NowSeconds());
  s.Step();
  return s.status();
}

Result<StoreId> SqliteStore::FindTokenStore(const std::string& token_hash) {
  auto conn = pool_->Take();
  Stmt s(*conn, "SELECT store_id FROM api_tokens WHERE token_hash = ?");
  s.Bind(1, token_hash);
  if (s.Step()) return StoreId{s.Int(0)};
  if (!s.status().ok()) return s.status().error();
  return base::Unauthenticated("unknown API token");
}

Result<PutOutcome> SqliteStore::PutItem(StoreId store, const shop::Item& item) {
  auto conn = pool_->Take();
  WriteTxn txn(*conn);
  if (!txn.begun().ok()) return txn.begun().error();
  PutOutcome outcome = PutOutcome::kCreated;
  {
    Stmt find(*conn,
              (std::string("SELECT ") + kItemColumns + " FROM items WHERE store_id = ? AND sku = ?")
                  .c_str());
    find.Bind(1, store.value).Bind(2, item.sku);
    if (find.Step()) {
      if (ReadItem(find) == item) return PutOutcome::kUnchanged;
      outcome = PutOutcome::kReplaced;
    }
    if (!find.status().ok()) return find.status().error();
  }
  Stmt s(*conn,
         "INSERT INTO items (store_id, sku, description, kind, source, lightspeed_item_id, upc, "
         "ean, manufacturer_sku, brand, price_cents, cost_cents, msrp_cents, serialized, "
         "updated_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?) "
         "ON CONFLICT (store_id, sku) DO UPDATE SET description = excluded.description, "
         "kind = excluded.kind, source = excluded.source, "
         "lightspeed_item_id = excluded.lightspeed_item_id, upc = excluded.upc, "
         "ean = excluded.ean, manufacturer_sku = excluded.manufacturer_sku, "
         "brand = excluded.brand, price_cents = excluded.price_cents, "
         "cost_cents = excluded.cost_cents, msrp_cents = excluded.msrp_cents, "
         "serialized = excluded.serialized, updated_at = excluded.updated_at");
  s.Bind(1, store.value).Bind(2, item.sku).Bind(3, item.description);
  s.Bind(4, shop::Name(item.kind)).Bind(5, shop::Name(item.source));
  s.Bind(6, item.lightspeed_item_id).Bind(7, item.upc).Bind(8, item.ean);
  s.Bind(9, item.manufacturer_sku).Bind(10, item.brand).Bind(11, item.price.cents());
  s.Bind(12, OptCents(item.cost)).Bind(13, OptCents(item.msrp));
  s.Bind(14, static_cast<int64_t>(item.serialized)).Bind(15, NowSeconds());
  s.Step();
  if (!s.status().ok()) return s.status().error();
  if (auto c = txn.Commit(); !c.ok()) return c.error();
  return outcome;
}

Result<shop::Item> SqliteStore::GetItem(StoreId store, const std::string& sku) {
  auto conn = pool_->Take();
  Stmt s(*conn,
         (std::string("SELECT ") + kItemColumns + " FROM items WHERE store_id = ? AND sku = ?")
             .c_str());
  s.Bind(1, store.value).Bind(2, sku);
  if (s.Step()) return ReadItem(s);
  if (!s.status().ok()) return s.status().error();
  return base::NotFound("no item with SKU \"" + sku + "\"");
}

Result<ItemPage> SqliteStore::ListItems(StoreId store, const std::string& cursor, int limit) {
  auto conn = pool_->Take();
  Stmt s(*conn, (std::string("SELECT ") + kItemColumns +
                 " FROM items WHERE store_id = ? AND sku > ? ORDER BY sku LIMIT ?")
                    .c_str());
  s.Bind(1, store.value).Bind(2, cursor).Bind(3, static_cast<int64_t>(limit + 1));
  ItemPage page;
  while (s.Step()) page.items.push_back(ReadItem(s));
  if (!s.status().ok()) return s.status().error();
  rules::CutItemPage(&page, limit);
  return page;
}

Result<std::map<std::string, shop::Item>> SqliteStore::GetItems(
    StoreId store, const std::vector<std::string>& skus) {
  auto conn = pool_->Take();
  Stmt s(*conn,
         (std::string("SELECT ") + kItemColumns + " FROM items WHERE store_id = ? AND sku = ?")
             .c_str());
  std::map<std::string, shop::Item> found;
  for (const std::string& sku : skus) {
    if (found.count(sku)) continue;
    s.Reset();
    s.Bind(1, store.value).Bind(2, sku);
    if (s.Step()) found.emplace(sku, ReadItem(s));
    if (!s.status().ok()) return s.status().error();
  }
  return found;
}

Result<LightspeedSettings> SqliteStore::LoadSettings(Conn& conn, StoreId store) {
  Stmt s(conn,
         "SELECT account_id, shop_id, register_id, employee_id, reference_source, tax_mode, "
         "auto_export, payment_types, connection, connection_message, customer_marketing, "
         "time_zone, refunds FROM lightspeed_settings "
         "WHERE store_id = ?");
  s.Bind(1, store.value);
  LightspeedSettings out;
  if (s.Step()) {
    out.account_id = s.Text(0);
    out.shop_id = s.Text(1);
    out.register_id = s.Text(2);
    out.employee_id = s.Text(3);
    out.reference_source = s.Text(4);
    // A name this build does not know keeps the default (a newer version wrote it).
    Parse(s.Text(5), &out.tax_mode);
    Parse(s.Text(6), &out.auto_export);
    out.payment_types = rules::PaymentTypesFromText(s.Text(7));
    Parse(s.Text(8), &out.connection);
    out.connection_message = base::ValidUtf8(s.OptText(9).value_or(""));
    Parse(s.Text(10), &out.customer_marketing);
    out.time_zone = s.Text(11);
    Parse(s.Text(12), &out.refunds);
  }
  if (!s.status().ok()) return s.status().error();
  return out;
}

Result<LightspeedSettings> SqliteStore::GetLightspeedSettings(StoreId store) {
  auto conn = pool_->Take();
  return LoadSettings(*conn, store);
}

Status SqliteStore::PutLightspeedSettings(StoreId store, const LightspeedSettings& st) {
  auto conn = pool_->Take();
  Stmt s(*conn,
         "INSERT INTO lightspeed_settings (store_id, account_id, shop_id, register_id, "
         "employee_id, reference_source, tax_mode, auto_export, payment_types, updated_at, "
         "customer_marketing, time_zone, refunds) "
         "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?) ON CONFLICT (store_id) DO UPDATE SET "
         "account_id = excluded.account_id, shop_id = excluded.shop_id, "
         "register_id = excluded.register_id, employee_id = excluded.employee_id, "
         "reference_source = excluded.reference_source, tax_mode = excluded.tax_mode, "
         "auto_export = excluded.auto_export, payment_types = excluded.payment_types, "
         "updated_at = excluded.updated_at, customer_marketing = excluded.customer_marketing, "
         "time_zone = excluded.time_zone, refunds = excluded.refunds");
  s.Bind(1, store.value).Bind(2, st.account_id).Bind(3, st.shop_id).Bind(4, st.register_id);
  s.Bind(5, st.employee_id).Bind(6, st.reference_source).Bind(7, Name(st.tax_mode));
  s.Bind(8, Name(st.auto_export))
      .Bind(9, rules::PaymentTypesToText(st.payment_types))
      .Bind(10, NowSeconds());
  s.Bind(11, Name(st.customer_marketing)).Bind(12, st.time_zone).Bind(13, Name(st.refunds));
  s.Step();
  return s.status();
}

namespace {
// Creates the settings row if the store has none yet, so token updates have a row to change.
Status EnsureSettingsRow(Conn& conn, StoreId store, int64_t now) {
  Stmt s(conn,
         "INSERT INTO lightspeed_settings (store_id, updated_at) VALUES (?, ?) "
         "ON CONFLICT (store_id) DO NOTHING");
  s.Bind(1, store.value).Bind(2, now);
  s.Step();
  return s.status();
}
}  // namespace

Result<SealedTokens> SqliteStore::GetLightspeedTokens(StoreId store) {
  auto conn = pool_->Take();
  Stmt s(*conn,
         "SELECT access_token_sealed, refresh_token_sealed, access_expires_at, refresh_token_at "
         "FROM lightspeed_settings WHERE store_id = ?");
  s.Bind(1, store.value);
  SealedTokens t;
  if (s.Step()) {
    t.access_sealed = s.OptText(0).value_or("");
    t.refresh_sealed = s.OptText(1).value_or("");
    t.access_expires_at = base::TimePoint(std::chrono::seconds(s.OptInt(2).value_or(0)));
    t.refresh_issued_at = base::TimePoint(std::chrono::seconds(s.OptInt(3).value_or(0)));
  }
  if (!s.status().ok()) return s.status().error();
  if (t.refresh_sealed.empty()) return base::NotFound("Lightspeed is not connected");
  return t;
}

Status SqliteStore::SaveLightspeedTokens(StoreId store, const SealedTokens& t,
                                         const std::string& holder) {
  auto conn = pool_->Take();
  WriteTxn txn(*conn);
  if (!txn.begun().ok()) return txn.begun();
  if (auto e = EnsureSettingsRow(*conn, store, NowSeconds()); !e.ok()) return e;
  Stmt s(*conn,
         "UPDATE lightspeed_settings SET access_token_sealed = ?, refresh_token_sealed = ?, "
         "access_expires_at = ?, refresh_token_at = ?, connection = 'connected', "
         "connection_message = NULL, "
         "refresh_lease_holder = CASE WHEN refresh_lease_holder = ? THEN NULL "
         "ELSE refresh_lease_holder END, "
         "refresh_lease_until = CASE WHEN refresh_lease_holder = ? THEN NULL "
         "ELSE refresh_lease_until END, updated_at = ? WHERE store_id = ?");
  s.Bind(1, t.access_sealed).Bind(2, t.refresh_sealed).Bind(3, rules::Seconds(t.access_expires_at));
  s.Bind(4, rules::Seconds(t.refresh_issued_at))
      .Bind(5, holder)
      .Bind(6, holder)
      .Bind(7, NowSeconds());
  s.Bind(8, store.value);
  s.Step();
  if (!s.status().ok()) return s.status();
  if (auto c = txn.Commit(); !c.ok()) return c;
  // Lightspeed has already stopped the old refresh token: losing the new one to a power cut
  // would disconnect the store.
  return conn->SyncWal();
}

Result<bool> SqliteStore::LeaseTokenRefresh(StoreId store, const std::string& holder,
                                            base::Duration ttl) {
  auto conn = pool_->Take();
  WriteTxn txn(*conn);
  if (!txn.begun().ok()) return txn.begun().error();
  Stmt s(*conn,
         "UPDATE lightspeed_settings SET refresh_lease_holder = ?, refresh_lease_until = ? "
         "WHERE store_id = ? AND (refresh_lease_holder IS NULL OR refresh_lease_holder = ? "
         "OR refresh_lease_until < ?)");
  s.Bind(1, holder).Bind(2, Until(ttl)).Bind(3, store.value).Bind(4, holder);
  s.Bind(5, NowSeconds());
  s.Step();
  if (!s.status().ok()) return s.status().error();
  const bool got = conn->Changes() == 1;
  if (auto c = txn.Commit(); !c.ok()) return c.error();
  return got;
}

Status SqliteStore::ReleaseTokenLease(StoreId store, const std::string& holder) {
  auto conn = pool_->Take();
  Stmt s(*conn,
         "UPDATE lightspeed_settings SET refresh_lease_holder = NULL, refresh_lease_until = NULL "
         "WHERE store_id = ? AND refresh_lease_holder = ?");
  s.Bind(1, store.value).Bind(2, holder);
  s.Step();
  return s.status();
}

Status SqliteStore::MarkLightspeedReconnect(StoreId store, const std::string& message) {
  auto conn = pool_->Take();
  WriteTxn txn(*conn);
  if (!txn.begun().ok()) return txn.begun();
  if (auto e = EnsureSettingsRow(*conn, store, NowSeconds()); !e.ok()) return e;
  Stmt s(*conn,
         "UPDATE lightspeed_settings SET connection = 'reconnect', connection_message = ?, "
         "access_token_sealed = NULL, updated_at = ? WHERE store_id = ?");
  s.Bind(1, rules::StoredMessage(message)).Bind(2, NowSeconds()).Bind(3, store.value);
  s.Step();
  if (!s.status().ok()) return s.status();
  return txn.Commit();
}

Result<std::unique_ptr<Store>> Open(const std::string& path, const OpenOptions& options) {
  if (path.empty() || path == ":memory:")
    return base::Invalid("database.url", "the SQLite database needs a file path");
  const int connections = options.pool_size ? options.pool_size : 4;
  if (connections < 1 || connections > 64)
    return base::Invalid("database.pool_size", "database.pool_size must be 1..64");
  std::vector<std::unique_ptr<Conn>> conns;
  for (int i = 0; i < connections; ++i) {
    auto c = Conn::Open(path, kBusyTimeoutMs);
    if (!c.ok()) return c.error();
    if (i == 0) {
      auto applied = Migrate(**c);
      if (!applied.ok()) return applied.error();
    }
    conns.push_back(std::move(*c));
  }
  base::Clock* clock = options.clock ? options.clock : &base::SystemClock();
  return std::unique_ptr<Store>(new SqliteStore(std::make_unique<Pool>(std::move(conns)), clock));
}

Result<std::vector<int>> Migrate(const std::string& path) {
  auto c = Conn::Open(path, kBusyTimeoutMs);
  if (!c.ok()) return c.error();
  return Migrate(**c);
}

}  // namespace sqlite
}  // namespace store
