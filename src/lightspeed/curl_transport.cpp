#include <curl/curl.h>

#include <algorithm>
#include <cctype>
#include <vector>

#include "base/mutex.h"
#include "base/string_reader.h"
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

class CurlTransport : public Transport {
 public:
  explicit CurlTransport(const TransportOptions& o) : options_(o) {
    static std::once_flag once;
    std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
  }
  ~CurlTransport() override {
    for (CURL* h : idle_) curl_easy_cleanup(h);
  }

  HttpResponse Send(const HttpRequest& req) override {
    CURL* h = Take();
    HttpResponse res;
    curl_easy_setopt(h, CURLOPT_URL, req.url.c_str());
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, options_.connect_timeout_ms);
    curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, options_.total_timeout_ms);
    curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 1L);
    curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 2L);
    // Only what Lightspeed sends and is cheap to decode; "" would offer brotli and zstd too.
    curl_easy_setopt(h, CURLOPT_ACCEPT_ENCODING, "gzip");
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, OnBody);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, &res.body);
    curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, OnHeader);
    curl_easy_setopt(h, CURLOPT_HEADERDATA, &res.headers);
    const bool write = req.method != "GET" && req.method != "HEAD";
    // A write with a body may reuse a kept-alive connection (no new TCP and TLS handshake per
    // sale): its body cannot be rewound, so libcurl cannot send it twice. One without a body
    // could be re-sent whole, so it still gets a connection of its own.
    curl_easy_setopt(h, CURLOPT_FRESH_CONNECT, write && req.body.empty() ? 1L : 0L);
    // Writes reuse only connections used in the last few seconds: the older a kept-alive
    // connection, the likelier the server closes it just as a write goes out, and such a write
    // comes back uncertain (a search by reference before the next attempt).
    curl_easy_setopt(h, CURLOPT_MAXAGE_CONN, write ? 5L : 60L);
    base::StringReader body{&req.body};
    if (req.method == "GET") {
      curl_easy_setopt(h, CURLOPT_HTTPGET, 1L);
    } else {
      curl_easy_setopt(h, CURLOPT_POST, 1L);
      curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, req.method.c_str());
      curl_easy_setopt(h, CURLOPT_READFUNCTION, base::ReadFromString);
      curl_easy_setopt(h, CURLOPT_READDATA, &body);
      curl_easy_setopt(h, CURLOPT_SEEKFUNCTION, RefuseSeek);
      curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(req.body.size()));
    }
    curl_slist* headers = nullptr;
    headers = curl_slist_append(headers, "Expect:");  // no 100-continue round trip
    for (const auto& [k, v] : req.headers)
      headers = curl_slist_append(headers, (k + ": " + v).c_str());
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers);
    char error[CURL_ERROR_SIZE] = {0};
    curl_easy_setopt(h, CURLOPT_ERRORBUFFER, error);
    const CURLcode code = curl_easy_perform(h);
    if (code == CURLE_OK) {
      long status = 0;
      curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
      res.status = static_cast<int>(status);
      res.delivery = Delivery::kAnswered;
    } else {
      res.delivery = Classify(code);
      res.transport_error = error[0] ? error : curl_easy_strerror(code);
      res.status = 0;
      res.body.clear();
    }
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, nullptr);
    curl_easy_setopt(h, CURLOPT_ERRORBUFFER, nullptr);
    curl_slist_free_all(headers);
    Return(h);
    return res;
  }

 private:
  CURL* Take() {
    {
      base::MutexLock lock(mu_);
      if (!idle_.empty()) {
        CURL* h = idle_.back();
        idle_.pop_back();
        curl_easy_reset(h);  // keeps the connection cache
        return h;
      }
    }
    return curl_easy_init();
  }
  void Return(CURL* h) {
    base::MutexLock lock(mu_);
    idle_.push_back(h);
  }

  TransportOptions options_;
  base::Mutex mu_;
  std::vector<CURL*> idle_ GUARDED_BY(mu_);
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
