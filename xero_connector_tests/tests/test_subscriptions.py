"""Subscriptions: an order's recurring lines billed by a Xero repeating invoice, the
invoices Xero generates linked back to the order, changes that replace the template
without skipping or doubling a period, pause, resume, end and cancel, back-dated starts,
tracked items, and the daily check of the templates (issue 23)."""

from datetime import date, timedelta
from decimal import Decimal

from dateutil.relativedelta import relativedelta

from odoo.exceptions import AccessError, UserError
from odoo.fields import Command
from odoo.tests import TransactionCase, tagged

from .test_invoices import InvoiceCase


class SubscriptionCase(InvoiceCase):
    """Kauri Tools invoicing its orders in Xero, selling a monthly support plan."""

    def setUp(self):
        super().setUp()
        self.plan = self.product("SUB-SUP", "Support plan", 100.0)
        self.plan.product_tmpl_id.xero_recurring = True
        self.licence = self.product("SUB-LIC", "Licence seat", 12.5)
        self.licence.product_tmpl_id.write({"xero_recurring": True, "xero_recurring_unit": "year"})
        self.run_until_settled()  # the products are items in Xero
        self.today = self.books.today()

    # ---------------------------------------------------------------- helpers

    def templates(self, live=True):
        """Xero's repeating invoices (not deleted ones when ``live``), oldest first."""
        return [
            t
            for t in self.books.repeating_invoices.values()
            if not live or t["Status"] != "DELETED"
        ]

    def generated(self, template=None):
        """The invoices Xero generated (of one template), by date."""
        invoices = [
            i
            for i in self.books.invoices.values()
            if i.get("RepeatingInvoiceID")
            and (template is None or i["RepeatingInvoiceID"] == template["RepeatingInvoiceID"])
        ]
        return sorted(invoices, key=lambda i: (i["Date"], i["InvoiceNumber"]))

    def months_pass(self, months=1):
        """The sandbox clock moves on by whole months (Xero generates what falls due) and
        Odoo reads what changed (the poll), month by month (as Odoo renews its tokens every
        half hour, the 60 days of a refresh token never run out)."""
        for _month in range(months):
            now = self.sandbox.clock.now()
            self.sandbox.clock.set(now + relativedelta(months=1))
            self.sandbox.run_schedules()
            self.poll()
            self.run_until_settled()

    def poll(self):
        self.sandbox.clock.advance(2)
        self.run_cron(self.poll_cron)

    def subscribe(self, lines=None, confirm=True, **values):
        """A confirmed order with a one-off drill and the monthly support plan (by
        default), billed by Xero from today, and Xero's answer read."""
        order = self.order(lines or [(self.drill, 1), (self.plan, 2)], confirm=confirm, **values)
        if confirm:
            self.run_until_settled()
            self.poll()
            self.run_until_settled()
        return order


