// sync_config parsing and canonical JSON (DESIGN.md §4), and the text names
// of the small value enums.
#include "linkvault/actor.hpp"
#include "linkvault/error.hpp"
#include "linkvault/integration.hpp"
#include "linkvault/sync_config.hpp"

#include <doctest/doctest.h>

#include <string>
#include <utility>
#include <vector>

using namespace linkvault;

namespace {

template <typename Action>
Error caught(Action&& action) {
  try {
    action();
  } catch (const Error& error) {
    return error;
  }
  FAIL("no linkvault::Error was thrown");
  return Error(ErrorCode::ok, "");
}

}  // namespace

TEST_CASE("sync config: missing keys keep their defaults") {
  const SyncConfig defaults;
  CHECK(parse_sync_config("{}") == defaults);
  CHECK(parse_sync_config(" { } ") == defaults);
  CHECK(defaults.auto_sync == false);
  CHECK(defaults.interval_minutes == 60);
  CHECK(defaults.direction == SyncDirection::import_only);
  CHECK(defaults.conflict_resolution == ConflictResolution::newest_wins);
  CHECK(defaults.import_historical == false);
}

TEST_CASE("sync config: every key parses") {
  const auto config = parse_sync_config(R"({
    "auto_sync": true, "interval_minutes": 15, "direction": "bidirectional",
    "conflict_resolution": "manual_review", "import_historical": true})");
  CHECK(config.auto_sync);
  CHECK(config.interval_minutes == 15);
  CHECK(config.direction == SyncDirection::bidirectional);
  CHECK(config.conflict_resolution == ConflictResolution::manual_review);
  CHECK(config.import_historical);

  CHECK(parse_sync_config(R"({"interval_minutes":1440})").interval_minutes == 1440);
  CHECK(parse_sync_config(R"({"direction":"export_only"})").direction == SyncDirection::export_only);
  CHECK(parse_sync_config(R"({"conflict_resolution":"local_wins"})").conflict_resolution ==
        ConflictResolution::local_wins);
  CHECK(parse_sync_config(R"({"conflict_resolution":"remote_wins"})").conflict_resolution ==
        ConflictResolution::remote_wins);
}

TEST_CASE("sync config: to_json is canonical, with all five keys in a fixed order") {
  CHECK(to_json(SyncConfig{}) ==
        R"({"auto_sync":false,"interval_minutes":60,"direction":"import_only",)"
        R"("conflict_resolution":"newest_wins","import_historical":false})");
  SyncConfig config;
  config.auto_sync = true;
  config.interval_minutes = 1440;
  config.direction = SyncDirection::export_only;
  config.conflict_resolution = ConflictResolution::remote_wins;
  config.import_historical = true;
  const std::string json = to_json(config);
  CHECK(json == R"({"auto_sync":true,"interval_minutes":1440,"direction":"export_only",)"
                R"("conflict_resolution":"remote_wins","import_historical":true})");
  CHECK(parse_sync_config(json) == config);
  // Key order in the input does not matter; the output order is fixed.
  CHECK(to_json(parse_sync_config(R"({"import_historical":true,"auto_sync":true,)"
                                  R"("conflict_resolution":"remote_wins",)"
                                  R"("direction":"export_only","interval_minutes":1440})")) == json);
}

