// The operations behind the JSON API, the site manager's pages and `spoke import`, in shop and
// store types: no JSON and no HTTP here. Each returns a Result whose error code alone decides the
// HTTP status at the edge (web/api_routes.cpp), so a record is validated the same way whichever
// door it came in by, and a page and the API can never disagree about what is allowed.
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "base/clock.h"
#include "exporter/connections.h"
#include "exporter/reconciler.h"
#include "store/store.h"

namespace api {

using base::Result;

struct ApiOptions {
  // Each store's Lightspeed link; without one, connecting answers 503.
  exporter::Connections* connections = nullptr;
  // Called after an order was queued, so the export engine looks at once.
  std::function<void()> on_queued;
  // server.public_url ("" = none): the status names the OAuth redirect URI it gives.
  std::string public_url;
  // Reconciliation's reading of Lightspeed (tests page it small and watch its requests).
  exporter::ReconcileOptions reconcile;
};

// A reconciliation's period as the caller typed it: RFC 3339 times, or dates ("2026-11-20") in
// the store's time zone (`to`'s whole day included). Empty: `to` now, `from` 7 days before it.
struct ReconcileWindow {
  std::string from, to;
};

// An order as staff and API clients see it: the web order, its export record (and, for one order,
// its attempts), its balance, whether it can be exported now, and reminders (R24).
struct OrderView {
  store::OrderRecord record;
  shop::Balance balance;
  shop::Eligibility exportable;
  std::vector<std::string> notices;
  // Refunds sent to Lightspeed (store setting refunds = "send", issue 15), by refund id.
  std::map<std::string, store::RefundExport> refund_exports;
};

struct OrderViewPage {
  std::vector<OrderView> orders;
  std::string next_cursor;  // empty on the last page
  std::string prev_cursor;  // empty on the first page
};

// A write's result and whether it created the thing (201) or changed an existing one (200).
template <typename T>
struct Written {
  T value;
  bool created = false;
};

// A change to Settings → Lightspeed: only the fields given change. Values are as the caller
// typed them (text from JSON or a form); the operation checks and reads them.
struct SettingsChange {
  std::optional<std::string> account_id, shop_id, register_id, employee_id, reference_source,
      tax_mode, auto_export, customer_marketing, time_zone, refunds;
  std::optional<std::map<std::string, std::string>> payment_types;
};

struct ConnectionStatus {
  bool connected = false;
  store::ConnectionState connection = store::ConnectionState::kNone;
  std::string message;  // why not connected, in plain words ("" when connected)
  std::optional<base::TimePoint> lapses_at;
  std::string oauth_redirect_uri, oauth_redirect_problem;  // exactly one is set
  store::LightspeedSettings settings;
  std::optional<lightspeed::RateLimiter::Snapshot> bucket;  // once an answer showed it
  int64_t queue_length = 0, needs_attention = 0;            // queue_length: queued + exporting
  int64_t queued = 0, exporting = 0;                        // the backlog, by state
  // The store's lane (its Lightspeed account, store::LaneName) and the node driving it now ("" when
  // no node holds the lane's lease: nothing due, or no worker running).
  std::string lane, driving_node;
  std::optional<double> expected_drain_seconds;  // null until a bucket was seen
};

// One order of a batch export request: its export record, or why it was not queued.
struct BatchResult {
  std::string number;
  Result<store::ExportRecord> result;
};

// What exporting an order would send now (issue 14, item 8): the planned sale from the pure
// planner (exporter::PlanExport) over spoke's own records — the catalog and the Lightspeed records
// it has already linked (customers by e-mail, items by SKU, payment types by name). Making it
// sends nothing to Lightspeed and writes nothing. A record not linked yet is looked up in
// Lightspeed when the order is exported, and created only if not found: `lookup` says how.
struct ExportPreview {
  std::string number, currency;
  store::ExportRecord export_record;  // the state; the sale id once exported
  // Exported already (R1): nothing is planned, the order will not be sent again.
  bool exported = false;
  shop::Eligibility exportable;  // why it cannot be exported now (R1–R5)
  std::string hold;              // why the exporter would hold it (R7, R10, R11), "" when not
  std::string reference_number, reference_source;  // R6: what the sale carries
  struct Customer {
    std::string name, email;
    std::string id;      // the linked Lightspeed customer, "" when not known yet
    std::string lookup;  // when not known: how it is found or created (R13)
  } customer;
  struct Line {
    std::string sku, description;
    int64_t quantity = 0;
    base::Money unit_price, discount, total;  // discount: the line's and its order-discount share
    std::string item_id, lookup;              // as for the customer (R16, R17)
    std::vector<std::string> serial_numbers;  // R19
  };
  std::vector<Line> lines;
  struct Charge {
    std::string note;  // "Shipping: UPS Ground", "Sales tax (web order)"
    base::Money amount;
  };
  std::vector<Charge> charges;  // misc-charge lines (R9, R10 web)
  store::TaxMode tax_mode = store::TaxMode::kWeb;
  base::Money web_tax;
  std::string tax;  // how the tax reaches Lightspeed, in plain words
  struct Payment {
    std::string method, type_name;  // the web method and the Lightspeed payment type (R12)
    std::string type_id, lookup;    // as for the customer
    base::Money amount;
  };
  std::vector<Payment> payments;
  std::vector<store::NotSent> not_sent;       // R8
  std::optional<base::Money> expected_total;  // the sale's total in Lightspeed, when known
  base::Money web_total;
  std::vector<std::string> notes;  // what else a clerk should know, in plain words
};

class Api {
 public:
  Api(store::Store& store, base::Clock& clock, ApiOptions options)
      : store_(store), clock_(clock), options_(std::move(options)) {}

