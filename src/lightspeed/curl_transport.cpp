#include <curl/curl.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <chrono>
#include <mutex>
#include <optional>
#include <thread>
#include <unordered_map>
#include <utility>
#include <vector>

#include "base/mutex.h"
#include "base/string_reader.h"
#include "base/thread_name.h"
#include "lightspeed/transport.h"

namespace lightspeed {
namespace {

size_t OnBody(char* data, size_t size, size_t n, void* out) {
  static_cast<std::string*>(out)->append(data, size * n);
  return size * n;
}

size_t OnHeader(char* data, size_t size, size_t n, void* out) {
  auto* headers = static_cast<std::map<std::string, std::string>*>(out);
  std::string line(data, size * n);
  const size_t colon = line.find(':');
  if (line.rfind("HTTP/", 0) == 0) headers->clear();  // a new answer (after 100-continue)
  if (colon == std::string::npos) return size * n;
  std::string name = line.substr(0, colon);
  std::transform(name.begin(), name.end(), name.begin(),
                 [](unsigned char c) { return std::tolower(c); });
  std::string value = line.substr(colon + 1);
  const size_t start = value.find_first_not_of(" \t");
  const size_t end = value.find_last_not_of(" \t\r\n");
  value = start == std::string::npos ? "" : value.substr(start, end - start + 1);
  (*headers)[name] = value;
  return size * n;
}

// A write's body is handed to libcurl through a read callback that cannot go back: libcurl
// re-sends a request by itself when a kept-alive connection dies before any answer (the request
// may have been acted on all the same), and to re-send a body it must rewind it. This refuses, so
// that attempt fails with CURLE_SEND_FAIL_REWIND (reported as uncertain) instead of a second sale.
int RefuseSeek(void*, curl_off_t, int) { return CURL_SEEKFUNC_CANTSEEK; }

Delivery Classify(CURLcode code) {
  switch (code) {
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_RESOLVE_PROXY:
    case CURLE_COULDNT_CONNECT:
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_UNSUPPORTED_PROTOCOL:
    case CURLE_URL_MALFORMAT:
      return Delivery::kNotSent;
    default:
      return Delivery::kUncertain;
  }
}

// One request from Start to `done`: everything libcurl points into while it runs, in one heap
// object that stays put (the reader points at `request.body`, libcurl at `error` and `response`).
struct Call {
  Call(HttpRequest r, std::function<void(HttpResponse)> d)
      : request(std::move(r)), done(std::move(d)) {}
  ~Call() { curl_slist_free_all(headers); }
  Call(const Call&) = delete;
  Call& operator=(const Call&) = delete;

  HttpRequest request;
  std::function<void(HttpResponse)> done;
  HttpResponse response;
  base::StringReader body{&request.body};
  curl_slist* headers = nullptr;
  char error[CURL_ERROR_SIZE] = {0};
};

HttpResponse Failed(Delivery delivery, std::string why) {
  HttpResponse res;
  res.delivery = delivery;
  res.transport_error = std::move(why);
  return res;
}

// Calls `done` on the loop's thread: an exception from it must not end the loop (and with it every
// other request in flight), and there is no one to hand it to.
void Deliver(std::function<void(HttpResponse)>& done, HttpResponse res) noexcept {
  try {
    done(std::move(res));
  } catch (...) {
  }
}

constexpr char kShutDown[] = "the transport was shut down";

class CurlTransport : public Transport {
 public:
  explicit CurlTransport(const TransportOptions& o) : options_(o) {
    static std::once_flag once;
    std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
    multi_ = curl_multi_init();
    if (multi_ == nullptr) return;  // every request then fails as not sent
    epoll_ = epoll_create1(EPOLL_CLOEXEC);
    wake_ = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    epoll_event wake{};
    wake.events = EPOLLIN;
    wake.data.fd = wake_;
    if (epoll_ < 0 || wake_ < 0 || epoll_ctl(epoll_, EPOLL_CTL_ADD, wake_, &wake) != 0) {
      Close();
      return;
    }
    // libcurl says which sockets to watch and when its next timer is due; the loop waits on
    // those alone and hands libcurl only the sockets that are ready, so a wake-up costs the same
    // with ten requests in flight or thousands.
    curl_multi_setopt(multi_, CURLMOPT_SOCKETFUNCTION, OnSocket);
    curl_multi_setopt(multi_, CURLMOPT_SOCKETDATA, this);
    curl_multi_setopt(multi_, CURLMOPT_TIMERFUNCTION, OnTimer);
    curl_multi_setopt(multi_, CURLMOPT_TIMERDATA, this);
    // Hundreds of requests in flight keep their connections for the next ones: libcurl's default,
    // 4 × the handles added at the time, shrinks as they finish and closes what they used.
    curl_multi_setopt(multi_, CURLMOPT_MAXCONNECTS, 1024L);
    try {
      loop_ = std::thread([this] {
        base::NameThisThread("lightspeed-io");
        Loop();
      });
    } catch (...) {
      Close();
    }
  }

