// The doctest runner for every C++ suite in this folder (and the SQLCipher
// conformance suite).
//
// With LINKVAULT_TEST_BACKEND=postgresql every vault the suites open lives on
// the PostgreSQL server of LINKVAULT_TEST_POSTGRES (tests/test_location.hpp),
// and the suites about the SQLCipher file itself (test suite "sqlcipher")
// are left out. Without a server that run is skipped (exit 77, which ctest
// reports as skipped), unless LINKVAULT_REQUIRE_POSTGRES=1 says there must
// be one (CI), where it fails.
#define DOCTEST_CONFIG_IMPLEMENT
#include <doctest/doctest.h>

#include "test_location.hpp"

#include <cstdio>
#include <cstdlib>
#include <string>

int main(int argc, char** argv) {
  doctest::Context context;
  if (linkvault::testing::testing_postgres()) {
    if (std::getenv("LINKVAULT_TEST_POSTGRES") == nullptr) {
      const char* required = std::getenv("LINKVAULT_REQUIRE_POSTGRES");
      if (required != nullptr && std::string(required) == "1") {
        std::fprintf(stderr, "LINKVAULT_TEST_POSTGRES is not set (scripts/test-postgres.sh)\n");
        return 1;
      }
      std::fprintf(stderr, "skipped: no PostgreSQL server (run under scripts/test-postgres.sh)\n");
      return 77;
    }
    context.addFilter("test-suite-exclude", "sqlcipher");
  }
  context.applyCommandLine(argc, argv);
  return context.run();
}
