// app::LoadConfig on any file content (written to a temporary file, as spoke reads spoke.toml).
// A bad file is refused naming the key; a good one yields settings inside their stated ranges
// and exactly the values the file holds (read again here with toml++ to compare).
#include <toml++/toml.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>
#include <string>

#include "app/config.h"
#include "fuzz/fuzz_util.h"

namespace {

class TempFile {
 public:
  TempFile() {
    path_ = std::filesystem::temp_directory_path() /
            ("spoke-fuzz-config-" + std::to_string(getpid()) + ".toml");
    // Only the file speaks: no SPOKE_* variable from the environment may mask what it says.
    for (const char* v :
         {"SPOKE_SERVER_LISTEN", "SPOKE_DATABASE_URL", "SPOKE_LIGHTSPEED_API_BASE",
          "SPOKE_LIGHTSPEED_AUTH_BASE", "SPOKE_LIGHTSPEED_CLIENT_ID",
          "SPOKE_LIGHTSPEED_CLIENT_SECRET", "SPOKE_KEY_FILE", "SPOKE_EXPORT_WORKERS",
          "SPOKE_EXPORT_THREADS", "SPOKE_EXPORT_LEASE_SECONDS"})
      unsetenv(v);
  }
  ~TempFile() {
    std::error_code ignored;
    std::filesystem::remove(path_, ignored);
  }
  const std::string Write(const std::string& content) {
    std::ofstream(path_, std::ios::binary | std::ios::trunc) << content;
    return path_.string();
  }

 private:
  std::filesystem::path path_;
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static TempFile file;
  const std::string path = file.Write(std::string(fuzz::AsText(data, size)));
  auto config = app::LoadConfig(path);
  if (!config.ok()) {
    FUZZ_CHECK(!config.error().field.empty(), "no key named: " + config.error().message);
    FUZZ_CHECK(!config.error().message.empty(), "an empty message");
    return 0;
  }
  FUZZ_CHECK(config->workers >= 1 && config->workers <= 10000, std::to_string(config->workers));
  FUZZ_CHECK(config->threads >= 1 && config->threads <= 64, std::to_string(config->threads));
  FUZZ_CHECK(config->lease_seconds >= 2 && config->lease_seconds <= 3600,
             std::to_string(config->lease_seconds));
  const std::string port_text = config->listen.substr(config->listen.rfind(':') + 1);
  FUZZ_CHECK(!port_text.empty() && port_text.find_first_not_of("0123456789") == std::string::npos,
             "server.listen accepted with port \"" + port_text + "\"");
  const int port = config->Port();
  FUZZ_CHECK(port >= 0 && port <= 65535, config->listen);
  (void)config->Host();
  FUZZ_CHECK(!config->key_file.empty(), "no key file");
  toml::table t;
  try {
    t = toml::parse(std::string(fuzz::AsText(data, size)));
  } catch (const toml::parse_error&) {
    FUZZ_CHECK(false, "accepted a file toml++ refuses");
  }
  // What the file says, read without toml++'s float-to-int cast (it has no range check).
  auto whole = [&](const char* key) -> std::optional<double> {
    const toml::node* n = t["export"][key].node();
    if (n && n->is_integer()) return static_cast<double>(*n->value_exact<int64_t>());
    if (n && n->is_floating_point()) return n->value_exact<double>();
    return std::nullopt;
  };
  if (auto v = whole("workers"))
    FUZZ_CHECK(*v == config->workers, "export.workers " + std::to_string(*v) + " became " +
                                          std::to_string(config->workers));
  if (auto v = whole("threads"))
    FUZZ_CHECK(*v == config->threads, "export.threads " + std::to_string(*v) + " became " +
                                          std::to_string(config->threads));
  if (auto v = whole("lease_seconds"))
    FUZZ_CHECK(*v == config->lease_seconds, "export.lease_seconds " + std::to_string(*v) +
                                                " became " + std::to_string(config->lease_seconds));
  return 0;
}