@tagged("post_install", "-at_install")
class TestSubscriptionTemplate(SubscriptionCase, TransactionCase):
    def test_a_confirmed_recurring_order_is_one_template_and_its_one_off_lines_one_invoice(self):
        order = self.subscribe(client_order_ref="PO-9")
        self.assertTrue(order.xero_recurring)
        order.action_xero_invoice()
        self.run_until_settled()
        [template] = self.templates()
        # every field Xero received, against the Odoo value it comes from
        self.assertEqual(template["Type"], "ACCREC")
        self.assertEqual(template["Status"], "AUTHORISED")
        self.assertEqual(template["Reference"], f"{order.name} / PO-9")
        self.assertEqual(template["CurrencyCode"], order.currency_id.name)
        schedule = template["Schedule"]
        self.assertEqual((schedule["Period"], schedule["Unit"]), (1, "MONTHLY"))
        self.assertEqual(schedule["StartDate"], self.today)
        self.assertEqual(
            (schedule["DueDate"], schedule["DueDateType"]), (0, "DAYSAFTERINVOICEDATE")
        )
        self.assertIsNone(schedule.get("EndDate"))
        [line] = [line for line in template["LineItems"] if "Quantity" in line]
        plan_line = order.order_line.filtered(lambda ol: ol.product_id == self.plan)
        self.assertEqual(line["ItemCode"], "SUB-SUP")
        self.assertEqual(line["Quantity"], Decimal("2.0000"))
        self.assertEqual(
            line["UnitAmount"], Decimal(str(plan_line.price_unit)).quantize(Decimal("0.01"))
        )
        self.assertEqual(line["AccountCode"], "200")
        # item, account, tax type, quantity, unit price, discount and line amount, each
        # against the order line (nothing left over: no rounding line)
        self.assertEqual(self.assert_exact_lines(order, template, plan_line), [])
        self.assertEqual(
            Decimal(str(template["Total"])),
            Decimal(str(plan_line.price_total)).quantize(Decimal("0.01")),
        )
        self.assertEqual(template["LineAmountTypes"], "Exclusive")
        self.assertEqual((template["ApprovedForSending"], template["MarkAsSent"]), (False, False))
        # the drill is invoiced once, alone
        [one_off] = [i for i in self.invoiced(order) if not i.get("RepeatingInvoiceID")]
        self.assertEqual([line["ItemCode"] for line in one_off["LineItems"]], ["INV-DRL"])
        self.assertEqual(order.invoice_status, "invoiced", "the recurring lines are Xero's to bill")
        subscription = order.sudo().xero_subscription_id
        self.assertEqual(subscription.state, "running")
        self.assertEqual(subscription.mrr, plan_line.price_subtotal)
        self.assertEqual(subscription.arr, plan_line.price_subtotal * 12)

    def test_xero_generates_each_month_and_the_order_gets_each_invoice_once(self):
        order = self.subscribe()
        subscription = order.sudo().xero_subscription_id
        # a start of today: Xero made the first invoice at once
        self.assertEqual(len(self.generated()), 1)
        self.months_pass()
        self.months_pass()
        generated = self.generated()
        self.assertEqual(
            [i["Date"] for i in generated],
            [
                self.today,
                self.today + relativedelta(months=1),
                self.today + relativedelta(months=2),
            ],
        )
        invoices = subscription.invoice_ids.sorted("date")
        self.assertEqual(invoices.mapped("number"), [i["InvoiceNumber"] for i in generated])
        self.assertEqual(invoices.mapped("order_id"), order)
        self.assertEqual(subscription.invoice_count, 3)
        self.assertEqual(order.xero_next_invoice_date, self.today + relativedelta(months=3))
        for invoice, document in zip(invoices, generated, strict=True):
            self.assertEqual(invoice.amount_total, float(document["Total"]))
            self.assertEqual(invoice.status, "AUTHORISED")
        self.assertEqual(subscription.amount_unpaid, sum(float(d["Total"]) for d in generated))
        # read again by another poll: nothing is linked twice
        self.poll()
        self.assertEqual(len(subscription.invoice_ids), 3)
        # paid in Xero: the order says so
        self.pay(generated[0])
        self.assertEqual(invoices[0].payment_status, "paid")

    def test_an_invoice_paid_in_xero_the_second_it_is_generated_reaches_the_order_paid(self):
        order = self.subscribe([(self.plan, 1)], xero_recurring_start=self.today + timedelta(5))
        self.sandbox.clock.set(self.sandbox.clock.now() + timedelta(days=6))
        self.sandbox.run_schedules()
        [generated] = self.generated()
        self.pay(generated, read=False)  # the customer pays before Odoo ever read it
        self.poll()
        self.run_until_settled()
        [invoice] = order.sudo().xero_subscription_id.invoice_ids
        self.assertEqual(invoice.number, generated["InvoiceNumber"])
        self.assertEqual((invoice.status, invoice.payment_status), ("PAID", "paid"))
        self.assertEqual(order.sudo().xero_subscription_id.amount_unpaid, 0.0)
        self.assertTrue(order.xero_paid_on, "the order shows it paid")

    def test_a_change_replaces_the_template_and_no_period_is_skipped_or_doubled(self):
        order = self.subscribe()
        self.months_pass()
        [first] = self.templates()
        plan_line = order.order_line.filtered(lambda ol: ol.product_id == self.plan)
        before = len(self.api_calls())
        order.write({"order_line": [Command.update(plan_line.id, {"product_uom_qty": 3})]})
        self.run_until_settled()
        # every call the replacement causes: read where the old one is, make the new one,
        # delete the old one
        self.assertEqual(
            [(c["method"], c["path"]) for c in self.api_calls()[before:]],
            [
                ("GET", "/api.xro/2.0/RepeatingInvoices"),
                ("PUT", "/api.xro/2.0/RepeatingInvoices"),
                ("POST", "/api.xro/2.0/RepeatingInvoices"),
            ],
        )
        [second] = self.templates()
        self.assertNotEqual(second["RepeatingInvoiceID"], first["RepeatingInvoiceID"])
        self.assertEqual(
            self.books.repeating_invoices[first["RepeatingInvoiceID"]]["Status"], "DELETED"
        )
        self.assertEqual(second["Schedule"]["StartDate"], self.today + relativedelta(months=2))
        self.assertEqual(second["LineItems"][0]["Quantity"], Decimal("3.0000"))
        self.months_pass(2)
        dates = [i["Date"] for i in self.generated()]
        self.assertEqual(
            dates, [self.today + relativedelta(months=n) for n in range(4)], "one invoice a month"
        )
        subscription = order.sudo().xero_subscription_id
        self.assertEqual(subscription.mrr, 300.0)
        self.assertEqual(len(subscription.template_ids), 2)
        # the quantity invoiced of the line is the subscription's, once
        self.assertEqual(plan_line.qty_invoiced, 3)

    def test_a_replacement_starts_where_xero_is_even_when_odoo_has_not_heard_yet(self):
        order = self.subscribe()
        # Xero generates next month's invoice; Odoo has not read it yet
        self.sandbox.clock.set(self.sandbox.clock.now() + relativedelta(months=1))
        self.sandbox.run_schedules()
        subscription = order.sudo().xero_subscription_id
        self.assertEqual(subscription.next_date, self.today + relativedelta(months=1))
        plan_line = order.order_line.filtered(lambda ol: ol.product_id == self.plan)
        plan_line.product_uom_qty = 5
        self.run_until_settled()
        [template] = self.templates()
        self.assertEqual(template["Schedule"]["StartDate"], self.today + relativedelta(months=2))
        self.months_pass()
        dates = [i["Date"] for i in self.generated()]
        self.assertEqual(dates, [self.today + relativedelta(months=n) for n in range(3)])

    def test_a_line_made_recurring_after_confirmation_starts_it_and_none_left_ends_it(self):
        order = self.order([])
        order.write(
            {
                "order_line": [
                    Command.create({"display_type": "line_section", "name": "Tools"}),
                    Command.create({"product_id": self.drill.id, "product_uom_qty": 1}),
                    Command.create({"display_type": "line_section", "name": "Care"}),
                    Command.create(
                        {"product_id": self.saw.id, "product_uom_qty": 1, "xero_recurring": False}
                    ),
                ]
            }
        )
        self.assertFalse(order.xero_subscription_id)
        saw_line = order.order_line.filtered(lambda ol: ol.product_id == self.saw)
        saw_line.xero_recurring = True
        self.run_until_settled()
        subscription = order.sudo().xero_subscription_id
        self.assertEqual(subscription.state, "running")
        [template] = self.templates()
        self.assertEqual(
            [line["Description"] for line in template["LineItems"]],
            ["Care", saw_line.name],
            "the section before the recurring line, not the one-off lines' one",
        )
        saw_line.xero_recurring = False
        self.run_until_settled()
        self.assertEqual(subscription.state, "ended")
        self.assertEqual(self.templates(), [])

    def test_a_save_that_changes_nothing_recurring_keeps_the_template(self):
        order = self.subscribe()
        order.write({"note": "Thanks"})
        order.write({"xero_recurring_interval": 1})
        self.run_until_settled()
        self.assertEqual(len(self.templates(live=False)), 1)

    def test_a_schedule_change_replaces_the_template(self):
        order = self.subscribe()
        order.write({"xero_recurring_interval": 3, "xero_recurring_due_days": 14})
        self.run_until_settled()
        [template] = self.templates()
        self.assertEqual(template["Schedule"]["Period"], 3)
        self.assertEqual(template["Schedule"]["DueDate"], 14)
        self.assertEqual(template["Schedule"]["StartDate"], self.today + relativedelta(months=1))
        self.assertEqual(order.sudo().xero_subscription_id.mrr, 66.67)

    def test_pause_resume_end(self):
        order = self.subscribe()
        subscription = order.sudo().xero_subscription_id
        order.action_xero_pause_subscription()
        self.run_until_settled()
        self.assertEqual(self.templates(), [], "paused: Xero bills nothing")
        self.assertEqual((subscription.state, subscription.mrr), ("paused", 0.0))
        self.months_pass(2)
        self.assertEqual(len(self.generated()), 1, "nothing billed while paused")
        order.action_xero_resume_subscription()
        self.run_until_settled()
        [template] = self.templates()
        resumed_on = self.today + relativedelta(months=2)
        self.assertEqual(template["Schedule"]["StartDate"], resumed_on, "today: a billing day")
        self.poll()
        self.assertEqual(len(subscription.invoice_ids), 2)
        self.assertEqual((subscription.state, subscription.mrr), ("running", 200.0))
        with self.assertRaises(UserError):
            order.action_xero_resume_subscription()
        order.action_xero_end_subscription()
        self.run_until_settled()
        self.assertEqual(self.templates(), [])
        self.assertEqual(subscription.state, "ended")
        self.assertEqual(len(subscription.invoice_ids), 2, "the invoices made stay")

    def test_cancelling_deletes_the_template_and_voids_what_is_unpaid(self):
        order = self.subscribe()
        order._action_cancel()
        self.run_until_settled()
        self.assertEqual(self.templates(), [])
        self.assertEqual(order.sudo().xero_subscription_id.state, "cancelled")
        [generated] = self.generated()
        self.assertEqual(self.books.invoices[generated["InvoiceID"]]["Status"], "VOIDED")

    def test_an_end_date_is_the_template_s_and_the_subscription_ends_with_it(self):
        end = self.today + relativedelta(months=1)
        order = self.subscribe(xero_recurring_end=end)
        [template] = self.templates()
        self.assertEqual(template["Schedule"]["EndDate"], end)
        self.months_pass(3)
        self.assertEqual(len(self.generated()), 2)
        self.assertEqual(order.sudo().xero_subscription_id.state, "ended")


