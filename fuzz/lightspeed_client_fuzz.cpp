// lightspeed::Client handling whole answers: a fake in-memory Transport (a test double of the
// network) answers every request with the fuzzed status, headers and body, so the status
// handling, 401 refresh, 429 retries, the rate limiter's reading of X-LS-API-* headers, list
// paging and decoding all run on hostile answers. Input:
//   line 1   "<call> <status>"   e.g. "FindSales 200"; status 0 = connection lost mid-answer
//   then     "Name: value" header lines, a blank line, and the body.
// The answer is repeated for the first four requests of a call; later ones get "{}", so a body
// whose `next` points back at itself pages a few times and then ends.
#include <chrono>
#include <map>
#include <nlohmann/json.hpp>
#include <string>

#include "base/clock.h"
#include "fuzz/fuzz_util.h"
#include "lightspeed/client.h"
#include "lightspeed/oauth.h"

namespace {

using lightspeed::HttpRequest;
using lightspeed::HttpResponse;

// Our own answers (timeline, pages, API) carry these messages as JSON strings.
void CheckText(const std::string& text, const char* what) {
  try {
    (void)nlohmann::json(text).dump();
  } catch (const nlohmann::json::exception& e) {
    fuzz::Fail("text is valid UTF-8", __FILE__, __LINE__, std::string(what) + ": " + e.what());
  }
}

class ReplayTransport : public lightspeed::Transport {
 public:
  explicit ReplayTransport(HttpResponse answer) : answer_(std::move(answer)) {}
  HttpResponse Send(const HttpRequest& request) override {
    ++sent_;
    FUZZ_CHECK(sent_ <= 100, "one call sent more than 100 requests");
    FUZZ_CHECK(request.url.rfind("https://ls.test/", 0) == 0, "request to " + request.url);
    if (sent_ > 4) return HttpResponse{lightspeed::Delivery::kAnswered, "", 200, {}, "{}"};
    return answer_;
  }

