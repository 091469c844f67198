#include "web/site/html.h"

#include <cctype>
#include <cmath>
#include <cstdio>
#include <ctime>

#include "base/time_zone.h"
#include "base/url.h"

namespace web::site {

std::string Escape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

std::string UrlEncode(std::string_view text) { return base::PercentEncode(text); }

namespace {

// "1234567" → "1,234,567" (digits only).
std::string GroupDigits(std::string_view digits) {
  std::string out;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return out;
}

}  // namespace

std::string FormatCount(int64_t n) {
  const std::string plain = std::to_string(n);
  if (n < 0) return "-" + GroupDigits(std::string_view(plain).substr(1));
  return GroupDigits(plain);
}

std::string FormatMoney(const base::Money& m, std::string_view currency) {
  // ToString is "-1234567.89": group the whole part in threes.
  std::string plain = m.ToString();
  const bool negative = !plain.empty() && plain[0] == '-';
  if (negative) plain.erase(0, 1);
  const size_t dot = plain.find('.');
  const std::string grouped =
      GroupDigits(std::string_view(plain).substr(0, dot)) + plain.substr(dot);
  if (currency == "USD") return (negative ? "-$" : "$") + grouped;
  return (negative ? "-" : "") + grouped + " " + std::string(currency);
}

std::string FormatWhen(base::TimePoint t, std::string_view time_zone) {
  return base::FormatInZone(t, time_zone);
}

std::string FormatWait(double seconds) {
  if (seconds < 1) return "under a second";
  if (seconds < 90) {
    const int s = static_cast<int>(std::ceil(seconds));
    return std::to_string(s) + (s == 1 ? " second" : " seconds");
  }
  const int minutes = static_cast<int>(std::lround(seconds / 60));
  if (minutes < 90) return "about " + std::to_string(minutes) + " minutes";
  return "about " + std::to_string(static_cast<int>(std::lround(seconds / 3600))) + " hours";
}

std::string CsrfField(std::string_view token) {
  return "<input type=\"hidden\" name=\"csrf\" value=\"" + Escape(token) + "\">";
}

std::string RenderPage(const Layout& l, std::string_view body) {
  std::string h =
      "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">"
      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">";
  if (l.refresh_seconds > 0)
    h += "<meta http-equiv=\"refresh\" content=\"" + std::to_string(l.refresh_seconds) + "\">";
  h += "<title>" + Escape(l.title) + " · spoke</title>";
  h += "<link rel=\"stylesheet\" href=\"/site.css\">";
  h += "<script src=\"/site.js\" defer></script></head><body>";
  h += "<a class=\"skip\" href=\"#main\">Skip to content</a>";
  h += "<header><span class=\"brand\">spoke</span>";
  if (!l.user_email.empty()) {
    auto item = [&](const char* key, const char* href, const char* label) {
      h += std::string("<a href=\"") + href + "\"" +
           (l.active == key ? " class=\"active\" aria-current=\"page\"" : "") + ">" + label +
           "</a>";
    };
    h += "<nav>";
    item("orders", "/orders", "Open Orders");
    item("exports", "/exports", "Exports");
    item("settings", "/settings/lightspeed", "Settings → Lightspeed");
    item("alerts", "/settings/alerts", "Settings → Alerts");
    h += "</nav><form class=\"logout\" method=\"post\" action=\"/logout\">" + CsrfField(l.csrf) +
         "<span>" + Escape(l.user_email) +
         "</span> <button type=\"submit\">Log out</button></form>";
  }
  h += "</header><main id=\"main\" tabindex=\"-1\">";
  for (const Flash& f : l.flashes)
    h += std::string("<p class=\"flash ") + (f.error ? "error" : "ok") + "\" role=\"" +
         (f.error ? "alert" : "status") + "\">" + Escape(f.text) + "</p>";
  h += body;
  h += "</main></body></html>";
  return h;
}

const char kStylesheet[] = R"css(
*{box-sizing:border-box}
body{margin:0;font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#1d2330;background:#f5f6f8}
header{display:flex;flex-wrap:wrap;align-items:center;gap:.5rem 1.2rem;padding:.6rem 1rem;background:#1d2f4f;color:#fff}
header a{color:#dfe7f5;text-decoration:none;padding:.2rem .4rem;border-radius:4px}
header a.active,header a:hover{background:#32507f;color:#fff}
.brand{font-weight:700;letter-spacing:.04em}
nav{display:flex;flex-wrap:wrap;gap:.4rem}
.logout{margin-left:auto;display:flex;align-items:center;gap:.5rem;font-size:.9em}
main{max-width:1200px;margin:0 auto;padding:1rem}
h1{font-size:1.4rem;margin:.3rem 0 1rem}
h2{font-size:1.1rem;margin:1.4rem 0 .5rem}
section{background:#fff;border:1px solid #dde1e8;border-radius:6px;padding:.8rem 1rem;margin-bottom:1rem}
table{width:100%;border-collapse:collapse;background:#fff}
th,td{text-align:left;padding:.45rem .5rem;border-bottom:1px solid #e6e9ef;vertical-align:top}
th{font-size:.85em;color:#5a6375;font-weight:600}
td.num,th.num{text-align:right;white-space:nowrap}
.table-wrap{overflow-x:auto}
.flash{padding:.6rem .8rem;border-radius:5px;margin:.4rem 0}
.flash.ok{background:#e3f4e6;border:1px solid #9fd3a8}
.flash.error{background:#fde8e8;border:1px solid #f0a5a5}
.paid{color:#1c7a35}
.unbalanced{color:#a33a00;font-weight:600}
.muted{color:#555e6f;font-size:.9em}
.skip{position:absolute;left:-9999px;top:.4rem;z-index:10;padding:.4rem .8rem;background:#fff;color:#1d2f4f;border-radius:4px}
.skip:focus{left:.6rem}
.visually-hidden{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap}
.tag{display:inline-block;padding:0 .4rem;border-radius:3px;background:#eef0f4;font-size:.85em}
.tag.attention{background:#fde8e8;color:#8a1f1f}
.reason{color:#6a4a00}
.notice{background:#fff6db;border:1px solid #ecd27a;padding:.6rem .8rem;border-radius:5px}
button,.button{font:inherit;padding:.4rem .9rem;border-radius:5px;border:1px solid #2c4f86;background:#2f5ea8;color:#fff;cursor:pointer}
button.secondary{background:#fff;color:#2f5ea8}
input,select{font:inherit;padding:.35rem .45rem;border:1px solid #b9c0cc;border-radius:4px;max-width:100%}
input[type=checkbox]{width:1.2rem;height:1.2rem}
label{display:block;margin:.4rem 0 .15rem;font-weight:600}
.filters{display:flex;flex-wrap:wrap;gap:.6rem;align-items:flex-end;margin-bottom:.8rem}
.filters label{margin:0}
.actions{display:flex;flex-wrap:wrap;gap:.6rem;align-items:center;margin:.6rem 0}
.grid{display:grid;grid-template-columns:repeat(auto-fit,minmax(260px,1fr));gap:1rem}
.timeline li{margin-bottom:.6rem}
summary{cursor:pointer}
summary h2{display:inline;margin:0}
.preview details[open] summary{margin-bottom:.6rem}
.picked .label{display:inline-block;min-width:6rem;font-weight:600}
.login{max-width:360px;margin:3rem auto}
.login input{width:100%}
svg.chart{width:100%;height:auto;max-width:720px;background:#fff}
.list-head,.list-foot{display:flex;flex-wrap:wrap;justify-content:space-between;align-items:center;gap:.4rem 1rem}
.pager{display:flex;flex-wrap:wrap;gap:.8rem;align-items:center}
.select-all{display:inline-flex;gap:.3rem;margin:0 0 0 .6rem;font-weight:400}
.select-all[hidden],.selected-count[hidden]{display:none}
@media (max-width:640px){
 th.hide-sm,td.hide-sm{display:none}
 main{padding:.6rem}
 td,th{padding:.35rem .3rem}
 table.orders thead,table.cards thead{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0)}
 table.orders,table.orders tbody,table.orders tr,table.orders td,
 table.cards,table.cards tbody,table.cards tr,table.cards td{display:block;width:100%}
 table.orders tr,table.cards tr{border:1px solid #dde1e8;border-radius:6px;margin-bottom:.6rem;padding:.3rem .6rem;background:#fff}
 table.orders td,table.cards td{border:0;padding:.2rem 0 .2rem 6.5rem;position:relative;text-align:left;white-space:normal;overflow-wrap:anywhere}
 table.orders td::before,table.cards td::before{content:attr(data-label);position:absolute;left:0;width:6rem;font-weight:600;color:#555e6f;font-size:.85em}
 table.orders td.hide-sm,table.cards td.hide-sm{display:block}
 table.orders td:not([data-label]),table.cards td:not([data-label]){padding-left:0}
 table.cards td:empty{display:none}
 .logout span{display:none}
}
)css";

const char kScript[] =
    R"js(// spoke: progressive enhancement for Open Orders; the page works without it.
(function () {
  'use strict';
  var form = document.getElementById('orders-form');
  var all = document.getElementById('select-all');
  if (!form) return;
  var counts = form.querySelectorAll('.selected-count');
  function boxes() { return form.querySelectorAll('input[type=checkbox][name=orders]'); }
  function update() {
    var list = boxes(), n = 0, i;
    for (i = 0; i < list.length; i++) if (list[i].checked) n++;
    for (i = 0; i < counts.length; i++) {
      counts[i].textContent = n + ' selected';
      counts[i].hidden = false;
    }
    if (all) {
      all.checked = list.length > 0 && n === list.length;
      all.indeterminate = n > 0 && n < list.length;
    }
  }
  if (all) {
    all.parentNode.hidden = false;
    all.addEventListener('change', function () {
      var list = boxes();
      for (var i = 0; i < list.length; i++) list[i].checked = all.checked;
      update();
    });
  }
  form.addEventListener('change', function (e) {
    if (e.target && e.target.name === 'orders') update();
  });
  update();
})();
)js";

}  // namespace web::site
