// What the PostgreSQL backend's files share: the migrations, "now + a lease" in SQL, array and
// field conversions. Private to store/postgres/.
#pragma once

#include <cstdint>
#include <optional>
#include <pqxx/pqxx>
#include <string>
#include <vector>

#include "base/clock.h"
#include "base/result.h"
#include "store/postgres/pool.h"

namespace store::postgres {

// Applies the migrations `pool`'s database lacks, in one transaction under an advisory lock;
// answers their versions.
base::Result<std::vector<int>> ApplyMigrations(Pool& pool);

// "now + a duration" in epoch seconds: the test clock's instant bound as $until_param (BIGINT,
// NULL for the database's clock), else now() plus $micros_param microseconds, rounded down.
std::string UntilSql(int until_param, int micros_param);
int64_t Micros(base::Duration d);

// A PostgreSQL array literal (a parameter's value, never SQL text): {"a","b"}; nullopt → NULL.
std::string TextArray(const std::vector<std::optional<std::string>>& values);
std::string TextArray(const std::vector<std::string>& values);
std::string IntArray(const std::vector<int64_t>& values);
std::string BoolArray(const std::vector<bool>& values);

std::optional<std::string> OptText(const pqxx::field& f);
std::optional<int64_t> OptInt(const pqxx::field& f);

// The pool's answer to a unique violation, which callers turn into their own error.
inline bool IsDuplicate(const base::Error& e) {
  return e.code == base::ErrorCode::kConflict && e.reason == "duplicate";
}

}  // namespace store::postgres