@tagged("post_install", "-at_install")
class TestSubscriptionStart(SubscriptionCase, TransactionCase):
    def test_a_past_start_is_refused_until_the_user_says_so_with_the_count(self):
        start = self.today - relativedelta(months=2)
        order = self.order([(self.plan, 1)], confirm=False, xero_recurring_start=start)
        self.assertEqual(order.xero_recurring_back_count, 3)
        with self.assertRaisesRegex(UserError, "3 invoice"):
            order.action_confirm()
        self.assertEqual(order.state, "draft")
        order.xero_recurring_back_ok = True
        order.action_confirm()
        self.run_until_settled()
        self.poll()
        self.assertEqual(
            [i["Date"] for i in self.generated()],
            [start, start + relativedelta(months=1), start + relativedelta(months=2)],
        )
        self.assertEqual(order.sudo().xero_subscription_id.invoice_count, 3)

    def test_a_future_start_generates_nothing_until_its_day(self):
        start = self.today + timedelta(days=10)
        quotation = self.order([(self.plan, 1)], confirm=False, xero_recurring_start=start)
        self.assertFalse(quotation.xero_recurring_back_note, "nothing in the past to warn of")
        self.assertFalse(self.order([(self.drill, 1)], confirm=False).xero_recurring_back_note)
        self.subscribe([(self.plan, 1)], xero_recurring_start=start)
        self.assertEqual(self.generated(), [])
        self.months_pass()
        self.assertEqual([i["Date"] for i in self.generated()], [start])

    def test_a_product_gives_its_period_and_a_year_is_twelve_months(self):
        order = self.env["sale.order"].new({"partner_id": self.customer.id})
        order.order_line = [Command.create({"product_id": self.licence.id})]
        order._onchange_order_line_xero_recurrence()
        self.assertEqual(order.xero_recurring_unit, "year")
        order = self.subscribe([(self.licence, 4)], xero_recurring_unit="year")
        [template] = self.templates()
        self.assertEqual(
            (template["Schedule"]["Period"], template["Schedule"]["Unit"]), (12, "MONTHLY")
        )
        self.assertEqual(order.sudo().xero_subscription_id.mrr, round(50.0 / 12, 2))

    def test_tracked_items_make_a_draft_template_and_draft_invoices(self):
        self.plan.product_tmpl_id.xero_track_inventory = True
        self.connection.sudo().write(
            {
                "inventory_account_id": self.account("630").id,
                "cogs_account_id": self.account("310").id,
            }
        )
        self.plan._xero_enqueue_push(self.connection)
        self.run_until_settled()
        order = self.subscribe([(self.plan, 1)])
        [template] = self.templates()
        self.assertEqual(template["Status"], "DRAFT")
        self.assertEqual([i["Status"] for i in self.generated()], ["DRAFT"])
        self.assertTrue(
            any("as a draft" in body for body in order.message_ids.mapped("body")),
            "the order says why Xero's invoices are drafts",
        )

    def test_the_daily_check_reads_all_templates_in_one_call_and_sees_a_deletion(self):
        order = self.subscribe()
        self.subscribe([(self.plan, 1)])
        [template, _other] = self.templates()
        subscription = order.sudo().xero_subscription_id
        owned = self.templates()
        mine = next(
            t
            for t in owned
            if t["RepeatingInvoiceID"]
            == subscription.template_id._xero_links(
                self.connection, ids=subscription.template_id.ids
            )[subscription.template_id.id].xero_id
        )
        with self.sandbox.lock:
            self.books.delete_repeating(mine, "Accountant")
        before = len(self.api_calls())
        self.run_cron(self.env.ref("xero_connector.ir_cron_xero_check_templates"))
        calls = self.api_calls()[before:]
        self.assertEqual([c["path"] for c in calls], ["/api.xro/2.0/RepeatingInvoices"])
        self.assertEqual(subscription.state, "ended")
        self.assertIn("deleted in Xero", order.message_ids[0].body)
        self.assertTrue(template)


