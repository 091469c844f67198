// HTML building blocks for the site manager: escaping, the page layout, small formatters.
// Every piece of data that reaches a page goes through Escape (or a helper that calls it).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/clock.h"
#include "base/money.h"

namespace web::site {

// Escapes & < > " ' so text is safe in element content and in quoted attributes.
std::string Escape(std::string_view text);
// Percent-encodes everything but unreserved characters, for query strings.
std::string UrlEncode(std::string_view text);
// "1,234": a count with thousands separators.
std::string FormatCount(int64_t n);
// "$2,730.17" for USD; "2,730.17 EUR" for other currencies.
std::string FormatMoney(const base::Money& m, std::string_view currency);
// "2026-11-20 09:04 CST": `t` in the store's time zone (an IANA name; UTC when unknown).
std::string FormatWhen(base::TimePoint t, std::string_view time_zone);
// "about 3 minutes", "12 seconds", "under a second".
std::string FormatWait(double seconds);

struct Flash {
  bool error = false;
  std::string text;
};

struct Layout {
  std::string title;
  std::string active;            // "orders", "exports" or "settings": the highlighted menu entry
  std::string user_email, csrf;  // empty on the login page: no menu
  std::vector<Flash> flashes;
  int refresh_seconds = 0;  // reload while exports are in flight (no script needed)
};

// A whole document around `body` (already HTML).
std::string RenderPage(const Layout& layout, std::string_view body);
// <input type=hidden name=csrf …>
std::string CsrfField(std::string_view token);

// The stylesheet served at /site.css (a file of our own keeps the CSP free of inline styles).
extern const char kStylesheet[];
// The script served at /site.js: progressive enhancement only (Open Orders' select-all box and
// live count of ticked boxes); every task works without it.
extern const char kScript[];

}  // namespace web::site
