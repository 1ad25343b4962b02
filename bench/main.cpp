// linkvault-bench [NAME...] — runs the named workloads, or all of them.
#include "bench.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <string>

namespace linkvault::bench {

std::vector<Workload>& registry() {
  static std::vector<Workload> workloads;
  return workloads;
}

void report_throughput(const std::string& workload, double linkvault_per_s,
                       double baseline_per_s, const std::string& extra) {
  const double ratio = baseline_per_s > 0 ? linkvault_per_s / baseline_per_s : 0;
  fmt::print("{{\"workload\": \"{}\", \"linkvault_per_s\": {:.0f}, "
             "\"baseline_per_s\": {:.0f}, \"ratio\": {:.2f}{}}}\n",
             workload, linkvault_per_s, baseline_per_s, ratio, extra);
  std::fflush(stdout);
}

void report_latency(const std::string& workload, std::vector<double> samples_us,
                    const std::string& extra) {
  std::sort(samples_us.begin(), samples_us.end());
  auto at = [&](double q) {
    if (samples_us.empty()) return 0.0;
    const auto index = static_cast<std::size_t>(q * static_cast<double>(samples_us.size() - 1));
    return samples_us[index];
  };
  fmt::print("{{\"workload\": \"{}\", \"p50_us\": {:.1f}, \"p99_us\": {:.1f}, "
             "\"samples\": {}{}}}\n",
             workload, at(0.50), at(0.99), samples_us.size(), extra);
  std::fflush(stdout);
}

namespace {
std::map<std::string, std::string>& options() {
  static std::map<std::string, std::string> values;
  return values;
}
}  // namespace

const std::string& option(const std::string& name) {
  static const std::string none;
  const auto found = options().find(name);
  return found == options().end() ? none : found->second;
}

std::string scratch_directory() {
  static std::string directory = [] {
    namespace fs = std::filesystem;
    std::string pattern = (fs::temp_directory_path() / "linkvault-bench-XXXXXX").string();
    if (mkdtemp(pattern.data()) == nullptr) std::abort();
    std::atexit([] { std::filesystem::remove_all(scratch_directory()); });
    return pattern;
  }();
  return directory;
}

}  // namespace linkvault::bench

int main(int argc, char** argv) {
  using linkvault::bench::registry;
  std::vector<std::string> names;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg.rfind("--", 0) == 0 && i + 1 < argc) {
      linkvault::bench::options()[arg.substr(2)] = argv[++i];
    } else {
      names.push_back(arg);
    }
  }
  for (const std::string& name : names) {
    const bool known = std::any_of(registry().begin(), registry().end(),
                                   [&](const auto& w) { return w.name == name; });
    if (!known) {
      std::fprintf(stderr, "linkvault-bench: unknown workload '%s'; known:", name.c_str());
      for (const auto& w : registry()) std::fprintf(stderr, " %s", w.name.c_str());
      std::fprintf(stderr, "\n");
      return 2;
    }
  }
  for (const auto& workload : registry()) {
    const bool named = std::find(names.begin(), names.end(), workload.name) != names.end();
    if (named || (names.empty() && !workload.only_when_named)) workload.run();
  }
  return 0;
}
