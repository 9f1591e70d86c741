import uuid
from decimal import Decimal

from markupsafe import Markup

from odoo import api, fields, models

from ..exceptions import (
    XeroError,
    XeroNetworkError,
    XeroRateLimitError,
    XeroUnavailableError,
)
from ..models.product_product import TEST_CONTACT, tracking_text

# what is compared of each line sent, and the decimals a number is shown with
COMPARED = {
    "ItemCode": None,
    "Description": None,
    "Quantity": 4,
    "UnitAmount": 4,
    "DiscountRate": 2,
    "AccountCode": None,
    "TaxType": None,
    "Tracking": None,
    "LineAmount": 2,
}


class XeroProductTestInvoice(models.TransientModel):
    """A product's test sale in Xero, and its report.

    One draft invoice of the lines the product's preview shows (every kind of customer
    whose prices go to Xero as the first one's), for the test contact Xero makes from
    its name the first time and reuses after; read back; then deleted (status
    DELETED), whatever happened after it was made. The report sets what was sent
    against what Xero holds, field by field, with the tax Xero computed.
    """

    _name = "xero.product.test.invoice"
    _description = "Test invoice of a product in Xero"

    # ------------------------------------------------------------------ fields

    company_id = fields.Many2one(
        "res.company", required=True, readonly=True, default=lambda self: self.env.company
    )
    product_id = fields.Many2one(
        "product.product", required=True, readonly=True, ondelete="cascade"
    )
    state = fields.Selection(
        [
            ("deleted", "Accepted by Xero, then deleted"),
            ("refused", "Refused by Xero"),
            ("failed", "Not made in Xero"),
            ("left", "Left in Xero: delete it there"),
        ],
        "Outcome",
        readonly=True,
    )
    invoice_number = fields.Char("Test invoice", readonly=True)
    xero_id = fields.Char("Xero InvoiceID", readonly=True)
    deleted = fields.Boolean("Deleted in Xero", readonly=True)
    currency_id = fields.Many2one("res.currency", readonly=True)
    amount_tax = fields.Monetary("Tax Xero computed", readonly=True)
    amount_total = fields.Monetary("Total in Xero", readonly=True)
    odoo_amount_tax = fields.Monetary("Tax Odoo computed", readonly=True)
    differences = fields.Integer("Fields not as sent", readonly=True)
    summary = fields.Text(readonly=True)
    # [{"line", "customers", "field", "sent", "held", "same" (None: not compared)}]
    comparison = fields.Json(readonly=True)
    report = fields.Html("Sent and held", compute="_compute_report", sanitize=False)

    # ------------------------------------------------------------------ compute

    @api.depends("comparison")
    def _compute_report(self):
        for test in self:
            test.report = test._xero_report_html() if test.comparison else False

    # ------------------------------------------------------------------ business: the test

    @api.model
    def _xero_test(self, product):
        """The test invoice of ``product`` sent, read back and deleted: the record that
        reports it. What would stop it is raised before any call."""
        connection = self.env.company.sudo()._xero_connection()
        number = f"ODOO-TEST-{uuid.uuid4().hex[:10].upper()}"
        payload, sent, left_out = product._xero_test_invoice_payload(connection, number)
        values = {
            "product_id": product.id,
            "invoice_number": number,
            "currency_id": sent[0]["document"].currency_id.id,
            "odoo_amount_tax": sum(case["document"].amount_tax for case in sent),
        }
        with self.env["xero.connection.budget"]._xero_flushing(connection):
            values |= self._xero_send(connection, payload, sent)
        if left_out:
            values["summary"] += " " + self.env._(
                "Not on the test invoice (Xero takes prices with or without tax for a whole "
                "invoice): %s.",
                ", ".join(case["name"] for case in left_out),
            )
        return self.create(values)

    @api.model
    def _xero_send(self, connection, payload, sent):
        """Create, read back, delete (in a finally: nothing is left in Xero when the read
        fails): the report's values."""
        invoices = self.env["xero.order.invoice"]
        try:
            element = self._xero_create(connection, payload)
        except (XeroNetworkError, XeroUnavailableError) as error:
            return self._xero_lost_create(connection, payload["InvoiceNumber"], error)
        except XeroRateLimitError as error:
            return {
                "state": "failed",
                "summary": self.env._(
                    "Xero allows no more calls for now: try again in %(seconds)s seconds. "
                    "Nothing was made in Xero.",
                    seconds=error.retry_after,
                ),
            }
        except XeroError as error:
            return {
                "state": "failed",
                "summary": self.env._("Nothing was made in Xero: %s", error.message),
            }
        if not invoices._xero_accepted(element):
            return self._xero_refused(element)
        xero_id = element["InvoiceID"]
        held, read_error = element, None
        try:
            held = self._xero_read(connection, xero_id)
        except XeroError as error:
            read_error = error.message
        finally:
            delete_error = self._xero_delete(connection, xero_id)
        return self._xero_compared(payload, held, sent, read_error, delete_error) | {
            "xero_id": xero_id
        }

    @api.model
    def _xero_create(self, connection, payload):
        """Xero's answer for the draft (its element), as an invoice is sent."""
        answer = connection._xero_call_json(
            "create_invoices",
            {"Invoices": [payload]},
            summarize_errors=False,
            idempotency_key=f"test-{payload['InvoiceNumber']}",
            purpose="push",
            log=self._xero_log(self.env._("Test invoice %s", payload["InvoiceNumber"])),
            **self.env["xero.order.invoice"]._xero_push_options(connection),
        )
        return (answer.get("Invoices") or [{}])[0]

    @api.model
    def _xero_read(self, connection, xero_id):
        answer = connection._xero_call_json(
            "get_invoice",
            xero_id,
            unitdp=4,
            purpose="push",
            log=self._xero_log(self.env._("Test invoice read back"), direction="in"),
        )
        return (answer.get("Invoices") or [{}])[0]

    @api.model
    def _xero_delete(self, connection, xero_id):
        """Xero's error when the draft could not be deleted, or None. Not held back by the
        calls budget: a draft left in Xero costs more than one call over it."""
        try:
            answer = connection._xero_call_json(
                "update_invoice",
                xero_id,
                {"Invoices": [{"InvoiceID": xero_id, "Status": "DELETED"}]},
                log=self._xero_log(self.env._("Test invoice deleted")),
            )
        except XeroError as error:
            return error.message
        status = (answer.get("Invoices") or [{}])[0].get("Status")
        if status != "DELETED":
            return self.env._("Xero says the invoice is %s.", status or "?")
        return None

    @api.model
    def _xero_lost_create(self, connection, number, error):
        """No answer to the create: the draft Xero may have made is looked up by its
        number, and deleted."""
        try:
            answer = connection._xero_call_json(
                "get_invoices",
                invoice_numbers=[number],
                log=self._xero_log(self.env._("Test invoice looked up"), direction="in"),
            )
        except XeroError:
            return self._xero_outcome(number, None, error.message, unsure=True)
        made = [
            invoice
            for invoice in answer.get("Invoices") or []
            if invoice.get("InvoiceID") and invoice.get("Status") != "DELETED"
        ]
        if not made:
            return {
                "state": "failed",
                "summary": self.env._(
                    "Xero did not answer (%(error)s), and holds no draft %(number)s: nothing "
                    "was made.",
                    error=error.message,
                    number=number,
                ),
            }
        delete_error = self._xero_delete(connection, made[0]["InvoiceID"])
        summary = self.env._(
            "Xero's answer was lost (%(error)s); the draft it made was found.",
            error=error.message,
        )
        return {"xero_id": made[0]["InvoiceID"]} | self._xero_outcome(number, summary, delete_error)

    @api.model
    def _xero_refused(self, element):
        """Xero refused the draft: its own words, as it wrote them."""
        messages = [e.get("Message") for e in element.get("ValidationErrors") or []]
        for line in element.get("LineItems") or []:
            messages += [e.get("Message") for e in line.get("ValidationErrors") or []]
        said = "; ".join(m for m in messages if m) or self.env._("no reason given")
        return {
            "state": "refused",
            "summary": self.env._(
                "Xero refused the test invoice: %s. Nothing was made in Xero.", said
            ),
        }

    @api.model
    def _xero_outcome(self, number, summary, delete_error, unsure=False):
        """The state and the last words: deleted, or where to delete it by hand."""
        if not delete_error:
            deleted = self.env._("Deleted in Xero.")
            return {
                "state": "deleted",
                "deleted": True,
                "summary": f"{summary} {deleted}" if summary else deleted,
            }
        left = self.env._(
            "It could not be deleted (%(error)s): in Xero, delete the draft %(number)s of "
            "the contact “%(contact)s”.",
            error=delete_error,
            number=number,
            contact=TEST_CONTACT,
        )
        if unsure:
            left = self.env._(
                "Xero did not answer (%(error)s) and could not be asked again: if Xero "
                "holds a draft %(number)s of the contact “%(contact)s”, delete it there.",
                error=delete_error,
                number=number,
                contact=TEST_CONTACT,
            )
        return {"state": "left", "summary": f"{summary} {left}" if summary else left}

    # ------------------------------------------------------------------ business: the report

    @api.model
    def _xero_compared(self, payload, held, sent, read_error, delete_error):
        """Each line's fields as sent and as Xero holds them, Xero's tax and total."""
        rows, index = [], 0
        held_lines = held.get("LineItems") or []
        for case in sent:
            for line in case["lines"]:
                mine = held_lines[index] if index < len(held_lines) else {}
                index += 1
                rows += self._xero_line_rows(index, case["name"], line, mine)
        differences = sum(1 for row in rows if row["same"] is False)
        currency = sent[0]["document"].currency_id
        tax, total = float(held.get("TotalTax") or 0), float(held.get("Total") or 0)
        summary = self.env._(
            "Xero accepted the draft %(number)s (%(lines)s lines) for the contact "
            "“%(contact)s”: %(fields)s. Xero computed %(tax)s of tax (Odoo: %(odoo)s), a "
            "total of %(total)s.",
            number=held.get("InvoiceNumber") or payload["InvoiceNumber"],
            lines=len(payload["LineItems"]),
            contact=TEST_CONTACT,
            fields=self.env._("every field as sent")
            if not differences
            else self.env._("%s fields not as sent (marked below)", differences),
            tax=currency.format(tax),
            odoo=currency.format(sum(case["document"].amount_tax for case in sent)),
            total=currency.format(total),
        )
        if read_error:
            summary += " " + self.env._(
                "It could not be read back (%s): compared with Xero's answer to the create.",
                read_error,
            )
        return self._xero_outcome(payload["InvoiceNumber"], summary, delete_error) | {
            "comparison": rows,
            "differences": differences,
            "amount_tax": tax,
            "amount_total": total,
        }

    @api.model
    def _xero_line_rows(self, number, customers, sent, held):
        """The report's rows of one line: each field sent against Xero's, then the tax
        Xero computed for the line."""
        rows = []
        for key, digits in COMPARED.items():
            if key not in sent and key not in held:
                continue
            mine, theirs = _shown(sent.get(key), digits), _shown(held.get(key), digits)
            rows.append(
                {
                    "line": number,
                    "customers": customers,
                    "field": key,
                    "sent": mine,
                    "held": theirs,
                    "same": mine == theirs,
                }
            )
        rows.append(
            {
                "line": number,
                "customers": customers,
                "field": "TaxAmount",
                "sent": "",
                "held": _shown(held.get("TaxAmount"), 2),
                "same": None,
            }
        )
        return rows

    def _xero_report_html(self):
        self.ensure_one()
        labels = {
            "ItemCode": self.env._("Item code"),
            "Description": self.env._("Description"),
            "Quantity": self.env._("Quantity"),
            "UnitAmount": self.env._("Unit price"),
            "DiscountRate": self.env._("Discount (%)"),
            "AccountCode": self.env._("Account"),
            "TaxType": self.env._("Tax type"),
            "Tracking": self.env._("Tracking"),
            "LineAmount": self.env._("Amount"),
            "TaxAmount": self.env._("Tax Xero computed"),
        }
        marks = {True: "✓", False: self.env._("✗ not as sent"), None: ""}
        headers = [
            self.env._("Line"),
            self.env._("Customers"),
            self.env._("Field"),
            self.env._("Sent"),
            self.env._("In Xero"),
            "",
        ]
        body = Markup("").join(
            Markup('<tr class="%s">%s</tr>')
            % (
                "table-danger" if row["same"] is False else "",
                Markup("").join(
                    Markup("<td>%s</td>") % cell
                    for cell in (
                        row["line"],
                        row["customers"],
                        labels.get(row["field"], row["field"]),
                        row["sent"],
                        row["held"],
                        marks[row["same"]],
                    )
                ),
            )
            for row in self.comparison
        )
        head = Markup("").join(Markup("<th>%s</th>") % header for header in headers)
        return Markup(
            '<table class="table table-sm o_xero_test_invoice" style="white-space: '
            'pre-line"><thead><tr>%s</tr></thead><tbody>%s</tbody></table>'
        ) % (head, body)

    @api.model
    def _xero_log(self, message, direction="out"):
        return {"direction": direction, "message": message, "res_model": "product.product"}


def _shown(value, digits):
    """A value of a Xero line as the report shows it (numbers to ``digits`` decimals,
    tracking in words), so that what was sent and what Xero holds compare as text."""
    if value is None or value == "":
        return ""
    if isinstance(value, list):
        return tracking_text(sorted(value, key=lambda t: t.get("Name") or ""))
    if digits is not None:
        return f"{Decimal(str(value)):.{digits}f}"
    return str(value)
