// Text names of the public enums, spelled exactly as DESIGN.md §4/§5 spells
// them: the store, the JSON records and the C ABI all use these strings.
// Each table is the single source for both directions.
#include "linkvault/actor.hpp"
#include "linkvault/integration.hpp"
#include "linkvault/provider.hpp"
#include "linkvault/sync_config.hpp"
#include "linkvault/sync_job.hpp"

#include <array>
#include <cstddef>
#include <optional>
#include <string_view>
#include <utility>

namespace linkvault {
namespace {

template <typename Enum, std::size_t N>
using NameTable = std::array<std::pair<Enum, const char*>, N>;

template <typename Enum, std::size_t N>
const char* name_of(const NameTable<Enum, N>& table, Enum value) noexcept {
  for (const auto& [candidate, name] : table) {
    if (candidate == value) return name;
  }
  return "unknown";  // only reachable through a cast of an out-of-range int
}

template <typename Enum, std::size_t N>
std::optional<Enum> parse_name(const NameTable<Enum, N>& table,
                               std::string_view text) noexcept {
  for (const auto& [candidate, name] : table) {
    if (text == name) return candidate;
  }
  return std::nullopt;
}

constexpr NameTable<Role, 3> role_names{{
    {Role::admin, "admin"},
    {Role::member, "member"},
    {Role::system, "system"},
}};

constexpr NameTable<IntegrationStatus, 4> integration_status_names{{
    {IntegrationStatus::pending_auth, "pending_auth"},
    {IntegrationStatus::connected, "connected"},
    {IntegrationStatus::error, "error"},
    {IntegrationStatus::disconnected, "disconnected"},
}};

constexpr NameTable<SyncOutcome, 3> sync_outcome_names{{
    {SyncOutcome::success, "success"},
    {SyncOutcome::partial, "partial"},
    {SyncOutcome::failed, "failed"},
}};

constexpr NameTable<SyncDirection, 3> sync_direction_names{{
    {SyncDirection::import_only, "import_only"},
    {SyncDirection::export_only, "export_only"},
    {SyncDirection::bidirectional, "bidirectional"},
}};

constexpr NameTable<ConflictResolution, 4> conflict_resolution_names{{
    {ConflictResolution::local_wins, "local_wins"},
    {ConflictResolution::remote_wins, "remote_wins"},
    {ConflictResolution::newest_wins, "newest_wins"},
    {ConflictResolution::manual_review, "manual_review"},
}};

constexpr NameTable<AuthType, 3> auth_type_names{{
    {AuthType::api_key, "api_key"},
    {AuthType::oauth2, "oauth2"},
    {AuthType::basic, "basic"},
}};

constexpr NameTable<FieldType, 4> field_type_names{{
    {FieldType::secret, "secret"},
    {FieldType::text, "text"},
    {FieldType::url, "url"},
    {FieldType::email, "email"},
}};

constexpr NameTable<JobType, 4> job_type_names{{
    {JobType::full_import, "full_import"},
    {JobType::incremental_sync, "incremental_sync"},
    {JobType::export_, "export"},
    {JobType::field_mapping_update, "field_mapping_update"},
}};

constexpr NameTable<JobStatus, 5> job_status_names{{
    {JobStatus::pending, "pending"},
    {JobStatus::running, "running"},
    {JobStatus::completed, "completed"},
    {JobStatus::failed, "failed"},
    {JobStatus::cancelled, "cancelled"},
}};

}  // namespace

const char* to_string(JobType type) noexcept { return name_of(job_type_names, type); }
std::optional<JobType> parse_job_type(std::string_view text) noexcept {
  return parse_name(job_type_names, text);
}

const char* to_string(JobStatus status) noexcept { return name_of(job_status_names, status); }
std::optional<JobStatus> parse_job_status(std::string_view text) noexcept {
  return parse_name(job_status_names, text);
}

const char* to_string(Role role) noexcept { return name_of(role_names, role); }
std::optional<Role> parse_role(std::string_view text) noexcept {
  return parse_name(role_names, text);
}

const char* to_string(IntegrationStatus status) noexcept {
  return name_of(integration_status_names, status);
}
std::optional<IntegrationStatus> parse_integration_status(std::string_view text) noexcept {
  return parse_name(integration_status_names, text);
}

const char* to_string(SyncOutcome outcome) noexcept {
  return name_of(sync_outcome_names, outcome);
}
std::optional<SyncOutcome> parse_sync_outcome(std::string_view text) noexcept {
  return parse_name(sync_outcome_names, text);
}

const char* to_string(SyncDirection direction) noexcept {
  return name_of(sync_direction_names, direction);
}
std::optional<SyncDirection> parse_sync_direction(std::string_view text) noexcept {
  return parse_name(sync_direction_names, text);
}

const char* to_string(ConflictResolution resolution) noexcept {
  return name_of(conflict_resolution_names, resolution);
}
std::optional<ConflictResolution> parse_conflict_resolution(std::string_view text) noexcept {
  return parse_name(conflict_resolution_names, text);
}

const char* to_string(AuthType type) noexcept { return name_of(auth_type_names, type); }
std::optional<AuthType> parse_auth_type(std::string_view text) noexcept {
  return parse_name(auth_type_names, text);
}

const char* to_string(FieldType type) noexcept { return name_of(field_type_names, type); }
std::optional<FieldType> parse_field_type(std::string_view text) noexcept {
  return parse_name(field_type_names, text);
}

}  // namespace linkvault
