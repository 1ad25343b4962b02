// The JSON text helpers are public (the C shim uses them and sees only
// include/); this name stays for the library's own sources.
#pragma once

#include "linkvault/json_text.hpp"
