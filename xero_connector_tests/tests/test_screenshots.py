"""The screens of the addon's description, taken by a tour in headless Chromium at
1440x900 (issue 22, point 11).

In the suite the screenshots are only checked. With ``XERO_SCREENSHOTS=<folder>`` they
are written there as ``<name>.png``: ``python3 setup/readme.py --screenshots -c CONFIG``
writes them into ``xero_connector/static/description/``, then the index.html that shows
them.
"""

import base64
import json
import os
import struct
from pathlib import Path
from unittest.mock import patch

from odoo.tests import HttpCase, tagged
from odoo.tests.common import ChromeBrowser, ChromeBrowserException

from .test_invoice_payments import PaymentCase

# the tour's screens, in its order; setup/readme.py captions them
SCREENS = (
    "screenshot_1_overview",
    "screenshot_2_settings",
    "screenshot_3_invoices",
    "screenshot_4_order",
)
# what the tour logs when a screen is ready to be taken
SIGNAL = "xero-screenshot:"
SIZE = (1440, 900)


def png_size(data):
    """(width, height) of a PNG, from its header."""
    if data[:8] != b"\x89PNG\r\n\x1a\n" or data[12:16] != b"IHDR":
        return None
    return struct.unpack(">II", data[16:24])


def capture(browser, name, shots):
    """Take the page as it is into ``shots[name]``, then mark <body> for the tour to go on.
    Runs in the browser's receiver thread: nothing here may wait for an answer."""

    def taken(future):
        try:
            shots[name] = base64.b64decode(future.result()["data"])
        except Exception as error:  # noqa: BLE001 - any failure fails the tour at once
            if not browser._result.done():
                browser._result.set_exception(ChromeBrowserException(f"{name}: {error}"))
            return
        mark = f"document.body.dataset.xeroScreenshot = {json.dumps(name)}"
        browser._websocket_send("Runtime.evaluate", params={"expression": mark})

    future = browser._websocket_send(
        "Page.captureScreenshot", params={"format": "png"}, with_future=True
    )
    if future:
        future.add_done_callback(taken)


def start_tour_taking(case, shots, url, tour, login):
    """``case.start_tour``, each screen the tour signals ("xero-screenshot:<name>")
    taken into ``shots``."""
    original = ChromeBrowser._handle_console

    def handle_console(browser, type, args=None, **kwargs):  # CDP names it type
        text = (args or [{}])[0].get("value")
        if type == "log" and isinstance(text, str) and text.startswith(SIGNAL):
            capture(browser, text[len(SIGNAL) :], shots)
            return
        original(browser, type, args=args, **kwargs)

    with patch.object(ChromeBrowser, "_handle_console", handle_console):
        case.start_tour(url, tour, login=login)


@tagged("post_install", "-at_install")
class TestXeroScreenshots(PaymentCase, HttpCase):
    """An administrator goes through the Overview, the settings, the invoices of orders
    and an invoiced order; each screen is taken at 1440x900."""

    browser_size = "{}x{}".format(*SIZE)

    def setUp(self):
        super().setUp()
        self.customer.write({"name": "Ridgeway Joinery Ltd", "is_company": True})
        customers = self.env["res.partner"].create(
            [
                {"name": name, "is_company": True, "customer_rank": 1, "email": email}
                for name, email in (
                    ("Harbour View Cafe", "accounts@harbourview.example"),
                    ("Kowhai Fit-outs", "office@kowhai.example"),
                    ("Tasman Marine Supplies", "ap@tasmanmarine.example"),
                )
            ]
        )
        _paid, document = self.invoiced_order((self.saw, 4), partner_id=customers[0].id)
        self.pay(document, read=False)
        self.read_back()
        self.invoiced_order((self.drill, 2), (self.saw, 3))

    def take_screens(self):
        """The tour's screens: {name: PNG bytes}."""
        shots = {}
        start_tour_taking(
            self,
            shots,
            "/odoo/action-xero_connector.action_xero_dashboard",
            "xero_connector_tests.screenshots",
            "admin",
        )
        return shots

    def test_the_descriptions_screens_are_taken_at_1440x900(self):
        shots = self.take_screens()
        self.assertEqual(tuple(shots), SCREENS)
        for name, data in shots.items():
            self.assertEqual(png_size(data), SIZE, name)
        folder = os.environ.get("XERO_SCREENSHOTS")
        if folder:
            for name, data in shots.items():
                (Path(folder) / f"{name}.png").write_bytes(data)
