// Stores, users, tokens, the catalog, settings and tokens; Open, and the helpers the backend's
// files share (pg_sql.h).
#include "store/postgres/pg_store.h"

#include <cmath>

#include "base/text.h"
#include "store/postgres/pg_sql.h"
#include "store/rules.h"

namespace store::postgres {

std::string UntilSql(int until_param, int micros_param) {
  const std::string u = "$" + std::to_string(until_param);
  const std::string m = "$" + std::to_string(micros_param);
  return "COALESCE(" + u + "::BIGINT, FLOOR(EXTRACT(EPOCH FROM now()) + " + m +
         "::BIGINT / 1000000.0)::BIGINT)";
}

int64_t Micros(base::Duration d) {
  return std::chrono::duration_cast<std::chrono::microseconds>(d).count();
}

namespace {

std::string Quoted(const std::string& v) {
  std::string out = "\"";
  for (char c : v) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}

}  // namespace

std::string TextArray(const std::vector<std::optional<std::string>>& values) {
  std::string out = "{";
  for (size_t i = 0; i < values.size(); ++i) {
    if (i) out += ',';
    out += values[i] ? Quoted(*values[i]) : "NULL";
  }
  return out + "}";
}

std::string TextArray(const std::vector<std::string>& values) {
  std::string out = "{";
  for (size_t i = 0; i < values.size(); ++i) {
    if (i) out += ',';
    out += Quoted(values[i]);
  }
  return out + "}";
}

std::string IntArray(const std::vector<int64_t>& values) {
  std::string out = "{";
  for (size_t i = 0; i < values.size(); ++i) {
    if (i) out += ',';
    out += std::to_string(values[i]);
  }
  return out + "}";
}

std::string BoolArray(const std::vector<bool>& values) {
  std::string out = "{";
  for (size_t i = 0; i < values.size(); ++i) {
    if (i) out += ',';
    out += values[i] ? "t" : "f";
  }
  return out + "}";
}

std::optional<std::string> OptText(const pqxx::field& f) {
  if (f.is_null()) return std::nullopt;
  return f.as<std::string>();
}

std::optional<int64_t> OptInt(const pqxx::field& f) {
  if (f.is_null()) return std::nullopt;
  return f.as<int64_t>();
}

namespace {

using rules::OptCents;
using rules::OptMoney;

const std::string kItemColumns =
    "sku, description, kind, source, lightspeed_item_id, upc, ean, manufacturer_sku, brand, "
    "price_cents, cost_cents, msrp_cents, serialized";

shop::Item ReadItem(const pqxx::row& r) {
  shop::Item item;
  item.sku = r[0].as<std::string>();
  item.description = r[1].as<std::string>();
  (void)shop::Parse(r[2].as<std::string>(), &item.kind);
  (void)shop::Parse(r[3].as<std::string>(), &item.source);
  item.lightspeed_item_id = OptText(r[4]);
  item.upc = OptText(r[5]);
  item.ean = OptText(r[6]);
  item.manufacturer_sku = OptText(r[7]);
  item.brand = OptText(r[8]);
  item.price = base::Money::FromCents(r[9].as<int64_t>());
  item.cost = OptMoney(OptInt(r[10]));
  item.msrp = OptMoney(OptInt(r[11]));
  item.serialized = r[12].as<bool>();
  return item;
}

StoreInfo ReadStore(const pqxx::row& r) {
  return StoreInfo{StoreId{r[0].as<int64_t>()}, r[1].as<std::string>(), r[2].as<std::string>(),
                   r[3].as<std::string>()};
}

const std::string kNow = kNowSql;

}  // namespace

std::optional<int64_t> PostgresStore::ClockSeconds() const {
  if (!clock_) return std::nullopt;
  return rules::Seconds(clock_->Now());
}

std::optional<int64_t> PostgresStore::ClockUntil(base::Duration d) const {
  if (!clock_) return std::nullopt;
  return rules::Seconds(clock_->Now() + d);
}

Result<StoreInfo> PostgresStore::CreateStore(const std::string& slug, const std::string& name,
                                             const std::string& currency) {
  auto made = pool_->Get<StoreInfo>([&](pqxx::work& w) -> Result<StoreInfo> {
    auto r = w.exec_prepared1(Prepare(w,
                                      "INSERT INTO stores (slug, name, currency, created_at) "
                                      "VALUES ($2, $3, $4, " +
                                          kNow + ") RETURNING id"),
                              ClockSeconds(), slug, name, currency);
    return StoreInfo{StoreId{r[0].as<int64_t>()}, slug, name, currency};
  });
  if (!made.ok() && IsDuplicate(made.error())) return rules::StoreExists(slug);
  return made;
}

Result<StoreInfo> PostgresStore::GetStore(StoreId id) {
  return pool_->Get<StoreInfo>([&](pqxx::work& w) -> Result<StoreInfo> {
    auto r = w.exec_prepared(
        Prepare(w, "SELECT id, slug, name, currency FROM stores WHERE id = $1"), id.value);
    if (r.empty()) return base::NotFound("no such store");
    return ReadStore(r[0]);
  });
}

Result<StoreInfo> PostgresStore::FindStore(const std::string& slug) {
  // PostgreSQL text cannot hold a NUL and libpq would cut the key there: nothing is stored under
  // it.
  if (rules::HasNul(slug)) return base::NotFound("no such store");
  return pool_->Get<StoreInfo>([&](pqxx::work& w) -> Result<StoreInfo> {
    auto r = w.exec_prepared(
        Prepare(w, "SELECT id, slug, name, currency FROM stores WHERE slug = $1"), slug);
    if (r.empty()) return base::NotFound("no store named \"" + slug + "\"");
    return ReadStore(r[0]);
  });
}

Result<std::vector<StoreInfo>> PostgresStore::ListStores() {
  return pool_->Get<std::vector<StoreInfo>>([&](pqxx::work& w) -> Result<std::vector<StoreInfo>> {
    std::vector<StoreInfo> out;
    for (const auto& row : w.exec("SELECT id, slug, name, currency FROM stores ORDER BY id"))
      out.push_back(ReadStore(row));
    return out;
  });
}

Result<User> PostgresStore::AddUser(StoreId store, const std::string& email,
                                    const std::string& password_hash) {
  auto made = pool_->Get<User>([&](pqxx::work& w) -> Result<User> {
    auto r =
        w.exec_prepared1(Prepare(w,
                                 "INSERT INTO users (store_id, email, password_hash, created_at) "
                                 "VALUES ($2, $3, $4, " +
                                     kNow + ") RETURNING id"),
                         ClockSeconds(), store.value, email, password_hash);
    return User{r[0].as<int64_t>(), store, email, password_hash};
  });
  if (!made.ok() && IsDuplicate(made.error())) return rules::UserExists(email);
  return made;
}

Result<User> PostgresStore::FindUser(const std::string& email) {
  if (rules::HasNul(email)) return base::NotFound("no such user");
  return pool_->Get<User>([&](pqxx::work& w) -> Result<User> {
    auto r = w.exec_prepared(
        Prepare(
            w,
            "SELECT id, store_id, email, password_hash FROM users WHERE lower(email) = lower($1)"),
        email);
    if (r.empty()) return base::NotFound("no such user");
    return User{r[0][0].as<int64_t>(), StoreId{r[0][1].as<int64_t>()}, r[0][2].as<std::string>(),
                r[0][3].as<std::string>()};
  });
}

Status PostgresStore::AddApiToken(StoreId store, const std::string& token_hash,
                                  const std::string& label) {
  return pool_->Run([&](pqxx::work& w) -> Status {
    w.exec_prepared0(Prepare(w,
                             "INSERT INTO api_tokens (store_id, token_hash, label, created_at) "
                             "VALUES ($2, $3, $4, " +
                                 kNow + ")"),
                     ClockSeconds(), store.value, token_hash, label);
    return {};
  });
}

Result<StoreId> PostgresStore::FindTokenStore(const std::string& token_hash) {
  if (rules::HasNul(token_hash)) return base::Unauthenticated("unknown API token");
  return pool_->Get<StoreId>([&](pqxx::work& w) -> Result<StoreId> {
    auto r = w.exec_prepared(Prepare(w, "SELECT store_id FROM api_tokens WHERE token_hash = $1"),
                             token_hash);
    if (r.empty()) return base::Unauthenticated("unknown API token");
    return StoreId{r[0][0].as<int64_t>()};
  });
}

Result<PutOutcome> PostgresStore::PutItem(StoreId store, const shop::Item& item) {
  return pool_->Get<PutOutcome>([&](pqxx::work& w) -> Result<PutOutcome> {
    PutOutcome outcome = PutOutcome::kCreated;
    auto found =
        w.exec_prepared(Prepare(w, "SELECT " + kItemColumns +
                                       " FROM items WHERE store_id = $1 AND sku = $2 FOR UPDATE"),
                        store.value, item.sku);
    if (!found.empty()) {
      if (ReadItem(found[0]) == item) return PutOutcome::kUnchanged;
      outcome = PutOutcome::kReplaced;
    }
    // A new SKU has no row to lock: a rival may insert it first. `xmax = 0` on the upsert's row
    // tells this insert from an update of the rival's, so only one of two racing PUTs says
    // "created", as on SQLite.
    auto upserted = w.exec_prepared(
        Prepare(
            w,
            "INSERT INTO items (store_id, sku, description, kind, source, lightspeed_item_id, upc, "
            "ean, manufacturer_sku, brand, price_cents, cost_cents, msrp_cents, serialized, "
            "updated_at) VALUES ($2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15," +
                kNow +
                ") ON CONFLICT (store_id, sku) DO UPDATE SET description = excluded.description, "
                "kind = excluded.kind, source = excluded.source, "
                "lightspeed_item_id = excluded.lightspeed_item_id, upc = excluded.upc, "
                "ean = excluded.ean, manufacturer_sku = excluded.manufacturer_sku, "
                "brand = excluded.brand, price_cents = excluded.price_cents, "
                "cost_cents = excluded.cost_cents, msrp_cents = excluded.msrp_cents, "
                "serialized = excluded.serialized, updated_at = excluded.updated_at "
                "RETURNING (xmax = 0)"),
        ClockSeconds(), store.value, item.sku, item.description, shop::Name(item.kind),
        shop::Name(item.source), item.lightspeed_item_id, item.upc, item.ean, item.manufacturer_sku,
        item.brand, item.price.cents(), OptCents(item.cost), OptCents(item.msrp), item.serialized);
    if (found.empty() && !upserted.empty() && !upserted[0][0].as<bool>())
      outcome = PutOutcome::kReplaced;
    return outcome;
  });
}

Result<shop::Item> PostgresStore::GetItem(StoreId store, const std::string& sku) {
  if (rules::HasNul(sku)) return base::NotFound("no such item");
  return pool_->Get<shop::Item>([&](pqxx::work& w) -> Result<shop::Item> {
    auto r = w.exec_prepared(
        Prepare(w, "SELECT " + kItemColumns + " FROM items WHERE store_id = $1 AND sku = $2"),
        store.value, sku);
    if (r.empty()) return base::NotFound("no item with SKU \"" + sku + "\"");
    return ReadItem(r[0]);
  });
}

Result<ItemPage> PostgresStore::ListItems(StoreId store, const std::string& cursor, int limit) {
  return pool_->Get<ItemPage>([&](pqxx::work& w) -> Result<ItemPage> {
    ItemPage page;
    for (const auto& row : w.exec_prepared(
             Prepare(w, "SELECT " + kItemColumns +
                            " FROM items WHERE store_id = $1 AND sku > $2 ORDER BY sku LIMIT $3"),
             store.value, cursor, static_cast<int64_t>(limit) + 1))
      page.items.push_back(ReadItem(row));
    rules::CutItemPage(&page, limit);
    return page;
  });
}

Result<std::map<std::string, shop::Item>> PostgresStore::GetItems(
    StoreId store, const std::vector<std::string>& skus) {
  using Found = std::map<std::string, shop::Item>;
  if (skus.empty()) return Found{};
  return pool_->Get<Found>([&](pqxx::work& w) -> Result<Found> {
    Found found;
    for (const auto& row :
         w.exec_prepared(Prepare(w, "SELECT " + kItemColumns +
                                        " FROM items WHERE store_id = $1 AND sku = ANY($2)"),
                         store.value, TextArray(skus))) {
      shop::Item item = ReadItem(row);
      std::string sku = item.sku;
      found.emplace(std::move(sku), std::move(item));
    }
    return found;
  });
}

Result<LightspeedSettings> PostgresStore::LoadSettings(pqxx::work& w, StoreId store) {
  auto r = w.exec_prepared(
      Prepare(w,
              "SELECT account_id, shop_id, register_id, employee_id, reference_source, tax_mode, "
              "auto_export, payment_types, connection, connection_message, customer_marketing, "
              "time_zone, refunds FROM lightspeed_settings WHERE store_id = $1"),
      store.value);
  LightspeedSettings out;
  if (r.empty()) return out;
  const pqxx::row row = r[0];
  out.account_id = row[0].as<std::string>();
  out.shop_id = row[1].as<std::string>();
  out.register_id = row[2].as<std::string>();
  out.employee_id = row[3].as<std::string>();
  out.reference_source = row[4].as<std::string>();
  // A name this build does not know keeps the default (a newer version wrote it).
  Parse(row[5].as<std::string>(), &out.tax_mode);
  Parse(row[6].as<std::string>(), &out.auto_export);
  out.payment_types = rules::PaymentTypesFromText(row[7].as<std::string>());
  Parse(row[8].as<std::string>(), &out.connection);
  out.connection_message = base::ValidUtf8(OptText(row[9]).value_or(""));
  Parse(row[10].as<std::string>(), &out.customer_marketing);
  out.time_zone = row[11].as<std::string>();
  Parse(row[12].as<std::string>(), &out.refunds);
  return out;
}

Result<LightspeedSettings> PostgresStore::GetLightspeedSettings(StoreId store) {
  return pool_->Get<LightspeedSettings>(
      [&](pqxx::work& w) -> Result<LightspeedSettings> { return LoadSettings(w, store); });
}

Status PostgresStore::PutLightspeedSettings(StoreId store, const LightspeedSettings& st) {
  return pool_->Run([&](pqxx::work& w) -> Status {
    w.exec_prepared0(
        Prepare(w,
                "INSERT INTO lightspeed_settings (store_id, account_id, shop_id, register_id, "
                "employee_id, reference_source, tax_mode, auto_export, payment_types, updated_at, "
                "customer_marketing, time_zone, refunds) VALUES ($2,$3,$4,$5,$6,$7,$8,$9,$10," +
                    kNow +
                    ",$11,$12,$13) ON CONFLICT (store_id) DO UPDATE SET "
                    "account_id = excluded.account_id, shop_id = excluded.shop_id, "
                    "register_id = excluded.register_id, employee_id = excluded.employee_id, "
                    "reference_source = excluded.reference_source, tax_mode = excluded.tax_mode, "
                    "auto_export = excluded.auto_export, payment_types = excluded.payment_types, "
                    "updated_at = excluded.updated_at, customer_marketing = "
                    "excluded.customer_marketing, "
                    "time_zone = excluded.time_zone, refunds = excluded.refunds"),
        ClockSeconds(), store.value, st.account_id, st.shop_id, st.register_id, st.employee_id,
        st.reference_source, Name(st.tax_mode), Name(st.auto_export),
        rules::PaymentTypesToText(st.payment_types), Name(st.customer_marketing), st.time_zone,
        Name(st.refunds));
    return {};
  });
}

Result<SealedTokens> PostgresStore::GetLightspeedTokens(StoreId store) {
  return pool_->Get<SealedTokens>([&](pqxx::work& w) -> Result<SealedTokens> {
    auto r = w.exec_prepared(
        Prepare(
            w,
            "SELECT access_token_sealed, refresh_token_sealed, access_expires_at, refresh_token_at "
            "FROM lightspeed_settings WHERE store_id = $1"),
        store.value);
    SealedTokens t;
    if (!r.empty()) {
      t.access_sealed = OptText(r[0][0]).value_or("");
      t.refresh_sealed = OptText(r[0][1]).value_or("");
      t.access_expires_at = rules::FromSeconds(OptInt(r[0][2]).value_or(0));
      t.refresh_issued_at = rules::FromSeconds(OptInt(r[0][3]).value_or(0));
    }
    if (t.refresh_sealed.empty()) return base::NotFound("Lightspeed is not connected");
    return t;
  });
}

Status PostgresStore::SaveLightspeedTokens(StoreId store, const SealedTokens& t,
                                           const std::string& holder) {
  // The settings row is made if the store has none yet; saving releases `holder`'s lease.
  return pool_->Run([&](pqxx::work& w) -> Status {
    w.exec_prepared0(
        Prepare(
            w,
            "INSERT INTO lightspeed_settings AS s (store_id, access_token_sealed, "
            "refresh_token_sealed, access_expires_at, refresh_token_at, connection, updated_at) "
            "VALUES ($2, $3, $4, $5, $6, 'connected', " +
                kNow +
                ") ON CONFLICT (store_id) DO UPDATE SET "
                "access_token_sealed = excluded.access_token_sealed, "
                "refresh_token_sealed = excluded.refresh_token_sealed, "
                "access_expires_at = excluded.access_expires_at, "
                "refresh_token_at = excluded.refresh_token_at, connection = 'connected', "
                "connection_message = NULL, "
                "refresh_lease_holder = CASE WHEN s.refresh_lease_holder = $7 THEN NULL "
                "ELSE s.refresh_lease_holder END, "
                "refresh_lease_until = CASE WHEN s.refresh_lease_holder = $7 THEN NULL "
                "ELSE s.refresh_lease_until END, updated_at = excluded.updated_at"),
        ClockSeconds(), store.value, t.access_sealed, t.refresh_sealed,
        rules::Seconds(t.access_expires_at), rules::Seconds(t.refresh_issued_at), holder);
    return {};
  });
}

Result<bool> PostgresStore::LeaseTokenRefresh(StoreId store, const std::string& holder,
                                              base::Duration ttl) {
  return pool_->Get<bool>([&](pqxx::work& w) -> Result<bool> {
    auto r = w.exec_prepared0(
        Prepare(w,
                "UPDATE lightspeed_settings SET refresh_lease_holder = $2, refresh_lease_until = " +
                    UntilSql(3, 4) +
                    " WHERE store_id = $5 AND (refresh_lease_holder IS NULL OR "
                    "refresh_lease_holder = $2 "
                    "OR refresh_lease_until < " +
                    kNow + ")"),
        ClockSeconds(), holder, ClockUntil(ttl), Micros(ttl), store.value);
    return r.affected_rows() == 1;
  });
}

Status PostgresStore::ReleaseTokenLease(StoreId store, const std::string& holder) {
  return pool_->Run([&](pqxx::work& w) -> Status {
    w.exec_prepared0(Prepare(w,
                             "UPDATE lightspeed_settings SET refresh_lease_holder = NULL, "
                             "refresh_lease_until = NULL "
                             "WHERE store_id = $1 AND refresh_lease_holder = $2"),
                     store.value, holder);
    return {};
  });
}

Status PostgresStore::MarkLightspeedReconnect(StoreId store, const std::string& message) {
  return pool_->Run([&](pqxx::work& w) -> Status {
    w.exec_prepared0(
        Prepare(w,
                "INSERT INTO lightspeed_settings (store_id, connection, connection_message, "
                "updated_at) "
                "VALUES ($2, 'reconnect', $3, " +
                    kNow +
                    ") ON CONFLICT (store_id) DO UPDATE SET connection = 'reconnect', "
                    "connection_message = excluded.connection_message, access_token_sealed = NULL, "
                    "updated_at = excluded.updated_at"),
        ClockSeconds(), store.value, rules::StoredMessage(message));
    return {};
  });
}

Result<std::unique_ptr<Store>> Open(const std::string& url, const OpenOptions& options) {
  const int connections = options.pool_size ? options.pool_size : 8;
  auto pool = Pool::Open(url, connections);
  if (!pool.ok()) return pool.error();
  if (auto applied = ApplyMigrations(**pool); !applied.ok()) return applied.error();
  return std::unique_ptr<Store>(new PostgresStore(std::move(*pool), options.clock));
}

}  // namespace store::postgres
