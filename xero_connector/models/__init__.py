from . import res_company, res_config_settings, xero_connection, xero_connection_tenant
