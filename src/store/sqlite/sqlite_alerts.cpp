// Alerts in SQLite: settings, incidents and their deliveries (store/alerts.h).
#include <sstream>

#include "store/rules.h"
#include "store/sqlite/sqlite_store.h"

namespace store::sqlite {
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

AlertIncident ReadIncident(const Stmt& s, int at) {
  AlertIncident i;
  i.id = s.Int(at);
  i.condition = {s.Text(at + 1), s.Text(at + 2), s.Text(at + 3), s.Text(at + 4), s.Text(at + 5)};
  i.opened_at = FromSeconds(s.Int(at + 6));
  if (!s.IsNull(at + 7)) i.resolved_at = FromSeconds(s.Int(at + 7));
  return i;
}

AlertDelivery ReadDelivery(const Stmt& s) {
  AlertDelivery d;
  d.id = s.Int(0);
  d.store = StoreId{s.Int(1)};
  Parse(s.Text(2), &d.event);
  Parse(s.Text(3), &d.channel);
  Parse(s.Text(4), &d.state);
  d.attempts = static_cast<int>(s.Int(5));
  d.created_at = FromSeconds(s.Int(6));
  d.next_attempt_at = FromSeconds(s.Int(7));
  if (!s.IsNull(8)) d.delivered_at = FromSeconds(s.Int(8));
  d.last_error = s.Text(9);
  d.fence = s.Int(10);
  d.incident = ReadIncident(s, 11);
  return d;
}

Status QueueDeliveries(Conn& conn, StoreId store, int64_t incident, AlertEvent event,
                       const std::vector<AlertChannel>& channels, int64_t now) {
  for (AlertChannel ch : channels) {
    Stmt s(conn,
           "INSERT OR IGNORE INTO alert_deliveries (store_id, incident_id, event, channel, "
           "created_at, next_attempt_at) VALUES (?, ?, ?, ?, ?, ?)");
    s.Bind(1, store.value).Bind(2, incident).Bind(3, Name(event)).Bind(4, Name(ch));
    s.Bind(5, now).Bind(6, now);
    s.Step();
    if (!s.status().ok()) return s.status();
  }
  return {};
}

}  // namespace

Result<AlertSettings> SqliteStore::GetAlertSettings(StoreId store) {
  auto conn = pool_->Take();
  Stmt s(*conn,
         "SELECT webhook_enabled, email_enabled, attention_minutes, queue_minutes, "
         "token_lapse_days, webhook_url, webhook_secret, smtp_host, smtp_port, smtp_security, "
         "smtp_user, smtp_password_sealed, smtp_from, smtp_to FROM alert_settings "
         "WHERE store_id = ?");
  s.Bind(1, store.value);
  AlertSettings out;
  if (s.Step()) {
    out.webhook_enabled = s.Int(0) != 0;
    out.email_enabled = s.Int(1) != 0;
    out.attention_minutes = static_cast<int>(s.Int(2));
    out.queue_minutes = static_cast<int>(s.Int(3));
    out.token_lapse_days = static_cast<int>(s.Int(4));
    out.webhook_url = s.Text(5);
    out.webhook_secret = s.Text(6);
    out.smtp_host = s.Text(7);
    out.smtp_port = static_cast<int>(s.Int(8));
    Parse(s.Text(9), &out.smtp_security);
    out.smtp_user = s.Text(10);
    out.smtp_password_sealed = s.Text(11);
    out.smtp_from = s.Text(12);
    out.smtp_to = SplitLines(s.Text(13));
  }
  if (!s.status().ok()) return s.status().error();
  return out;
}