  ~CurlTransport() override {
    {
      base::MutexLock lock(mu_);
      stopping_ = true;
    }
    Wake();
    if (loop_.joinable()) loop_.join();
    for (CURL* h : idle_) curl_easy_cleanup(h);
    Close();
  }

  void Start(HttpRequest request, std::function<void(HttpResponse)> done) override {
    std::unique_ptr<Call> call;
    const char* refused = multi_ == nullptr ? "libcurl's multi handle could not start" : kShutDown;
    try {
      call = std::make_unique<Call>(std::move(request), std::move(done));
      base::MutexLock lock(mu_);
      if (multi_ != nullptr && !stopping_) {
        // Only the first of a burst wakes the loop: it takes every queued request at once.
        const bool first = queued_.empty();
        queued_.push_back(std::move(call));  // on bad_alloc `call` is left as it was
        lock.Unlock();
        if (first) Wake();
        return;
      }
    } catch (...) {
      refused = "out of memory";
      if (call == nullptr) {  // not made: `done` was not moved from
        Deliver(done, Failed(Delivery::kNotSent, refused));
        return;
      }
    }
    Deliver(call->done, Failed(Delivery::kNotSent, refused));
  }

  HttpResponse Send(const HttpRequest& request) override {
    // From a `done` this would wait for the very thread it blocks.
    if (std::this_thread::get_id() == loop_.get_id())
      return Failed(Delivery::kNotSent, "Send called from the transport's own thread");
    // Shared: the loop may still be unlocking it when this thread has returned.
    struct Answer {
      base::Mutex mu;
      base::CondVar cv;
      std::optional<HttpResponse> res GUARDED_BY(mu);
    };
    auto answer = std::make_shared<Answer>();
    Start(request, [answer](HttpResponse res) {
      base::MutexLock lock(answer->mu);
      answer->res = std::move(res);
      answer->cv.Signal();
    });
    base::MutexLock lock(answer->mu);
    while (!answer->res) answer->cv.Wait(answer->mu);
    return std::move(*answer->res);
  }

 private:
  void Close() {
    if (multi_ != nullptr) curl_multi_cleanup(multi_);
    multi_ = nullptr;
    if (epoll_ >= 0) ::close(epoll_);
    if (wake_ >= 0) ::close(wake_);
    epoll_ = wake_ = -1;
  }

  void Wake() {
    if (wake_ < 0) return;
    const uint64_t one = 1;
    // Nonblocking: a full counter already means "wake up", which is all this says.
    [[maybe_unused]] const ssize_t n = ::write(wake_, &one, sizeof one);
  }

  // libcurl's socket callback: watch `s` for what it asks, or stop watching it.
  static int OnSocket(CURL*, curl_socket_t s, int what, void* self, void*) {
    const int epoll = static_cast<CurlTransport*>(self)->epoll_;
    if (what == CURL_POLL_REMOVE) {
      epoll_ctl(epoll, EPOLL_CTL_DEL, s, nullptr);  // may be closed already: nothing to undo
      return 0;
    }
    epoll_event ev{};
    ev.events = ((what & CURL_POLL_IN) ? EPOLLIN : 0u) | ((what & CURL_POLL_OUT) ? EPOLLOUT : 0u);
    ev.data.fd = s;
    if (epoll_ctl(epoll, EPOLL_CTL_MOD, s, &ev) != 0 && errno == ENOENT)
      epoll_ctl(epoll, EPOLL_CTL_ADD, s, &ev);
    return 0;
  }

