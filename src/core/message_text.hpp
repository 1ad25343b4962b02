// The message quoting is public (the C shim uses it and sees only include/);
// this name stays for the library's own sources.
#pragma once

#include "linkvault/message_text.hpp"
