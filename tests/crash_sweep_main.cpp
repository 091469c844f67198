// The full crash sweep (issue 9): every crash point × seeds × 1, 2 and 3 `spoke worker`
// processes; prints a line per run and then the table per point. Run by scripts/crash-sweep.sh.
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "tests/support/crash_sweep.h"

namespace {

std::vector<std::string> Split(const std::string& s) {
  std::vector<std::string> out;
  std::stringstream in(s);
  for (std::string part; std::getline(in, part, ',');)
    if (!part.empty()) out.push_back(part);
  return out;
}

int Usage(const std::string& why) {
  std::cerr << why << "\n"
            << "usage: crash_sweep --spoke PATH [--seeds N] [--first-seed S] [--seed-list 3,6,9]\n"
               "                   [--processes 1,2,3]\n"
               "                   [--points all|p1,p2] [--jobs J] [--scratch DIR]\n"
               "                   [--drain-limit SECONDS]\n";
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  std::string spoke, points = "all", processes = "1,2,3", seed_list;
  int seeds = 20, first_seed = 1, jobs = 3, drain_limit = 120;
  std::filesystem::path scratch = std::filesystem::temp_directory_path();
  for (int i = 1; i < argc; ++i) {
    const std::string flag = argv[i];
    if (i + 1 >= argc) return Usage(flag + " needs a value");
    const std::string value = argv[++i];
    const auto number = [&](int* into, int low) {
      *into = std::atoi(value.c_str());
      return *into >= low;
    };
    if (flag == "--spoke") {
      spoke = value;
    } else if (flag == "--points") {
      points = value;
    } else if (flag == "--processes") {
      processes = value;
    } else if (flag == "--seed-list") {
      seed_list = value;
    } else if (flag == "--scratch") {
      scratch = value;
    } else if ((flag == "--seeds" && !number(&seeds, 1)) ||
               (flag == "--first-seed" && !number(&first_seed, 0)) ||
               (flag == "--jobs" && !number(&jobs, 1)) ||
               (flag == "--drain-limit" && !number(&drain_limit, 10))) {
      return Usage(flag + " must be a number (" + value + ")");
    } else if (flag != "--seeds" && flag != "--first-seed" && flag != "--jobs" &&
               flag != "--drain-limit") {
      return Usage("unknown flag " + flag);
    }
  }
  if (spoke.empty()) return Usage("--spoke is required");
  const std::vector<std::string>& known = testing_support::AllCrashPoints();
  const std::vector<std::string> chosen = points == "all" ? known : Split(points);
  for (const std::string& p : chosen)
    if (std::find(known.begin(), known.end(), p) == known.end())
      return Usage("unknown crash point " + p);
  std::vector<int> seed_values;
  for (const std::string& v : Split(seed_list)) seed_values.push_back(std::atoi(v.c_str()));
  for (int seed = first_seed; seed_list.empty() && seed < first_seed + seeds; ++seed)
    seed_values.push_back(seed);
  std::vector<testing_support::SweepRun> runs;
  for (const std::string& p : chosen)
    for (int seed : seed_values)
      for (const std::string& n : Split(processes)) {
        testing_support::SweepRun run;
        run.point = p;
        run.seed = static_cast<uint32_t>(seed);
        run.processes = std::atoi(n.c_str());
        if (run.processes < 1 || run.processes > 3) return Usage("--processes takes 1, 2 or 3");
        run.spoke_binary = spoke;
        run.scratch = scratch;
        run.drain_limit = std::chrono::seconds(drain_limit);
        runs.push_back(run);
      }

  // Longest first: after a crash at a token rotation the others wait out its 30 s refresh lease.
  std::stable_partition(runs.begin(), runs.end(), [](const testing_support::SweepRun& r) {
    return r.point == "after_token_rotated";
  });
  size_t finished = 0;
  std::set<std::string> reasons;
  const auto results = testing_support::RunSweeps(
      runs, jobs, [&](const testing_support::SweepRun& run, const testing_support::SweepResult& r) {
        std::fprintf(stderr, "[%zu/%zu] %-27s seed %3u, %d process(es), hit %d: %s (%.1f s)\n",
                     ++finished, runs.size(), run.point.c_str(), run.seed, run.processes, r.hit,
                     r.ok() ? "ok" : "FAILED", r.seconds);
        for (const std::string& p : r.problems) std::fprintf(stderr, "    %s\n", p.c_str());
        if (!r.kept_dir.empty()) std::fprintf(stderr, "    logs: %s\n", r.kept_dir.c_str());
        for (const std::string& why : r.reasons) reasons.insert(why.substr(why.find(": ") + 2));
      });
  std::cout << testing_support::SweepTable(runs, results);
  for (const std::string& why : reasons) std::cout << "needs attention: " << why << "\n";
  for (const auto& r : results)
    if (!r.ok()) return 1;
  return 0;
}
