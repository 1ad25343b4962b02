// The conformance suite's write transactions: body(session) in one write
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

}  // namespace linkvault::conformance
