#include "store/postgres_connection.hpp"

#include "core/message_text.hpp"

#include <fmt/format.h>
#include <libpq-fe.h>

#include <arpa/inet.h>

#include <charconv>
#include <cstring>
#include <utility>
#include <vector>

namespace linkvault::pg {

namespace {

constexpr std::string_view redacted_password = "****";

// libpq's own text (several lines, a trailing newline) as one line.
std::string clean_error_text(const char* text) {
  std::string out(text != nullptr ? text : "");
  while (!out.empty() && (out.back() == '\n' || out.back() == ' ')) out.pop_back();
  for (char& c : out) {
    if (c == '\n' || c == '\t') c = ' ';
  }
  return out;
}

bool starts_with(std::string_view text, std::string_view prefix) noexcept {
  return text.substr(0, prefix.size()) == prefix;
}

// The server's error as the library's: SQLSTATE and primary message only.
Error command_error(const pg_result* result, const pg_conn* connection, std::string_view what) {
  const char* sqlstate =
      result != nullptr ? PQresultErrorField(result, PG_DIAG_SQLSTATE) : nullptr;
  const char* primary =
      result != nullptr ? PQresultErrorField(result, PG_DIAG_MESSAGE_PRIMARY) : nullptr;
  if (sqlstate == nullptr) {
    // No server answer: the connection itself failed.
    return Error(ErrorCode::io, fmt::format("PostgreSQL {} failed: {}", what,
                                            clean_error_text(PQerrorMessage(connection))));
  }
  return Error(error_code_for_sqlstate(sqlstate),
               fmt::format("PostgreSQL {} failed ({}): {}", what, sqlstate,
                           primary != nullptr ? primary : "no message"));
}

}  // namespace

bool is_postgres_uri(std::string_view location) noexcept {
  return starts_with(location, "postgresql://") || starts_with(location, "postgres://");
}

namespace {

// Where a URI's passwords are, as [begin, end) offsets in ascending order:
// the password of the user information (user:password@) and the value of
// any password= query parameter.
std::vector<std::pair<std::size_t, std::size_t>> password_spans(std::string_view uri) {
  std::vector<std::pair<std::size_t, std::size_t>> spans;
  const auto scheme_end = uri.find("://");
  if (scheme_end != std::string_view::npos) {
    const auto authority_start = scheme_end + 3;
    const auto authority_end = uri.find_first_of("/?#", authority_start);
    const auto at = uri.rfind('@', authority_end == std::string_view::npos ? uri.size() : authority_end);
    if (at != std::string_view::npos && at > authority_start) {
      const auto colon = uri.find(':', authority_start);
      if (colon != std::string_view::npos && colon < at) spans.emplace_back(colon + 1, at);
    }
  }
  // Only in the query: a "password=" inside the user information is part of
  // the password found above.
  const auto query = uri.find('?', spans.empty() ? 0 : spans.back().second);
  for (std::size_t pos = query == std::string_view::npos ? query : uri.find("password=", query);
       pos != std::string_view::npos; pos = uri.find("password=", pos + 1)) {
    if (uri[pos - 1] != '?' && uri[pos - 1] != '&') continue;
    const auto value_start = pos + std::strlen("password=");
    const auto value_end = uri.find_first_of("&#", value_start);
    spans.emplace_back(value_start, value_end == std::string_view::npos ? uri.size() : value_end);
  }
  return spans;
}

// libpq's text about a URI it could not parse quotes the URI, or the part
// it choked on (a password with a bad %-escape): every password of the URI,
// as written, is replaced by "****" wherever it appears.
std::string scrub_passwords(std::string text, std::string_view uri) {
  for (const auto& [begin, end] : password_spans(uri)) {
    const std::string_view password = uri.substr(begin, end - begin);
    if (password.empty()) continue;
    for (auto pos = text.find(password); pos != std::string::npos;
         pos = text.find(password, pos + redacted_password.size())) {
      text.replace(pos, password.size(), redacted_password);
    }
  }
  return text;
}

}  // namespace

std::string redact_uri(std::string_view uri) {
  std::string out(uri);
  const auto spans = password_spans(uri);
  // From the last span back, so that earlier offsets stay valid.
  for (auto span = spans.rbegin(); span != spans.rend(); ++span) {
    out.replace(span->first, span->second - span->first, redacted_password);
  }
  return out;
}

ErrorCode error_code_for_sqlstate(std::string_view sqlstate) noexcept {
  // Serialization failure, deadlock, and a lock not granted within
  // lock_timeout (the store's busy timeout).
  if (sqlstate == "40001" || sqlstate == "40P01" || sqlstate == "55P03") return ErrorCode::busy;
  if (sqlstate == "23505") return ErrorCode::already_exists;
  if (starts_with(sqlstate, "08") || sqlstate == "57P01" || sqlstate == "57P02" ||
      sqlstate == "57P03") {
    return ErrorCode::io;
  }
  if (sqlstate == "42501") return ErrorCode::permission_denied;
  return ErrorCode::internal;
}

void Result::Clear::operator()(pg_result* result) const noexcept { PQclear(result); }

int Result::rows() const noexcept { return PQntuples(result_.get()); }

bool Result::is_null(int row, int column) const noexcept {
  return PQgetisnull(result_.get(), row, column) != 0;
}

std::string_view Result::text(int row, int column) const noexcept {
  return {PQgetvalue(result_.get(), row, column),
          static_cast<std::size_t>(PQgetlength(result_.get(), row, column))};
}

std::optional<std::string> Result::optional_text(int row, int column) const {
  if (is_null(row, column)) return std::nullopt;
  return std::string(text(row, column));
}

std::int64_t Result::integer(int row, int column) const {
  const std::string_view value = text(row, column);
  if (PQfformat(result_.get(), column) == 1) {  // binary int8
    if (value.size() != 8) throw Error(ErrorCode::internal, "PostgreSQL: not an int8 column");
    std::uint64_t big_endian = 0;
    std::memcpy(&big_endian, value.data(), 8);
    const std::uint64_t host = (std::uint64_t{ntohl(static_cast<std::uint32_t>(big_endian))} << 32) |
                               ntohl(static_cast<std::uint32_t>(big_endian >> 32));
    return static_cast<std::int64_t>(host);
  }
  std::int64_t out = 0;
  const auto [end, error] = std::from_chars(value.data(), value.data() + value.size(), out);
  if (error != std::errc() || end != value.data() + value.size()) {
    throw Error(ErrorCode::internal, "PostgreSQL: a column expected to be an integer is not");
  }
  return out;
}

double Result::real(int row, int column) const {
  const std::string_view value = text(row, column);
  if (PQfformat(result_.get(), column) == 1) {  // binary float8: IEEE 754, big-endian
    if (value.size() != 8) throw Error(ErrorCode::internal, "PostgreSQL: not a float8 column");
    std::uint64_t big_endian = 0;
    std::memcpy(&big_endian, value.data(), 8);
    const std::uint64_t host = (std::uint64_t{ntohl(static_cast<std::uint32_t>(big_endian))} << 32) |
                               ntohl(static_cast<std::uint32_t>(big_endian >> 32));
    double out = 0;
    std::memcpy(&out, &host, sizeof out);
    return out;
  }
  // Text: PostgreSQL 12+ prints the shortest text that reads back exactly.
  double out = 0;
  const auto [end, error] = std::from_chars(value.data(), value.data() + value.size(), out);
  if (error != std::errc() || end != value.data() + value.size()) {
    throw Error(ErrorCode::internal, "PostgreSQL: a column expected to be a number is not");
  }
  return out;
}

std::vector<std::uint8_t> Result::bytes(int row, int column) const {
  const std::string_view value = text(row, column);
  return {value.begin(), value.end()};
}

std::int64_t Result::affected() const noexcept {
  const char* count = PQcmdTuples(result_.get());
  std::int64_t out = 0;
  std::from_chars(count, count + std::strlen(count), out);
  return out;
}

std::unique_ptr<Connection> Connection::open(const std::string& uri) {
  char* parse_error = nullptr;
  PQconninfoOption* options = PQconninfoParse(uri.c_str(), &parse_error);
  if (options == nullptr) {
    const std::string reason =
        parse_error != nullptr ? scrub_passwords(clean_error_text(parse_error), uri) : "out of memory";
    PQfreemem(parse_error);
    throw Error(ErrorCode::invalid_argument,
                fmt::format("not a PostgreSQL URI {}: {}", quote_for_message(redact_uri(uri)),
                            reason));
  }
  PQconninfoFree(options);
  pg_conn* connection = PQconnectdb(uri.c_str());
  if (connection == nullptr) throw Error(ErrorCode::internal, "PostgreSQL: out of memory");
  if (PQstatus(connection) != CONNECTION_OK) {
    const std::string reason = scrub_passwords(clean_error_text(PQerrorMessage(connection)), uri);
    PQfinish(connection);
    throw Error(ErrorCode::io, fmt::format("cannot connect to PostgreSQL at {}: {}",
                                           quote_for_message(redact_uri(uri)), reason));
  }
  // The server's NOTICEs would go to stderr, and may quote values: dropped.
  PQsetNoticeProcessor(connection, [](void*, const char*) {}, nullptr);
  return std::unique_ptr<Connection>(new Connection(connection));
}

Connection::~Connection() { PQfinish(connection_); }

bool Connection::ok() const noexcept { return PQstatus(connection_) == CONNECTION_OK; }

void Connection::throw_command_error(pg_result* result, std::string_view what) const {
  const Error error = command_error(result, connection_, what);
  PQclear(result);
  throw error;
}

void Connection::exec_script(const std::string& sql) {
  pg_result* result = PQexec(connection_, sql.c_str());
  const ExecStatusType status = PQresultStatus(result);
  if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) {
    throw_command_error(result, "script");
  }
  PQclear(result);
}

