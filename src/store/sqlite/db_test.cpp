// The SQLite layer's waiting for the write lock and its checkpoints (db.cpp: Conn::OnBusy and
// Conn::OnCommit replace SQLite's busy timeout and autocheckpoint).
#include "store/sqlite/db.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <string>
#include <thread>

namespace store::sqlite {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

class SqliteConn : public testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("spoke-db-test-" + std::to_string(::getpid()) + "-" +
                                        testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::unique_ptr<Conn> Open(int busy_timeout_ms = 5000) {
    auto c = Conn::Open((dir_ / "t.db").string(), busy_timeout_ms);
    EXPECT_TRUE(c.ok()) << c.error().message;
    return c.ok() ? std::move(*c) : nullptr;
  }

  static int64_t Count(Conn& c) {
    Stmt s(c.get(), "SELECT COUNT(*) FROM t");
    return s.Step() ? s.Int(0) : -1;
  }

  fs::path dir_;
};

TEST_F(SqliteConn, AWriterWaitsForAnotherConnectionsCommitAndThenWrites) {
  auto a = Open();
  auto b = Open();
  ASSERT_TRUE(a && b);
  ASSERT_TRUE(a->Exec("CREATE TABLE t (v INTEGER)").ok());

  WriteTxn held(*a);
  ASSERT_TRUE(held.begun().ok());
  ASSERT_TRUE(a->Exec("INSERT INTO t VALUES (1)").ok());
  std::atomic<bool> b_began{false};
  base::Status b_done;
  std::thread writer([&] {
    WriteTxn txn(*b);
    b_began = txn.begun().ok();
    if (!txn.begun().ok()) {
      b_done = txn.begun();
      return;
    }
    if (auto s = b->Exec("INSERT INTO t VALUES (2)"); !s.ok()) {
      b_done = s;
      return;
    }
    b_done = txn.Commit();
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  EXPECT_FALSE(b_began) << "the second writer began while the first held the write lock";
  ASSERT_TRUE(held.Commit().ok());
  writer.join();
  EXPECT_TRUE(b_began);
  EXPECT_TRUE(b_done.ok()) << b_done.error().message;
  EXPECT_EQ(Count(*a), 2) << "both writes are there";
}

TEST_F(SqliteConn, AWriterGivesUpWhenTheLockIsHeldPastTheBusyTimeout) {
  auto a = Open(/*busy_timeout_ms=*/150);
  auto b = Open(/*busy_timeout_ms=*/150);
  ASSERT_TRUE(a && b);
  ASSERT_TRUE(a->Exec("CREATE TABLE t (v INTEGER)").ok());
  WriteTxn held(*a);
  ASSERT_TRUE(held.begun().ok());
  // Commits to another table meanwhile would wake the waiter early; none here: it polls.
  const auto before = Clock::now();
  WriteTxn refused(*b);
  const auto waited = Clock::now() - before;
  ASSERT_FALSE(refused.begun().ok());
  EXPECT_EQ(refused.begun().error().code, base::ErrorCode::kUnavailable)
      << refused.begun().error().message;
  EXPECT_GE(waited, std::chrono::milliseconds(150)) << "it gave up before its busy timeout";
  ASSERT_TRUE(held.Commit().ok());
  WriteTxn later(*b);
  EXPECT_TRUE(later.begun().ok()) << "the lock is taken once it is free";
}

TEST_F(SqliteConn, TheLogIsCheckpointedEveryFourThousandPages) {
  auto a = Open();
  ASSERT_TRUE(a);
  ASSERT_TRUE(a->Exec("CREATE TABLE t (v BLOB)").ok());
  // 5,000 commits of one 3 KiB row each: at least a page per commit, 5,000 pages in all.
  for (int i = 0; i < 5000; ++i)
    ASSERT_TRUE(a->Exec("INSERT INTO t VALUES (zeroblob(3000))").ok());
  Stmt s(a->get(), "PRAGMA wal_checkpoint(PASSIVE)");  // busy, pages in the log, checkpointed
  ASSERT_TRUE(s.Step());
  EXPECT_LT(s.Int(1), 4000) << "the log was not started again after a checkpoint";
  EXPECT_EQ(Count(*a), 5000);
}

}  // namespace
}  // namespace store::sqlite
