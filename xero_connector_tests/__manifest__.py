# Copyright 2026 xero_connector contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
{
    "name": "Xero Connector Tests",
    "summary": "Tests, browser tours and the Xero sandbox of xero_connector",
    "version": "19.0.1.0.0",
    "category": "Hidden/Tests",
    "author": "xero_connector contributors",
    "license": "LGPL-3",
    "depends": ["xero_connector"],
    "assets": {
        "web.assets_tests": [
            "xero_connector_tests/static/tests/tours/**/*",
        ],
    },
}
