// Alerts in PostgreSQL: settings, incidents and their deliveries (store/alerts.h). Two nodes
// syncing one store's incidents at once open and resolve each once: the open-incident unique
// index (ON CONFLICT DO NOTHING waits for the other transaction) and the guarded resolve; a
// delivery is claimed by one node (FOR UPDATE SKIP LOCKED) with a fence.
#include <sstream>

#include "store/postgres/pg_sql.h"
#include "store/postgres/pg_store.h"
#include "store/rules.h"

namespace store::postgres {
namespace {

using rules::FromSeconds;
using rules::Seconds;

std::string JoinLines(const std::vector<std::string>& v) {
  std::string out;
  for (const auto& s : v) out += (out.empty() ? "" : "\n") + s;
  return out;
}

std::vector<std::string> SplitLines(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);)
    if (!line.empty()) out.push_back(line);
  return out;
}

constexpr const char* kDeliverySelect =
    "SELECT d.id, d.store_id, d.event, d.channel, d.state, d.attempts, d.created_at, "
    "d.next_attempt_at, d.delivered_at, d.last_error, d.fence, i.id, i.incident_key, i.kind, "
    "i.subject, i.message, i.order_number, i.opened_at, i.resolved_at "
    "FROM alert_deliveries d JOIN alert_incidents i ON i.id = d.incident_id ";

AlertIncident ReadIncident(const pqxx::row& r, int at) {
  AlertIncident i;
  i.id = r[at].as<int64_t>();
  i.condition = {r[at + 1].as<std::string>(), r[at + 2].as<std::string>(),
                 r[at + 3].as<std::string>(), r[at + 4].as<std::string>(),
                 r[at + 5].as<std::string>()};
  i.opened_at = FromSeconds(r[at + 6].as<int64_t>());
  if (!r[at + 7].is_null()) i.resolved_at = FromSeconds(r[at + 7].as<int64_t>());
  return i;
}

AlertDelivery ReadDelivery(const pqxx::row& r) {
  AlertDelivery d;
  d.id = r[0].as<int64_t>();
  d.store = StoreId{r[1].as<int64_t>()};
  Parse(r[2].as<std::string>(), &d.event);
  Parse(r[3].as<std::string>(), &d.channel);
  Parse(r[4].as<std::string>(), &d.state);
  d.attempts = r[5].as<int>();
  d.created_at = FromSeconds(r[6].as<int64_t>());
  d.next_attempt_at = FromSeconds(r[7].as<int64_t>());
  if (!r[8].is_null()) d.delivered_at = FromSeconds(r[8].as<int64_t>());
  d.last_error = r[9].as<std::string>();
  d.fence = r[10].as<int64_t>();
  d.incident = ReadIncident(r, 11);
  return d;
}

void QueueDeliveries(pqxx::work& w, StoreId store, int64_t incident, AlertEvent event,
                     const std::vector<AlertChannel>& channels, int64_t now) {
  for (AlertChannel ch : channels)
    w.exec_params0(
        "INSERT INTO alert_deliveries (store_id, incident_id, event, channel, created_at, "
        "next_attempt_at) VALUES ($1, $2, $3, $4, $5, $5) ON CONFLICT DO NOTHING",
        store.value, incident, std::string(Name(event)), std::string(Name(ch)), now);
}

}  // namespace

Result<AlertSettings> PostgresStore::GetAlertSettings(StoreId store) {
  return pool_->Get<AlertSettings>([&](pqxx::work& w) -> Result<AlertSettings> {
    auto r = w.exec_params(
        "SELECT webhook_enabled, email_enabled, attention_minutes, queue_minutes, "
        "token_lapse_days, webhook_url, webhook_secret, smtp_host, smtp_port, smtp_security, "
        "smtp_user, smtp_password_sealed, smtp_from, smtp_to FROM alert_settings "
        "WHERE store_id = $1",
        store.value);
    AlertSettings out;
    if (r.empty()) return out;
    const auto& row = r[0];
    out.webhook_enabled = row[0].as<bool>();
    out.email_enabled = row[1].as<bool>();
    out.attention_minutes = row[2].as<int>();
    out.queue_minutes = row[3].as<int>();
    out.token_lapse_days = row[4].as<int>();
    out.webhook_url = row[5].as<std::string>();
    out.webhook_secret = row[6].as<std::string>();
    out.smtp_host = row[7].as<std::string>();
    out.smtp_port = row[8].as<int>();
    Parse(row[9].as<std::string>(), &out.smtp_security);
    out.smtp_user = row[10].as<std::string>();
    out.smtp_password_sealed = row[11].as<std::string>();
    out.smtp_from = row[12].as<std::string>();
    out.smtp_to = SplitLines(row[13].as<std::string>());
    return out;
  });
}

