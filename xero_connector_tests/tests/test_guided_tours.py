"""How the sync works (issue 24, part 5): the guided tours a new salesperson and a new
Xero manager start from where they work and follow to the end, in the browser; the
one-page help, and every screen's help pointing to its section."""

import json
import re
from html.parser import HTMLParser

from odoo.tests import HttpCase, TransactionCase, new_test_user, tagged
from odoo.tools import file_open

from .test_invoice_payments import PaymentCase

HELP_PAGE = "/xero_connector/static/description/how-the-sync-works.html"
SECTIONS = {
    "connect",
    "map",
    "go-live",
    "orders-to-invoices",
    "payments",
    "errors-and-resync",
    "subscriptions",
    "leakage",
    "health-check",
    "access",
}
SELLER = "sales_team.group_sale_salesman"
XERO_USER = "xero_connector.group_xero_user"
XERO_MANAGER = "xero_connector.group_xero_manager"
# what a user clicks to start the tour: the user menu's entry, the Overview's button
USER_MENU = [".o_user_menu button", ".dropdown-item[data-menu=xero_how_the_sync_works]"]
OVERVIEW = [".o_control_panel button:contains('How the sync works')"]
OVERVIEW_GEAR = [".o_control_panel .o_cp_action_menus button", ".o_xero_sales_tour"]
OVERVIEW_URL = "/odoo/action-xero_connector.action_xero_dashboard"
# the reports the manager's tour shows where their menus are: {key: word of the menu}
REPORTS = {"health-check": "health", "leakage": "leakage"}


class Anchors(HTMLParser):
    """The ids of a page's elements."""

    def __init__(self):
        super().__init__()
        self.ids = set()

    def handle_starttag(self, tag, attrs):
        self.ids.update(value for name, value in attrs if name == "id")


def page_ids(html):
    parser = Anchors()
    parser.feed(html)
    return parser.ids


@tagged("post_install", "-at_install")
class TestHelpPage(HttpCase):
    def test_the_help_page_is_served_with_its_sections(self):
        response = self.url_open(HELP_PAGE)
        self.assertEqual(response.status_code, 200)
        self.assertIn("text/html", response.headers["Content-Type"])
        self.assertLessEqual(SECTIONS, page_ids(response.text))
        self.assertIn("<title>How the sync works", response.text)


@tagged("post_install", "-at_install")
class TestScreensPointToTheHelp(TransactionCase):
    def test_every_screens_help_links_to_a_section_of_the_help_page(self):
        with file_open(f"xero_connector{HELP_PAGE.removeprefix('/xero_connector')}") as page:
            ids = page_ids(page.read())
        names = self.env["ir.model.data"].search(
            [("module", "=", "xero_connector"), ("model", "=", "ir.actions.act_window")]
        )
        actions = self.env["ir.actions.act_window"].browse(names.mapped("res_id"))
        # a list, kanban or report shows its help when it is empty; a dialog never does
        screens = actions.filtered(
            lambda a: a.target != "new" and re.search(r"list|kanban|graph|pivot", a.view_mode)
        )
        self.assertGreaterEqual(len(screens), 15)
        problems = []
        for action in screens:
            xmlid = action.get_external_id()[action.id]
            links = re.findall(
                rf'href="{re.escape(HELP_PAGE)}#([\w-]+)"[^>]*>How the sync works \u203a<',
                str(action.help or ""),
            )
            if not links:
                problems.append(f"{xmlid}: no link to the help page in its help")
            problems += [f"{xmlid}: no section #{link}" for link in set(links) - ids]
        self.assertEqual(problems, [])
        overview = self.env.ref("xero_connector.xero_connection_view_kanban")
        self.assertIn(f'href="{HELP_PAGE}"', overview.arch, "the Overview links to the page")


