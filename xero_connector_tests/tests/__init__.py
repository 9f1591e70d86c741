# Odoo's own test runner loads the TestCase modules listed here. The whole suite,
# including the plain pytest modules (the Xero sandbox's tests among them), runs
# with pytest-odoo: setup/test.
from . import test_access, test_ui
