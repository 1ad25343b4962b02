// Time as text (RFC 3339, src/core/clock.cpp) and UUIDv7 ids (src/core/uuid.cpp).
#include "core/uuid.hpp"
#include "linkvault/clock.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <cstdint>
#include <mutex>
#include <string>
#include <thread>
#include <unordered_set>
#include <vector>

using namespace linkvault;

namespace {

bool is_lower_hex(char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); }

std::uint64_t uuid_millis(const std::string& id) {
  std::string hex = id.substr(0, 8) + id.substr(9, 4);
  return std::stoull(hex, nullptr, 16);
}

}  // namespace

TEST_CASE("clock: format_rfc3339 writes UTC with milliseconds") {
  CHECK(format_rfc3339(0) == "1970-01-01T00:00:00.000Z");
  CHECK(format_rfc3339(1) == "1970-01-01T00:00:00.001Z");
  CHECK(format_rfc3339(-1) == "1969-12-31T23:59:59.999Z");
  CHECK(format_rfc3339(951782400000) == "2000-02-29T00:00:00.000Z");  // leap day
  CHECK(format_rfc3339(1795316645678) == "2026-11-22T03:04:05.678Z");
  CHECK(format_rfc3339(253402300799999) == "9999-12-31T23:59:59.999Z");
  CHECK(format_rfc3339(-62167219200000) == "0000-01-01T00:00:00.000Z");
}

TEST_CASE("clock: parse_rfc3339 and format_rfc3339 round-trip") {
  for (const TimeMs time :
       {TimeMs{0}, TimeMs{1}, TimeMs{-1}, TimeMs{999}, TimeMs{86'399'999}, TimeMs{951782400000},
        TimeMs{1795316645678}, TimeMs{4102444800000}, TimeMs{-2208988800000},
        TimeMs{253402300799999}, TimeMs{-62167219200000}}) {
    INFO("time ", time);
    const auto text = format_rfc3339(time);
    CHECK(parse_rfc3339(text) == time);
  }
  // A sweep across many days, hours and milliseconds, including leap years.
  for (TimeMs time = -5'000'000'000'000; time < 5'000'000'000'000; time += 7'777'777'777) {
    REQUIRE(parse_rfc3339(format_rfc3339(time)) == time);
  }
  const TimeMs now = now_ms();
  CHECK(parse_rfc3339(format_rfc3339(now)) == now);
}

TEST_CASE("clock: parse_rfc3339 accepts offsets, fractions and lower case") {
  const TimeMs base = 1795316645000;  // 2026-11-22T03:04:05Z
  CHECK(parse_rfc3339("2026-11-22T03:04:05Z") == base);
  CHECK(parse_rfc3339("2026-11-22t03:04:05z") == base);
  CHECK(parse_rfc3339("2026-11-22T03:04:05+00:00") == base);
  CHECK(parse_rfc3339("2026-11-22T03:04:05-00:00") == base);
  CHECK(parse_rfc3339("2026-11-22T08:34:05+05:30") == base);
  CHECK(parse_rfc3339("2026-11-21T22:04:05-05:00") == base);   // previous day
  CHECK(parse_rfc3339("2026-11-22T13:49:05+10:45") == base);
  CHECK(parse_rfc3339("2026-11-22T03:04:05.6Z") == base + 600);
  CHECK(parse_rfc3339("2026-11-22T03:04:05.67Z") == base + 670);
  CHECK(parse_rfc3339("2026-11-22T03:04:05.678Z") == base + 678);
  CHECK(parse_rfc3339("2026-11-22T03:04:05.678999999Z") == base + 678);  // truncated to ms
  CHECK(parse_rfc3339("2026-11-22T08:34:05.250+05:30") == base + 250);
  CHECK(parse_rfc3339("1969-12-31T23:59:59.999Z") == -1);
  CHECK(parse_rfc3339("2024-02-29T00:00:00Z").has_value());              // leap year
  CHECK(parse_rfc3339("2000-02-29T00:00:00Z").has_value());              // 400-year rule
  CHECK(parse_rfc3339("2016-12-31T23:59:60Z") == parse_rfc3339("2016-12-31T23:59:59Z"));
}