TEST_CASE("sync config: bad input is INVALID_ARGUMENT naming the key") {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"", "not valid JSON"},
      {"{", "not valid JSON"},
      {R"({"auto_sync":true,})", "not valid JSON"},
      {"{\"direction\":\"\xc3\x28\"}", "not valid JSON"},
      {"[]", "must be a JSON object"},
      {"null", "must be a JSON object"},
      {"42", "must be a JSON object"},
      {R"({"auto_sync":"true"})", "'auto_sync' must be true or false"},
      {R"({"auto_sync":1})", "'auto_sync' must be true or false"},
      {R"({"import_historical":null})", "'import_historical' must be true or false"},
      {R"({"interval_minutes":14})", "'interval_minutes' must be an integer from 15 to 1440"},
      {R"({"interval_minutes":1441})", "'interval_minutes' must be an integer from 15 to 1440"},
      {R"({"interval_minutes":-60})", "'interval_minutes'"},
      {R"({"interval_minutes":60.0})", "'interval_minutes'"},
      {R"({"interval_minutes":"60"})", "'interval_minutes'"},
      {R"({"interval_minutes":18446744073709551615})", "'interval_minutes'"},
      {R"({"interval_minutes":4294967356})", "'interval_minutes'"},  // 60 + 2^32
      {R"({"direction":"both"})", "'direction' must be one of import_only, export_only, bidirectional"},
      {R"({"direction":"IMPORT_ONLY"})", "'direction'"},
      {R"({"direction":1})", "'direction'"},
      {R"({"conflict_resolution":"last_wins"})", "'conflict_resolution' must be one of"},
      {R"({"conflict_resolution":null})", "'conflict_resolution'"},
      {R"({"autosync":true})", "unknown key 'autosync'"},
      {R"({"auto_sync":true,"auto_sync":false})", "duplicate key 'auto_sync'"},
      {R"({"interval_minutes":15,"interval_minutes":30})", "duplicate key 'interval_minutes'"},
  };
  for (const auto& bad : cases) {
    // Named, not a structured binding: clang 14 cannot capture bindings.
    const auto& json = bad.first;
    const auto& expected = bad.second;
    INFO("json: ", json);
    const auto error = caught([&] { parse_sync_config(json); });
    CHECK(error.code() == ErrorCode::invalid_argument);
    const std::string message = error.what();
    CHECK_MESSAGE(message.find(expected) != std::string::npos, "message: ", message);
  }
}

TEST_CASE("sync config: validate_sync_config checks configs built in code") {
  CHECK_NOTHROW(validate_sync_config(SyncConfig{}));
  SyncConfig config;
  config.interval_minutes = 14;
  const auto error = caught([&] { validate_sync_config(config); });
  CHECK(error.code() == ErrorCode::invalid_argument);
  CHECK(std::string(error.what()).find("'interval_minutes'") != std::string::npos);
  config.interval_minutes = 15;
  config.direction = static_cast<SyncDirection>(42);
  CHECK(caught([&] { validate_sync_config(config); }).code() == ErrorCode::invalid_argument);
}

TEST_CASE("sync config: enum names round-trip and match the contract's spelling") {
  SUBCASE("direction and conflict resolution") {
    for (const auto direction : {SyncDirection::import_only, SyncDirection::export_only,
                                 SyncDirection::bidirectional}) {
      CHECK(parse_sync_direction(to_string(direction)) == direction);
    }
    for (const auto resolution :
         {ConflictResolution::local_wins, ConflictResolution::remote_wins,
          ConflictResolution::newest_wins, ConflictResolution::manual_review}) {
      CHECK(parse_conflict_resolution(to_string(resolution)) == resolution);
    }
    CHECK(std::string(to_string(SyncDirection::bidirectional)) == "bidirectional");
    CHECK(std::string(to_string(ConflictResolution::manual_review)) == "manual_review");
    CHECK_FALSE(parse_sync_direction("sideways").has_value());
  }
  SUBCASE("role") {
    CHECK(std::string(to_string(Role::admin)) == "admin");
    CHECK(std::string(to_string(Role::member)) == "member");
    CHECK(std::string(to_string(Role::system)) == "system");
    CHECK(parse_role("system") == Role::system);
    CHECK_FALSE(parse_role("Admin").has_value());
    CHECK_FALSE(parse_role("").has_value());
  }
  SUBCASE("integration status") {
    const std::vector<std::pair<IntegrationStatus, std::string>> names = {
        {IntegrationStatus::pending_auth, "pending_auth"},
        {IntegrationStatus::connected, "connected"},
        {IntegrationStatus::error, "error"},
        {IntegrationStatus::disconnected, "disconnected"}};
    for (const auto& [status, name] : names) {
      CHECK(to_string(status) == name);
      CHECK(parse_integration_status(name) == status);
    }
    CHECK_FALSE(parse_integration_status("active").has_value());
  }
  SUBCASE("sync outcome") {
    const std::vector<std::pair<SyncOutcome, std::string>> names = {
        {SyncOutcome::success, "success"},
        {SyncOutcome::partial, "partial"},
        {SyncOutcome::failed, "failed"}};
    for (const auto& [outcome, name] : names) {
      CHECK(to_string(outcome) == name);
      CHECK(parse_sync_outcome(name) == outcome);
    }
    CHECK_FALSE(parse_sync_outcome("ok").has_value());
  }
}
