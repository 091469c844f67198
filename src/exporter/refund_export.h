// One attempt at sending a refund to Lightspeed (issue 15), with a sale's discipline (R20): a
// refund whose earlier attempt may have reached Lightspeed is searched for by its reference
// (`{order}-R{refund}`) before anything is written again, the "maybe sent" mark is stored before
// the write, and a failure is retried with backoff or stops for the merchant in plain words.
#pragma once

#include <string>

#include "base/clock.h"
#include "exporter/account_cache.h"
#include "exporter/order_export.h"
#include "lightspeed/client.h"
#include "store/store.h"

namespace exporter {

class RefundSender {
 public:
  RefundSender(store::Store& store, base::Clock& clock, AccountCache& cache,
               const AttemptPolicy& policy)
      : store_(store), clock_(clock), cache_(cache), policy_(policy) {}

  // Runs the claimed attempt and records its outcome; never leaves the refund claimed.
  // A coroutine: `client` and this RefundSender must outlive it.
  base::Task<> Run(store::StoreId s, store::RefundExport refund, store::RefundClaim claim,
                   lightspeed::Client& client);
  // Not connected: the refund stops with the reason, for the merchant's Retry.
  void NotConnected(store::StoreId s, const store::RefundExport& refund,
                    const store::RefundClaim& claim, const base::Error& e);

 private:
  struct Attempt;
  base::Task<> Send(Attempt& a, lightspeed::Client& client);
  void Stop(Attempt& a, const std::string& message);
  void Retry(Attempt& a, const base::Error& e, bool maybe_sent);
  void Done(Attempt& a, const std::string& sale_id);

  store::Store& store_;
  base::Clock& clock_;
  AccountCache& cache_;
  const AttemptPolicy& policy_;
};

}  // namespace exporter
