// Adds up what one export attempt cost in Lightspeed calls: the units and the last answer.
// A worker installs one for the duration of an attempt; Connections feeds it every call made on
// that thread.
#pragma once

#include <string>

#include "lightspeed/client.h"

namespace exporter {

class CallMeter {
 public:
  CallMeter() : previous_(current_) { current_ = this; }
  ~CallMeter() { current_ = previous_; }
  CallMeter(const CallMeter&) = delete;
  CallMeter& operator=(const CallMeter&) = delete;

  static void Record(const lightspeed::CallRecord& r) {
    if (!current_) return;
    current_->units_ += r.cost;
    current_->calls_++;
    current_->last_status_ = r.status;
    if (!r.message.empty()) current_->last_message_ = r.message;
  }
  double units() const { return units_; }
  int calls() const { return calls_; }
  int last_status() const { return last_status_; }
  const std::string& last_message() const { return last_message_; }

 private:
  static thread_local CallMeter* current_;
  CallMeter* previous_;
  double units_ = 0;
  int calls_ = 0;
  int last_status_ = 0;
  std::string last_message_;
};

}  // namespace exporter
