// A real SQLite store in a fresh temporary folder, made once per fuzzing process and removed when
// the process ends normally (a crash leaves it in the temp folder for a look).
#pragma once

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>

#include "store/store.h"

namespace fuzz {

class TempStore {
 public:
  explicit TempStore(const char* name, base::Clock* clock) {
    dir_ = std::filesystem::temp_directory_path() /
           ("spoke-fuzz-" + std::string(name) + "-" + std::to_string(getpid()));
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    // One connection: one thread drives it.
    auto db =
        store::Open("sqlite://" + (dir_ / "spoke.db").string(), {.clock = clock, .pool_size = 1});
    if (!db.ok()) Die("cannot open the store: " + db.error().message);
    db_ = std::move(*db);
    auto s = db_->CreateStore("bikes", "Spoke Cycles", "USD");
    if (!s.ok()) Die("cannot create the shop: " + s.error().message);
    id_ = s->id;
  }
  ~TempStore() {
    db_.reset();
    std::error_code ignored;
    std::filesystem::remove_all(dir_, ignored);
  }
  store::Store& db() { return *db_; }
  store::StoreId id() const { return id_; }

  [[noreturn]] static void Die(const std::string& why) {
    std::fprintf(stderr, "fuzz setup: %s\n", why.c_str());
    std::exit(2);
  }

 private:
  std::filesystem::path dir_;
  std::unique_ptr<store::Store> db_;
  store::StoreId id_;
};

}  // namespace fuzz
