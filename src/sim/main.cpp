// lsr-sim: run the Lightspeed R-Series emulator as a standalone server.
#include <signal.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <string>

#include "sim/sim.h"

namespace {

const char* kControlHelp = R"(
Control plane (JSON, never under /API):
  POST   /_sim/reset                         forget every account
  POST   /_sim/accounts                      {"name","registers":1,"seed":"demo"|"empty","redirect_uri"}
                                             -> {"account_id","client_id","client_secret",
                                                 "refresh_token","shop_id","register_id","employee_id"}
  GET    /_sim/accounts                      list accounts
  PUT    /_sim/accounts/{id}/rate            {"model":"2026"|"legacy"|"off","bucket_size":90,
                                              "drip_rate":1,"burst_limit":20}
  POST   /_sim/accounts/{id}/faults          [{"method":"POST","path":"Sale","action":
                                              "drop_after_commit"|"reset_mid_answer"|"error_500"|
                                              "rate_limit"|"delay","count":1|"unlimited",
                                              "probability":1,"delay_ms":0,"after_commit":false}]
                                             or {"seed":42,"faults":[...]} (GET lists, DELETE clears)
  PUT    /_sim/accounts/{id}/tokens          {"access_ttl_s":3600,"refresh_ttl_s":2592000,
                                              "refresh_limit_per_minute":5,
                                              "expire_access_tokens":true,
                                              "revoke_refresh_tokens":true}
  POST   /_sim/clock                         {"advance_s":86400} moves lsr-sim's time forward
                                             (GET shows the offset)
  PUT    /_sim/accounts/{id}/behaviour       {"failed_completion":"nothing_saved"|"open_sale"}
                                             (GET shows it)
  PUT    /_sim/accounts/{id}/tax_categories/{taxCategoryID}  {"tax1Rate":"0.09","tax2Rate":"0",
           "tax1Name":"…","isTaxInclusive":false,"classes":{"3":{"tax1Rate":"0"}}}  (creates if missing)
  PUT    /_sim/accounts/{id}/tax_classes/{taxClassID}  {"name":"Clothing"}  (creates if missing)
  GET    /_sim/accounts/{id}/rows/{Entity}   every row as stored, archived ones too
  PUT    /_sim/accounts/{id}/rows/{Entity}/{id}  {"taxClassID":"3"}: edit a record's fields
  GET    /_sim/accounts/{id}/stats           requests/units by "METHOD Entity", rate_limited,
                                             peak_bucket_level, refreshes, faults_fired(_on),
                                             duplicate_references
API: /API/V3/Account.json, /API/V3/Account/{id}/{Entity}[/{id}].json
OAuth: GET /auth/oauth/authorize, POST /auth/oauth/token
See docs/lsr-sim.md.
)";

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"lsr-sim: a stateful Lightspeed Retail (R-Series) API emulator"};
  app.footer(kControlHelp);
  std::string listen = "127.0.0.1:8090";
  std::string state_file;
  int threads = 4;
  std::string seed_name;
  app.add_option("--listen", listen, "host:port to serve on (port 0 = any free port)")
      ->capture_default_str();
  app.add_option("--state", state_file, "state file: loaded at start, saved on SIGINT/SIGTERM");
  app.add_option("--threads", threads, "threads that run requests (idle connections hold none)")
      ->check(CLI::Range(1, 256))
      ->capture_default_str();
  app.add_option("--create-account", seed_name,
                 "create a demo account with this name at start and print its credentials");
  CLI11_PARSE(app, argc, argv);

  const size_t colon = listen.rfind(':');
  if (colon == std::string::npos) {
    std::fprintf(stderr, "lsr-sim: --listen must be host:port, got %s\n", listen.c_str());
    return 2;
  }
  sim::SimOptions options;
  options.host = listen.substr(0, colon);
  try {
    options.port = std::stoi(listen.substr(colon + 1));
  } catch (const std::exception&) {
    std::fprintf(stderr, "lsr-sim: bad port in --listen %s\n", listen.c_str());
    return 2;
  }
  options.state_file = state_file;
  options.threads = threads;

  // Block the stop signals in every thread; the main thread waits for them below.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

  auto sim = sim::Simulator::Create(options);
  auto port = sim->Start();
  if (!port.ok()) {
    std::fprintf(stderr, "lsr-sim: %s\n", port.error().message.c_str());
    return 1;
  }
  std::printf("lsr-sim listening on %s\n", sim->BaseUrl().c_str());
  if (!seed_name.empty()) {
    const sim::AccountInfo a = sim->CreateAccount(seed_name, 1, true);
    std::printf(
        "account_id=%s client_id=%s client_secret=%s refresh_token=%s shop_id=%s register_id=%s "
        "employee_id=%s\n",
        a.account_id.c_str(), a.client_id.c_str(), a.client_secret.c_str(), a.refresh_token.c_str(),
        a.shop_id.c_str(), a.register_id.c_str(), a.employee_id.c_str());
  }
  std::fflush(stdout);

  int sig = 0;
  sigwait(&stop_signals, &sig);
  std::printf("lsr-sim: signal %d, stopping\n", sig);
  if (auto st = sim->Stop(); !st.ok()) {
    std::fprintf(stderr, "lsr-sim: %s\n", st.error().message.c_str());
    return 1;
  }
  return 0;
}
