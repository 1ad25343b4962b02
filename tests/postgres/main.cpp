// The PostgreSQL suites need a server: scripts/test-postgres.sh starts one
// and exports LINKVAULT_TEST_POSTGRES. Without it they are skipped (exit 77,
// which ctest reports as skipped, never as passed) unless
// LINKVAULT_REQUIRE_POSTGRES=1, as in CI, where a missing server fails.
#define DOCTEST_CONFIG_IMPLEMENT
#include <doctest/doctest.h>

#include <cstdio>
#include <cstdlib>
#include <string>

int main(int argc, char** argv) {
  if (std::getenv("LINKVAULT_TEST_POSTGRES") == nullptr) {
    const char* required = std::getenv("LINKVAULT_REQUIRE_POSTGRES");
    if (required != nullptr && std::string(required) == "1") {
      std::fprintf(stderr, "LINKVAULT_TEST_POSTGRES is not set (scripts/test-postgres.sh)\n");
      return 1;
    }
    std::fprintf(stderr, "skipped: no PostgreSQL server (run under scripts/test-postgres.sh)\n");
    return 77;
  }
  doctest::Context context(argc, argv);
  return context.run();
}
