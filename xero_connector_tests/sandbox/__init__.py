"""A faithful, stateful local Xero for tests and the demo (standard library only).

from odoo.addons.xero_connector_tests.sandbox import XeroSandbox
with XeroSandbox() as sandbox:
    sandbox.urls["accounting"]  # point xero-python's AccountingApi here
"""

from .core import XeroSandbox

__all__ = ["XeroSandbox"]
