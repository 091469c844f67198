#include "exporter/refund_export.h"

#include <spdlog/spdlog.h>

#include "base/text.h"
#include "exporter/connections.h"
#include "exporter/existing_sale.h"
#include "exporter/refund_plan.h"

namespace exporter {

struct RefundSender::Attempt {
  store::StoreId store;
  store::RefundExport refund;
  store::RefundClaim claim;
  std::string reference;
};

base::Task<> RefundSender::Run(store::StoreId s, store::RefundExport refund,
                               store::RefundClaim claim, lightspeed::Client& client) {
  Attempt a{s, refund, claim, RefundReference(refund.number, refund.refund_id)};
  co_await Send(a, client);
}

void RefundSender::NotConnected(store::StoreId s, const store::RefundExport& refund,
                                const store::RefundClaim& claim, const base::Error& e) {
  Attempt a{s, refund, claim, RefundReference(refund.number, refund.refund_id)};
  Stop(a,
       e.code == base::ErrorCode::kUnauthenticated ? StoppedForConnection(e.message) : e.message);
}

base::Task<> RefundSender::Send(Attempt& a, lightspeed::Client& client) {
  auto record = store_.GetOrder(a.store, a.refund.number);
  if (!record.ok()) co_return Retry(a, record.error(), a.claim.maybe_sent);
  const shop::Refund* refund = nullptr;
  for (const shop::Refund& r : record->order.refunds)
    if (r.id == a.refund.refund_id) refund = &r;
  if (!refund) co_return Stop(a, "The refund is no longer on the order: nothing was sent");
  auto settings = store_.GetLightspeedSettings(a.store);
  if (!settings.ok()) co_return Retry(a, settings.error(), a.claim.maybe_sent);
  const std::string& account = settings->account_id;

  Links links;
  std::vector<std::string> skus;
  for (const auto& line : record->order.lines) skus.push_back(line.sku);
  auto items = store_.GetLinksFor(a.store, account, "item", skus);
  auto customers = store_.GetLinksFor(a.store, account, "customer",
                                      {NormalizeKey(record->order.customer.email)});
  auto types = store_.GetLinks(a.store, account, "payment_type");
  if (!items.ok() || !customers.ok() || !types.ok())
    co_return Retry(a,
                    !items.ok()       ? items.error()
                    : !customers.ok() ? customers.error()
                                      : types.error(),
                    a.claim.maybe_sent);
  links.item_by_sku = *items;
  links.customer_by_email = *customers;
  links.payment_type_by_name = *types;
  RefundSalePlan plan =
      PlanRefund(record->order, *refund, record->export_record.sale_id, *settings, links);
  const std::string type_key = NormalizeKey(plan.payment_type_name);
  if (!plan.sale && !links.payment_type_by_name.count(type_key)) {
    // Not linked yet (no payment of the order used it): look it up, never create it here.
    auto found =
        co_await cache_.FindPaymentType(account, client, plan.payment_type_name, /*fresh=*/false);
    if (!found.ok()) co_return Retry(a, found.error(), a.claim.maybe_sent);
    if (*found) {
      (void)store_.PutLink(a.store, account, "payment_type", type_key, **found);
      links.payment_type_by_name[type_key] = **found;
      plan = PlanRefund(record->order, *refund, record->export_record.sale_id, *settings, links);
    }
  }
  if (!plan.sale) co_return Stop(a, plan.problem);

  if (a.claim.maybe_sent) {
    // R20: an earlier attempt may have created the refund sale; look before writing again.
    auto sales = co_await client.FindSales(a.reference, settings->reference_source);
    if (!sales.ok()) co_return Retry(a, sales.error(), true);
    const ExistingSales found = DecideExistingSales(*sales, -refund->amount);
    for (const std::string& id : found.archive)
      if (auto st = co_await client.ArchiveSale(id); !st.ok()) co_return Retry(a, st.error(), true);
    switch (found.action) {
      case ExistingSales::Action::kAdopt:
        co_return Done(a, found.sale_id);
      case ExistingSales::Action::kCompleteAndAdopt:
        if (auto st = co_await client.CompleteSale(found.sale_id); !st.ok())
          co_return Retry(a, st.error(), true);
        co_return Done(a, found.sale_id);
      case ExistingSales::Action::kStop:
        co_return Stop(a, found.reason);
      case ExistingSales::Action::kSend:
        break;
    }
  }
  if (auto st =
          store_.MarkRefundSending(a.store, a.refund.number, a.refund.refund_id, a.claim.fence);
      !st.ok()) {
    spdlog::warn("refund {} of order {}: not marked ({}); not sent",
                 base::EscapeForLog(a.refund.refund_id), base::EscapeForLog(a.refund.number),
                 base::EscapeForLog(st.error().message));
    co_return;  // taken over, or the database is away: the claim runs out, nothing was sent
  }
  auto sale = co_await client.CreateSale(*plan.sale);
  if (sale.ok()) co_return Done(a, sale->id);
  const base::Error& e = sale.error();
  if (MayHaveLanded(e)) co_return Retry(a, e, true);
  if (e.code == base::ErrorCode::kUnauthenticated)
    co_return Stop(a, StoppedForConnection(e.message));
  if (e.Retryable()) co_return Retry(a, e, a.claim.maybe_sent);
  Stop(a, "Lightspeed refused the refund sale: " + e.message);
}

void RefundSender::Done(Attempt& a, const std::string& sale_id) {
  if (auto st = store_.CompleteRefund(a.store, a.refund.number, a.refund.refund_id, a.claim.fence,
                                      sale_id);
      !st.ok())
    // The claim runs out and the next attempt finds the sale by its reference.
    spdlog::warn("refund {} of order {}: sale {} not recorded ({})",
                 base::EscapeForLog(a.refund.refund_id), base::EscapeForLog(a.refund.number),
                 base::EscapeForLog(sale_id), base::EscapeForLog(st.error().message));
}

void RefundSender::Stop(Attempt& a, const std::string& message) {
  if (auto st =
          store_.StopRefund(a.store, a.refund.number, a.refund.refund_id, a.claim.fence, message);
      !st.ok())
    spdlog::warn("refund {} of order {}: not stopped ({})", base::EscapeForLog(a.refund.refund_id),
                 base::EscapeForLog(a.refund.number), base::EscapeForLog(st.error().message));
}

void RefundSender::Retry(Attempt& a, const base::Error& e, bool maybe_sent) {
  if (a.claim.attempt >= policy_.max_attempts)
    return Stop(a, "Lightspeed kept failing after " + std::to_string(a.claim.attempt) +
                       " attempts: " + e.message);
  const base::Duration wait = RetryWait(policy_, a.claim.attempt, e);
  if (auto st = store_.RetryRefundLater(a.store, a.refund.number, a.refund.refund_id, a.claim.fence,
                                        wait, "Will try again: " + e.message, maybe_sent);
      !st.ok())
    spdlog::warn("refund {} of order {}: retry not recorded ({})",
                 base::EscapeForLog(a.refund.refund_id), base::EscapeForLog(a.refund.number),
                 base::EscapeForLog(st.error().message));
}

}  // namespace exporter
