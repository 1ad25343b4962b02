#include "store/open_store.hpp"

#include "linkvault/error.hpp"
#include "store/postgres_connection.hpp"
#include "store/postgres_store.hpp"
#include "store/sqlcipher_store.hpp"

namespace linkvault {

std::unique_ptr<Store> open_store(const std::string& location, const StoreOptions& options,
                                  const DatabaseKeyForSalt& database_key_for) {
  if (location.empty()) throw Error(ErrorCode::invalid_argument, "vault path must not be empty");
  if (pg::is_postgres_uri(location)) return PostgresStore::open(location, options, database_key_for);
  return SqlCipherStore::open(location, options, database_key_for);
}

}  // namespace linkvault
