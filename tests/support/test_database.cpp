#include "tests/support/test_database.h"

#include <cstdio>
#include <cstdlib>
#include <string_view>

#include "tests/support/pg_cluster.h"

namespace testsupport {

bool TestingOnPostgres() {
  const char* v = std::getenv("SPOKE_TEST_DATABASE");
  return v && std::string_view(v) == "postgres";
}

std::string TestDatabaseUrl(const std::filesystem::path& dir, bool postgres) {
  if (!postgres && !TestingOnPostgres()) return "sqlite://" + (dir / "spoke.db").string();
  auto url = SharedPgCluster().CreateDatabase("");
  if (!url.ok()) {
    std::fprintf(stderr, "SPOKE_TEST_DATABASE=postgres: no database: %s\n",
                 url.error().message.c_str());
    std::abort();
  }
  return *url;
}

}  // namespace testsupport
