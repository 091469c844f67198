// What every backend shares: the contract's rules that are not a database's (when a replacing PUT
// conflicts, the order cursor, how a refused queueing reads, the errors callers tell apart) and
// the stored text forms of the fields kept as JSON. Private to store/: backends include it, no one
// else.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "shop/eligibility.h"
#include "shop/order.h"
#include "store/orders.h"

namespace store::rules {

// Messages that quote outside text (Lightspeed's answers, transport errors, names) are kept as
// valid UTF-8 of at most this many bytes, cut between characters: every answer that shows them
// must be able to carry them as JSON (M2).
constexpr size_t kMaxMessageBytes = 2000;
std::string StoredMessage(std::string_view message);

// A replacing PUT of `incoming` over `existing` (nullptr: none). An identical order is unchanged
// whatever its export state (a web store retrying the same PUT gets a quiet 200); a different one
// conflicts once an export was queued, is running or is done.
Result<PutOutcome> DecidePut(const OrderRecord* existing, const shop::Order& incoming);

// A position in an order list (keyset paging): the sort it was made for, whether it asks for the
// rows after it (Next) or before it (Previous), and the boundary row's sort key (placed time in
// seconds or total in cents) and row id.
struct OrderCursor {
  OrderSort sort = OrderSort::kNewest;
  bool before = false;
  int64_t key = 0;
  int64_t row_id = 0;
};
std::string EncodeCursor(const OrderCursor& c);
// nullopt for "" (the first page); kInvalidInput naming `cursor` for anything not made here or
// made for another sort. A cursor of the old form "<placed>.<id>" still reads as newest-first.
Result<std::optional<OrderCursor>> DecodeCursor(const std::string& text, OrderSort sort);

// OrderFilter::q, checked and split into what each index answers.
constexpr size_t kMaxQueryBytes = 100;
constexpr size_t kMinSubstringChars = 3;  // trigram indexes cannot look up less
struct Search {
  bool active = false;        // q was given (not blank)
  std::string number_prefix;  // lower-case; empty when q cannot begin an order number
  std::string substring;      // q trimmed, when it has kMinSubstringChars or more; else empty
};
Result<Search> ParseSearch(const std::string& q);

// What a backend needs to run ListOrders/CountOrders: the filter checked (limit, q, cursor).
struct OrderQuery {
  Search search;
  OrderSort sort = OrderSort::kNewest;
  bool by_total = false;  // the sort key: total_cents, else placed_at
  bool descending = true;
  std::optional<OrderCursor> cursor;
  // Rows are read in this direction: the sort's, or its reverse for a Previous page.
  bool ReadDescending() const { return descending != (cursor && cursor->before); }
};
Result<OrderQuery> PlanOrderQuery(const OrderFilter& filter);

// The needs_action filter as SQL over `orders o`, the same text on both backends.
constexpr const char* kNeedsActionSql =
    "(o.status <> 'cancelled' AND (o.export_state = 'needs_attention' OR "
    "(o.export_state = 'not_exported' AND o.hold <> '')))";
// What in the order itself keeps it from export, whatever its status and export state: "unbalanced"
// (R2), "nothing_to_export" (R4) or "" — stored as orders.hold on every write that changes it.
std::string ExportHold(const shop::Order& order);

// A page from rows read in the query's direction (at most limit + 1, with their row ids): cut to
// `limit`, put in the sort's order, the cursors set. nullopt when a Previous page reached the
// start and came back short: then the caller serves the first page instead.
std::optional<OrderPage> MakeOrderPage(const OrderQuery& query, int limit,
                                       std::vector<std::pair<int64_t, OrderRecord>> rows);
// Items are listed by SKU after the cursor (the last SKU shown); a backend reads limit + 1 rows
// and this keeps `limit`, setting the next cursor when there was one more.
void CutItemPage(ItemPage* page, int limit);

// A key from outside (a URL's path) with a NUL byte: PostgreSQL cannot hold one and libpq would
// cut the key at it, so a backend answers "not found" instead of looking it up.
inline bool HasNul(std::string_view key) { return key.find('\0') != std::string_view::npos; }

// A failed eligibility check as QueueExport answers it.
base::Error QueueRefusal(const shop::Eligibility& verdict);

// The errors callers tell apart by code and reason.
base::Error OrderNotFound(const std::string& number);
base::Error StoreExists(const std::string& slug);
base::Error UserExists(const std::string& email);
base::Error DuplicateRefund(const std::string& number, const std::string& refund_id);
// A refund export that is not due (claim) or is not in the state a transition expects.
base::Error RefundNotDue(const std::string& number, const std::string& refund_id);
base::Error RefundFenced(const std::string& number, const std::string& refund_id);
base::Error RefundNotFound(const std::string& number, const std::string& refund_id);
base::Error NotAuthorized(const std::string& payment_id, const std::string& status);
base::Error NotDue(const std::string& number);
base::Error Fenced(const std::string& number);
base::Error CreateInFlight(const std::string& kind, const std::string& key);

// Lane and node names (exports.h): 1..kMaxLaneNameBytes bytes of valid UTF-8.
constexpr size_t kMaxLaneNameBytes = 200;
Status CheckLaneNames(const std::string& lane, const std::string& node);

// Stored as JSON text in one column.
std::optional<std::string> AddressToText(const std::optional<shop::Address>& a);
std::optional<shop::Address> AddressFromText(const std::optional<std::string>& text);
std::string NotSentToText(const std::vector<NotSent>& items);
std::vector<NotSent> NotSentFromText(const std::optional<std::string>& text);
std::string SerialsToText(const std::vector<std::string>& serials);
std::vector<std::string> SerialsFromText(const std::string& text);
// The refunds `order` has that the stored order (nullptr: none yet) did not.
std::vector<std::string> AddedRefunds(const OrderRecord* existing, const shop::Order& order);
std::string RefundLinesToText(const std::vector<shop::RefundLine>& lines);
std::vector<shop::RefundLine> RefundLinesFromText(const std::string& text);
std::string PaymentTypesToText(const std::map<std::string, std::string>& types);
std::map<std::string, std::string> PaymentTypesFromText(const std::string& text);

// Money that may be absent (an item's cost, its MSRP), as stored: cents or NULL.
std::optional<int64_t> OptCents(const std::optional<base::Money>& m);
std::optional<base::Money> OptMoney(const std::optional<int64_t>& cents);

// Whole seconds, as every backend stores instants.
int64_t Seconds(base::TimePoint t);
base::TimePoint FromSeconds(int64_t s);

}  // namespace store::rules