Status SqliteStore::PutAlertSettings(StoreId store, const AlertSettings& a) {
  auto conn = pool_->Take();
  Stmt s(*conn,
         "INSERT INTO alert_settings (store_id, webhook_enabled, email_enabled, "
         "attention_minutes, queue_minutes, token_lapse_days, webhook_url, webhook_secret, "
         "smtp_host, smtp_port, smtp_security, smtp_user, smtp_password_sealed, smtp_from, "
         "smtp_to, updated_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?) "
         "ON CONFLICT (store_id) DO UPDATE SET webhook_enabled = excluded.webhook_enabled, "
         "email_enabled = excluded.email_enabled, attention_minutes = excluded.attention_minutes, "
         "queue_minutes = excluded.queue_minutes, token_lapse_days = excluded.token_lapse_days, "
         "webhook_url = excluded.webhook_url, webhook_secret = excluded.webhook_secret, "
         "smtp_host = excluded.smtp_host, smtp_port = excluded.smtp_port, "
         "smtp_security = excluded.smtp_security, smtp_user = excluded.smtp_user, "
         "smtp_password_sealed = excluded.smtp_password_sealed, smtp_from = excluded.smtp_from, "
         "smtp_to = excluded.smtp_to, updated_at = excluded.updated_at");
  s.Bind(1, store.value)
      .Bind(2, int64_t{a.webhook_enabled})
      .Bind(3, int64_t{a.email_enabled})
      .Bind(4, int64_t{a.attention_minutes})
      .Bind(5, int64_t{a.queue_minutes})
      .Bind(6, int64_t{a.token_lapse_days})
      .Bind(7, a.webhook_url)
      .Bind(8, a.webhook_secret)
      .Bind(9, a.smtp_host)
      .Bind(10, int64_t{a.smtp_port})
      .Bind(11, Name(a.smtp_security))
      .Bind(12, a.smtp_user)
      .Bind(13, a.smtp_password_sealed)
      .Bind(14, a.smtp_from)
      .Bind(15, JoinLines(a.smtp_to))
      .Bind(16, NowSeconds());
  s.Step();
  return s.status();
}

Result<AlertFacts> SqliteStore::GetAlertFacts(StoreId store, int limit) {
  auto conn = pool_->Take();
  AlertFacts out;
  {
    Stmt s(*conn,
           "SELECT number, updated_at, COALESCE(export_message, '') FROM orders "
           "WHERE store_id = ? AND export_state = 'needs_attention' AND status <> 'cancelled' "
           "ORDER BY updated_at, id LIMIT ?");
    s.Bind(1, store.value).Bind(2, int64_t{limit});
    while (s.Step()) out.attention.push_back({s.Text(0), FromSeconds(s.Int(1)), s.Text(2)});
    if (!s.status().ok()) return s.status().error();
  }
  {
    Stmt s(*conn,
           "SELECT number, queued_at FROM orders WHERE store_id = ? "
           "AND export_state IN ('queued', 'exporting') AND queued_at IS NOT NULL "
           "ORDER BY queued_at, id LIMIT 1");
    s.Bind(1, store.value);
    if (s.Step()) {
      out.oldest_queued_number = s.Text(0);
      out.oldest_queued_at = FromSeconds(s.Int(1));
    }
    if (!s.status().ok()) return s.status().error();
  }
  auto settings = LoadSettings(*conn, store);
  if (!settings.ok()) return settings.error();
  out.connection = settings->connection;
  out.connection_message = settings->connection_message;
  return out;
}

Result<IncidentChanges> SqliteStore::SyncIncidents(StoreId store,
                                                   const std::vector<AlertCondition>& open,
                                                   const std::vector<AlertChannel>& channels,
                                                   base::TimePoint at) {
  const int64_t now = Seconds(at);
  auto conn = pool_->Take();
  WriteTxn txn(*conn);
  if (!txn.begun().ok()) return txn.begun().error();
  IncidentChanges changes;
  for (const AlertCondition& c : open) {
    Stmt s(*conn,
           "INSERT OR IGNORE INTO alert_incidents (store_id, incident_key, kind, subject, "
           "message, order_number, opened_at) VALUES (?, ?, ?, ?, ?, ?, ?)");
    s.Bind(1, store.value).Bind(2, c.key).Bind(3, c.kind).Bind(4, c.subject);
    s.Bind(5, c.message).Bind(6, c.order_number).Bind(7, now);
    s.Step();
    if (!s.status().ok()) return s.status().error();
    if (conn->Changes() == 0) continue;
    const int64_t id = conn->LastInsertId();
    if (auto st = QueueDeliveries(*conn, store, id, AlertEvent::kOpened, channels, now); !st.ok())
      return st.error();
    changes.opened.push_back(c.key);
  }
  std::vector<std::pair<int64_t, std::string>> gone;
  {
    Stmt s(*conn,
           "SELECT id, incident_key FROM alert_incidents WHERE store_id = ? "
           "AND resolved_at IS NULL");
    s.Bind(1, store.value);
    while (s.Step()) {
      const std::string key = s.Text(1);
      bool still = false;
      for (const AlertCondition& c : open) still = still || c.key == key;
      if (!still) gone.emplace_back(s.Int(0), key);
    }
    if (!s.status().ok()) return s.status().error();
  }
  for (const auto& [id, key] : gone) {
    Stmt s(*conn,
           "UPDATE alert_incidents SET resolved_at = ? WHERE id = ? AND resolved_at IS NULL");
    s.Bind(1, now).Bind(2, id);
    s.Step();
    if (!s.status().ok()) return s.status().error();
    if (auto st = QueueDeliveries(*conn, store, id, AlertEvent::kResolved, channels, now); !st.ok())
      return st.error();
    changes.resolved.push_back(key);
  }
  if (auto c = txn.Commit(); !c.ok()) return c.error();
  return changes;
}

