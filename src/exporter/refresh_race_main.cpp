// Test helper: one process of the multi-process token refresh test. Opens the database, takes the
// store's Lightspeed client and calls it from several threads at once.
// Usage: refresh_race DB_URL KEY_HEX API_BASE CLIENT_ID CLIENT_SECRET STORE_SLUG THREADS
#include <cstdio>
#include <cstdlib>
#include <thread>
#include <vector>

#include "exporter/connections.h"

int main(int argc, char** argv) {
  if (argc != 8) {
    std::fprintf(stderr, "usage: refresh_race DB KEY BASE ID SECRET STORE THREADS\n");
    return 2;
  }
  auto db = store::Open(argv[1]);
  if (!db.ok()) return 3;
  auto info = (*db)->FindStore(argv[6]);
  if (!info.ok()) return 4;
  exporter::LightspeedConfig config;
  config.api_base = config.auth_base = argv[3];
  config.client_id = argv[4];
  config.client_secret = argv[5];
  config.secret_key_hex = argv[2];
  exporter::Connections connections(**db, config);
  auto client = connections.ClientFor(info->id);
  if (!client.ok()) return 5;
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  for (int i = 0; i < std::atoi(argv[7]); ++i)
    threads.emplace_back([&] {
      auto shops = base::SyncWait((*client)->ListShops());
      if (!shops.ok()) {
        std::fprintf(stderr, "%s\n", shops.error().message.c_str());
        ++failures;
      }
    });
  for (auto& t : threads) t.join();
  return failures == 0 ? 0 : 1;
}
