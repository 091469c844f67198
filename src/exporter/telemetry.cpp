#include "exporter/telemetry.h"

#include <array>
#include <cstdio>
#include <map>

#include "base/mutex.h"

namespace exporter::telemetry {
namespace {

constexpr std::array<double, 9> kBuckets = {0.5, 1, 2, 5, 10, 30, 60, 300, 1800};

struct Account {
  uint64_t requests = 0, rate_limited = 0;
  double units = 0;
};

struct State {
  base::Mutex mu;
  std::map<std::string, Account> accounts GUARDED_BY(mu);
  std::map<std::string, uint64_t> attempts GUARDED_BY(mu);
  std::array<uint64_t, kBuckets.size()> latency GUARDED_BY(mu){};
  uint64_t latency_count GUARDED_BY(mu) = 0;
  double latency_sum GUARDED_BY(mu) = 0;
};

State& S() {
  static State state;
  return state;
}

std::string Num(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.6g", v);
  return buf;
}

}  // namespace

std::string Label(const std::string& v) {
  std::string out;
  for (char c : v) {
    if (c == '\\' || c == '"') out += '\\';
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out += c;
  }
  return out;
}

void RecordCall(const std::string& account, int status, double units) {
  base::MutexLock lock(S().mu);
  Account& a = S().accounts[account];
  ++a.requests;
  a.units += units;
  if (status == 429) ++a.rate_limited;
}

void RecordAttempt(const std::string& outcome) {
  base::MutexLock lock(S().mu);
  ++S().attempts[outcome];
}

void RecordExportLatency(double seconds) {
  base::MutexLock lock(S().mu);
  for (size_t i = 0; i < kBuckets.size(); ++i)
    if (seconds <= kBuckets[i]) ++S().latency[i];
  ++S().latency_count;
  S().latency_sum += seconds;
}

std::string Render() {
  base::MutexLock lock(S().mu);
  std::string out =
      "# HELP spoke_lightspeed_requests_total Requests sent to Lightspeed.\n"
      "# TYPE spoke_lightspeed_requests_total counter\n";
  for (const auto& [account, a] : S().accounts)
    out += "spoke_lightspeed_requests_total{account=\"" + Label(account) + "\"} " +
           std::to_string(a.requests) + "\n";
  out +=
      "# HELP spoke_lightspeed_units_total Rate-limit units Lightspeed charged.\n"
      "# TYPE spoke_lightspeed_units_total counter\n";
  for (const auto& [account, a] : S().accounts)
    out +=
        "spoke_lightspeed_units_total{account=\"" + Label(account) + "\"} " + Num(a.units) + "\n";
  out +=
      "# HELP spoke_lightspeed_429_total Answers 429 (rate limited).\n"
      "# TYPE spoke_lightspeed_429_total counter\n";
  for (const auto& [account, a] : S().accounts)
    out += "spoke_lightspeed_429_total{account=\"" + Label(account) + "\"} " +
           std::to_string(a.rate_limited) + "\n";
  out +=
      "# HELP spoke_export_attempts_total Export attempts by outcome.\n"
      "# TYPE spoke_export_attempts_total counter\n";
  for (const auto& [outcome, n] : S().attempts)
    out += "spoke_export_attempts_total{outcome=\"" + Label(outcome) + "\"} " + std::to_string(n) +
           "\n";
  out +=
      "# HELP spoke_export_latency_seconds From queued to exported.\n"
      "# TYPE spoke_export_latency_seconds histogram\n";
  for (size_t i = 0; i < kBuckets.size(); ++i)
    out += "spoke_export_latency_seconds_bucket{le=\"" + Num(kBuckets[i]) + "\"} " +
           std::to_string(S().latency[i]) + "\n";
  out += "spoke_export_latency_seconds_bucket{le=\"+Inf\"} " + std::to_string(S().latency_count) +
         "\nspoke_export_latency_seconds_sum " + Num(S().latency_sum) +
         "\nspoke_export_latency_seconds_count " + std::to_string(S().latency_count) + "\n";
  return out;
}

}  // namespace exporter::telemetry
