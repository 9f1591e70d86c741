# The benchmarks run as ``python -m xero_connector_tests.benchmarks.<name>`` from the
# checkout. The test helpers they use import the addon as ``odoo.addons.xero_connector``
# before Odoo has read its configuration (its addons path): the checkout is made one of
# Odoo's addons directories here, once, for all of them.
from pathlib import Path

import odoo.addons

CHECKOUT = str(Path(__file__).resolve().parents[2])
if CHECKOUT not in list(odoo.addons.__path__):
    odoo.addons.__path__.append(CHECKOUT)
