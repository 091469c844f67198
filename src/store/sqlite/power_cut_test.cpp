// A power cut under SQLite: what a store call has answered must still be on disk afterwards when
// someone outside relies on it (R20's marks before a Lightspeed write, an imported order, a
// rotated refresh token).
//
// The cut is simulated below SQLite, by a VFS that forwards to the real one and, whenever SQLite
// syncs a file, copies it aside: that copy is what the disk is sure to hold. Cutting the power
// keeps only those copies (a file never synced is gone) and the store is opened on them. Writes
// that were never synced are lost, which is what synchronous=NORMAL risks in WAL mode.
#include <gtest/gtest.h>
#include <sqlite3.h>
#include <unistd.h>

#include <atomic>
#include <cstring>
#include <filesystem>
#include <string>

#include "store/store.h"

namespace store {
namespace {

namespace fs = std::filesystem;

// ---- the VFS that remembers each file as of its last sync ----

struct CutFile {
  sqlite3_file base;
  sqlite3_file* real;  // the real VFS's file, allocated right after this struct
  char path[1024];
};

sqlite3_vfs* real_vfs = nullptr;
sqlite3_vfs cut_vfs;
sqlite3_io_methods cut_methods;

std::string Synced(const std::string& path) { return path + ".synced"; }
sqlite3_file* Real(sqlite3_file* f) { return reinterpret_cast<CutFile*>(f)->real; }

int Close(sqlite3_file* f) { return Real(f)->pMethods->xClose(Real(f)); }
int Read(sqlite3_file* f, void* b, int n, sqlite3_int64 o) {
  return Real(f)->pMethods->xRead(Real(f), b, n, o);
}
int Write(sqlite3_file* f, const void* b, int n, sqlite3_int64 o) {
  return Real(f)->pMethods->xWrite(Real(f), b, n, o);
}
int Truncate(sqlite3_file* f, sqlite3_int64 size) {
  return Real(f)->pMethods->xTruncate(Real(f), size);
}
// The disk refuses the next sync (EIO, as a failing disk does).
std::atomic<bool> fail_next_sync{false};

int Sync(sqlite3_file* f, int flags) {
  if (fail_next_sync.exchange(false)) return SQLITE_IOERR_FSYNC;
  const int rc = Real(f)->pMethods->xSync(Real(f), flags);
  if (rc != SQLITE_OK) return rc;
  const std::string path = reinterpret_cast<CutFile*>(f)->path;
  std::error_code ec;
  fs::copy_file(path, Synced(path), fs::copy_options::overwrite_existing, ec);
  return ec ? SQLITE_IOERR_FSYNC : SQLITE_OK;
}
int FileSize(sqlite3_file* f, sqlite3_int64* size) {
  return Real(f)->pMethods->xFileSize(Real(f), size);
}
int Lock(sqlite3_file* f, int l) { return Real(f)->pMethods->xLock(Real(f), l); }
int Unlock(sqlite3_file* f, int l) { return Real(f)->pMethods->xUnlock(Real(f), l); }
int CheckReservedLock(sqlite3_file* f, int* out) {
  return Real(f)->pMethods->xCheckReservedLock(Real(f), out);
}
int FileControl(sqlite3_file* f, int op, void* arg) {
  return Real(f)->pMethods->xFileControl(Real(f), op, arg);
}
int SectorSize(sqlite3_file* f) { return Real(f)->pMethods->xSectorSize(Real(f)); }
int DeviceCharacteristics(sqlite3_file* f) {
  return Real(f)->pMethods->xDeviceCharacteristics(Real(f));
}
int ShmMap(sqlite3_file* f, int region, int size, int extend, void volatile** out) {
  return Real(f)->pMethods->xShmMap(Real(f), region, size, extend, out);
}
int ShmLock(sqlite3_file* f, int offset, int n, int flags) {
  return Real(f)->pMethods->xShmLock(Real(f), offset, n, flags);
}
void ShmBarrier(sqlite3_file* f) { Real(f)->pMethods->xShmBarrier(Real(f)); }
int ShmUnmap(sqlite3_file* f, int del) { return Real(f)->pMethods->xShmUnmap(Real(f), del); }
int Fetch(sqlite3_file* f, sqlite3_int64 o, int n, void** out) {
  return Real(f)->pMethods->xFetch(Real(f), o, n, out);
}
int Unfetch(sqlite3_file* f, sqlite3_int64 o, void* p) {
  return Real(f)->pMethods->xUnfetch(Real(f), o, p);
}

int Open(sqlite3_vfs*, sqlite3_filename name, sqlite3_file* f, int flags, int* out_flags) {
  auto* cut = reinterpret_cast<CutFile*>(f);
  cut->base.pMethods = nullptr;
  cut->real = reinterpret_cast<sqlite3_file*>(cut + 1);
  cut->path[0] = '\0';
  if (name) std::snprintf(cut->path, sizeof cut->path, "%s", name);
  const int rc = real_vfs->xOpen(real_vfs, name, cut->real, flags, out_flags);
  if (rc == SQLITE_OK && cut->real->pMethods) cut->base.pMethods = &cut_methods;
  return rc;
}

int Delete(sqlite3_vfs*, const char* name, int sync_dir) {
  std::error_code ec;
  fs::remove(Synced(name), ec);
  return real_vfs->xDelete(real_vfs, name, sync_dir);
}

// Installed as the default VFS for this test program (the store opens files with the default).
void InstallCutVfs() {
  if (real_vfs) return;
  real_vfs = sqlite3_vfs_find(nullptr);
  cut_vfs = *real_vfs;
  cut_vfs.zName = "power-cut";
  cut_vfs.szOsFile = static_cast<int>(sizeof(CutFile)) + real_vfs->szOsFile;
  cut_vfs.pNext = nullptr;
  cut_vfs.xOpen = Open;
  cut_vfs.xDelete = Delete;
  cut_methods = sqlite3_io_methods{3,
                                   Close,
                                   Read,
                                   Write,
                                   Truncate,
                                   Sync,
                                   FileSize,
                                   Lock,
                                   Unlock,
                                   CheckReservedLock,
                                   FileControl,
                                   SectorSize,
                                   DeviceCharacteristics,
                                   ShmMap,
                                   ShmLock,
                                   ShmBarrier,
                                   ShmUnmap,
                                   Fetch,
                                   Unfetch};
  ASSERT_EQ(sqlite3_vfs_register(&cut_vfs, /*makeDflt=*/1), SQLITE_OK);
}

// What the disk holds after the power is cut: each file as of its last sync, in `to`.
void CutThePower(const fs::path& from, const fs::path& to) {
  fs::remove_all(to);
  fs::create_directories(to);
  for (const auto& e : fs::directory_iterator(from)) {
    const std::string name = e.path().filename().string();
    if (name.ends_with(".synced")) continue;
    const fs::path synced = Synced(e.path().string());
    if (fs::exists(synced)) fs::copy_file(synced, to / name);
  }
}

// ---- the tests ----

class PowerCut : public ::testing::Test {
 protected:
  void SetUp() override {
    InstallCutVfs();
    const std::string test = ::testing::UnitTest::GetInstance()->current_test_info()->name();
    root_ = fs::temp_directory_path() / ("spoke-power-cut-" + std::to_string(getpid()) + test);
    fs::remove_all(root_);
    fs::create_directories(root_ / "before");
    db_ = OpenAt(root_ / "before");
    ASSERT_TRUE(db_);
    auto s = db_->CreateStore("bikes", "Boulder Bikes", "USD");
    ASSERT_TRUE(s.ok()) << s.error().message;
    store_ = s->id;
    shop::Item bike{"TREK-FX2", "Trek FX 2"};
    bike.price = base::Money::FromCents(89999);
    ASSERT_TRUE(db_->PutItem(store_, bike).ok());
  }
  void TearDown() override {
    db_.reset();
    fs::remove_all(root_);
  }

