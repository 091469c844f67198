#include "lightspeed/client.h"

#include <algorithm>
#include <cctype>

#include "lightspeed/wire.h"

namespace lightspeed {
namespace {

using wire::json;

std::string Escape(const std::string& s) { return UrlEscape(s); }

std::string NormalizeEmail(std::string e) {
  const size_t a = e.find_first_not_of(" \t\r\n"), b = e.find_last_not_of(" \t\r\n");
  e = a == std::string::npos ? "" : e.substr(a, b - a + 1);
  std::transform(e.begin(), e.end(), e.begin(), [](unsigned char c) { return std::tolower(c); });
  return e;
}

// A filter value: plain when it cannot be mistaken for "OP,value", else the explicit "=,value".
std::string FilterValue(const std::string& v) {
  return Escape(v.find(',') == std::string::npos ? v : "=," + v);
}

// Counts nested related entities in a write body the way Lightspeed prices them.
int CountNested(const json& j, bool top = true) {
  int n = 0;
  if (j.is_object()) {
    for (auto& [k, v] : j.items()) {
      if (v.is_object() || v.is_array()) {
        // Wrapper keys ("SaleLines", "Emails") hold the entities; the entities themselves count.
        const bool entity =
            !k.empty() && std::isupper(static_cast<unsigned char>(k[0])) && k.back() != 's';
        if (entity) n += v.is_array() ? static_cast<int>(v.size()) : 1;
        n += CountNested(v, false);
      }
    }
  } else if (j.is_array()) {
    for (const json& e : j) n += CountNested(e, false);
  }
  return n;
}

// Retry-After in seconds: 1 when absent, never negative, at most an hour (a wild value would
// otherwise overflow the waits computed from it).
double RetryAfterSeconds(const std::string& header) {
  if (header.empty()) return 1.0;
  const double s = std::atof(header.c_str());
  return s > 0 ? std::min(s, 3600.0) : 0.0;
}

// Sends on the transport without holding a thread; the answer resumes the call on its executor.
struct SendAwaiter {
  Transport& transport;
  HttpRequest request;
  HttpResponse response;
  bool await_ready() { return false; }
  template <typename P>
  void await_suspend(std::coroutine_handle<P> h) {
    base::Executor* executor = h.promise().executor;
    // Nothing of this awaiter is touched after Start: the answer may resume the call at once.
    transport.Start(std::move(request), [this, h, executor](HttpResponse answer) {
      response = std::move(answer);
      executor->Post(h);
    });
  }
  HttpResponse await_resume() { return std::move(response); }
};

base::Error CallError(base::ErrorCode code, const std::string& reason, const std::string& message) {
  return base::Error{code, message, "", reason, std::nullopt};
}

}  // namespace

struct Client::Answer {
  int status;
  json body;
};

Client::Client(ClientOptions options)
    : options_(std::move(options)),
      clock_(options_.clock ? *options_.clock : base::SystemClock()),
      limiter_(LimiterFor(options_.api_base, options_.account_id, clock_)) {}

Client Client::Observed(std::function<void(const CallRecord&)> observer) const {
  ClientOptions o = options_;
  o.clock = &clock_;
  o.on_call = [first = options_.on_call, observer = std::move(observer)](const CallRecord& r) {
    if (first) first(r);
    observer(r);
  };
  return Client(std::move(o));
}

std::string Client::EntityUrl(const std::string& entity) const {
  return options_.api_base + "/API/V3/Account/" + options_.account_id + "/" + entity + ".json";
}

base::Task<base::Result<Client::Answer>> Client::Call(std::string method, std::string url,
                                                      std::string body, RequestShape shape) {
  auto token = options_.tokens->AccessToken();
  if (!token.ok()) co_return token.error();
  bool refreshed = false;
  for (int attempt = 0;; ++attempt) {
    HttpRequest req{
        method, url, {{"Accept", "application/json"}, {"Authorization", "Bearer " + *token}}, body};
    if (!body.empty()) req.headers["Content-Type"] = "application/json";
    RateLimiter::Ticket ticket;
    for (const base::TimePoint give_up = limiter_->GiveUpAt();;) {
      RateLimiter::Admission admission = limiter_->TryAcquire(shape, give_up);
      if (admission.ticket) {
        ticket = std::move(*admission.ticket);
        break;
      }
      co_await base::SleepFor(clock_, admission.wait);  // no thread waits for the bucket
    }
    // Named: a temporary aggregate in a co_await expression is miscompiled by g++ 12 (task.h).
    SendAwaiter send{*options_.transport, std::move(req), {}};
    HttpResponse res = co_await send;
    CallRecord rec{method, shape.entity, res.status, res.delivery, ticket.reserved};
    auto reading =
        ParseBucketHeaders(res.Header("x-ls-api-bucket-level"), res.Header("x-ls-api-drip-rate"),
                           res.Header("x-ls-api-request-cost"), res.Header("x-ls-api-burst-level"));
    if (reading) {
      rec.cost = reading->cost.value_or(rec.cost);
      rec.level = reading->level;
      rec.size = reading->size;
    }
    // The transport's text may quote what came over the wire: keep it short and valid.
    res.transport_error = wire::Utf8Text(res.transport_error, 200);
    if (res.delivery == Delivery::kNotSent) {
      limiter_->Cancel(ticket);
      rec.message = res.transport_error;
      if (options_.on_call) options_.on_call(rec);
      co_return CallError(base::ErrorCode::kUnavailable, "transport_not_sent",
                          "Lightspeed could not be reached: " + res.transport_error);
    }
    if (res.delivery == Delivery::kUncertain) {
      limiter_->Observe(ticket, std::nullopt);
      rec.message = res.transport_error;
      if (options_.on_call) options_.on_call(rec);
      co_return CallError(
          base::ErrorCode::kUnavailable, "transport_uncertain",
          "The connection to Lightspeed was lost before it answered: " + res.transport_error);
    }
    if (res.status == 429) {
      const double retry_s = RetryAfterSeconds(res.Header("retry-after"));
      limiter_->OnRateLimited(ticket, retry_s, reading);
      rec.message =
          "rate limited (" + wire::Utf8Text(res.Header("x-ls-api-ratelimit-type"), 64) + ")";
      if (options_.on_call) options_.on_call(rec);
      if (attempt < options_.max_429_retries) continue;  // the limiter now waits Retry-After
      base::Error e = CallError(base::ErrorCode::kRateLimited, "rate_limited",
                                "Lightspeed asked us to slow down");
      e.retry_after_s = retry_s;
      co_return e;
    }
    // A successful answer without rate headers means no bucket to pace to (lsr-sim's `off`
    // model). Errors prove nothing: a 401 or a proxy's 502 may simply lack the headers.
    if (!reading && res.status >= 200 && res.status < 300) {
      limiter_->ObserveUnmetered(ticket);
    } else {
      limiter_->Observe(ticket, reading);
    }
    if (res.status == 401 && !refreshed) {
      if (options_.on_call) options_.on_call(rec);
      refreshed = true;
      token = options_.tokens->Refreshed(*token);
      if (!token.ok()) co_return token.error();
      continue;
    }
    json parsed = json::parse(res.body, nullptr, false);
    if (res.status >= 400) rec.message = wire::ErrorMessage(res.body, res.status);
    if (options_.on_call) options_.on_call(rec);
    if (res.status >= 500)
      co_return CallError(
          base::ErrorCode::kUnavailable, "server_error",
          "Lightspeed had a problem (HTTP " + std::to_string(res.status) + "): " + rec.message);
    if (res.status == 401)
      co_return CallError(base::ErrorCode::kUnauthenticated, "unauthorized",
                          "Lightspeed refused the access token: " + rec.message);
    if (res.status == 404)
      co_return CallError(base::ErrorCode::kNotFound, "not_found", "Lightspeed: " + rec.message);
    if (res.status >= 400)
      co_return CallError(base::ErrorCode::kInvalidInput, "rejected", "Lightspeed: " + rec.message);
    if (parsed.is_discarded())
      co_return CallError(base::ErrorCode::kUnavailable, "server_error",
                          "Lightspeed sent an answer that is not JSON");
    co_return Answer{res.status, std::move(parsed)};
  }
}

template <typename T, typename Decode>
base::Task<base::Result<std::vector<T>>> Client::List(std::string entity, std::string query,
                                                      RequestShape shape, Decode decode) {
  std::vector<T> out;
  std::string url = EntityUrl(entity) + "?limit=100" + (query.empty() ? "" : "&" + query);
  shape.method = "GET";
  shape.entity = entity;
  shape.list = true;
  for (int page = 0; page < 1000 && !url.empty(); ++page) {
    auto answer = co_await Call("GET", url, "", shape);
    if (!answer.ok()) co_return answer.error();
    for (const json* e : wire::Many(answer->body, entity)) out.push_back(decode(*e));
    const json* next = wire::Path(answer->body, "@attributes");
    url = next ? wire::Str(*next, "next") : "";
    // The access token goes wherever `next` points: follow links into our own API base only.
    if (!url.empty() && url.rfind(options_.api_base + "/", 0) != 0)
      co_return CallError(base::ErrorCode::kUnavailable, "server_error",
                          "Lightspeed's link to the next page leads away from " +
                              options_.api_base + ": " + wire::Utf8Text(url, 200));
  }
  co_return out;
}

template <typename T, typename Decode>
base::Task<base::Result<T>> Client::Create(std::string entity, std::string body, RequestShape shape,
                                           Decode decode) {
  shape.method = "POST";
  shape.entity = entity;
  auto answer = co_await Call("POST", EntityUrl(entity), body, shape);
  if (!answer.ok()) co_return answer.error();
  auto made = wire::Many(answer->body, entity);
  if (made.empty())
    co_return CallError(base::ErrorCode::kUnavailable, "server_error",
                        "Lightspeed's answer to creating a " + entity + " held no " + entity);
  co_return decode(*made[0]);
}

base::Task<base::Result<Account>> Client::GetAccount() {
  RequestShape shape{"GET", "Account"};
  auto answer = co_await Call("GET", options_.api_base + "/API/V3/Account.json", "", shape);
  if (!answer.ok()) co_return answer.error();
  auto accounts = wire::Many(answer->body, "Account");
  if (accounts.empty())
    co_return CallError(base::ErrorCode::kNotFound, "not_found", "Lightspeed returned no account");
  co_return Account{wire::Str(*accounts[0], "accountID"), wire::Str(*accounts[0], "name")};
}

base::Task<base::Result<std::vector<Shop>>> Client::ListShops() {
  co_return co_await List<Shop>("Shop", "archived=false", {}, wire::DecodeShop);
}
base::Task<base::Result<std::vector<Register>>> Client::ListRegisters() {
  co_return co_await List<Register>("Register", "archived=false", {}, wire::DecodeRegister);
}
base::Task<base::Result<std::vector<Employee>>> Client::ListEmployees() {
  co_return co_await List<Employee>("Employee", "archived=false", {}, wire::DecodeEmployee);
}
base::Task<base::Result<std::vector<TaxCategory>>> Client::ListTaxCategories() {
  co_return co_await List<TaxCategory>(
      "TaxCategory", "load_relations=" + Escape("[\"TaxCategoryClasses\"]"),
      RequestShape{"GET", "TaxCategory", 0, false, 0, 1}, wire::DecodeTaxCategory);
}

// `id_field=IN,[a,b]` over at most 100 ids per request (Lightspeed's limit for IN).
template <typename T, typename Decode>
base::Task<base::Result<std::vector<T>>> Client::ListByIds(std::string entity, std::string id_field,
                                                           std::vector<std::string> ids,
                                                           Decode decode) {
  std::vector<T> out;
  for (size_t start = 0; start < ids.size(); start += 100) {
    std::string list;
    for (size_t i = start; i < std::min(ids.size(), start + 100); ++i)
      list += (list.empty() ? "" : ",") + ids[i];
    auto page = co_await List<T>(
        entity, id_field + "=" + Escape("IN,[" + list + "]") + "&archived=true", {}, decode);
    if (!page.ok()) co_return page.error();
    out.insert(out.end(), page->begin(), page->end());
  }
  co_return out;
}

base::Task<base::Result<std::vector<Item>>> Client::ListItems(std::vector<std::string> ids) {
  co_return co_await ListByIds<Item>("Item", "itemID", ids, wire::DecodeItem);
}

base::Task<base::Result<std::vector<Customer>>> Client::ListCustomers(
    std::vector<std::string> ids) {
  co_return co_await ListByIds<Customer>("Customer", "customerID", ids, wire::DecodeCustomer);
}

base::Task<base::Result<std::vector<Customer>>> Client::FindCustomersByEmail(std::string email) {
  co_return co_await List<Customer>("Customer",
                                    "load_relations=" + Escape("[\"Contact\"]") +
                                        "&Contact.email=" + FilterValue(NormalizeEmail(email)),
                                    RequestShape{"GET", "Customer", 0, false, 1},
                                    wire::DecodeCustomer);
}

base::Task<base::Result<std::vector<Customer>>> Client::FindCustomersByEmails(
    std::vector<std::string> emails) {
  if (emails.size() == 1) co_return co_await FindCustomersByEmail(emails[0]);
  std::vector<Customer> out;
  // Lightspeed takes at most 100 operands; keep URLs comfortably short with 50 per request.
  for (size_t start = 0; start < emails.size(); start += 50) {
    std::string ors;
    for (size_t i = start; i < std::min(emails.size(), start + 50); ++i) {
      if (!ors.empty()) ors += "|";
      ors += Escape("Contact.email=" + NormalizeEmail(emails[i]));
    }
    auto page = co_await List<Customer>(
        "Customer", "load_relations=" + Escape("[\"Contact\"]") + "&or=" + ors,
        RequestShape{"GET", "Customer", 0, false, 1}, wire::DecodeCustomer);
    if (!page.ok()) co_return page.error();
    out.insert(out.end(), page->begin(), page->end());
  }
  co_return out;
}

base::Task<base::Result<Customer>> Client::CreateCustomer(NewCustomer customer) {
  NewCustomer c = customer;
  c.email = NormalizeEmail(c.email);
  const json body = wire::EncodeCustomer(c);
  co_return co_await Create<Customer>("Customer", body.dump(),
                                      RequestShape{"POST", "Customer", CountNested(body)},
                                      wire::DecodeCustomer);
}

namespace {
const char* ItemField(ItemKey key) {
  return key == ItemKey::kUpc               ? "upc"
         : key == ItemKey::kEan             ? "ean"
         : key == ItemKey::kManufacturerSku ? "manufacturerSku"
                                            : "customSku";
}
}  // namespace

base::Task<base::Result<std::vector<Item>>> Client::FindItems(ItemKey key, std::string value) {
  co_return co_await List<Item>(
      "Item", std::string(ItemField(key)) + "=" + FilterValue(value) + "&archived=true", {},
      wire::DecodeItem);
}

base::Task<base::Result<std::vector<Item>>> Client::FindItemsByCodes(
    ItemKey key, std::vector<std::string> values) {
  if (values.size() == 1) co_return co_await FindItems(key, values[0]);
  for (const std::string& v : values)
    if (v.find('|') != std::string::npos)
      co_return base::Invalid("code", "an item code holding '|' cannot be searched with or=");
  // At most 50 operands (Lightspeed takes 100) and about 2,000 characters of them per request.
  constexpr size_t kMaxOperands = 50, kMaxChars = 2000;
  std::vector<Item> out;
  size_t i = 0;
  while (i < values.size()) {
    std::string ors;
    for (size_t n = 0; i < values.size() && n < kMaxOperands; ++i, ++n) {
      // A value with a comma is sent as "=,value", as FilterValue does.
      const std::string& v = values[i];
      std::string operand = Escape(std::string(ItemField(key)) + "=" +
                                   (v.find(',') == std::string::npos ? v : "=," + v));
      if (n > 0 && ors.size() + operand.size() + 3 > kMaxChars) break;
      if (!ors.empty()) ors += "|";
      ors += operand;
    }
    auto page = co_await List<Item>("Item", "or=" + ors + "&archived=true", {}, wire::DecodeItem);
    if (!page.ok()) co_return page.error();
    out.insert(out.end(), page->begin(), page->end());
  }
  co_return out;
}

base::Task<base::Result<Item>> Client::CreateItem(NewItem item) {
  const json body = wire::EncodeItem(item);
  co_return co_await Create<Item>(
      "Item", body.dump(), RequestShape{"POST", "Item", CountNested(body)}, wire::DecodeItem);
}

base::Task<base::Result<std::vector<PaymentType>>> Client::ListPaymentTypes() {
  co_return co_await List<PaymentType>("PaymentType", "", {}, wire::DecodePaymentType);
}

base::Task<base::Result<PaymentType>> Client::CreatePaymentType(std::string name) {
  const json body = {{"name", name}, {"type", "user defined"}};
  co_return co_await Create<PaymentType>(
      "PaymentType", body.dump(), RequestShape{"POST", "PaymentType"}, wire::DecodePaymentType);
}

base::Task<base::Result<std::vector<Sale>>> Client::FindSales(std::string reference,
                                                              std::string source) {
  co_return co_await List<Sale>("Sale",
                                "referenceNumber=" + FilterValue(reference) +
                                    "&referenceNumberSource=" + FilterValue(source) +
                                    "&load_relations=" + Escape("[\"SaleLines\"]"),
                                RequestShape{"GET", "Sale", 0, false, 0, 1}, wire::DecodeSale);
}

base::Task<base::Result<std::vector<Sale>>> Client::FindSalesByReferences(
    std::vector<std::string> references, std::string source) {
  if (references.size() == 1) co_return co_await FindSales(references[0], source);
  std::vector<Sale> out;
  for (size_t start = 0; start < references.size(); start += 50) {
    std::string ors;
    for (size_t i = start; i < std::min(references.size(), start + 50); ++i) {
      if (!ors.empty()) ors += "|";
      ors += Escape("referenceNumber=" + references[i]);
    }
    auto page = co_await List<Sale>("Sale",
                                    "or=" + ors + "&referenceNumberSource=" + FilterValue(source) +
                                        "&load_relations=" + Escape("[\"SaleLines\"]"),
                                    RequestShape{"GET", "Sale", 0, false, 0, 1}, wire::DecodeSale);
    if (!page.ok()) co_return page.error();
    out.insert(out.end(), page->begin(), page->end());
  }
  co_return out;
}

base::Task<base::Result<SalePage>> Client::SalePageAt(std::string url) {
  RequestShape shape{"GET", "Sale"};
  shape.list = true;
  auto answer = co_await Call("GET", url, "", shape);
  if (!answer.ok()) co_return answer.error();
  SalePage page;
  for (const json* e : wire::Many(answer->body, "Sale")) page.sales.push_back(wire::DecodeSale(*e));
  const json* attributes = wire::Path(answer->body, "@attributes");
  page.next = attributes ? wire::Str(*attributes, "next") : "";
  if (!page.next.empty() && page.next.rfind(options_.api_base + "/", 0) != 0)
    co_return CallError(base::ErrorCode::kUnavailable, "server_error",
                        "Lightspeed's link to the next page leads away from " + options_.api_base +
                            ": " + wire::Utf8Text(page.next, 200));
  co_return page;
}

base::Task<base::Result<SalePage>> Client::ListSalesPage(SaleWindow window, std::string next) {
  if (!next.empty()) {
    if (next.rfind(options_.api_base + "/", 0) != 0)
      co_return base::Invalid("next", "A page link must lead to " + options_.api_base);
    co_return co_await SalePageAt(next);
  }
  if (window.limit < 1 || window.limit > 100)
    co_return base::Invalid("limit", "A page holds 1 to 100 sales");
  if (!(window.from < window.to))
    co_return base::Invalid("to", "The window must end after it starts");
  // One between (inclusive at both ends: the caller reads with a margin and decides the edges).
  // Not two completeTime parameters: a PHP server keeps only the last of a repeated key.
  const std::string url =
      EntityUrl("Sale") + "?limit=" + std::to_string(window.limit) +
      "&sort=completeTime&archived=true&completed=true&referenceNumberSource=" +
      FilterValue(window.source) + "&completeTime=" +
      Escape("><," + base::FormatTime(window.from) + "," + base::FormatTime(window.to));
  co_return co_await SalePageAt(url);
}

base::Task<base::Result<std::vector<Sale>>> Client::FindSalesWithArchived(
    std::vector<std::string> references, std::string source) {
  std::vector<Sale> out;
  for (size_t start = 0; start < references.size(); start += 50) {
    std::string ors;
    for (size_t i = start; i < std::min(references.size(), start + 50); ++i) {
      if (references[i].find('|') != std::string::npos)
        co_return base::Invalid("reference", "A reference holding '|' cannot be searched with or=");
      if (!ors.empty()) ors += "|";
      ors += Escape("referenceNumber=" + references[i]);
    }
    auto found = co_await List<Sale>(
        "Sale", "or=" + ors + "&referenceNumberSource=" + FilterValue(source) + "&archived=true",
        RequestShape{"GET", "Sale"}, wire::DecodeSale);
    if (!found.ok()) co_return found.error();
    out.insert(out.end(), found->begin(), found->end());
  }
  co_return out;
}

base::Task<base::Result<Sale>> Client::CreateSale(NewSale sale) {
  const json body = wire::EncodeSale(sale);
  co_return co_await Create<Sale>("Sale", body.dump(),
                                  RequestShape{"POST", "Sale", CountNested(body), sale.completed},
                                  wire::DecodeSale);
}

base::Task<base::Status> Client::CompleteSale(std::string sale_id) {
  const json body = {{"completed", true}};
  RequestShape shape{"PUT", "Sale", 0, true};
  auto answer = co_await Call("PUT", EntityUrl("Sale/" + Escape(sale_id)), body.dump(), shape);
  if (!answer.ok()) co_return answer.error();
  co_return base::Status{};
}

base::Task<base::Status> Client::ArchiveSale(std::string sale_id) {
  RequestShape shape{"DELETE", "Sale"};
  auto answer = co_await Call("DELETE", EntityUrl("Sale/" + Escape(sale_id)), "", shape);
  if (!answer.ok()) co_return answer.error();
  co_return base::Status{};
}

base::Task<base::Result<std::vector<Serialized>>> Client::FindSerialized(std::string serial) {
  co_return co_await List<Serialized>(
      "Serialized", "serial=" + FilterValue(serial) + "&archived=true", {}, wire::DecodeSerialized);
}

base::Task<base::Status> Client::CreateSerialized(NewSerialized s) {
  const json body = {{"serial", s.serial},
                     {"itemID", s.item_id},
                     {"customerID", s.customer_id.empty() ? "0" : s.customer_id},
                     {"saleLineID", s.sale_line_id}};
  auto made =
      co_await Create<std::string>("Serialized", body.dump(), RequestShape{"POST", "Serialized"},
                                   [](const json& j) { return wire::Str(j, "serializedID"); });
  if (!made.ok()) co_return made.error();
  co_return base::Status{};
}

base::Task<base::Status> Client::UpdateSerialized(std::string serialized_id, NewSerialized s) {
  json body = {{"customerID", s.customer_id.empty() ? "0" : s.customer_id},
               {"saleLineID", s.sale_line_id}};
  if (!s.item_id.empty()) body["itemID"] = s.item_id;
  auto answer = co_await Call("PUT", EntityUrl("Serialized/" + Escape(serialized_id)), body.dump(),
                              RequestShape{"PUT", "Serialized"});
  if (!answer.ok()) co_return answer.error();
  co_return base::Status{};
}

}  // namespace lightspeed
