// The database an end-to-end test runs on: a SQLite file in the test's folder, or, with
// SPOKE_TEST_DATABASE=postgres, a fresh database on this process's throwaway PostgreSQL server
// (pg_cluster.h). The same tests thus prove both backends (issue 13); ctest runs them both ways.
#pragma once

#include <filesystem>
#include <string>

namespace testsupport {

// "sqlite://<dir>/spoke.db", or a new PostgreSQL database's URL. Aborts loudly when PostgreSQL
// was asked for and cannot start: such a test is never skipped.
std::string TestDatabaseUrl(const std::filesystem::path& dir, bool postgres = false);
bool TestingOnPostgres();

}  // namespace testsupport