Status PostgresStore::PutAlertSettings(StoreId store, const AlertSettings& a) {
  const std::optional<int64_t> clock = ClockSeconds();
  return pool_->Run([&](pqxx::work& w) -> Status {
    w.exec_params0(
        "INSERT INTO alert_settings (store_id, webhook_enabled, email_enabled, "
        "attention_minutes, queue_minutes, token_lapse_days, webhook_url, webhook_secret, "
        "smtp_host, smtp_port, smtp_security, smtp_user, smtp_password_sealed, smtp_from, "
        "smtp_to, updated_at) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15, "
        "COALESCE($16, FLOOR(EXTRACT(EPOCH FROM now()))::BIGINT)) "
        "ON CONFLICT (store_id) DO UPDATE SET webhook_enabled = EXCLUDED.webhook_enabled, "
        "email_enabled = EXCLUDED.email_enabled, attention_minutes = EXCLUDED.attention_minutes, "
        "queue_minutes = EXCLUDED.queue_minutes, token_lapse_days = EXCLUDED.token_lapse_days, "
        "webhook_url = EXCLUDED.webhook_url, webhook_secret = EXCLUDED.webhook_secret, "
        "smtp_host = EXCLUDED.smtp_host, smtp_port = EXCLUDED.smtp_port, "
        "smtp_security = EXCLUDED.smtp_security, smtp_user = EXCLUDED.smtp_user, "
        "smtp_password_sealed = EXCLUDED.smtp_password_sealed, smtp_from = EXCLUDED.smtp_from, "
        "smtp_to = EXCLUDED.smtp_to, updated_at = EXCLUDED.updated_at",
        store.value, a.webhook_enabled, a.email_enabled, a.attention_minutes, a.queue_minutes,
        a.token_lapse_days, a.webhook_url, a.webhook_secret, a.smtp_host, a.smtp_port,
        std::string(Name(a.smtp_security)), a.smtp_user, a.smtp_password_sealed, a.smtp_from,
        JoinLines(a.smtp_to), clock);
    return {};
  });
}

Result<AlertFacts> PostgresStore::GetAlertFacts(StoreId store, int limit) {
  return pool_->Get<AlertFacts>([&](pqxx::work& w) -> Result<AlertFacts> {
    AlertFacts out;
    for (const auto& row : w.exec_params(
             "SELECT number, updated_at, COALESCE(export_message, '') FROM orders "
             "WHERE store_id = $1 AND export_state = 'needs_attention' AND status <> 'cancelled' "
             "ORDER BY updated_at, id LIMIT $2",
             store.value, limit))
      out.attention.push_back(
          {row[0].as<std::string>(), FromSeconds(row[1].as<int64_t>()), row[2].as<std::string>()});
    auto q = w.exec_params(
        "SELECT number, queued_at FROM orders WHERE store_id = $1 "
        "AND export_state IN ('queued', 'exporting') AND queued_at IS NOT NULL "
        "ORDER BY queued_at, id LIMIT 1",
        store.value);
    if (!q.empty()) {
      out.oldest_queued_number = q[0][0].as<std::string>();
      out.oldest_queued_at = FromSeconds(q[0][1].as<int64_t>());
    }
    auto settings = LoadSettings(w, store);
    if (!settings.ok()) return settings.error();
    out.connection = settings->connection;
    out.connection_message = settings->connection_message;
    return out;
  });
}

Result<IncidentChanges> PostgresStore::SyncIncidents(StoreId store,
                                                     const std::vector<AlertCondition>& open,
                                                     const std::vector<AlertChannel>& channels,
                                                     base::TimePoint at) {
  const int64_t now = Seconds(at);
  return pool_->Get<IncidentChanges>([&](pqxx::work& w) -> Result<IncidentChanges> {
    IncidentChanges changes;
    for (const AlertCondition& c : open) {
      auto r = w.exec_params(
          "INSERT INTO alert_incidents (store_id, incident_key, kind, subject, message, "
          "order_number, opened_at) VALUES ($1, $2, $3, $4, $5, $6, $7) "
          "ON CONFLICT DO NOTHING RETURNING id",
          store.value, c.key, c.kind, c.subject, c.message, c.order_number, now);
      if (r.empty()) continue;
      QueueDeliveries(w, store, r[0][0].as<int64_t>(), AlertEvent::kOpened, channels, now);
      changes.opened.push_back(c.key);
    }
    std::vector<std::string> keys;
    for (const AlertCondition& c : open) keys.push_back(c.key);
    auto gone = w.exec_params(
        "UPDATE alert_incidents SET resolved_at = $2 WHERE store_id = $1 AND resolved_at IS NULL "
        "AND NOT (incident_key = ANY ($3::text[])) RETURNING id, incident_key",
        store.value, now, TextArray(keys));
    for (const auto& row : gone) {
      QueueDeliveries(w, store, row[0].as<int64_t>(), AlertEvent::kResolved, channels, now);
      changes.resolved.push_back(row[1].as<std::string>());
    }
    return changes;
  });
}

