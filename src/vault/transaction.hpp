// Transaction — RAII over a StoreSession transaction (SQLiteCpp's shape):
// begun in the constructor, rolled back by the destructor unless committed.
// Never held across a host callback.
#pragma once

#include "store/store.hpp"

namespace linkvault {

class Transaction {
 public:
  Transaction(StoreSession& session, TransactionMode mode) : session_(session) {
    session_.begin(mode);
  }
  ~Transaction() {
    if (open_) session_.rollback();
  }
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;

  void commit() {
    session_.commit();
    open_ = false;
  }

 private:
  StoreSession& session_;
  bool open_ = true;
};

}  // namespace linkvault
