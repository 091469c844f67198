#include "web/site/chart.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "web/site/html.h"

namespace web::site {

void BucketHistory::Add(int64_t store, const LevelSample& s) {
  base::MutexLock lock(mu_);
  auto& v = samples_[store];
  v.push_back(s);
  const base::TimePoint cutoff = s.at - span_;
  v.erase(v.begin(),
          std::find_if(v.begin(), v.end(), [&](const LevelSample& x) { return x.at >= cutoff; }));
}

std::vector<LevelSample> BucketHistory::Get(int64_t store, base::TimePoint now) const {
  base::MutexLock lock(mu_);
  auto it = samples_.find(store);
  if (it == samples_.end()) return {};
  std::vector<LevelSample> out;
  for (const LevelSample& s : it->second)
    if (s.at >= now - span_ && s.at <= now) out.push_back(s);
  return out;
}

namespace {
std::string Num(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f", v);
  return buf;
}
}  // namespace

std::string RenderLevelChart(const std::vector<LevelSample>& samples, base::TimePoint now,
                             base::Duration span) {
  constexpr double kW = 720, kH = 220, kLeft = 48, kRight = 10, kTop = 12, kBottom = 30;
  const double plot_w = kW - kLeft - kRight, plot_h = kH - kTop - kBottom;
  double size = 0;
  for (const LevelSample& s : samples) size = std::max(size, s.size);
  if (size <= 0) size = 60;  // Lightspeed's smallest documented bucket, until one is seen
  const double span_s = std::chrono::duration<double>(span).count();
  auto x = [&](base::TimePoint t) {
    const double age = std::chrono::duration<double>(now - t).count();
    return kLeft + plot_w * (1 - std::clamp(age / span_s, 0.0, 1.0));
  };
  auto y = [&](double level) { return kTop + plot_h * (1 - std::clamp(level / size, 0.0, 1.0)); };

  std::string svg = "<svg class=\"chart\" viewBox=\"0 0 " + Num(kW) + " " + Num(kH) +
                    "\" role=\"img\" aria-label=\"Lightspeed capacity in use over the last hour\" "
                    "xmlns=\"http://www.w3.org/2000/svg\">";
  svg += "<rect x=\"" + Num(kLeft) + "\" y=\"" + Num(kTop) + "\" width=\"" + Num(plot_w) +
         "\" height=\"" + Num(plot_h) + "\" fill=\"#f7f9fc\" stroke=\"#cfd6e2\"/>";
  for (int i = 0; i <= 4; ++i) {  // level grid: 0, ¼, ½, ¾, full
    const double level = size * i / 4;
    svg += "<line x1=\"" + Num(kLeft) + "\" x2=\"" + Num(kLeft + plot_w) + "\" y1=\"" +
           Num(y(level)) + "\" y2=\"" + Num(y(level)) + "\" stroke=\"#e3e7ee\"/>";
    svg += "<text x=\"" + Num(kLeft - 6) + "\" y=\"" + Num(y(level) + 4) +
           "\" font-size=\"11\" text-anchor=\"end\" fill=\"#5a6375\">" + std::to_string(i * 25) +
           "%</text>";
  }
  for (int m = 0; m <= 60; m += 15) {  // time axis: minutes ago
    const double px = kLeft + plot_w * (1 - m / 60.0);
    svg += "<text x=\"" + Num(px) + "\" y=\"" + Num(kH - 10) +
           "\" font-size=\"11\" text-anchor=\"middle\" fill=\"#5a6375\">" +
           (m == 0 ? std::string("now") : "−" + std::to_string(m) + " min") + "</text>";
  }
  if (samples.empty()) {
    svg += "<text x=\"" + Num(kLeft + plot_w / 2) + "\" y=\"" + Num(kTop + plot_h / 2) +
           "\" font-size=\"13\" text-anchor=\"middle\" fill=\"#5a6375\">No Lightspeed calls in "
           "the last hour</text>";
  } else {
    std::string points;
    for (const LevelSample& s : samples) points += Num(x(s.at)) + "," + Num(y(s.level)) + " ";
    svg +=
        "<polyline fill=\"none\" stroke=\"#2f5ea8\" stroke-width=\"2\" points=\"" + points + "\"/>";
    const LevelSample& last = samples.back();
    svg += "<circle cx=\"" + Num(x(last.at)) + "\" cy=\"" + Num(y(last.level)) +
           "\" r=\"3.5\" fill=\"#2f5ea8\"><title>" +
           Escape(std::to_string(static_cast<int>(std::lround(
                      100 * std::clamp(last.size > 0 ? last.level / last.size : 0.0, 0.0, 1.0)))) +
                  "% in use") +
           "</title></circle>";
  }
  svg += "</svg>";
  return svg;
}

}  // namespace web::site
