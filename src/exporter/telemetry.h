// Process-wide counters for /metrics: Lightspeed requests, units and 429s by account, export
// attempts by outcome, and the time from queueing to export.
#pragma once

#include <string>

namespace exporter::telemetry {

void RecordCall(const std::string& account, int status, double units);
void RecordAttempt(const std::string& outcome);
void RecordExportLatency(double seconds);
// Prometheus text exposition of the above.
std::string Render();
// A label value escaped for the Prometheus text format (backslash, quote, newline).
std::string Label(const std::string& value);

}  // namespace exporter::telemetry
