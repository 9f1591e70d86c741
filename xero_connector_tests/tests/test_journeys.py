"""The journeys of a new user walked in headless Chromium, as a manager, a salesperson
with and without the Xero group, and a logged-out customer: each screen checked and
taken at 1440x900, the page's errors and Odoo's HTTP errors counted (issue 22).

On demand: ``XERO_WALK=<folder> setup/test -k Journeys`` writes the screens there and
prints the counts and timings."""

import logging
import os
import sys
import time
from pathlib import Path
from unittest import skipUnless

from odoo.tests import HttpCase, new_test_user, tagged

from .test_payment_alerts import SELLER, XERO_USER, PlainSellerCase
from .test_screenshots import SIZE, start_tour_taking

WALK = os.environ.get("XERO_WALK")


class HttpErrors(logging.Handler):
    """Counts the requests Odoo answered with an error (werkzeug's access log)."""

    def __init__(self):
        super().__init__(logging.INFO)
        self.errors = []

    def emit(self, record):
        status = record.args[1] if isinstance(record.args, tuple) and len(record.args) > 1 else ""
        if str(status)[:1] in ("4", "5"):
            self.errors.append(record.getMessage())


@skipUnless(WALK, "walked on demand: XERO_WALK=<folder>")
@tagged("post_install", "-at_install")
class TestJourneys(PlainSellerCase, HttpCase):
    browser_size = "{}x{}".format(*SIZE)

    def setUp(self):
        super().setUp()
        self.rep = new_test_user(
            self.env, "journey_rep", groups=f"{SELLER},{XERO_USER}", name="Rita Rep"
        )
        self.shots, self.timings = {}, {}

    def walk(self, url, tour, login):
        start = time.perf_counter()
        start_tour_taking(self, self.shots, url, f"xero_connector_tests.{tour}", login)
        self.timings[tour] = time.perf_counter() - start

    def test_walk_the_journeys(self):
        overdue = self.plain_order()
        document = self.due(overdue, days_ago=10)
        self.pay(document, 100)
        # a paid order a drill was cut from
        self.connection.sudo().invoice_trigger = "confirm"
        changed = self.order([(self.drill, 3)], user_id=self.rep.id)
        self.run_until_settled()
        [paid] = self.invoiced(changed)
        self.pay(paid)
        changed.order_line.product_uom_qty = 2
        self.run_until_settled()
        # an opportunity asking for a quotation, its order confirmed
        self.connection.sudo().write(
            {"invoice_trigger": "stage", "invoice_stage_id": self.won_stage().id}
        )
        lead = self.env["crm.lead"].create(
            {
                "name": "Workshop fit-out",
                "type": "opportunity",
                "partner_id": self.customer.id,
                "user_id": self.plain_seller.id,
            }
        )
        lead.activity_schedule(
            "mail.mail_activity_data_call", summary="Convert to quote", user_id=self.plain_seller.id
        )
        self.order([(self.drill, 1)], opportunity_id=lead.id, user_id=self.plain_seller.id)
        unpaid = self.order([(self.saw, 2)])
        unpaid.action_xero_invoice()
        self.run_until_settled()
        paid_order = self.order([(self.saw, 1)])
        paid_order.action_xero_invoice()
        self.run_until_settled()
        self.pay(self.invoiced(paid_order)[0])
        lines = self.order([(self.drill, 2), (self.saw, 3)], user_id=self.rep.id)
        lines.order_line[0].write({"discount": 10.0})

        errors = HttpErrors()
        werkzeug = logging.getLogger("werkzeug")
        werkzeug.addHandler(errors)
        plain, action = "xero_figures_plain_seller", "/odoo/action-xero_connector.action_xero"
        journeys = [
            (f"{action}_dashboard", "journey_overview", "admin"),
            (f"/odoo/sales/{changed.id}", "journey_changed_paid_order", "admin"),
            (f"/odoo/sales/{lines.id}", "journey_order_lines", "admin"),
            (f"/odoo/crm/{lead.id}", "journey_won_deal", plain),
            ("/odoo/sales/new", "journey_rep_quotes_overdue", "journey_rep"),
            ("/odoo/sales/new", "journey_plain_quotes_overdue", plain),
            (f"/odoo/sales/{overdue.id}", "journey_plain_order", plain),
            (unpaid.get_portal_url(), "journey_customer_pays", None),
            (paid_order.get_portal_url(), "journey_customer_paid", None),
            (
                "/odoo/action-xero_connector.action_xero_config_settings",
                "journey_settings",
                "admin",
            ),
        ]
        try:
            for url, tour, login in journeys:
                self.walk(url, tour, login)
        finally:
            werkzeug.removeHandler(errors)
        self.assertEqual(len(self.shots), 10)
        self.assertEqual(errors.errors, [], "Odoo answered no request with an error")
        folder = Path(WALK)
        folder.mkdir(parents=True, exist_ok=True)
        for name, data in self.shots.items():
            (folder / f"{name}.png").write_bytes(data)
        # the walk's figures, for the note (shown by pytest -s)
        lines = [
            (
                f"journeys: {len(self.timings)} walked, {len(self.shots)} screenshots in "
                f"{folder}, 0 JavaScript errors (a tour fails on any), "
                f"{len(errors.errors)} HTTP errors"
            ),
            *(f"  {tour}: {seconds:.1f} s" for tour, seconds in self.timings.items()),
        ]
        sys.stdout.write("\n" + "\n".join(lines) + "\n")

    def won_stage(self):
        return self.env["crm.stage"].search([("is_won", "=", True)], limit=1)
