// linkvault — tenants' third-party integrations in one encrypted file.
// Include this header for the whole C++ API.
#pragma once

#include "linkvault/activity.hpp"
#include "linkvault/actor.hpp"
#include "linkvault/audit.hpp"
#include "linkvault/clock.hpp"
#include "linkvault/credential_sealer.hpp"
#include "linkvault/credentials_json.hpp"
#include "linkvault/error.hpp"
#include "linkvault/integration.hpp"
#include "linkvault/json_text.hpp"
#include "linkvault/keyring.hpp"
#include "linkvault/limits.hpp"
#include "linkvault/master_secret.hpp"
#include "linkvault/message_text.hpp"
#include "linkvault/provider.hpp"
#include "linkvault/secret.hpp"
#include "linkvault/sync_config.hpp"
#include "linkvault/tenant.hpp"
#include "linkvault/utf8.hpp"
#include "linkvault/vault.hpp"
#include "linkvault/version.hpp"
