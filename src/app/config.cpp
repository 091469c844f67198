#include "app/config.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <toml++/toml.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <climits>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>
#include <string_view>

#include "base/secrets.h"
#include "base/text.h"
#include "base/url.h"

namespace app {
namespace {

using base::Invalid;

// Digits only (a leading '-' allowed): stoi would skip spaces and ignore "80abc"'s tail.
std::optional<int> WholeNumber(std::string_view s) {
  int value = 0;
  const auto [end, error] = std::from_chars(s.data(), s.data() + s.size(), value);
  if (s.empty() || error != std::errc() || end != s.data() + s.size()) return std::nullopt;
  return value;
}

base::Status CheckListen(const std::string& listen, const std::string& key) {
  const size_t colon = listen.rfind(':');
  if (colon == std::string::npos || colon == 0)
    return Invalid(key, key + " must be host:port, e.g. 127.0.0.1:8080");
  const std::string_view port_text = std::string_view(listen).substr(colon + 1);
  const std::optional<int> port = WholeNumber(port_text);
  // Digits only: from_chars reads "-0" as port 0.
  if (!port || port_text.find_first_not_of("0123456789") != std::string_view::npos || *port > 65535)
    return Invalid(key, key + " has a bad port: \"" + listen + "\"");
  return {};
}

}  // namespace

std::string Config::Host() const {
  std::string host = listen.substr(0, listen.rfind(':'));
  if (host.size() > 2 && host.front() == '[' && host.back() == ']')
    host = host.substr(1, host.size() - 2);
  return host;
}
int Config::Port() const { return std::stoi(listen.substr(listen.rfind(':') + 1)); }

base::Result<Config> LoadConfig(const std::string& path) {
  Config c;
  // The whole-number settings, by file key and environment variable.
  struct IntSetting {
    const char* key;
    const char* env;
    int* target;
    int min, max;
  };
  const IntSetting ints[] = {
      {"export.workers", "SPOKE_EXPORT_WORKERS", &c.workers, 1, 10000},
      {"export.threads", "SPOKE_EXPORT_THREADS", &c.threads, 1, 64},
      {"database.pool_size", "SPOKE_DATABASE_POOL_SIZE", &c.database_pool_size, 0, 64},
      {"export.lease_seconds", "SPOKE_EXPORT_LEASE_SECONDS", &c.lease_seconds, 2, 3600},
      {"export.lane_lease_seconds", "SPOKE_EXPORT_LANE_LEASE_SECONDS", &c.lane_lease_seconds, 3,
       600},
      {"lightspeed.timeout_seconds", "SPOKE_LIGHTSPEED_TIMEOUT_SECONDS",
       &c.lightspeed_timeout_seconds, 1, 300},
      {"lightspeed.refresh_keepalive_days", "SPOKE_LIGHTSPEED_REFRESH_KEEPALIVE_DAYS",
       &c.refresh_keepalive_days, 0, 29},
      {"server.threads", "SPOKE_SERVER_THREADS", &c.server_threads, 1, 256},
      {"server.max_connections", "SPOKE_SERVER_MAX_CONNECTIONS", &c.max_connections, 1, 1000000},
      {"server.max_connections_per_address", "SPOKE_SERVER_MAX_CONNECTIONS_PER_ADDRESS",
       &c.max_connections_per_address, 1, 1000000},
      {"server.request_timeout_seconds", "SPOKE_SERVER_REQUEST_TIMEOUT_SECONDS",
       &c.request_timeout_seconds, 1, 600},
      {"server.idle_timeout_seconds", "SPOKE_SERVER_IDLE_TIMEOUT_SECONDS", &c.idle_timeout_seconds,
       1, 3600},
      {"alerts.check_seconds", "SPOKE_ALERTS_CHECK_SECONDS", &c.alerts_check_seconds, 1, 3600}};
  auto find_int = [&ints](const std::string& key) -> const IntSetting* {
    for (const IntSetting& i : ints)
      if (key == i.key) return &i;
    return nullptr;
  };
  std::string file = path;
  if (file.empty() && std::filesystem::exists("spoke.toml")) file = "spoke.toml";
  if (!file.empty()) {
    toml::table t;
    try {
      t = toml::parse_file(file);
    } catch (const toml::parse_error& e) {
      return Invalid("config", file + ": " + std::string(e.description()));
    }
    for (auto& [section, node] : t) {
      const std::string s(section.str());
      const toml::table* tab = node.as_table();
      if (!tab) {
        const std::string name = s.empty() ? "\"\"" : s;  // an empty quoted key is still named
        return Invalid(name, file + ": " + name + " must be a section such as [server]");
      }
      for (auto& entry : *tab) {
        // Not a structured binding: clang 14 (the fuzz build) cannot capture one in a lambda.
        const toml::node& value = entry.second;
        const std::string key = s + "." + std::string(entry.first.str());
        auto str = [&](std::string* out) -> base::Status {
          if (auto v = value.value<std::string>()) {
            *out = *v;
            return {};
          }
          return Invalid(key, file + ": " + key + " must be a string");
        };
        base::Status st;
        if (key == "server.listen")
          st = str(&c.listen);
        else if (key == "server.public_url")
          st = str(&c.public_url);
        else if (key == "database.url")
          st = str(&c.database_url);
        else if (key == "lightspeed.api_base")
          st = str(&c.api_base);
        else if (key == "lightspeed.auth_base")
          st = str(&c.auth_base);
        else if (key == "lightspeed.client_id")
          st = str(&c.client_id);
        else if (key == "security.key_file")
          st = str(&c.key_file);
        else if (key == "worker.node_name")
          st = str(&c.node_name);
        else if (key == "reconcile.daily_at")
          st = str(&c.reconcile_daily_at);
        else if (const IntSetting* i = find_int(key)) {
          // A float such as 4.0 is read by hand: toml++ casts it to int64 without a range check.
          std::optional<double> v;
          if (value.is_floating_point())
            v = value.value_exact<double>();
          else if (auto n = value.value<int64_t>())
            v = static_cast<double>(*n);
          if (!v || !std::isfinite(*v) || std::trunc(*v) != *v)
            st = Invalid(key, file + ": " + key + " must be a whole number");
          else if (*v < INT_MIN || *v > INT_MAX)  // would wrap into range as an int
            st = Invalid(key, file + ": " + key + " is out of range");
          else
            *i->target = static_cast<int>(*v);
        } else if (key == "lightspeed.client_secret") {
          st = Invalid(key, file + ": " + key +
                                " is not read from files; set SPOKE_LIGHTSPEED_CLIENT_SECRET");
        } else {
          st = Invalid(key, file + ": unknown key " + key);
        }
        if (!st.ok()) return st.error();
      }
    }
  }
  struct Env {
    const char* name;
    std::string* target;
  };
  const Env envs[] = {{"SPOKE_SERVER_LISTEN", &c.listen},
                      {"SPOKE_SERVER_PUBLIC_URL", &c.public_url},
                      {"SPOKE_DATABASE_URL", &c.database_url},
                      {"SPOKE_LIGHTSPEED_API_BASE", &c.api_base},
                      {"SPOKE_LIGHTSPEED_AUTH_BASE", &c.auth_base},
                      {"SPOKE_LIGHTSPEED_CLIENT_ID", &c.client_id},
                      {"SPOKE_LIGHTSPEED_CLIENT_SECRET", &c.client_secret},
                      {"SPOKE_KEY_FILE", &c.key_file},
                      {"SPOKE_WORKER_NODE_NAME", &c.node_name},
                      {"SPOKE_RECONCILE_DAILY_AT", &c.reconcile_daily_at}};
  for (const Env& e : envs)
    if (const char* v = std::getenv(e.name)) *e.target = v;
  for (const IntSetting& i : ints) {
    if (const char* v = std::getenv(i.env)) {
      const std::optional<int> n = WholeNumber(v);
      if (!n) return Invalid(i.key, std::string(i.env) + " must be a whole number");
      *i.target = *n;
    }
  }
  for (const IntSetting& i : ints)
    if (*i.target < i.min || *i.target > i.max)
      return Invalid(i.key, std::string(i.key) + " must be from " + std::to_string(i.min) + " to " +
                                std::to_string(i.max));
  if (auto s = CheckListen(c.listen, "server.listen"); !s.ok()) return s.error();
  if (!c.node_name.empty()) {
    const bool printable = base::IsValidUtf8(c.node_name) &&
                           std::none_of(c.node_name.begin(), c.node_name.end(), [](char ch) {
                             return (ch >= 0 && ch < 0x20) || ch == 0x7f;
                           });
    if (c.node_name.size() > 200 || !printable)
      return Invalid("worker.node_name",
                     "worker.node_name must be 1 to 200 bytes of printable UTF-8 (or unset)");
  }
  if (!c.reconcile_daily_at.empty()) {
    const std::string& t = c.reconcile_daily_at;
    auto digit = [&t](size_t i) { return t[i] >= '0' && t[i] <= '9'; };
    const bool shape = t.size() == 5 && t[2] == ':' && digit(0) && digit(1) && digit(3) && digit(4);
    if (!shape || (t[0] - '0') * 10 + (t[1] - '0') > 23 || t[3] > '5')
      return Invalid("reconcile.daily_at",
                     "reconcile.daily_at must be a time of day from 00:00 to 23:59 (HH:MM, in "
                     "each store's time zone), or unset for no daily run");
  }
  if (!c.public_url.empty()) {
    auto url = base::ParsePublicUrl(c.public_url, "server.public_url");
    if (!url.ok()) return url.error();
    c.public_url = *url;
  }
  if (c.database_url.rfind("sqlite://", 0) != 0 && c.database_url.rfind("postgresql://", 0) != 0 &&
      c.database_url.rfind("postgres://", 0) != 0)
    return Invalid("database.url", "database.url must start with sqlite:// or postgresql://");
  if (c.key_file.empty()) {
    std::filesystem::path db = c.database_url.rfind("sqlite://", 0) == 0
                                   ? std::filesystem::path(c.database_url.substr(9))
                                   : std::filesystem::path("spoke.db");
    c.key_file = (db.parent_path() / "spoke.key").string();
  }
  return c;
}

base::Status LoadSecretKey(Config* c) {
  if (const char* env = std::getenv("SPOKE_SECRET_KEY")) {
    if (!base::IsValidKeyHex(env))
      return Invalid("SPOKE_SECRET_KEY", "SPOKE_SECRET_KEY must be 64 hex characters");
    c->secret_key = env;
    return {};
  }
  struct stat st {};
  if (stat(c->key_file.c_str(), &st) == 0) {
    if ((st.st_mode & 077) != 0)
      return Invalid("security.key_file", c->key_file +
                                              " must be readable by its owner only "
                                              "(chmod 600)");
    std::ifstream in(c->key_file);
    std::string key;
    in >> key;
    if (!base::IsValidKeyHex(key))
      return Invalid("security.key_file", c->key_file + " must hold 64 hex characters");
    c->secret_key = key;
    return {};
  }
  // O_EXCL: two first starts at once cannot each write a different key.
  const std::string key = base::RandomHex(32);
  const int fd = open(c->key_file.c_str(), O_WRONLY | O_CREAT | O_EXCL, 0600);
  if (fd < 0) {
    if (errno == EEXIST) return LoadSecretKey(c);
    return Invalid("security.key_file", "cannot create " + c->key_file);
  }
  const std::string line = key + "\n";
  const bool written = write(fd, line.data(), line.size()) == static_cast<ssize_t>(line.size());
  close(fd);
  if (!written) return Invalid("security.key_file", "cannot write " + c->key_file);
  c->secret_key = key;
  return {};
}

}  // namespace app