Result<std::vector<AlertIncident>> PostgresStore::ListAlertIncidents(StoreId store, int limit) {
  return pool_->Get<std::vector<AlertIncident>>(
      [&](pqxx::work& w) -> Result<std::vector<AlertIncident>> {
        std::vector<AlertIncident> out;
        for (const auto& row : w.exec_params(
                 "SELECT id, incident_key, kind, subject, message, order_number, opened_at, "
                 "resolved_at FROM alert_incidents WHERE store_id = $1 "
                 "ORDER BY resolved_at IS NOT NULL, "
                 "CASE WHEN resolved_at IS NULL THEN id ELSE -id END LIMIT $2",
                 store.value, limit))
          out.push_back(ReadIncident(row, 0));
        return out;
      });
}

Result<std::vector<AlertDelivery>> PostgresStore::ClaimAlertDeliveries(const std::string& holder,
                                                                       base::TimePoint at,
                                                                       base::Duration lease,
                                                                       int limit) {
  const int64_t now = Seconds(at);
  const int64_t until = Seconds(at + lease);
  return pool_->Get<std::vector<AlertDelivery>>(
      [&](pqxx::work& w) -> Result<std::vector<AlertDelivery>> {
        std::vector<int64_t> ids;
        for (const auto& row : w.exec_params(
                 "UPDATE alert_deliveries SET lease_holder = $1, lease_until = $2, "
                 "fence = fence + 1 WHERE id IN (SELECT d.id FROM alert_deliveries d "
                 "WHERE d.state = 'pending' AND d.next_attempt_at <= $3 "
                 "AND (d.lease_until IS NULL OR d.lease_until <= $3) AND NOT (d.event = "
                 "'resolved' AND EXISTS (SELECT 1 FROM alert_deliveries o WHERE o.incident_id = "
                 "d.incident_id AND o.channel = d.channel AND o.event = 'opened' AND "
                 "o.state = 'pending')) "
                 "ORDER BY d.next_attempt_at, d.id LIMIT $4 FOR UPDATE SKIP LOCKED) RETURNING id",
                 holder, until, now, limit))
          ids.push_back(row[0].as<int64_t>());
        std::vector<AlertDelivery> out;
        if (ids.empty()) return out;
        for (const auto& row :
             w.exec_params(std::string(kDeliverySelect) +
                               "WHERE d.id = ANY ($1::bigint[]) ORDER BY d.next_attempt_at, d.id",
                           IntArray(ids)))
          out.push_back(ReadDelivery(row));
        return out;
      });
}

Status PostgresStore::FinishAlertDelivery(int64_t id, int64_t fence, const DeliveryOutcome& o,
                                          base::TimePoint at) {
  const int64_t next =
      o.state == DeliveryState::kPending ? Seconds(o.next_attempt_at) : Seconds(at);
  const std::optional<int64_t> delivered =
      o.state == DeliveryState::kDelivered ? std::optional<int64_t>(Seconds(at)) : std::nullopt;
  return pool_->Run([&](pqxx::work& w) -> Status {
    auto r = w.exec_params0(
        "UPDATE alert_deliveries SET state = $1, attempts = attempts + 1, last_error = $2, "
        "next_attempt_at = $3, delivered_at = $4, lease_holder = NULL, lease_until = NULL "
        "WHERE id = $5 AND fence = $6 AND state = 'pending'",
        std::string(Name(o.state)), rules::StoredMessage(o.error), next, delivered, id, fence);
    if (r.affected_rows() == 0)
      return base::Conflict("delivery_taken_over",
                            "the delivery was taken over by another node or already finished");
    return {};
  });
}

Result<std::vector<AlertDelivery>> PostgresStore::ListAlertDeliveries(StoreId store, int limit) {
  return pool_->Get<std::vector<AlertDelivery>>(
      [&](pqxx::work& w) -> Result<std::vector<AlertDelivery>> {
        std::vector<AlertDelivery> out;
        for (const auto& row : w.exec_params(std::string(kDeliverySelect) +
                                                 "WHERE d.store_id = $1 ORDER BY d.id DESC "
                                                 "LIMIT $2",
                                             store.value, limit))
          out.push_back(ReadDelivery(row));
        return out;
      });
}

}  // namespace store::postgres
