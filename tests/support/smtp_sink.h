// A tiny SMTP server on loopback for tests: enough of RFC 5321 for libcurl (EHLO/HELO, MAIL
// FROM, RCPT TO, DATA, RSET, NOOP, QUIT), no TLS and no AUTH. It keeps every message it accepted.
#pragma once

#include <string>
#include <thread>
#include <vector>

#include "base/mutex.h"

namespace testing_support {

class SmtpSink {
 public:
  struct Message {
    std::string from;
    std::vector<std::string> to;
    std::string data;  // headers and body as received, dot-unstuffed, CRLF line ends
  };

  // Listens on 127.0.0.1 at a port the kernel picks.
  SmtpSink();
  ~SmtpSink();
  int port() const { return port_; }
  std::vector<Message> messages() const;

 private:
  void Serve();
  void Session(int fd);

  int listen_fd_ = -1;
  int port_ = 0;
  std::thread thread_;
  mutable base::Mutex mu_;
  std::vector<Message> messages_ GUARDED_BY(mu_);
};

}  // namespace testing_support
