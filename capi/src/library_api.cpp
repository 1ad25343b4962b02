// Library-wide functions: version, status names, the last error, freeing
// strings. None of these can fail, so none of them goes through guard().
#include "guard.hpp"
#include "linkvault.h"
#include "linkvault/error.hpp"
#include "linkvault/version.hpp"

#include <botan/mem_ops.h>

#include <cstdlib>
#include <cstring>

extern "C" {

const char* lv_version(void) { return linkvault::version_string; }

int lv_abi_version(void) { return LV_ABI_VERSION; }

const char* lv_status_name(int status) {
  if (status < LV_OK || status > LV_INTERNAL) return "UNKNOWN";
  return linkvault::error_code_name(static_cast<linkvault::ErrorCode>(status));
}

const char* lv_last_error_message(void) { return linkvault::capi::last_error(); }

void lv_string_free(char* s) {
  if (s == nullptr) return;
  // Revealed credentials and tester input travel as such strings: wipe with
  // a scrub the compiler may not elide before handing the memory back.
  Botan::secure_scrub_memory(s, std::strlen(s));
  std::free(s);
}

}  // extern "C"
