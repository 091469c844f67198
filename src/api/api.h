// The JSON API's operations, independent of HTTP: each takes the caller's store and the request
// parts and returns a status code and a JSON body. The HTTP server and `spoke import` both call
// these, so a record is validated the same way whichever door it came in by.
#pragma once

#include <functional>
#include <map>
#include <string>

#include "base/clock.h"
#include "exporter/connections.h"
#include "store/store.h"

namespace api {

struct Response {
  int status = 200;
  std::string body;  // JSON
};

using Query = std::map<std::string, std::string>;

struct ApiOptions {
  // Each store's Lightspeed link; without one, connecting answers 503.
  exporter::Connections* connections = nullptr;
  // Called after an order was queued, so the export engine looks at once.
  std::function<void()> on_queued;
  // server.public_url ("" = none): the status names the OAuth redirect URI it gives.
  std::string public_url;
};

class Api {
 public:
  Api(store::Store& store, base::Clock& clock, ApiOptions options)
      : store_(store), clock_(clock), options_(std::move(options)) {}

  Response PutItem(store::StoreId s, const std::string& sku, const std::string& body);
  Response GetItem(store::StoreId s, const std::string& sku);
  Response ListItems(store::StoreId s, const Query& q);

  Response PutOrder(store::StoreId s, const std::string& number, const std::string& body);
  Response GetOrder(store::StoreId s, const std::string& number);
  Response ListOrders(store::StoreId s, const Query& q);
  Response PatchOrder(store::StoreId s, const std::string& number, const std::string& body);
  Response CapturePayment(store::StoreId s, const std::string& number, const std::string& id);
  Response AddRefund(store::StoreId s, const std::string& number, const std::string& body);

  Response GetLightspeedSettings(store::StoreId s);
  Response PutLightspeedSettings(store::StoreId s, const std::string& body);
  Response ConnectLightspeed(store::StoreId s, const std::string& body);
  Response LightspeedStatus(store::StoreId s);

  Response RequestExport(store::StoreId s, const std::string& number);
  Response RequestExports(store::StoreId s, const std::string& body);
  Response RetryExport(store::StoreId s, const std::string& number);
  Response ListExports(store::StoreId s, const Query& q);

  static Response Error(const base::Error& e);
  static int HttpStatus(const base::Error& e);

 private:
  Response Queue(store::StoreId s, const std::string& number, bool retry);
  // R26 automatic export: queues the order when the store's mode says it is ready.
  void MaybeAutoExport(store::StoreId s, const std::string& number);

  store::Store& store_;
  base::Clock& clock_;
  ApiOptions options_;
};

}  // namespace api