  // The clock readers use for defaults ("placed now").
  base::Clock& clock() { return clock_; }

  Result<Written<shop::Item>> PutItem(store::StoreId s, shop::Item item);
  Result<shop::Item> GetItem(store::StoreId s, const std::string& sku);
  Result<store::ItemPage> ListItems(store::StoreId s, const std::string& cursor, int limit);

  // `order` as read from the caller; lines take their kind and description from the catalog.
  Result<Written<OrderView>> PutOrder(store::StoreId s, shop::Order order);
  Result<OrderView> GetOrder(store::StoreId s, const std::string& number);
  Result<OrderViewPage> ListOrders(store::StoreId s, const store::OrderFilter& filter);
  // How many orders match (cursor and limit aside), counted up to kMaxCount: a busy store's
  // "all orders" stays cheap to count, and kMaxCount then means "at least".
  static constexpr int64_t kMaxCount = 10000;
  Result<int64_t> CountOrders(store::StoreId s, const store::OrderFilter& filter);
  Result<OrderView> SetOrderStatus(store::StoreId s, const std::string& number,
                                   shop::OrderStatus status);
  Result<OrderView> CapturePayment(store::StoreId s, const std::string& number,
                                   const std::string& payment_id);
  Result<OrderView> AddRefund(store::StoreId s, const std::string& number, shop::Refund refund);

  Result<store::LightspeedSettings> GetLightspeedSettings(store::StoreId s);
  Result<store::LightspeedSettings> ChangeLightspeedSettings(store::StoreId s,
                                                             const SettingsChange& change);
  Result<ConnectionStatus> ConnectLightspeed(store::StoreId s, const std::string& refresh_token);
  Result<ConnectionStatus> LightspeedStatus(store::StoreId s);

  // Sends nothing to Lightspeed and writes nothing (preview.cpp).
  Result<ExportPreview> PreviewExport(store::StoreId s, const std::string& number);
  Result<store::ExportRecord> RequestExport(store::StoreId s, const std::string& number);
  Result<store::ExportRecord> RetryExport(store::StoreId s, const std::string& number);
  // A refund whose sending stopped (issue 15) is queued again.
  Result<OrderView> RetryRefund(store::StoreId s, const std::string& number,
                                const std::string& refund_id);
  // At most kMaxBatch numbers; each is queued or refused on its own.
  static constexpr size_t kMaxBatch = 500;
  Result<std::vector<BatchResult>> RequestExports(store::StoreId s,
                                                  const std::vector<std::string>& numbers);
  // After the store connects again: the orders stopped because Lightspeed no longer accepted its
  // authorization (exporter::IsStoppedForConnection) are queued again. Answers how many.
  Result<int> ResumeAfterReconnect(store::StoreId s);
  // Every order that needs attention, retried ("Retry all"); each is queued or refused on its
  // own, at most kMaxBatch at a time.
  Result<std::vector<BatchResult>> RetryAll(store::StoreId s);
  Result<std::vector<store::OrderRecord>> ListExports(store::StoreId s,
                                                      std::optional<shop::ExportState> state,
                                                      int limit);

  // Compares the store's exports with Lightspeed's sales for the window, now, and keeps the run
  // (reconcile.cpp). kInvalidInput naming `from` or `to` for a bad or too long period.
  Result<store::ReconcileRun> Reconcile(store::StoreId s, const ReconcileWindow& window,
                                        const std::string& run_kind = "manual");
  // The newest kept run (of `run_kind` when not empty).
  Result<std::optional<store::ReconcileRun>> LastReconciliation(store::StoreId s,
                                                                const std::string& run_kind = "");
  // The window a ReconcileWindow names, checked.
  Result<std::pair<base::TimePoint, base::TimePoint>> ReadReconcileWindow(
      store::StoreId s, const ReconcileWindow& window);

 private:
  Result<store::ExportRecord> Queue(store::StoreId s, const std::string& number, bool retry);
  // Retries the needs-attention orders `which` accepts (all when null), at most kMaxBatch.
  Result<std::vector<BatchResult>> RetryStopped(
      store::StoreId s, const std::function<bool(const store::ExportRecord&)>& which);
  // R26 automatic export: queues the order when the store's mode says it is ready.
  void MaybeAutoExport(store::StoreId s, const std::string& number);

  store::Store& store_;
  base::Clock& clock_;
  ApiOptions options_;
};

// Reads a SettingsChange onto the current settings: ids must be digits, names must be one of the
// modes. The first bad field is the error, naming it.
Result<store::LightspeedSettings> ApplySettingsChange(store::LightspeedSettings current,
                                                      const SettingsChange& change);

}  // namespace api