  static std::unique_ptr<Store> OpenAt(const fs::path& dir) {
    auto opened = store::Open("sqlite://" + (dir / "spoke.db").string());
    EXPECT_TRUE(opened.ok()) << opened.error().message;
    return opened.ok() ? std::move(*opened) : nullptr;
  }

  // Everything so far on disk, as a checkpoint puts it: the setup is not what is tested.
  void Checkpoint() {
    sqlite3* raw = nullptr;
    ASSERT_EQ(sqlite3_open((root_ / "before" / "spoke.db").c_str(), &raw), SQLITE_OK);
    EXPECT_EQ(sqlite3_exec(raw, "PRAGMA wal_checkpoint(FULL)", nullptr, nullptr, nullptr),
              SQLITE_OK);
    sqlite3_close(raw);
  }

  // The power goes; the machine comes back and spoke opens what the disk held.
  std::unique_ptr<Store> AfterThePowerCut() {
    CutThePower(root_ / "before", root_ / "after");
    return OpenAt(root_ / "after");
  }

  static shop::Order Order(const std::string& number) {
    shop::Order o;
    o.number = number;
    o.placed_at = base::TimePoint(std::chrono::seconds(1'790'000'000));
    o.customer = {"ann@example.com", "Ann", "Lee", std::nullopt};
    o.lines = {shop::Line{"TREK-FX2", 1, base::Money::FromCents(89999), base::Money(), true, {}}};
    o.tax = base::Money();
    o.total = base::Money::FromCents(89999);
    o.payments = {shop::Payment{"pay_1", "Stripe", base::Money::FromCents(89999),
                                shop::PaymentStatus::kCaptured, "ch_1"}};
    return o;
  }
  static ExportCheck Allow() {
    return [](const shop::Order&, shop::ExportState, const LightspeedSettings&) {
      return shop::Eligibility{};
    };
  }

  fs::path root_;
  std::unique_ptr<Store> db_;
  StoreId store_;
};

// The harness itself: a write SQLite never synced is lost in the cut. Without this, the tests
// below would pass whatever the store does.
TEST_F(PowerCut, AnUnsyncedCommitIsLost) {
  ASSERT_TRUE(db_->PutOrder(store_, Order("10001")).ok());
  Checkpoint();
  ASSERT_TRUE(db_->QueueExport(store_, "10001", Allow()).ok());  // a commit nobody relies on
  auto after = AfterThePowerCut();
  ASSERT_TRUE(after);
  auto order = after->GetOrder(store_, "10001");
  ASSERT_TRUE(order.ok()) << order.error().message;
  EXPECT_EQ(order->export_record.state, shop::ExportState::kNotExported)
      << "the queueing was never synced, so the cut should have taken it";
}

// R20: once MarkSending has answered, the sale may be on its way to Lightspeed. If the mark were
// lost, the attempt after the restart would send without searching: a second sale.
TEST_F(PowerCut, R20TheSendingMarkOutlivesAPowerCut) {
  ASSERT_TRUE(db_->PutOrder(store_, Order("10002")).ok());
  ASSERT_TRUE(db_->QueueExport(store_, "10002", Allow()).ok());
  Checkpoint();
  auto claim = db_->ClaimExport(store_, "10002", "w1", std::chrono::seconds(-3600));
  ASSERT_TRUE(claim.ok()) << claim.error().message;
  EXPECT_FALSE(claim->maybe_sent);
  ASSERT_TRUE(db_->MarkSending(store_, "10002", claim->fence, std::chrono::seconds(-3600)).ok());

  auto after = AfterThePowerCut();
  ASSERT_TRUE(after);
  auto again = after->ClaimExport(store_, "10002", "w2", std::chrono::seconds(60));
  ASSERT_TRUE(again.ok()) << again.error().message;
  EXPECT_TRUE(again->maybe_sent) << "the next attempt must search Lightspeed before sending";
  EXPECT_GT(again->fence, claim->fence);
}

// R20 for customers, items and payment types: the create gate's mark is what makes the next
// writer search first.
TEST_F(PowerCut, R20TheCreateGatesMarkOutlivesAPowerCut) {
  Checkpoint();
  auto first =
      db_->BeginCreate("1001", "customer", "ann@example.com", "w1", std::chrono::seconds(-3600));
  ASSERT_TRUE(first.ok()) << first.error().message;
  ASSERT_FALSE(*first);

  auto after = AfterThePowerCut();
  ASSERT_TRUE(after);
  auto next =
      after->BeginCreate("1001", "customer", "ann@example.com", "w2", std::chrono::seconds(60));
  ASSERT_TRUE(next.ok()) << next.error().message;
  EXPECT_TRUE(*next) << "w1's create may have reached Lightspeed: w2 must search first";
}

// R20 for refunds sent as refund sales.
TEST_F(PowerCut, R20TheRefundsSendingMarkOutlivesAPowerCut) {
  ASSERT_TRUE(db_->PutOrder(store_, Order("10004")).ok());
  LightspeedSettings settings;
  settings.account_id = "1001";
  settings.refunds = RefundMode::kSend;
  ASSERT_TRUE(db_->PutLightspeedSettings(store_, settings).ok());
  ASSERT_TRUE(db_->QueueExport(store_, "10004", Allow()).ok());
  auto sale = db_->ClaimExport(store_, "10004", "w1", std::chrono::seconds(60));
  ASSERT_TRUE(sale.ok());
  ASSERT_TRUE(
      db_->CompleteExport(store_, "10004", sale->fence, "4711", {}, std::nullopt, nullptr).ok());
  const auto later = std::chrono::system_clock::now() + std::chrono::hours(1);
  ASSERT_TRUE(db_->AddRefund(store_, "10004",
                             shop::Refund{"rf_1",
                                          "Stripe",
                                          base::Money::FromCents(2500),
                                          base::TimePoint(later.time_since_epoch()),
                                          {}})
                  .ok());
  Checkpoint();
  auto claim = db_->ClaimRefund(store_, "10004", "rf_1", std::chrono::seconds(-3600));
  ASSERT_TRUE(claim.ok()) << claim.error().message;
  ASSERT_TRUE(db_->MarkRefundSending(store_, "10004", "rf_1", claim->fence).ok());

  auto after = AfterThePowerCut();
  ASSERT_TRUE(after);
  auto again = after->ClaimRefund(store_, "10004", "rf_1", std::chrono::seconds(60));
  ASSERT_TRUE(again.ok()) << again.error().message;
  EXPECT_TRUE(again->maybe_sent) << "the next attempt must search Lightspeed before sending";
}

// After a failed sync the kernel may report the next one as done although the failed pages were
// dropped: no mark is trusted, and nothing sent to Lightspeed on its word, until a restart.
TEST_F(PowerCut, R20AfterAFailedSyncNoMarkIsReportedSaved) {
  ASSERT_TRUE(db_->PutOrder(store_, Order("10005")).ok());
  ASSERT_TRUE(db_->QueueExport(store_, "10005", Allow()).ok());
  auto claim = db_->ClaimExport(store_, "10005", "w1", std::chrono::seconds(60));
  ASSERT_TRUE(claim.ok()) << claim.error().message;
  fail_next_sync = true;
  auto refused = db_->MarkSending(store_, "10005", claim->fence, std::chrono::seconds(60));
  ASSERT_FALSE(refused.ok()) << "the mark is not known to be on disk: the sale must not go";
  EXPECT_NE(refused.error().message.find("restart spoke"), std::string::npos)
      << refused.error().message;
  EXPECT_FALSE(db_->MarkSending(store_, "10005", claim->fence, std::chrono::seconds(60)).ok())
      << "a later sync that reports success proves nothing";
  EXPECT_FALSE(db_->PutOrder(store_, Order("10005")).ok()) << "nor for an order answered again";
}

// A cancellation lost to a power cut would make the order exportable again (R5).
TEST_F(PowerCut, R5ACancellationOutlivesAPowerCut) {
  ASSERT_TRUE(db_->PutOrder(store_, Order("10006")).ok());
  Checkpoint();
  ASSERT_TRUE(db_->SetOrderStatus(store_, "10006", shop::OrderStatus::kCancelled).ok());
  auto after = AfterThePowerCut();
  ASSERT_TRUE(after);
  auto order = after->GetOrder(store_, "10006");
  ASSERT_TRUE(order.ok()) << order.error().message;
  EXPECT_EQ(order->order.status, shop::OrderStatus::kCancelled);
}

// The web store does not send an order again once spoke answered that it stored it.
TEST_F(PowerCut, AnOrderAnsweredAsStoredOutlivesAPowerCut) {
  Checkpoint();
  ASSERT_TRUE(db_->PutOrder(store_, Order("10003")).ok());
  auto after = AfterThePowerCut();
  ASSERT_TRUE(after);
  auto order = after->GetOrder(store_, "10003");
  ASSERT_TRUE(order.ok()) << order.error().message;
  EXPECT_EQ(order->order.total, base::Money::FromCents(89999));
}

// Lightspeed stops the old refresh token once the new one is used: the new pair must be on disk.
TEST_F(PowerCut, ARotatedRefreshTokenOutlivesAPowerCut) {
  SealedTokens first{"access-1", "refresh-1", base::TimePoint(std::chrono::seconds(1)),
                     base::TimePoint(std::chrono::seconds(1))};
  ASSERT_TRUE(db_->SaveLightspeedTokens(store_, first, "n1").ok());
  Checkpoint();
  SealedTokens rotated = first;
  rotated.access_sealed = "access-2";
  rotated.refresh_sealed = "refresh-2";
  ASSERT_TRUE(db_->SaveLightspeedTokens(store_, rotated, "n1").ok());

  auto after = AfterThePowerCut();
  ASSERT_TRUE(after);
  auto tokens = after->GetLightspeedTokens(store_);
  ASSERT_TRUE(tokens.ok()) << tokens.error().message;
  EXPECT_EQ(tokens->refresh_sealed, "refresh-2");
}

}  // namespace
}  // namespace store
