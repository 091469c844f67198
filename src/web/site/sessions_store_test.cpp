// The session methods of store::Store against SQLite (the site's only storage needs).
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>

#include "store/store.h"

namespace {

using namespace std::chrono_literals;

class SessionStore : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("spoke-sessions-" + std::to_string(getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    auto db = store::Open("sqlite://" + (dir_ / "s.db").string());
    ASSERT_TRUE(db.ok()) << db.error().message;
    db_ = std::move(*db);
    auto s = db_->CreateStore("bikes", "Bikes", "USD");
    ASSERT_TRUE(s.ok());
    auto u = db_->AddUser(s->id, "clerk@example.com", "hash");
    ASSERT_TRUE(u.ok());
    user_ = *u;
  }
  void TearDown() override {
    db_.reset();
    std::filesystem::remove_all(dir_);
  }
  std::filesystem::path dir_;
  std::unique_ptr<store::Store> db_;
  store::User user_;
};

TEST_F(SessionStore, CreateFindTouchAndDelete) {
  const base::TimePoint t0{std::chrono::seconds(1'800'000'000)};
  store::Session s;
  s.id_hash = "h1";
  s.user_id = user_.id;
  s.csrf_token = "csrf";
  s.created_at = s.last_seen_at = t0;
  ASSERT_TRUE(db_->CreateSession(s).ok());
  auto found = db_->FindSession("h1");
  ASSERT_TRUE(found.ok());
  EXPECT_EQ(found->email, "clerk@example.com");
  EXPECT_EQ(found->store_id, user_.store_id);
  EXPECT_EQ(found->csrf_token, "csrf");
  EXPECT_EQ(found->last_seen_at, t0);
  ASSERT_TRUE(db_->TouchSession("h1", t0 + 5min).ok());
  ASSERT_TRUE(db_->SetSessionOAuthState("h1", "st").ok());
  found = db_->FindSession("h1");
  EXPECT_EQ(found->last_seen_at, t0 + 5min);
  EXPECT_EQ(found->oauth_state, "st");
  EXPECT_EQ(db_->FindSession("other").error().code, base::ErrorCode::kNotFound);
  ASSERT_TRUE(db_->DeleteSession("h1").ok());
  EXPECT_EQ(db_->FindSession("h1").error().code, base::ErrorCode::kNotFound);
}

TEST_F(SessionStore, IdleSessionsAreSwept) {
  const base::TimePoint t0{std::chrono::seconds(1'800'000'000)};
  for (const char* h : {"old", "new"}) {
    store::Session s;
    s.id_hash = h;
    s.user_id = user_.id;
    s.csrf_token = "c";
    s.created_at = s.last_seen_at = std::string(h) == "old" ? t0 : t0 + 3h;
    ASSERT_TRUE(db_->CreateSession(s).ok());
  }
  auto n = db_->DeleteIdleSessions(t0 + 1h);
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(*n, 1);
  EXPECT_FALSE(db_->FindSession("old").ok());
  EXPECT_TRUE(db_->FindSession("new").ok());
}

}  // namespace
