from . import xero_golive_mixin  # the go-live wizards inherit it

# isort: split
from . import (
    sale_make_invoice_advance,
    xero_connect,
    xero_contact_golive,
    xero_payment_register,
    xero_product_golive,
    xero_product_test_invoice,
    xero_subscription_report,
    xero_tax_matrix,
)
