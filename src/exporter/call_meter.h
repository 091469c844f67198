// Adds up what one export attempt cost in Lightspeed calls: the units and the last answer. The
// attempt's client reports its calls here (Client::Observed): attempts share threads, so nothing
// is counted per thread.
#pragma once

#include <string>

#include "lightspeed/client.h"

namespace exporter {

class CallMeter {
 public:
  void Record(const lightspeed::CallRecord& r) {
    units_ += r.cost;
    calls_++;
    last_status_ = r.status;
    if (!r.message.empty()) last_message_ = r.message;
  }
  double units() const { return units_; }
  int calls() const { return calls_; }
  int last_status() const { return last_status_; }
  const std::string& last_message() const { return last_message_; }

 private:
  double units_ = 0;
  int calls_ = 0;
  int last_status_ = 0;
  std::string last_message_;
};

}  // namespace exporter