@tagged("post_install", "-at_install")
class TestFollowUp(SubscriptionCase, TransactionCase):
    """A subscription's payment that does not come is followed up by its salesperson."""

    def setUp(self):
        super().setUp()
        self.kind = self.env.ref("xero_connector.mail_activity_type_xero_subscription_payment")
        self.seller = self.env["res.users"].create(
            {
                "name": "Sam Seller",
                "login": "sam-seller",
                "group_ids": [Command.link(self.env.ref("sales_team.group_sale_salesman").id)],
            }
        )
        self.leader = self.env["res.users"].create(
            {
                "name": "Lee Leader",
                "login": "lee-leader",
                "group_ids": [Command.link(self.env.ref("sales_team.group_sale_manager").id)],
            }
        )
        self.team = self.env["crm.team"].create({"name": "Renewals", "user_id": self.leader.id})
        self.customer.write({"phone": "+64 9 555 0101"})
        self.connection.sudo().overdue_alerts = True
        self.method = self.env.ref("payment.payment_method_unknown")
        self.provider = self.env["payment.provider"].create(
            {
                "name": "Card payments",
                "code": "none",
                "state": "test",
                "company_id": self.env.company.id,
                "payment_method_ids": [Command.set(self.method.ids)],
            }
        )
        self.method.active = True

    def follow_ups(self, order, user=None):
        return self.env["mail.activity"].search(
            [
                ("res_model", "=", "sale.order"),
                ("res_id", "=", order.id),
                ("activity_type_id", "=", self.kind.id),
                *([("user_id", "=", user.id)] if user else []),
            ]
        )

    def failed_payment(self, order, state="error"):
        count = self.env["payment.transaction"].search_count([])
        tx = (
            self.env["payment.transaction"]
            .sudo()
            .create(
                {
                    "provider_id": self.provider.id,
                    "payment_method_id": self.method.id,
                    "reference": f"{order.name}-F{count}",
                    "amount": 230.0,
                    "currency_id": order.currency_id.id,
                    "partner_id": order.partner_id.id,
                    "sale_order_ids": [Command.set(order.ids)],
                }
            )
        )
        if state == "error":
            tx._set_error("Card declined")
        else:
            tx._set_canceled()
        return tx

    def test_an_unpaid_due_date_raises_one_follow_up_and_the_subscription_is_at_risk(self):
        order = self.subscribe(
            user_id=self.seller.id, team_id=self.team.id, xero_recurring_due_days=7
        )
        subscription = order.sudo().xero_subscription_id
        self.assertFalse(subscription.at_risk)
        self.sandbox.clock.advance(9 * 86400)
        self.poll()
        self.run_cron(self.env.ref("xero_connector.ir_cron_xero_overdue_alerts"))
        self.run_cron(self.env.ref("xero_connector.ir_cron_xero_overdue_alerts"))
        [activity] = self.follow_ups(order)
        self.assertEqual(activity.user_id, self.seller)
        self.assertIn("Follow up the subscription payment", activity.summary)
        self.assertIn("$\xa0230.00", activity.summary)
        self.assertIn("accounts@ridgeway.example", activity.note)
        self.assertIn("+64 9 555 0101", activity.note)
        self.assertTrue(subscription.at_risk)
        self.assertTrue(order.xero_subscription_at_risk)
        # paid in Xero: the activity is done by itself and the risk gone
        [invoice] = self.generated()
        self.pay(invoice)
        self.run_cron(self.env.ref("xero_connector.ir_cron_xero_overdue_alerts"))
        self.assertFalse(self.follow_ups(order).filtered("active"))
        self.assertFalse(subscription.at_risk)

    def test_a_failed_online_payment_raises_one_follow_up_and_a_second_escalates(self):
        order = self.subscribe(user_id=self.seller.id, team_id=self.team.id)
        subscription = order.sudo().xero_subscription_id
        self.failed_payment(order)
        [activity] = self.follow_ups(order, self.seller)
        self.assertIn("online payment failed", activity.summary)
        self.assertIn("Card declined", activity.summary)
        self.assertTrue(subscription.at_risk)
        # not overdue yet, still due: the follow-up stays open
        self.run_cron(self.env.ref("xero_connector.ir_cron_xero_overdue_alerts"))
        self.assertTrue(activity.active)
        self.failed_payment(order, state="cancel")
        self.assertEqual(len(self.follow_ups(order, self.seller)), 1, "one activity, not two")
        [escalated] = self.follow_ups(order, self.leader)
        self.assertIn("Escalated", escalated.summary)
        [invoice] = self.generated()
        self.pay(invoice)
        self.run_cron(self.env.ref("xero_connector.ir_cron_xero_overdue_alerts"))
        self.assertFalse(self.follow_ups(order).filtered("active"))
        self.assertFalse(subscription.at_risk)

    def test_a_failed_payment_of_an_order_without_subscription_changes_nothing(self):
        order = self.order([(self.drill, 1)], user_id=self.seller.id)
        order.action_xero_invoice()
        self.run_until_settled()
        self.failed_payment(order)
        self.assertFalse(self.follow_ups(order))


