// The per-process vault of the C ABI fuzz targets and the invariants every
// lv_ call must keep.
#include "capi_fixture.hpp"

#include "fuzz_check.hpp"

#include <simdjson.h>

#include <array>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <unistd.h>

namespace fuzz {
namespace {

constexpr std::array<std::uint8_t, 32> key_bytes = {
    0x6c, 0x69, 0x6e, 0x6b, 0x76, 0x61, 0x75, 0x6c, 0x74, 0x2d, 0x66,
    0x75, 0x7a, 0x7a, 0x2d, 0x6b, 0x65, 0x79, 0x00, 0x01, 0x02, 0x03,
    0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0d};

struct State {
  std::string directory;
  std::string path;
  lv_vault* handle = nullptr;
};

State& state() {
  static State s;
  return s;
}

void open_handle() {
  State& s = state();
  lv_vault* handle = nullptr;
  const int status = lv_vault_open(&handle, s.path.c_str(), key_bytes.data(), key_bytes.size(), 1);
  FUZZ_CHECK(status == LV_OK, "cannot open the fuzz vault %s: %s", s.path.c_str(),
             lv_last_error_message());
  s.handle = handle;
}

// The vault files go with the process, whichever way libFuzzer exits
// normally (it calls exit() after -max_total_time and -runs).
void remove_vault_files() {
  State& s = state();
  lv_vault_destroy(s.handle);
  s.handle = nullptr;
  for (const char* suffix : {"", "-wal", "-shm", "-journal"}) {
    std::remove((s.path + suffix).c_str());
  }
  ::rmdir(s.directory.c_str());
}

}  // namespace

lv_vault* vault() {
  State& s = state();
  if (s.handle == nullptr && s.path.empty()) {
    const char* tmp = std::getenv("TMPDIR");
    std::string pattern = std::string(tmp != nullptr && *tmp != '\0' ? tmp : "/tmp") +
                          "/linkvault-fuzz-XXXXXX";
    FUZZ_CHECK(::mkdtemp(pattern.data()) != nullptr, "mkdtemp failed");
    s.directory = pattern;
    s.path = s.directory + "/fuzz.vault";
    open_handle();
    std::atexit(remove_vault_files);
  }
  return s.handle;
}

void fresh_vault() {
  vault();
  State& s = state();
  lv_vault_destroy(s.handle);
  s.handle = nullptr;
  for (const char* suffix : {"", "-wal", "-shm", "-journal"}) {
    std::remove((s.path + suffix).c_str());
  }
  open_handle();
}

const std::string& vault_path() {
  vault();
  return state().path;
}

const std::uint8_t* vault_key() { return key_bytes.data(); }

int check_status(int status, const char* call) {
  const char* message = lv_last_error_message();
  FUZZ_CHECK(status >= LV_OK && status <= LV_INTERNAL, "%s returned %d", call, status);
  FUZZ_CHECK(status != LV_INTERNAL, "%s returned INTERNAL (a bug): %s", call,
             message != nullptr ? message : "(NULL)");
  FUZZ_CHECK(message != nullptr, "%s: lv_last_error_message() is NULL", call);
  if (status == LV_OK) {
    FUZZ_CHECK(message[0] == '\0', "%s succeeded but the message is \"%s\"", call, message);
  } else {
    FUZZ_CHECK(message[0] != '\0', "%s failed with %s and no message", call,
               lv_status_name(status));
  }
  return status;
}

int check_out(int status, char*& out, const char* call, bool keep) {
  check_status(status, call);
  if (status != LV_OK) {
    FUZZ_CHECK(out == nullptr, "%s failed with %s but set *out", call, lv_status_name(status));
    return status;
  }
  FUZZ_CHECK(out != nullptr, "%s succeeded with *out NULL", call);
  simdjson::dom::parser parser;
  const simdjson::padded_string text(out, std::strlen(out));
  const auto parsed = parser.parse(text);
  FUZZ_CHECK(!parsed.error(), "%s returned JSON that does not parse (%s): %s", call,
             simdjson::error_message(parsed.error()), out);
  if (!keep) {
    lv_string_free(out);
    out = nullptr;
  }
  return status;
}

std::string json_string_field(std::string_view json, std::string_view key) {
  simdjson::dom::parser parser;
  const simdjson::padded_string text(json);
  simdjson::dom::element root;
  if (parser.parse(text).get(root)) return {};
  std::string_view value;
  if (root[key].get(value)) return {};
  return std::string(value);
}

std::string connect_or_die(const char* tenant, const char* provider, const char* credentials,
                           const char* options) {
  char* out = nullptr;
  const int status =
      lv_integration_connect(vault(), &out, tenant, admin_actor, provider, credentials, options);
  FUZZ_CHECK(status == LV_OK, "setup connect of %s failed: %s", provider, lv_last_error_message());
  std::string id = json_string_field(out, "id");
  lv_string_free(out);
  FUZZ_CHECK(!id.empty(), "setup connect returned no id");
  return id;
}

void purge_or_die(const char* tenant) {
  char* out = nullptr;
  const int status = lv_tenant_purge(vault(), &out, admin_actor, tenant);
  FUZZ_CHECK(status == LV_OK, "purge of the fuzz tenant failed: %s", lv_last_error_message());
  lv_string_free(out);
}

std::string as_text(const std::uint8_t* data, std::size_t size) {
  return std::string(reinterpret_cast<const char*>(data), size);
}

}  // namespace fuzz
