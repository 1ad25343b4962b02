// What the workloads share: a random master key, the admin they act as,
// the baseline's bare store (same schema, key derivation and pragmas as a
// vault, no linkvault above it), and running the two sides in alternation.
#pragma once

#include "linkvault/linkvault.hpp"
#include "store/sqlcipher_store.hpp"

#include <functional>
#include <memory>
#include <string>
#include <utility>

namespace linkvault::bench {

MasterSecret bench_master();

inline const Actor bench_admin{"u-bench", "Bench Admin", Role::admin};

// A fresh file at `path` opened as a vault's store would be, for the
// baseline's raw SQL (store->open_connection()).
std::unique_ptr<SqlCipherStore> open_baseline_store(const std::string& path);

// Runs linkvault(seconds, round) and baseline(seconds, round) in turn, two
// rounds each, so drift on a shared machine hits both alike; returns the
// two mean rates.
std::pair<double, double> alternate(const std::function<double(double, int)>& linkvault,
                                    const std::function<double(double, int)>& baseline,
                                    double seconds = 1.0);

}  // namespace linkvault::bench