class GuidedTourCase(PaymentCase):
    """A company invoicing its orders in Xero (the sandbox); users new to it."""

    def setUp(self):
        super().setUp()
        self.seller = new_test_user(
            self.env, "xero_new_seller", groups=f"{SELLER},{XERO_USER}", name="Nina New"
        )

    def drive(self, url, login, driver, options, timeout=120):
        """Run a driver of xero_connector_tests/static/tests/tours/xero_guided_tours.js."""
        drivers = "odoo.loader.modules.get('@web/core/registry').registry.category("
        drivers += "'xero_connector_tests.drivers')"
        self.browser_js(
            url,
            f"{drivers}.get({driver!r})({json.dumps(options)})",
            ready=f"{drivers}.contains({driver!r})",
            login=login,
            timeout=timeout,
        )

    def follow(self, url, login, tour, entry, expected):
        """``login`` opens ``url``, clicks ``entry`` and follows the tour to its end, as
        the driver of xero_connector_tests/static/tests/tours/xero_guided_tours.js does;
        nothing the user has changes, and nothing is sent to Xero."""
        user = self.env["res.users"].search([("login", "=", login)])
        before = self.users_data()
        calls = len(self.api_calls())
        options = {"tour": f"xero_connector.tour_{tour}", "entry": entry, "expected": expected}
        self.drive(url, login, "follow_guided_tour", options)
        self.env.invalidate_all()
        self.assertEqual(self.users_data(), before, "the tour changed nothing")
        self.assertEqual(len(self.api_calls()), calls, "the tour sent nothing to Xero")
        self.assertFalse(user.tour_enabled, "Odoo's onboarding is left as it was")

    def users_data(self):
        """What a user could have changed by clicking: orders, customers, jobs."""
        orders = self.env["sale.order"].search([])
        jobs = self.env["xero.sync.job"].sudo().search([])
        return {
            "orders": sorted(orders.mapped(lambda o: (o.name, o.state, o.amount_total))),
            "customers": self.env["res.partner"].search_count([]),
            "jobs": sorted(jobs.mapped(lambda j: (j.id, j.state))),
            "invoices": self.env["xero.order.invoice"].sudo().search_count([]),
        }

    def report_steps(self, user):
        """The steps the manager's tour adds for the reports ``user`` has a menu of
        (other parts of the addon add them): in the Xero app, its section; elsewhere,
        the app and its section, then back to Xero."""
        menus = self.env["ir.ui.menu"].with_user(user)
        visible = menus._visible_menu_ids()
        xero_app = self.env.ref("xero_connector.menu_xero_root")
        steps, away = [], False
        for key, word in REPORTS.items():
            names = self.env["ir.model.data"].search(
                [
                    ("module", "=", "xero_connector"),
                    ("model", "=", "ir.ui.menu"),
                    ("name", "like", word),
                ]
            )
            found = menus.browse(names.mapped("res_id")).filtered(
                lambda m: m.id in visible and m.action and not m.child_id
            )
            if not found:
                continue
            menu = found.sorted(lambda m: (not m.parent_path.startswith(f"{xero_app.id}/"), m.id))[
                0
            ]
            depth = menu.parent_path.count("/")
            if not menu.parent_path.startswith(f"{xero_app.id}/"):
                steps += [f"manager.{key}-apps", f"manager.{key}-app"]
                away = True
            if depth > 2:
                steps.append(f"manager.{key}-section")
            steps.append(f"manager.{key}")
        if away:
            steps += ["manager.back-apps", "manager.back-app"]
        return steps