  // libcurl's timer callback: its next timeout, in milliseconds from now (-1: none).
  static int OnTimer(CURLM*, long ms, void* self) {
    auto* t = static_cast<CurlTransport*>(self);
    t->timer_ =
        ms < 0 ? std::nullopt
               : std::optional(std::chrono::steady_clock::now() + std::chrono::milliseconds(ms));
    return 0;
  }

  // Runs libcurl's timeout when it is due (a request just added is due at once).
  void RunDueTimer() {
    if (timer_ && *timer_ <= std::chrono::steady_clock::now()) {
      timer_.reset();
      int running = 0;
      curl_multi_socket_action(multi_, CURL_SOCKET_TIMEOUT, 0, &running);
    }
  }

  // Hands each finished request its answer.
  void FinishDone() {
    int left = 0;
    while (CURLMsg* msg = curl_multi_info_read(multi_, &left))
      if (msg->msg == CURLMSG_DONE) Finish(msg->easy_handle, msg->data.result);
  }

  // Up to a second, less when libcurl's timer is due sooner; Start and the destructor end it
  // early through the wake-up counter.
  int WaitMs() const {
    if (!timer_) return 1000;
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                          *timer_ - std::chrono::steady_clock::now())
                          .count();
    return static_cast<int>(std::clamp<int64_t>(left, 0, 1000));
  }

  void Loop() {
    for (;;) {
      std::vector<std::unique_ptr<Call>> fresh;
      bool stopping;
      {
        base::MutexLock lock(mu_);
        fresh.swap(queued_);
        stopping = stopping_;
      }
      if (stopping) {
        // Start refuses new requests from here on, so these are the last: each done once.
        for (auto& call : fresh) Deliver(call->done, Failed(Delivery::kNotSent, kShutDown));
        for (auto& [h, call] : active_) {
          curl_multi_remove_handle(multi_, h);
          Recycle(h);
          Deliver(call->done, Failed(Delivery::kUncertain, kShutDown));
        }
        active_.clear();
        return;
      }
      for (auto& call : fresh) Add(std::move(call));
      RunDueTimer();
      FinishDone();
      epoll_event events[256];
      const int n = epoll_wait(epoll_, events, 256, WaitMs());
      for (int i = 0; i < n; ++i) {
        if (events[i].data.fd == wake_) {
          uint64_t count = 0;
          [[maybe_unused]] const ssize_t r = ::read(wake_, &count, sizeof count);
          continue;
        }
        const uint32_t e = events[i].events;
        const int mask = ((e & EPOLLIN) ? CURL_CSELECT_IN : 0) |
                         ((e & EPOLLOUT) ? CURL_CSELECT_OUT : 0) |
                         ((e & (EPOLLERR | EPOLLHUP)) ? CURL_CSELECT_ERR : 0);
        int running = 0;
        curl_multi_socket_action(multi_, events[i].data.fd, mask, &running);
      }
      // Before looking at `stopping_` again: a request that has its answer gets it, not "shut
      // down".
      RunDueTimer();
      FinishDone();
    }
  }

  void Add(std::unique_ptr<Call> call) {
    CURL* h = Take();
    if (h == nullptr) {
      Deliver(call->done, Failed(Delivery::kNotSent, "libcurl could not make a handle"));
      return;
    }
    Prepare(h, *call);
    const CURLMcode code = curl_multi_add_handle(multi_, h);
    if (code != CURLM_OK) {
      Recycle(h);
      Deliver(call->done, Failed(Delivery::kNotSent, curl_multi_strerror(code)));
      return;
    }
    active_.emplace(h, std::move(call));
  }

