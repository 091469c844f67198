// spoke: sends a web store's paid orders to Lightspeed Retail (R-Series) as completed sales.
#include <CLI/CLI.hpp>

#include "app/commands.h"

int main(int argc, char** argv) {
  CLI::App cli{"spoke — export web orders to Lightspeed Retail (R-Series) as completed sales"};
  cli.require_subcommand(1);
  app::CommonFlags f;
  auto common = [&f](CLI::App* sub) {
    sub->add_option("--config", f.config_path,
                    "TOML config file (default: ./spoke.toml if present)");
    sub->add_option("--store", f.store_slug, "which store (default: main)");
  };

  auto* serve = cli.add_subcommand("serve", "Web UI, JSON API and export workers in one process");
  common(serve);
  auto* worker =
      cli.add_subcommand("worker", "Export workers only (several nodes on one database)");
  common(worker);
  auto* migrate = cli.add_subcommand("migrate", "Apply database migrations");
  common(migrate);

  auto* store = cli.add_subcommand("store", "Manage stores");
  store->require_subcommand(1);
  auto* store_add = store->add_subcommand("add", "Create a store (--store names it)");
  common(store_add);
  std::string store_name, currency = "USD";
  store_add->add_option("--name", store_name, "display name");
  store_add->add_option("--currency", currency, "ISO currency of the web store (default USD)");

  auto* user = cli.add_subcommand("user", "Manage site manager users");
  user->require_subcommand(1);
  auto* user_add = user->add_subcommand("add", "Add an admin user; prints a generated password");
  common(user_add);
  std::string email, password;
  user_add->add_option("email", email, "the user's e-mail")->required();
  user_add->add_option("--password", password, "use this password instead of a generated one");

  auto* token = cli.add_subcommand("token", "Manage API tokens");
  token->require_subcommand(1);
  auto* token_create = token->add_subcommand("create", "Create an API token for a store");
  common(token_create);
  std::string label;
  token_create->add_option("--label", label, "a note to recognise the token by");

  auto* import = cli.add_subcommand("import", "Load items and orders from JSON or NDJSON");
  common(import);
  std::string file;
  import->add_option("file", file, "JSON array or NDJSON file ('-' for standard input)")
      ->required();

  auto* exp = cli.add_subcommand("export", "Ask for orders to be exported to Lightspeed");
  common(exp);
  std::vector<std::string> orders;
  bool all_eligible = false;
  exp->add_option("orders", orders, "order numbers");
  exp->add_flag("--all-eligible", all_eligible, "every order that can be exported now");

  auto* reconcile = cli.add_subcommand(
      "reconcile", "Compare exported sales with Lightspeed's (exit 0 match, 3 differences)");
  common(reconcile);
  std::string from, to;
  reconcile->add_option("--from", from, "start: RFC 3339 or YYYY-MM-DD (default: 7 days ago)");
  reconcile->add_option("--to", to,
                        "end: RFC 3339 or YYYY-MM-DD, that day included (default: now)");

  auto* demo = cli.add_subcommand("demo", "Run a demo store with sample orders, nothing to set up");
  int port = 8080;
  demo->add_option("--port", port, "port to serve on (default 8080)");

  CLI11_PARSE(cli, argc, argv);
  if (*serve) return app::Serve(f);
  if (*worker) return app::Worker(f);
  if (*migrate) return app::Migrate(f);
  if (*store_add) return app::StoreAdd(f, store_name.empty() ? f.store_slug : store_name, currency);
  if (*user_add) return app::UserAdd(f, email, password);
  if (*token_create) return app::TokenCreate(f, label);
  if (*import) return app::Import(f, file);
  if (*exp) return app::Export(f, orders, all_eligible);
  if (*reconcile) return app::Reconcile(f, from, to);
  if (*demo) return app::Demo(port);
  return 1;
}