TEST_CASE("clock: parse_rfc3339 rejects text that is not an RFC 3339 time") {
  for (const char* text : {
           "", "2026", "2026-11-22", "2026-11-22T03:04:05", "2026-11-22 03:04:05Z",
           "2026-11-22T03:04Z", "2026-11-22T03:04:05.Z", "2026-11-22T03:04:05,5Z",
           "2026-11-22T03:04:05ZZ", "2026-11-22T03:04:05Z ", " 2026-11-22T03:04:05Z",
           "2026-11-22T03:04:05+0530", "2026-11-22T03:04:05+05", "2026-11-22T03:04:05+05:3",
           "2026-11-22T03:04:05+24:00", "2026-11-22T03:04:05+05:60",
           "2026-11-22T03:04:05+05:30x", "2026-13-01T00:00:00Z", "2026-00-01T00:00:00Z",
           "2026-01-00T00:00:00Z", "2026-01-32T00:00:00Z", "2026-02-29T00:00:00Z",
           "2100-02-29T00:00:00Z", "2026-02-30T00:00:00Z", "2026-04-31T00:00:00Z",
           "2026-06-31T00:00:00Z", "2026-09-31T00:00:00Z", "2026-11-31T00:00:00Z",
           "2026-11-22T24:00:00Z", "2026-11-22T23:60:00Z", "2026-11-22T23:59:61Z",
           "20a6-11-22T03:04:05Z", "2026/11/22T03:04:05Z", "2026-11-22X03:04:05Z",
           "+2026-11-22T03:04:05Z", "-026-11-22T03:04:05Z", "2026-1-22T03:04:05Z",
           "2026-11-22T03:04:05.123", "2026-11-22T03:04:05.-1Z", "yesterday"}) {
    INFO("text: '", text, "'");
    CHECK_FALSE(parse_rfc3339(text).has_value());
  }
  CHECK_FALSE(parse_rfc3339(std::string_view("2026-11-22T03:04:05Z\0", 21)).has_value());
}

TEST_CASE("clock: now_ms is the wall clock in milliseconds") {
  const TimeMs first = now_ms();
  CHECK(first > 1'700'000'000'000);  // after November 2023
  CHECK(first < 4'102'444'800'000);  // before 2100
  CHECK(now_ms() >= first);
}

TEST_CASE("uuid: new_uuid_v7 has the canonical format, version 7 and variant 10") {
  for (int i = 0; i < 1000; ++i) {
    const std::string id = new_uuid_v7();
    INFO("id ", id);
    REQUIRE(id.size() == 36);
    for (std::size_t pos = 0; pos < id.size(); ++pos) {
      if (pos == 8 || pos == 13 || pos == 18 || pos == 23) {
        REQUIRE(id[pos] == '-');
      } else {
        REQUIRE(is_lower_hex(id[pos]));
      }
    }
    REQUIRE(id[14] == '7');                                                   // version
    REQUIRE((id[19] == '8' || id[19] == '9' || id[19] == 'a' || id[19] == 'b'));  // variant
  }
}

TEST_CASE("uuid: the timestamp is the creation time in milliseconds") {
  const TimeMs before = now_ms();
  const std::string id = new_uuid_v7();
  const TimeMs after = now_ms();
  const auto ms = static_cast<TimeMs>(uuid_millis(id));
  CHECK(ms >= before);
  CHECK(ms <= after + 1);  // a counter overflow may borrow the next millisecond
}

TEST_CASE("uuid: ids sort in creation order and are unique over 100k") {
  std::vector<std::string> ids;
  ids.reserve(100'000);
  for (int i = 0; i < 100'000; ++i) ids.push_back(new_uuid_v7());

  SUBCASE("millisecond prefixes never go backwards") {
    for (std::size_t i = 1; i < ids.size(); ++i) {
      REQUIRE(uuid_millis(ids[i - 1]) <= uuid_millis(ids[i]));
    }
  }
  SUBCASE("whole ids are strictly increasing within a process") {
    for (std::size_t i = 1; i < ids.size(); ++i) {
      INFO(ids[i - 1], " then ", ids[i]);
      REQUIRE(ids[i - 1] < ids[i]);
    }
  }
  SUBCASE("no repeats") {
    const std::unordered_set<std::string> unique(ids.begin(), ids.end());
    CHECK(unique.size() == ids.size());
  }
}

TEST_CASE("uuid: ids from many threads are unique") {
  constexpr int threads = 4;
  constexpr int per_thread = 10'000;
  std::vector<std::vector<std::string>> made(threads);
  std::vector<std::thread> workers;
  for (int t = 0; t < threads; ++t) {
    workers.emplace_back([&made, t] {
      made[t].reserve(per_thread);
      for (int i = 0; i < per_thread; ++i) made[t].push_back(new_uuid_v7());
    });
  }
  for (auto& worker : workers) worker.join();
  std::unordered_set<std::string> unique;
  for (const auto& list : made) {
    CHECK(std::is_sorted(list.begin(), list.end()));  // each thread sees increasing ids
    unique.insert(list.begin(), list.end());
  }
  CHECK(unique.size() == static_cast<std::size_t>(threads * per_thread));
}
