// The conformance suite's transactions. in_write: body(session) in one write
// transaction of a fresh session of `store`, committed if it returns (rolled
// back by the session's destructor if it throws), returning what it returns.
#pragma once

#include "store/store.hpp"

#include <type_traits>

namespace linkvault::conformance {

template <typename Body>
auto in_write(Store& store, Body&& body) {
  auto session = store.session();
  session->begin(TransactionMode::write);
  if constexpr (std::is_void_v<decltype(body(*session))>) {
    body(*session);
    session->commit();
  } else {
    auto result = body(*session);
    session->commit();
    return result;
  }
}

// body(session) in one read transaction (one snapshot) of a fresh session
// of `store`, returning what it returns. Every Store operation runs in a
// transaction (store.hpp); PostgreSQL refuses one outside.
template <typename Body>
auto in_read(Store& store, Body&& body) {
  auto session = store.session();
  session->begin(TransactionMode::read);
  auto result = body(*session);
  session->commit();
  return result;
}

}  // namespace linkvault::conformance
