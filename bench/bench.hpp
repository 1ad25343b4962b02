// linkvault-bench: each workload runs once through linkvault and once as the
// bare minimum the machine can do, in the same process, and prints one JSON
// line (DESIGN.md §9). Workloads register themselves with LINKVAULT_WORKLOAD.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace linkvault::bench {

struct Workload {
  std::string name;
  std::function<void()> run;  // prints its own JSON line via report_*()
  bool only_when_named = false;  // helpers for other scripts, not in "all"
};

std::vector<Workload>& registry();

struct Registrar {
  Registrar(const char* name, std::function<void()> run, bool only_when_named = false) {
    registry().push_back({name, std::move(run), only_when_named});
  }
};

// "--name value" options given on the command line; "" when absent.
const std::string& option(const std::string& name);

// Calls `op` in batches until `seconds` have passed; returns operations per
// second. `op` performs one operation.
template <typename Op>
double measure_per_second(Op&& op, double seconds = 1.0) {
  using clock = std::chrono::steady_clock;
  const auto start = clock::now();
  const auto deadline = start + std::chrono::duration<double>(seconds);
  std::uint64_t count = 0;
  std::uint64_t batch = 1;
  auto now = start;
  while (now < deadline) {
    for (std::uint64_t i = 0; i < batch; ++i) op();
    count += batch;
    now = clock::now();
    if (batch < 1024) batch *= 2;
  }
  return static_cast<double>(count) /
         std::chrono::duration<double>(now - start).count();
}

// {"workload": ..., "linkvault_per_s": ..., "baseline_per_s": ..., "ratio": ...}
// `extra` is appended inside the object, e.g. ", \"bytes\": 256".
void report_throughput(const std::string& workload, double linkvault_per_s,
                       double baseline_per_s, const std::string& extra = "");
// {"workload": ..., "p50_us": ..., "p99_us": ..., "samples": ...}
void report_latency(const std::string& workload, std::vector<double> samples_us,
                    const std::string& extra = "");

// A fresh directory under the system temp dir, removed at exit.
std::string scratch_directory();

}  // namespace linkvault::bench

#define LINKVAULT_BENCH_CONCAT2(a, b) a##b
#define LINKVAULT_BENCH_CONCAT(a, b) LINKVAULT_BENCH_CONCAT2(a, b)
#define LINKVAULT_WORKLOAD_WITH(name, only_when_named)                       \
  static void LINKVAULT_BENCH_CONCAT(workload_, __LINE__)();                 \
  static ::linkvault::bench::Registrar LINKVAULT_BENCH_CONCAT(               \
      registrar_, __LINE__)(name, &LINKVAULT_BENCH_CONCAT(workload_, __LINE__), \
                            only_when_named);                                \
  static void LINKVAULT_BENCH_CONCAT(workload_, __LINE__)()
#define LINKVAULT_WORKLOAD(name) LINKVAULT_WORKLOAD_WITH(name, false)