 private:
  HttpResponse answer_;
  int sent_ = 0;
};

class FixedTokens : public lightspeed::TokenSource {
 public:
  base::Result<std::string> AccessToken() override { return std::string("token-1"); }
  base::Result<std::string> Refreshed(const std::string&) override {
    return std::string("token-2");
  }
};

HttpResponse ReadAnswer(const std::string& status, std::string rest) {
  HttpResponse r;
  r.status = std::atoi(status.c_str());
  if (r.status == 0) {
    r.delivery = lightspeed::Delivery::kUncertain;
    r.transport_error = "connection reset";
  }
  while (true) {
    const size_t nl = rest.find('\n');
    std::string line = rest.substr(0, nl);
    if (!line.empty() && line.back() == '\r') line.pop_back();
    const size_t colon = line.find(": ");
    if (line.empty()) {  // the blank line before the body
      rest = nl == std::string::npos ? "" : rest.substr(nl + 1);
      break;
    }
    if (colon == std::string::npos || colon == 0) break;  // no headers: all body
    std::string name = line.substr(0, colon);
    for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    r.headers[name] = line.substr(colon + 2);
    rest = nl == std::string::npos ? "" : rest.substr(nl + 1);
  }
  r.body = rest;
  return r;
}

template <typename T>
void Check(const base::Result<T>& r) {
  if (std::getenv("SPOKE_FUZZ_VERBOSE"))  // to see what a seed reaches
    std::fprintf(stderr, "-> %s\n",
                 r.ok() ? "ok" : (r.error().reason + ": " + r.error().message).c_str());
  if (r.ok()) return;
  FUZZ_CHECK(!r.error().reason.empty(), "an error without a reason: " + r.error().message);
  CheckText(r.error().message, "error message");
}

void Run(const std::string& call, lightspeed::Client& c) {
  lightspeed::NewCustomer customer{"Ada", "Lovelace", "ada@example.com", "555-0100", std::nullopt};
  lightspeed::NewItem item{"Tube 26\"",
                           std::string("735000000070"),
                           std::nullopt,
                           std::nullopt,
                           std::string("SC-0007"),
                           base::Money::FromCents(300),
                           base::Money::FromCents(899),
                           std::nullopt,
                           false};
  lightspeed::NewSale sale;
  sale.shop_id = sale.register_id = sale.employee_id = "1";
  sale.reference_number = "1001";
  sale.reference_source = "web";
  sale.lines.push_back({"7", 2, base::Money::FromCents(899), {}, true, ""});
  sale.payments.push_back({"5", base::Money::FromCents(1798)});
  if (call == "GetAccount") return Check(base::SyncWait(c.GetAccount()));
  if (call == "ListShops") return Check(base::SyncWait(c.ListShops()));
  if (call == "ListRegisters") return Check(base::SyncWait(c.ListRegisters()));
  if (call == "ListEmployees") return Check(base::SyncWait(c.ListEmployees()));
  if (call == "ListTaxCategories") return Check(base::SyncWait(c.ListTaxCategories()));
  if (call == "FindCustomersByEmail")
    return Check(base::SyncWait(c.FindCustomersByEmail("Ada@Example.com ")));
  if (call == "FindCustomersByEmails")
    return Check(base::SyncWait(c.FindCustomersByEmails({"ada@example.com", "grace@example.com"})));
  if (call == "CreateCustomer") return Check(base::SyncWait(c.CreateCustomer(customer)));
  if (call == "FindItems")
    return Check(base::SyncWait(c.FindItems(lightspeed::ItemKey::kUpc, "735000000070")));
  if (call == "CreateItem") return Check(base::SyncWait(c.CreateItem(item)));
  if (call == "ListPaymentTypes") return Check(base::SyncWait(c.ListPaymentTypes()));
  if (call == "CreatePaymentType") return Check(base::SyncWait(c.CreatePaymentType("Web store")));
  if (call == "FindSales") return Check(base::SyncWait(c.FindSales("1001", "web")));
  if (call == "FindSalesByReferences")
    return Check(base::SyncWait(c.FindSalesByReferences({"1001", "1002", "1003"}, "web")));
  if (call == "ListSalesPage") {  // reconciliation's window, and the next page it names
    const base::TimePoint from = base::TimePoint(std::chrono::seconds(1'763'600'000));
    const lightspeed::SaleWindow window{from, from + std::chrono::hours(24), "web", 100};
    auto page = base::SyncWait(c.ListSalesPage(window, ""));
    Check(page);
    if (page.ok() && !page->next.empty()) {
      FUZZ_CHECK(page->next.rfind("https://ls.test/", 0) == 0, "next page at " + page->next);
      Check(base::SyncWait(c.ListSalesPage(window, page->next)));
    }
    return;
  }
  if (call == "FindSalesWithArchived")
    return Check(base::SyncWait(c.FindSalesWithArchived({"1001", "1002"}, "web")));
  if (call == "CreateSale") return Check(base::SyncWait(c.CreateSale(sale)));
  if (call == "CreateSerialized") {
    base::Status s = base::SyncWait(c.CreateSerialized({"SN-1", "7", "1", "12"}));
    if (!s.ok()) CheckText(s.error().message, "error message");
  }
  if (call == "UpdateSerialized") {
    base::Status s = base::SyncWait(c.UpdateSerialized("3", {"SN-1", "7", "1", "12"}));
    if (!s.ok()) CheckText(s.error().message, "error message");
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto [first, rest] = fuzz::SplitFirstLine(fuzz::AsText(data, size));
  auto [call, status] = fuzz::SplitWord(first);
  ReplayTransport transport(ReadAnswer(status, rest));
  base::ManualClock clock(base::TimePoint(std::chrono::seconds(1795000000)));
  if (call == "Token") {  // the OAuth token endpoint's answer to a refresh
    lightspeed::OAuthClient oauth({"https://ls.test", "client", "secret"}, transport);
    auto pair = oauth.Refresh("refresh-1");
    Check(pair);
    if (pair.ok()) FUZZ_CHECK(!pair->access_token.empty() && !pair->refresh_token.empty(), "");
    return 0;
  }
  FixedTokens tokens;
  lightspeed::ClientOptions o;
  o.api_base = "https://ls.test";
  o.account_id = "1001";
  o.transport = &transport;
  o.tokens = &tokens;
  o.clock = &clock;
  o.on_call = [](const lightspeed::CallRecord& r) { CheckText(r.message, "call record"); };
  lightspeed::Client client(o);
  Run(call, client);
  return 0;
}
