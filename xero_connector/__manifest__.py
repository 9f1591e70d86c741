# Copyright 2026 xero_connector contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
{
    "name": "Xero Connector",
    "summary": "Customers, invoices and payments in sync between Odoo and Xero",
    "version": "19.0.1.0.0",
    "category": "Accounting/Accounting",
    "author": "xero_connector contributors",
    "license": "LGPL-3",
    "depends": ["contacts", "sale_management", "crm", "sale_crm"],
    "external_dependencies": {"python": ["xero-python>=15.2,<16"]},
    "data": [
        "security/xero_connector_security.xml",
        "security/ir.model.access.csv",
        "data/ir_cron_data.xml",
        "views/xero_sync_job_views.xml",
        "views/xero_sync_log_views.xml",
        "views/xero_link_views.xml",
        "views/xero_contact_review_views.xml",
        "wizards/xero_connect_views.xml",
        "wizards/xero_contact_golive_views.xml",
        "views/xero_connection_views.xml",
        "views/res_partner_views.xml",
        "views/res_config_settings_views.xml",
        "views/xero_connector_menus.xml",
    ],
    "post_init_hook": "post_init_hook",
    "application": True,
}
