// LISTEN spoke_exports on a connection of its own: migration 2's trigger notifies whenever an
// order becomes queued, so an idle engine on any node looks at once instead of at its next poll.
#include <algorithm>
#include <chrono>
#include <thread>

#include "store/postgres/pg_store.h"

namespace store::postgres {
namespace {

constexpr const char* kChannel = "spoke_exports";

class Receiver : public pqxx::notification_receiver {
 public:
  explicit Receiver(pqxx::connection_base& c) : pqxx::notification_receiver(c, kChannel) {}
  void operator()(const std::string&, int) override {}
};

class PgQueueWatch : public QueueWatch {
 public:
  explicit PgQueueWatch(Pool& pool) : pool_(pool) {}

  // Returns with its listener ready, so nothing queued after WatchQueue() answers is missed.
  base::Status Listen() {
    receiver_.reset();
    conn_.reset();
    auto c = pool_.Dedicated();
    if (!c.ok()) return c.error();
    try {
      conn_ = std::move(*c);
      receiver_ = std::make_unique<Receiver>(*conn_);
      conn_->get_notifs();  // sends the LISTEN now
    } catch (const std::exception& e) {
      receiver_.reset();
      conn_.reset();
      return base::Unavailable(std::string("cannot listen for new exports: ") + e.what());
    }
    return {};
  }

  bool Wait(base::Duration timeout) override {
    const auto us = std::max<int64_t>(
        0, std::chrono::duration_cast<std::chrono::microseconds>(timeout).count());
    if (!conn_ && !Listen().ok()) {
      // The database is away: wait as a poll would, then have the engine look.
      std::this_thread::sleep_for(std::chrono::microseconds(std::min<int64_t>(us, 1'000'000)));
      return true;
    }
    try {
      return conn_->await_notification(us / 1'000'000, us % 1'000'000) > 0;
    } catch (const std::exception&) {
      receiver_.reset();
      conn_.reset();  // reconnects on the next call; meanwhile, look now
      return true;
    }
  }

 private:
  Pool& pool_;
  std::unique_ptr<pqxx::connection> conn_;
  std::unique_ptr<Receiver> receiver_;
};

}  // namespace

Result<std::unique_ptr<QueueWatch>> PostgresStore::WatchQueue() {
  auto watch = std::make_unique<PgQueueWatch>(*pool_);
  if (auto st = watch->Listen(); !st.ok()) return st.error();
  return std::unique_ptr<QueueWatch>(std::move(watch));
}

}  // namespace store::postgres