@tagged("post_install", "-at_install")
class TestRecurringRevenue(SubscriptionCase, TransactionCase):
    """MRR and its movements over February 2027, against figures worked out by hand."""

    def version(self, partner, mrr, made, ended=None, subscription=None):
        """A version of a subscription of ``partner`` worth ``mrr`` a month, made on
        ``made`` and replaced (paused, ended...) on ``ended``."""
        if not subscription:
            order = self.env["sale.order"].create({"partner_id": partner.id})
            subscription = (
                self.env["xero.subscription"]
                .sudo()
                .create({"order_id": order.id, "connection_id": self.connection.id})
            )
        self.env["xero.subscription.template"].sudo().with_context(xero_inbound=True).create(
            {
                "subscription_id": subscription.id,
                "order_id": subscription.order_id.id,
                "connection_id": self.connection.id,
                "partner_id": partner.id,
                "currency_id": self.env.company.currency_id.id,
                "date": made,
                "interval": 1,
                "unit": "month",
                "mrr": mrr,
                "valid_to": ended,
            }
        )
        return subscription

    def test_movements_over_a_month_match_the_hand_computed_figures(self):
        names = "ABCDEFGH"
        partners = {n: self.env["res.partner"].create({"name": f"Customer {n}"}) for n in names}
        d = date
        self.version(partners["A"], 100, d(2027, 1, 10))
        b = self.version(partners["B"], 200, d(2027, 1, 5), d(2027, 2, 10))
        self.version(partners["B"], 300, d(2027, 2, 10), subscription=b)
        c = self.version(partners["C"], 150, d(2027, 1, 1), d(2027, 2, 15))
        self.version(partners["C"], 50, d(2027, 2, 15), subscription=c)
        self.version(partners["D"], 80, d(2027, 1, 20), d(2027, 2, 20))  # cancelled
        self.version(partners["E"], 120, d(2027, 2, 5))  # new
        f = self.version(partners["F"], 60, d(2027, 1, 3), d(2027, 2, 3))  # paused...
        self.version(partners["F"], 60, d(2027, 2, 25), subscription=f)  # ...and resumed
        self.version(partners["G"], 40, d(2027, 2, 10), d(2027, 2, 20))  # in and out
        self.version(partners["H"], 30, d(2027, 1, 2))
        self.version(partners["H"], 20, d(2027, 1, 2), d(2027, 2, 12))  # one of two ended
        report = self.env["xero.subscription.report"].create(
            {"date_from": d(2027, 2, 1), "date_to": d(2027, 2, 28)}
        )
        figures = {
            name: report[name]
            for name in (
                "mrr_start",
                "new_mrr",
                "expansion_mrr",
                "contraction_mrr",
                "churned_mrr",
                "net_mrr",
                "mrr_end",
                "arr_end",
                "customers_start",
                "customers_end",
                "customers_lost",
                "logo_churn",
            )
        }
        self.assertEqual(
            figures,
            {
                "mrr_start": 640.0,  # A 100, B 200, C 150, D 80, F 60, H 50
                "new_mrr": 120.0,  # E
                "expansion_mrr": 100.0,  # B 200 -> 300
                "contraction_mrr": 120.0,  # C 150 -> 50, H 50 -> 30
                "churned_mrr": 80.0,  # D
                "net_mrr": 20.0,
                "mrr_end": 660.0,  # A 100, B 300, C 50, E 120, F 60, H 30
                "arr_end": 7920.0,
                "customers_start": 6,
                "customers_end": 6,
                "customers_lost": 1,
                "logo_churn": 16.67,
            },
        )
        # the running subscriptions' MRR is the same sum, in a plain read_group
        self.assertEqual(
            self.env["xero.subscription"]._xero_mrr_on(self.env.company, d(2027, 2, 28)),
            {
                partners[n].id: v
                for n, v in {"A": 100, "B": 300, "C": 50, "E": 120, "F": 60, "H": 50 - 20}.items()
            },
        )


