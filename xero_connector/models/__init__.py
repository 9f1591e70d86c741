from . import (
    ir_websocket,
    res_company,
    res_config_settings,
    xero_connection,
    xero_connection_budget,
    xero_connection_calls,
    xero_connection_contacts,
    xero_connection_dashboard,
    xero_connection_invoicing,
    xero_connection_payments,
    xero_connection_products,
    xero_connection_queue,
    xero_contact,
    xero_contact_candidate,
    xero_contact_review,
    xero_data_audit,
    xero_field_rule,
    xero_item,
    xero_link,
    xero_poll_cursor,
    xero_reference_mixin,
    xero_sync_base,
    xero_sync_job,
    xero_sync_job_live,
    xero_sync_log,
)

# isort: split
# the guided tours "How the sync works": who may follow them, and their end
from . import ir_http, web_tour_tour

# isort: split
# Xero's reference data (inheriting xero_reference_mixin) and the maps on it
from . import (
    xero_account,
    xero_branding_theme,
    xero_currency,
    xero_tax_map,
    xero_tax_rate,
    xero_tracking_category,
)

# isort: split
# the halves of the sync mixin, then the mixin, then the models inheriting them
from . import xero_sync_inbound, xero_sync_outbound

# isort: split
from . import xero_sync_mixin

# isort: split
from . import (
    account_journal,
    crm_lead,
    crm_team,
    payment_provider,
    payment_transaction,
    product_category,
    product_product,
    product_template,
    res_partner,
    sale_order,
    sale_order_line,
    xero_invoice,
    xero_invoice_payment,
    xero_order_document,
    xero_order_payment,
    xero_refund,
)

# isort: split
# the documents of orders (inheriting xero_order_document), and subscriptions
from . import xero_order_credit_note, xero_order_invoice, xero_subscription_template

# isort: split
from . import xero_subscription

# isort: split
# revenue leakage: cases over orders, opportunities and the mirror of invoices
from . import xero_leakage_case

# isort: split
# the monthly health check of each organisation (reads the models above)
from . import xero_health_check, xero_health_finding

# isort: split
# burn and runway: the months of Xero's Executive Summary, and the Overview's figures
from . import xero_connection_burn, xero_executive_summary

# isort: split
# money in the CRM: a campaign's cost (the reports are in ../report)
from . import utm_campaign, xero_connection_money