@tagged("post_install", "-at_install")
class TestSalespersonTour(GuidedTourCase, HttpCase):
    def test_a_new_salesperson_follows_the_tour_on_their_invoiced_order(self):
        order, _document = self.invoiced_order(user_id=self.seller.id)
        order.invalidate_recordset()
        self.assertEqual(order.xero_payment_status, "awaiting")
        self.assertTrue(order.xero_online_url, "the order has its pay link")
        self.follow(
            "/odoo",
            "xero_new_seller",
            "sales",
            USER_MENU,
            [
                "sales.apps",
                "sales.app",
                "sales.orders-menu",
                "sales.orders",
                "sales.order",
                "sales.status",
                "sales.pay-link",
                "sales.payment",
                "sales.error",
                "sales.invoices",
                "sales.activities",
            ],
        )

    def test_a_salesperson_is_shown_why_xero_refused_their_orders_invoice(self):
        export = self.sale_tax("Export 0%", 0)
        order = self.order([(self.drill, 1, 199.0, 0.0, export)], user_id=self.seller.id)
        order.action_xero_invoice()
        self.run_until_settled()
        self.assertIn("Export 0%", order.xero_invoice_problem)
        self.follow(
            "/odoo",
            "xero_new_seller",
            "sales",
            USER_MENU,
            [
                "sales.apps",
                "sales.app",
                "sales.orders-menu",
                "sales.orders",
                "sales.order",
                "sales.error",
                "sales.invoices",
                "sales.activities",
            ],
        )

    def test_a_salesperson_without_an_invoiced_order_is_shown_where_they_will_be(self):
        self.order([(self.drill, 1)], confirm=False, user_id=self.seller.id)
        self.follow(
            "/odoo/action-sale.action_quotations_with_onboarding",
            "xero_new_seller",
            "sales",
            USER_MENU,
            [
                "sales.apps",
                "sales.app",
                "sales.orders-menu",
                "sales.orders",
                "sales.filters",
                "sales.activities",
            ],
        )

    def test_the_entry_is_for_those_who_can_follow_the_tour(self):
        new_test_user(self.env, "xero_plain_seller", groups=SELLER)
        self.drive("/odoo", "xero_plain_seller", "look_in_user_menu", {"shown": False})
        self.drive("/odoo", "xero_new_seller", "look_in_user_menu", {"shown": True})

    def test_a_manager_takes_the_salespeoples_tour_from_the_overview(self):
        """To know what new salespeople are shown: the Overview's gear menu."""
        self.follow(
            OVERVIEW_URL,
            "admin",
            "sales",
            OVERVIEW_GEAR,
            [
                "sales.apps",
                "sales.app",
                "sales.orders-menu",
                "sales.orders",
                "sales.filters",
                "sales.activities",
            ],
        )


@tagged("post_install", "-at_install")
class TestManagerTour(GuidedTourCase, HttpCase):
    def test_a_new_xero_manager_follows_the_tour_from_the_overview(self):
        self.customers(1, prefix="Tour Bad Mail", email="tour-without-at")
        self.run_queue()
        self.assertEqual(self.jobs.search_count([("state", "=", "error")]), 1)
        manager = new_test_user(
            self.env, "xero_new_manager", groups=f"{SELLER},{XERO_MANAGER}", name="Max New"
        )
        self.follow(
            OVERVIEW_URL,
            "xero_new_manager",
            "manager",
            OVERVIEW,
            [
                "manager.apps",
                "manager.app",
                "manager.connect-menu",
                "manager.connections",
                "manager.map-menu",
                "manager.tax-map",
                "manager.matrix-menu",
                "manager.tax-matrix",
                "manager.golive-menu",
                "manager.overview",
                "manager.figures",
                "manager.failed-job",
                "manager.failure",
                "manager.queue",
                *self.report_steps(manager),
                "manager.end",
            ],
        )

    def test_the_administrator_connects_in_settings_and_takes_the_tour_from_the_user_menu(
        self,
    ):
        self.follow(
            "/odoo",
            "admin",
            "manager",
            USER_MENU,
            [
                "manager.apps",
                "manager.app",
                "manager.connect-menu",
                "manager.settings",
                "manager.connect",
                "manager.map-menu",
                "manager.tax-map",
                "manager.matrix-menu",
                "manager.tax-matrix",
                "manager.golive-menu",
                "manager.overview",
                "manager.figures",
                "manager.queue",
                *self.report_steps(self.env.ref("base.user_admin")),
                "manager.end",
            ],
        )
