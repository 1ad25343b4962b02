#include "crm_payload.hpp"

#include <fmt/format.h>

#include <array>
#include <iterator>

namespace linkvault::bench {
namespace {

// splitmix64: the same numbers on every standard library (std::mt19937's
// distributions are not), so a seed names one payload everywhere.
class Random {
 public:
  explicit Random(std::uint64_t seed) : state_(seed) {}
  std::uint64_t next() {
    std::uint64_t z = (state_ += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }
  int below(int n) { return static_cast<int>(next() % static_cast<std::uint64_t>(n)); }
  template <typename T, std::size_t N>
  const T& pick(const std::array<T, N>& items) { return items[below(static_cast<int>(N))]; }

 private:
  std::uint64_t state_;
};

constexpr std::array<const char*, 12> first_names{
    "Avery", "Jordan", "Mia", "Noah", "Chloé", "Liam", "Zoë", "Ethan", "Sofia", "Lucas", "Amélie", "Oliver"};
constexpr std::array<const char*, 12> last_names{
    "Smith", "García", "Nguyen", "Okafor", "Müller", "Rossi", "Kowalski", "Johnson", "Dubois", "Tanaka", "O'Brien", "Silva"};
constexpr std::array<const char*, 4> domains{"Example.COM", "Mail.Example.org", "GMAIL.com", "studio.Example.NET"};
constexpr std::array<const char*, 5> venues{
    "The Grand Ballroom, Chicago", "Lakeside Pavilion", "St. Mary's Chapel",
    "Château de la Rive", "Rooftop @ 5th & Main"};
// JSON text (already escaped): quotes, a newline, non-ASCII.
constexpr std::array<const char*, 4> notes{
    "Met at the \\\"Spring Fair\\\"; prefers e-mail.\\nBudget: flexible.",
    "Wants the café reception, 120–150 guests.",
    "",
    "Referred by a past client. Call after 5pm \\u2014 not before."};
constexpr std::array<const char*, 6> options{"Gold", "Silver", "Bronze", "Custom", "Elopement", "Full day"};

// One custom field: how its value is written and the rule's transforms.
enum class Kind { padded_text, integer, boolean, padded_decimal_text, yes_no, text, decimal };
struct CustomField {
  Kind kind;
  std::vector<Transform> transforms;
};

const std::array<CustomField, crm_custom_field_count>& custom_fields() {
  using T = Transform;
  static const std::array<CustomField, crm_custom_field_count> fields{{
      {Kind::padded_text, {T::trim}},          // cf_01
      {Kind::integer, {T::number}},            // cf_02
      {Kind::boolean, {T::boolean}},           // cf_03
      {Kind::padded_decimal_text, {T::number}},// cf_04
      {Kind::yes_no, {T::boolean}},            // cf_05
      {Kind::integer, {T::string}},            // cf_06
      {Kind::text, {}},                        // cf_07
      {Kind::decimal, {T::number}},            // cf_08
      {Kind::boolean, {}},                     // cf_09
      {Kind::padded_text, {T::trim, T::lower}},// cf_10
      {Kind::text, {T::string}},               // cf_11
      {Kind::integer, {}},                     // cf_12
      {Kind::yes_no, {T::trim, T::boolean}},   // cf_13
      {Kind::padded_decimal_text, {}},         // cf_14
      {Kind::decimal, {T::string}},            // cf_15
      {Kind::padded_text, {T::trim, T::upper}},// cf_16
      {Kind::boolean, {T::string}},            // cf_17
      {Kind::integer, {T::number}},            // cf_18
      {Kind::text, {T::trim}},                 // cf_19
      {Kind::decimal, {}},                     // cf_20
  }};
  return fields;
}

void append_custom_value(std::string& out, Kind kind, Random& random) {
  switch (kind) {
    case Kind::padded_text: fmt::format_to(std::back_inserter(out), "\"  {} \"", random.pick(options)); break;
    case Kind::integer: fmt::format_to(std::back_inserter(out), "{}", 20 + random.below(400)); break;
    case Kind::boolean: out += random.below(2) ? "true" : "false"; break;
    case Kind::padded_decimal_text:
      fmt::format_to(std::back_inserter(out), "\" {}.{:02d} \"", 500 + random.below(9500), random.below(100));
      break;
    case Kind::yes_no: out += random.below(2) ? "\"Yes\"" : "\" no\""; break;
    case Kind::text: fmt::format_to(std::back_inserter(out), "\"{} package\"", random.pick(options)); break;
    case Kind::decimal:
      fmt::format_to(std::back_inserter(out), "{}.{}", random.below(5000), 1 + random.below(9));
      break;
  }
}

void append_client(std::string& out, int id, Random& random) {
  auto o = std::back_inserter(out);
  const char* first = random.pick(first_names);
  const char* last = random.pick(last_names);
  fmt::format_to(o, "{{\"id\":\"c-{:06d}\",\"first_name\":\" {}\",\"last_name\":\"{}\",", id, first, last);
  // Mixed case and padding, as people type them: the rule trims and lowers.
  fmt::format_to(o, "\"contact\":{{\"email\":\" {}.{}{}@{} \",", first, last, id % 1000, random.pick(domains));
  const int exchange = random.below(1000), line = random.below(10000);
  switch (random.below(3)) {
    case 0: fmt::format_to(o, "\"phone\":\"+1 (555) {:03d}-{:04d}\"}},", exchange, line); break;
    case 1: fmt::format_to(o, "\"phone\":\"555.{:03d}.{:04d}\"}},", exchange, line); break;
    default: fmt::format_to(o, "\"phone\":\"+44 20 7946 {:04d}\"}},", line); break;
  }
  const int year = 2026 + random.below(3), month = 1 + random.below(12), day = 1 + random.below(28);
  switch (random.below(3)) {
    case 0: fmt::format_to(o, "\"event_date\":\"{}-{:02d}-{:02d}T15:00:00-05:00\",", year, month, day); break;
    case 1: fmt::format_to(o, "\"event_date\":\"{}-{:02d}-{:02d}\",", year, month, day); break;
    default: fmt::format_to(o, "\"event_date\":\"{}-{:02d}-{:02d}T20:30Z\",", year, month, day); break;
  }
  fmt::format_to(o, "\"venue\":\"{}\",\"notes\":\"{}\",", random.pick(venues), random.pick(notes));
  out += "\"custom_fields\":{";
  for (int n = 0; n < crm_custom_field_count; ++n) {
    fmt::format_to(o, "{}\"cf_{:02d}\":", n == 0 ? "" : ",", n + 1);
    append_custom_value(out, custom_fields()[n].kind, random);
  }
  out += "},";
  // Keys no rule reads.
  fmt::format_to(o, "\"created_at\":\"2025-{:02d}-{:02d}T09:{:02d}:00Z\",\"owner\":{{\"id\":{},"
                 "\"name\":\"Studio {}\"}},\"tags\":[\"wedding\",\"{}\"],\"source\":\"web_form\","
                 "\"archived\":false}}",
                 1 + random.below(12), 1 + random.below(28), random.below(60), 1 + random.below(9),
                 random.pick(last_names), random.below(2) ? "referral" : "instagram");
}

}  // namespace

std::string crm_clients_json(int count, std::uint64_t seed, int first_id) {
  Random random(seed);
  std::string out;
  out.reserve(static_cast<std::size_t>(count) * 1100 + 2);
  out += '[';
  for (int n = 0; n < count; ++n) {
    if (n != 0) out += ',';
    append_client(out, first_id + n, random);
  }
  out += ']';
  return out;
}

std::vector<FieldMapping> crm_client_mappings() {
  using T = Transform;
  std::vector<FieldMapping> rules{
      {"first_name", "/first_name", {T::trim}, false, std::nullopt},
      {"last_name", "/last_name", {T::trim}, false, std::nullopt},
      {"email", "/contact/email", {T::trim, T::lower}, true, std::nullopt},
      {"phone", "/contact/phone", {T::digits}, false, std::nullopt},
      {"event_date", "/event_date", {T::date}, false, std::nullopt},
  };
  for (int n = 0; n < crm_custom_field_count; ++n) {
    const std::string name = fmt::format("cf_{:02d}", n + 1);
    rules.push_back({name, "/custom_fields/" + name, custom_fields()[n].transforms, false, std::nullopt});
  }
  return rules;
}

}  // namespace linkvault::bench