  void Prepare(CURL* h, Call& call) {
    const HttpRequest& req = call.request;
    curl_easy_setopt(h, CURLOPT_URL, req.url.c_str());
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, options_.connect_timeout_ms);
    curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, options_.total_timeout_ms);
    curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 1L);
    curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 2L);
    // Only what Lightspeed sends and is cheap to decode; "" would offer brotli and zstd too.
    curl_easy_setopt(h, CURLOPT_ACCEPT_ENCODING, "gzip");
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, OnBody);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, &call.response.body);
    curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, OnHeader);
    curl_easy_setopt(h, CURLOPT_HEADERDATA, &call.response.headers);
    const bool write = req.method != "GET" && req.method != "HEAD";
    // A write with a body may reuse a kept-alive connection (no new TCP and TLS handshake per
    // sale): its body cannot be rewound, so libcurl cannot send it twice. One without a body
    // could be re-sent whole, so it still gets a connection of its own.
    curl_easy_setopt(h, CURLOPT_FRESH_CONNECT, write && req.body.empty() ? 1L : 0L);
    // Writes reuse only connections used in the last few seconds: the older a kept-alive
    // connection, the likelier the server closes it just as a write goes out, and such a write
    // comes back uncertain (a search by reference before the next attempt).
    curl_easy_setopt(h, CURLOPT_MAXAGE_CONN, write ? 5L : 60L);
    if (req.method == "GET") {
      curl_easy_setopt(h, CURLOPT_HTTPGET, 1L);
    } else {
      curl_easy_setopt(h, CURLOPT_POST, 1L);
      curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, req.method.c_str());
      curl_easy_setopt(h, CURLOPT_READFUNCTION, base::ReadFromString);
      curl_easy_setopt(h, CURLOPT_READDATA, &call.body);
      curl_easy_setopt(h, CURLOPT_SEEKFUNCTION, RefuseSeek);
      curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(req.body.size()));
    }
    call.headers = curl_slist_append(call.headers, "Expect:");  // no 100-continue round trip
    for (const auto& [k, v] : req.headers)
      call.headers = curl_slist_append(call.headers, (k + ": " + v).c_str());
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, call.headers);
    curl_easy_setopt(h, CURLOPT_ERRORBUFFER, call.error);
  }

  void Finish(CURL* h, CURLcode code) {
    auto it = active_.find(h);
    if (it == active_.end()) return;
    std::unique_ptr<Call> call = std::move(it->second);
    active_.erase(it);
    HttpResponse& res = call->response;
    if (code == CURLE_OK) {
      long status = 0;
      curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
      res.status = static_cast<int>(status);
      res.delivery = Delivery::kAnswered;
    } else {
      res.delivery = Classify(code);
      res.transport_error = call->error[0] ? call->error : curl_easy_strerror(code);
      res.status = 0;
      res.body.clear();
    }
    curl_multi_remove_handle(multi_, h);
    Recycle(h);
    Deliver(call->done, std::move(res));
  }

  CURL* Take() {
    if (idle_.empty()) return curl_easy_init();
    CURL* h = idle_.back();
    idle_.pop_back();
    return h;
  }
  // Back to the free list with no pointer into a finished Call left set (the connections stay
  // in the multi handle's cache).
  void Recycle(CURL* h) {
    curl_easy_reset(h);
    idle_.push_back(h);
  }

  TransportOptions options_;
  CURLM* multi_ = nullptr;
  int epoll_ = -1;  // the sockets libcurl asked to watch, and wake_
  int wake_ = -1;   // an eventfd: Start and the destructor wake the loop through it
  // When libcurl's timer is due (loop thread only: libcurl calls OnTimer from the loop's calls).
  std::optional<std::chrono::steady_clock::time_point> timer_;
  std::thread loop_;
  base::Mutex mu_;
  std::vector<std::unique_ptr<Call>> queued_ GUARDED_BY(mu_);  // started, not yet added
  bool stopping_ GUARDED_BY(mu_) = false;
  // Only the loop's thread touches these (the destructor after joining it).
  std::unordered_map<CURL*, std::unique_ptr<Call>> active_;  // added to multi_, not yet done
  std::vector<CURL*> idle_;
};

}  // namespace

std::string UrlEscape(const std::string& s) {
  char* e = curl_easy_escape(nullptr, s.c_str(), static_cast<int>(s.size()));
  std::string out = e ? e : "";
  curl_free(e);
  return out;
}

std::unique_ptr<Transport> CreateCurlTransport(const TransportOptions& options) {
  return std::make_unique<CurlTransport>(options);
}

}  // namespace lightspeed
