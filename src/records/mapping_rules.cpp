#include "records/mapping_rules.hpp"

#include "linkvault/error.hpp"

namespace linkvault {

std::vector<FieldMapping> mappings_for(VaultCore& core, StoreSession& session,
                                       const Integration& integration) {
  if (auto own = session.load_field_mappings(integration.tenant, integration.id)) {
    // Stored by set_field_mappings after validation; a row that no longer
    // parses was changed behind the vault's back.
    try {
      return parse_field_mappings_json(*own);
    } catch (const Error&) {
      throw Error(ErrorCode::integrity, "the stored field mappings of an integration are corrupt");
    }
  }
  // A provider removed from the catalog leaves its integrations without
  // defaults rather than failing reads.
  const auto spec = core.catalog().find(integration.provider, session);
  if (!spec) return {};
  return spec->field_mappings;
}

}  // namespace linkvault