Result Connection::exec(const std::string& name, const std::string& sql,
                        std::span<const Param> params, bool binary_results) {
  if (!prepared_.contains(name)) {
    pg_result* prepared = PQprepare(connection_, name.c_str(), sql.c_str(),
                                    static_cast<int>(params.size()), nullptr);
    if (PQresultStatus(prepared) != PGRES_COMMAND_OK) throw_command_error(prepared, "prepare");
    PQclear(prepared);
    prepared_.insert(name);
  }
  // Text parameters are sent as text (the server converts them to the
  // column's type), which libpq wants NUL-terminated: copied here.
  std::vector<std::string> texts;
  texts.reserve(params.size());
  std::vector<const char*> values(params.size());
  std::vector<int> lengths(params.size());
  std::vector<int> formats(params.size());
  for (std::size_t i = 0; i < params.size(); ++i) {
    const Param& param = params[i];
    switch (param.kind) {
      case Param::Kind::null:
        values[i] = nullptr;
        break;
      case Param::Kind::text:
        // libpq reads text up to its NUL, and PostgreSQL text cannot hold
        // one: refuse rather than store a truncated value.
        if (param.text.find('\0') != std::string_view::npos) {
          throw Error(ErrorCode::invalid_argument,
                      fmt::format("PostgreSQL {}: a text value contains a NUL byte", name));
        }
        values[i] = texts.emplace_back(param.text).c_str();
        break;
      case Param::Kind::bytes:
        values[i] = reinterpret_cast<const char*>(param.bytes.data());
        lengths[i] = static_cast<int>(param.bytes.size());
        formats[i] = 1;
        break;
    }
  }
  pg_result* result =
      PQexecPrepared(connection_, name.c_str(), static_cast<int>(params.size()), values.data(),
                     lengths.data(), formats.data(), binary_results ? 1 : 0);
  const ExecStatusType status = PQresultStatus(result);
  if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) throw_command_error(result, name);
  return Result(result);
}

}  // namespace linkvault::pg
