"""The Overview: what an administrator checks in the morning, per organisation (issue 14)."""

import json

from odoo.tests import HttpCase, TransactionCase, tagged

from .common import XeroSyncCase


class OverviewCase(XeroSyncCase):
    def setUp(self):
        super().setUp()
        self.good = self.customers(2, prefix="Overview Good")
        self.bad = self.customers(1, prefix="Overview Bad Mail", email="no-at-sign")
        self.run_queue()
        # one more waiting: the queue has work pending
        self.late = self.customers(1, prefix="Overview Late")


@tagged("post_install", "-at_install")
class TestOverviewFigures(OverviewCase, TransactionCase):
    def test_the_overview_counts_what_moved_calls_failures_and_the_queues_age(self):
        # in the user's timezone, as the Overview is drawn for them
        connection = self.connection.sudo().with_context(tz="Pacific/Auckland")
        connection.invalidate_recordset()
        self.assertEqual(connection.dashboard_moved_out, 2, "two customers sent")
        bars = json.loads(connection.dashboard_out_graph)[0]["values"]
        self.assertEqual(len(bars), 24, "one bar an hour")
        self.assertEqual(bars[-1]["value"], 2, "this hour")
        self.assertEqual(sum(bar["value"] for bar in bars), 2)
        self.assertEqual(connection.dashboard_calls_used, len(self.api_calls()))
        [failure] = connection.dashboard_failures
        self.assertEqual(failure["count"], 1)
        self.assertIn(failure["reason"], ("Caught before sending", "Refused by Xero"))
        self.assertIn(connection.dashboard_queue_age, ("Under a minute", "0 min", "1 min"))
        self.run_queue()
        connection.invalidate_recordset()
        self.assertEqual(connection.dashboard_queue_age, "Nothing waiting")
        self.assertEqual(connection.dashboard_moved_out, 3)

    def test_what_xero_sent_is_counted_the_other_way(self):
        contact_id = self.link_of(self.good[0]).xero_id
        self.accountant_edits(contact_id, Name="Overview Renamed in Xero")
        self.sandbox.clock.advance(2)
        self.run_cron(self.poll_cron)
        connection = self.connection.sudo()
        connection.invalidate_recordset()
        self.assertGreaterEqual(connection.dashboard_moved_in, 1)
        bars = json.loads(connection.dashboard_in_graph)[0]["values"]
        self.assertEqual(sum(bar["value"] for bar in bars), connection.dashboard_moved_in)


@tagged("post_install", "-at_install")
class TestOverviewTour(OverviewCase, HttpCase):
    def test_the_overview_shows_the_mornings_figures_and_the_sandbox(self):
        self.assertEqual(self.connection.sudo().dashboard_moved_out, 2)
        self.start_tour(
            "/odoo/action-xero_connector.action_xero_dashboard",
            "xero_connector_tests.administrator_reads_the_overview",
            login="admin",
        )