@tagged("post_install", "-at_install")
class TestSummariesWithoutTemplate(SubscriptionCase, TransactionCase):
    """Xero does not say whether an invoice's summary (the poll's) names the repeating
    invoice that generated it: without it, the new invoices of a subscribed customer
    are read whole (one call per 50) and linked all the same."""

    sandbox_options = {"base_currency": "USD", "summary_names_repeating": False}

    def test_the_poll_alone_links_the_generated_invoices(self):
        order = self.subscribe()
        self.months_pass()
        subscription = order.sudo().xero_subscription_id
        self.assertEqual(
            subscription.invoice_ids.mapped("number"),
            [i["InvoiceNumber"] for i in reversed(self.generated())],
        )
        reads = [
            c
            for c in self.api_calls()
            if c["path"] == "/api.xro/2.0/Invoices" and "ids" in (c.get("query") or {})
        ]
        self.assertTrue(reads, "read whole by their ids")


@tagged("post_install", "-at_install")
class TestSubscriptionAccess(SubscriptionCase, TransactionCase):
    def test_a_salesperson_runs_their_subscription_without_seeing_xero_figures(self):
        seller = self.env["res.users"].create(
            {
                "name": "Sally Sales",
                "login": "sally-sales",
                "group_ids": [Command.link(self.env.ref("sales_team.group_sale_salesman").id)],
            }
        )
        order = (
            self.env["sale.order"]
            .with_user(seller)
            .create(
                {
                    "partner_id": self.customer.id,
                    "order_line": [Command.create({"product_id": self.plan.id})],
                }
            )
        )
        self.assertTrue(order.order_line.xero_recurring, "the product's default")
        order.action_confirm()
        self.run_until_settled()
        self.poll()
        self.assertEqual(order.xero_subscription_state, "running")
        self.assertEqual(order.xero_next_invoice_date, self.today + relativedelta(months=1))
        self.assertEqual(order.xero_subscription_invoices, 1)
        with self.assertRaises(AccessError):
            self.env["xero.subscription"].with_user(seller).search([])
        with self.assertRaises(AccessError):
            order.xero_subscription_id.with_user(seller).read(["mrr"])
        order.action_xero_pause_subscription()
        self.run_until_settled()
        self.assertEqual(order.xero_subscription_state, "paused")
        # another salesperson's order: not theirs to change
        other = self.subscribe([(self.plan, 1)])
        other.user_id = self.env.ref("base.user_admin")
        self.env["ir.rule"].sudo().create(
            {
                "name": "own orders only (test)",
                "model_id": self.env.ref("sale.model_sale_order").id,
                "domain_force": "[('user_id', '=', user.id)]",
                "groups": [Command.link(self.env.ref("sales_team.group_sale_salesman").id)],
            }
        )
        with self.assertRaises(AccessError):
            other.with_user(seller).action_xero_pause_subscription()
