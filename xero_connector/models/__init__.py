from . import (
    res_company,
    res_config_settings,
    xero_connection,
    xero_connection_budget,
    xero_connection_tenant,
    xero_contact_candidate,
    xero_contact_review,
    xero_field_rule,
    xero_link,
    xero_poll_cursor,
    xero_sync_job,
    xero_sync_log,
    xero_sync_mixin,
)

# isort: split
# the synced models come after the mixin they inherit
from . import res_partner, xero_invoice
