from . import xero_cash_forecast, xero_customer_value, xero_sales_money, xero_source_value
