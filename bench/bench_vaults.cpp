#include "bench_vaults.hpp"

#include <botan/system_rng.h>

namespace linkvault::bench {

MasterSecret bench_master() {
  SecretBytes key(32);
  Botan::system_rng().randomize(key.data(), key.size());
  return MasterSecret::from_key(std::move(key));
}

std::unique_ptr<SqlCipherStore> open_baseline_store(const std::string& path) {
  const MasterSecret master = bench_master();
  return SqlCipherStore::open(path, StoreOptions{}, [&](const FileSalt& salt) {
    return master.derive_vault_keys(salt).database_key;
  });
}

std::pair<double, double> alternate(const std::function<double(double, int)>& linkvault,
                                    const std::function<double(double, int)>& baseline,
                                    double seconds) {
  constexpr int rounds = 2;
  double linkvault_rate = 0, baseline_rate = 0;
  for (int round = 0; round < rounds; ++round) {
    linkvault_rate += linkvault(seconds, round);
    baseline_rate += baseline(seconds, round);
  }
  return {linkvault_rate / rounds, baseline_rate / rounds};
}

}  // namespace linkvault::bench
