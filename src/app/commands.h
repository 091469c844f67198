// The `spoke` subcommands. Each returns the process exit code and prints plain-words errors.
#pragma once

#include <string>
#include <vector>

namespace app {

struct CommonFlags {
  std::string config_path;
  std::string store_slug = "main";
};

int Serve(const CommonFlags& f);
int Worker(const CommonFlags& f);
int Migrate(const CommonFlags& f);
int StoreAdd(const CommonFlags& f, const std::string& name, const std::string& currency);
int UserAdd(const CommonFlags& f, const std::string& email, const std::string& password);
int TokenCreate(const CommonFlags& f, const std::string& label);
int Import(const CommonFlags& f, const std::string& file);
int Export(const CommonFlags& f, const std::vector<std::string>& orders, bool all_eligible);
// Compares the store's exports with Lightspeed's sales for [from, to) (default: the last 7 days),
// prints one line per difference and keeps the run. Exit status: 0 everything matches,
// 3 differences found, 2 bad input (e.g. --from), 1 the comparison could not run.
int Reconcile(const CommonFlags& f, const std::string& from, const std::string& to);
int Demo(int port);

}  // namespace app
