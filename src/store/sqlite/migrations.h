#pragma once

#include <vector>

#include "base/result.h"

namespace store::sqlite {
class Conn;
// Applies pending migrations in order, each in its own transaction; returns the versions applied.
base::Result<std::vector<int>> Migrate(Conn& conn);
}  // namespace store::sqlite
