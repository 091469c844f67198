#include "tests/support/smtp_sink.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cctype>
#include <stdexcept>

namespace testing_support {
namespace {

bool SendAll(int fd, const std::string& s) {
  size_t at = 0;
  while (at < s.size()) {
    const ssize_t n = ::send(fd, s.data() + at, s.size() - at, MSG_NOSIGNAL);
    if (n <= 0) return false;
    at += static_cast<size_t>(n);
  }
  return true;
}

// Reads one CRLF-terminated line (without the CRLF) into *line; false at EOF or error.
bool ReadLine(int fd, std::string* buffer, std::string* line) {
  for (;;) {
    const size_t end = buffer->find("\r\n");
    if (end != std::string::npos) {
      *line = buffer->substr(0, end);
      buffer->erase(0, end + 2);
      return true;
    }
    char chunk[4096];
    const ssize_t n = ::recv(fd, chunk, sizeof chunk, 0);
    if (n <= 0) return false;
    buffer->append(chunk, static_cast<size_t>(n));
  }
}

std::string Upper(std::string s) {
  for (char& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return s;
}

// "MAIL FROM:<a@b>" → "a@b".
std::string Address(const std::string& line) {
  const size_t open = line.find('<'), close = line.find('>');
  if (open == std::string::npos || close == std::string::npos || close < open) return "";
  return line.substr(open + 1, close - open - 1);
}

}  // namespace

SmtpSink::SmtpSink() {
  listen_fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  if (::bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
      ::listen(listen_fd_, 16) != 0)
    throw std::runtime_error("the SMTP sink cannot listen");
  socklen_t len = sizeof addr;
  ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len);
  port_ = ntohs(addr.sin_port);
  thread_ = std::thread([this] { Serve(); });
}

SmtpSink::~SmtpSink() {
  ::shutdown(listen_fd_, SHUT_RDWR);
  ::close(listen_fd_);
  thread_.join();
}

std::vector<SmtpSink::Message> SmtpSink::messages() const {
  base::MutexLock lock(mu_);
  return messages_;
}

void SmtpSink::Serve() {
  for (;;) {
    const int fd = ::accept(listen_fd_, nullptr, nullptr);
    if (fd < 0) return;  // closed by the destructor
    Session(fd);         // one session at a time is enough for tests
    ::close(fd);
  }
}

void SmtpSink::Session(int fd) {
  std::string buffer, line;
  Message current;
  if (!SendAll(fd, "220 sink.test ESMTP ready\r\n")) return;
  while (ReadLine(fd, &buffer, &line)) {
    const std::string verb = Upper(line.substr(0, 4));
    std::string reply;
    if (verb == "EHLO") {
      reply = "250-sink.test\r\n250 8BITMIME\r\n";
    } else if (verb == "HELO") {
      reply = "250 sink.test\r\n";
    } else if (verb == "MAIL") {
      current = Message{Address(line), {}, ""};
      reply = "250 OK\r\n";
    } else if (verb == "RCPT") {
      current.to.push_back(Address(line));
      reply = "250 OK\r\n";
    } else if (verb == "DATA") {
      if (!SendAll(fd, "354 end with <CRLF>.<CRLF>\r\n")) return;
      std::string data;
      while (ReadLine(fd, &buffer, &line) && line != ".")
        data += (line.rfind("..", 0) == 0 ? line.substr(1) : line) + "\r\n";
      current.data = data;
      {
        base::MutexLock lock(mu_);
        messages_.push_back(current);
      }
      reply = "250 queued\r\n";
    } else if (verb == "RSET" || verb == "NOOP") {
      reply = "250 OK\r\n";
    } else if (verb == "QUIT") {
      SendAll(fd, "221 bye\r\n");
      return;
    } else {
      reply = "502 not implemented\r\n";
    }
    if (!SendAll(fd, reply)) return;
  }
}

}  // namespace testing_support
