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
int Demo(int port);

}  // namespace app