Result<std::vector<AlertIncident>> SqliteStore::ListAlertIncidents(StoreId store, int limit) {
  auto conn = pool_->Take();
  Stmt s(*conn,
         "SELECT id, incident_key, kind, subject, message, order_number, opened_at, resolved_at "
         "FROM alert_incidents WHERE store_id = ? "
         "ORDER BY resolved_at IS NOT NULL, CASE WHEN resolved_at IS NULL THEN id ELSE -id END "
         "LIMIT ?");
  s.Bind(1, store.value).Bind(2, int64_t{limit});
  std::vector<AlertIncident> out;
  while (s.Step()) out.push_back(ReadIncident(s, 0));
  if (!s.status().ok()) return s.status().error();
  return out;
}

Result<std::vector<AlertDelivery>> SqliteStore::ClaimAlertDeliveries(const std::string& holder,
                                                                     base::TimePoint at,
                                                                     base::Duration lease,
                                                                     int limit) {
  const int64_t now = Seconds(at);
  auto conn = pool_->Take();
  WriteTxn txn(*conn);
  if (!txn.begun().ok()) return txn.begun().error();
  std::vector<int64_t> ids;
  {
    Stmt s(*conn,
           "SELECT id FROM alert_deliveries d WHERE state = 'pending' AND next_attempt_at <= ?1 "
           "AND (lease_until IS NULL OR lease_until <= ?1) AND NOT (event = 'resolved' AND "
           "EXISTS (SELECT 1 FROM alert_deliveries o WHERE o.incident_id = d.incident_id "
           "AND o.channel = d.channel AND o.event = 'opened' AND o.state = 'pending')) "
           "ORDER BY next_attempt_at, id LIMIT ?2");
    s.Bind(1, now).Bind(2, int64_t{limit});
    while (s.Step()) ids.push_back(s.Int(0));
    if (!s.status().ok()) return s.status().error();
  }
  std::vector<AlertDelivery> out;
  for (int64_t id : ids) {
    Stmt u(*conn,
           "UPDATE alert_deliveries SET lease_holder = ?, lease_until = ?, fence = fence + 1 "
           "WHERE id = ?");
    u.Bind(1, holder).Bind(2, Seconds(at + lease)).Bind(3, id);
    u.Step();
    if (!u.status().ok()) return u.status().error();
    Stmt s(*conn, (std::string(kDeliverySelect) + "WHERE d.id = ?").c_str());
    s.Bind(1, id);
    if (s.Step()) out.push_back(ReadDelivery(s));
    if (!s.status().ok()) return s.status().error();
  }
  if (auto c = txn.Commit(); !c.ok()) return c.error();
  return out;
}

Status SqliteStore::FinishAlertDelivery(int64_t id, int64_t fence, const DeliveryOutcome& o,
                                        base::TimePoint at) {
  auto conn = pool_->Take();
  Stmt s(*conn,
         "UPDATE alert_deliveries SET state = ?, attempts = attempts + 1, last_error = ?, "
         "next_attempt_at = ?, delivered_at = ?, lease_holder = NULL, lease_until = NULL "
         "WHERE id = ? AND fence = ? AND state = 'pending'");
  s.Bind(1, Name(o.state))
      .Bind(2, rules::StoredMessage(o.error))
      .Bind(3, o.state == DeliveryState::kPending ? Seconds(o.next_attempt_at) : Seconds(at))
      .Bind(4, o.state == DeliveryState::kDelivered ? std::optional<int64_t>(Seconds(at))
                                                    : std::optional<int64_t>())
      .Bind(5, id)
      .Bind(6, fence);
  s.Step();
  if (!s.status().ok()) return s.status();
  if (conn->Changes() == 0)
    return base::Conflict("delivery_taken_over",
                          "the delivery was taken over by another node or already finished");
  return {};
}

Result<std::vector<AlertDelivery>> SqliteStore::ListAlertDeliveries(StoreId store, int limit) {
  auto conn = pool_->Take();
  Stmt s(
      *conn,
      (std::string(kDeliverySelect) + "WHERE d.store_id = ? ORDER BY d.id DESC LIMIT ?").c_str());
  s.Bind(1, store.value).Bind(2, int64_t{limit});
  std::vector<AlertDelivery> out;
  while (s.Step()) out.push_back(ReadDelivery(s));
  if (!s.status().ok()) return s.status().error();
  return out;
}

}  // namespace store::sqlite
