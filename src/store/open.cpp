// store::Open and store::Migrate: the backend is the URL's scheme.
#include <string_view>

#include "store/postgres/pg_store.h"
#include "store/sqlite/sqlite_store.h"
#include "store/store.h"

namespace store {
namespace {

enum class Backend { kSqlite, kPostgres, kUnknown };

Backend BackendOf(std::string_view url, std::string* rest) {
  for (std::string_view scheme : {"sqlite://"})
    if (url.substr(0, scheme.size()) == scheme) {
      *rest = std::string(url.substr(scheme.size()));
      return Backend::kSqlite;
    }
  for (std::string_view scheme : {"postgresql://", "postgres://"})
    if (url.substr(0, scheme.size()) == scheme) {
      *rest = std::string(url);
      return Backend::kPostgres;
    }
  return Backend::kUnknown;
}

base::Error UnknownScheme(std::string_view url) {
  // Only the scheme is quoted: the rest may hold a password.
  const size_t colon = url.find(':');
  const std::string scheme(url.substr(0, colon == std::string_view::npos ? 0 : colon));
  return base::Invalid("database.url",
                       "database.url must start with sqlite:// or postgresql:// (got " +
                           (scheme.empty() ? std::string("no scheme") : "\"" + scheme + "://\"") +
                           ")");
}

}  // namespace

Result<std::unique_ptr<Store>> Open(const std::string& url, const OpenOptions& options) {
  std::string rest;
  switch (BackendOf(url, &rest)) {
    case Backend::kSqlite:
      return sqlite::Open(rest, options);
    case Backend::kPostgres:
      return postgres::Open(rest, options);
    case Backend::kUnknown:
      break;
  }
  return UnknownScheme(url);
}

Result<std::vector<int>> Migrate(const std::string& url) {
  std::string rest;
  switch (BackendOf(url, &rest)) {
    case Backend::kSqlite:
      return sqlite::Migrate(rest);
    case Backend::kPostgres:
      return postgres::Migrate(rest);
    case Backend::kUnknown:
      break;
  }
  return UnknownScheme(url);
}

}  // namespace store
