// Typed calls to one Lightspeed Retail account. Each call waits in the account's RateLimiter,
// sends with the current access token (refreshing once on a 401), retries 429s after
// Retry-After, and reports every answer to `on_call`.
//
// Calls are coroutines (base/task.h): `co_await client.CreateSale(sale)` in the exporter, which
// keeps hundreds of calls in flight on a few threads, or `base::SyncWait(client.ListShops())`
// elsewhere. Their arguments are taken by value, so a call may outlive the caller's temporaries.
//
// Errors carry a reason the exporter acts on:
//   transport_not_sent   the request never left; safe to send again
//   transport_uncertain  it may have reached Lightspeed (timeout, connection lost)
//   server_error         5xx; for writes, just as uncertain
//   rate_limited         still 429 after the retries (retry_after_s set)
//   rejected / not_found 4xx: Lightspeed's message, in `message`
//   invalid_grant        the merchant must reconnect
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "base/clock.h"
#include "base/result.h"
#include "base/task.h"
#include "lightspeed/entities.h"
#include "lightspeed/oauth.h"
#include "lightspeed/rate_limiter.h"
#include "lightspeed/transport.h"

namespace lightspeed {

struct CallRecord {
  std::string method, entity;
  int status = 0;  // 0: no answer
  Delivery delivery = Delivery::kAnswered;
  double cost = 0;             // X-LS-API-Request-Cost, or the prediction without one
  double level = 0, size = 0;  // the bucket after the call, when reported
  std::string message;         // Lightspeed's words for an error
};

struct ClientOptions {
  std::string api_base;    // "https://api.lightspeedapp.com"
  std::string account_id;  // "1001"
  Transport* transport = nullptr;
  TokenSource* tokens = nullptr;
  // Kept alive as long as the client (and the clients Observed makes of it): what `tokens` points
  // into, when its owner may let go of it while calls are still in flight.
  std::shared_ptr<const void> keep_alive;
  base::Clock* clock = nullptr;  // default: the system clock
  int max_429_retries = 4;       // then the call fails with rate_limited
  std::function<void(const CallRecord&)> on_call;
};

enum class ItemKey { kUpc, kEan, kManufacturerSku, kCustomSku };

class Client {
 public:
  explicit Client(ClientOptions options);

  base::Task<base::Result<Account>> GetAccount();
  base::Task<base::Result<std::vector<Shop>>> ListShops();
  base::Task<base::Result<std::vector<Register>>> ListRegisters();
  base::Task<base::Result<std::vector<Employee>>> ListEmployees();
  // With their TaxCategoryClasses (the rates of tax classes taxed differently).
  base::Task<base::Result<std::vector<TaxCategory>>> ListTaxCategories();
  // By id, archived ones included (e.g. to learn items' tax classes, customers' tax categories).
  base::Task<base::Result<std::vector<Item>>> ListItems(std::vector<std::string> ids);
  base::Task<base::Result<std::vector<Customer>>> ListCustomers(std::vector<std::string> ids);

  // Emails are compared trimmed and lower-cased; several in one request with `or=`.
  base::Task<base::Result<std::vector<Customer>>> FindCustomersByEmail(std::string email);
  base::Task<base::Result<std::vector<Customer>>> FindCustomersByEmails(
      std::vector<std::string> emails);
  base::Task<base::Result<Customer>> CreateCustomer(NewCustomer customer);

  // Archived items too (their codes stay taken in Lightspeed); each says whether it is archived.
  base::Task<base::Result<std::vector<Item>>> FindItems(ItemKey key, std::string value);
  // Several values of one key at once (`or=` on one field, which costs nothing extra), every page
  // read; split into several requests to stay within Lightspeed's operand count and a short URL.
  // A value holding '|' cannot be an `or=` operand: refused (invalid), search it with FindItems.
  base::Task<base::Result<std::vector<Item>>> FindItemsByCodes(ItemKey key,
                                                               std::vector<std::string> values);
  base::Task<base::Result<Item>> CreateItem(NewItem item);

  base::Task<base::Result<std::vector<PaymentType>>> ListPaymentTypes();
  base::Task<base::Result<PaymentType>> CreatePaymentType(std::string name);

  base::Task<base::Result<std::vector<Sale>>> FindSales(std::string reference, std::string source);
  base::Task<base::Result<std::vector<Sale>>> FindSalesByReferences(
      std::vector<std::string> references, std::string source);
  // One page of a window's sales (no lines: totals and ids only): pass "" as `next` for the
  // first page, then the page's `next` until it is "". Each call is one request.
  base::Task<base::Result<SalePage>> ListSalesPage(SaleWindow window, std::string next);
  // Sales with these references, archived ones included, without lines; one request per 50.
  base::Task<base::Result<std::vector<Sale>>> FindSalesWithArchived(
      std::vector<std::string> references, std::string source);
  base::Task<base::Result<Sale>> CreateSale(NewSale sale);
  // An open sale (a failed completion can leave one): complete it, or archive it.
  base::Task<base::Status> CompleteSale(std::string sale_id);
  base::Task<base::Status> ArchiveSale(std::string sale_id);

  // Archived records too: a serial number is unique in the account either way.
  base::Task<base::Result<std::vector<Serialized>>> FindSerialized(std::string serial);
  base::Task<base::Status> CreateSerialized(NewSerialized serialized);
  // A serial received into stock, now sold: sets its customer and sale line, and its item when
  // `serialized.item_id` is not empty.
  base::Task<base::Status> UpdateSerialized(std::string serialized_id, NewSerialized serialized);

  // The same account's client (limiter, tokens, transport), also telling `observer` of each of
  // its calls, after `on_call`: e.g. what one export attempt cost.
  Client Observed(std::function<void(const CallRecord&)> observer) const;

  RateLimiter& limiter() { return *limiter_; }

 private:
  struct Answer;
  base::Task<base::Result<Answer>> Call(std::string method, std::string url, std::string body,
                                        RequestShape shape);
  // GETs one page of a list; `next` is checked to stay within the API base.
  base::Task<base::Result<SalePage>> SalePageAt(std::string url);
  // GETs a list and follows `next` until it is empty.
  template <typename T, typename Decode>
  base::Task<base::Result<std::vector<T>>> List(std::string entity, std::string query,
                                                RequestShape shape, Decode decode);
  // By id, archived ones included, one request per 100 ids.
  template <typename T, typename Decode>
  base::Task<base::Result<std::vector<T>>> ListByIds(std::string entity, std::string id_field,
                                                     std::vector<std::string> ids, Decode decode);
  template <typename T, typename Decode>
  base::Task<base::Result<T>> Create(std::string entity, std::string body, RequestShape shape,
                                     Decode decode);
  std::string EntityUrl(const std::string& entity) const;

  ClientOptions options_;
  base::Clock& clock_;
  std::shared_ptr<RateLimiter> limiter_;
};

}  // namespace lightspeed
