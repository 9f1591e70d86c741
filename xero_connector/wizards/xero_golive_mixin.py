import html

from odoo import api, fields, models
from odoo.exceptions import UserError

from ..exceptions import XeroError
from ..tools.actions import reopen

PREVIEW = 20  # names shown per category in the dry run


class XeroGoliveMixin(models.AbstractModel):
    """What the go-live wizards share: first the data to clean (``xero.data.audit``),
    then a dry run that counts and lists what going live would link, create in Xero,
    create in Odoo and leave to a person, then a test batch, then everything.

    Each wizard names the kinds of problems that concern it (``_xero_audit_kinds``)
    and has a count field ``audit_<kind>`` for each. The manager may go on with
    problems left: the sync copes with them one record at a time (a refusal is shown
    on the record), so it is a choice, and the wizard keeps who made it and what was
    left.
    """

    _name = "xero.golive.mixin"
    _description = "Go live with Xero sync"

    _xero_audit_kinds = ()  # kinds of xero.data.audit shown in the first step

    # ------------------------------------------------------------------ fields

    connection_id = fields.Many2one(
        "xero.connection",
        required=True,
        default=lambda self: self.env.company._xero_connection(),
    )
    company_id = fields.Many2one(related="connection_id.company_id", store=True)
    state = fields.Selection(
        [
            ("audit", "Clean data first"),
            ("draft", "Start"),
            ("planned", "Dry run done"),
            ("running", "Going live"),
            ("live", "Live"),
        ],
        default="audit",
    )
    progress = fields.Integer(readonly=True)
    progress_note = fields.Char("Now", readonly=True)
    requested_by_id = fields.Many2one("res.users", "Asked by", readonly=True)
    count_linked = fields.Integer("Already linked", readonly=True)
    count_link = fields.Integer("To link", readonly=True)
    count_create_xero = fields.Integer("To create in Xero", readonly=True)
    count_create_odoo = fields.Integer("To create in Odoo", readonly=True)
    count_review = fields.Integer("To review", readonly=True)
    preview = fields.Html(readonly=True, sanitize=True)
    nothing_to_do = fields.Boolean(compute="_compute_nothing_to_do")
    result = fields.Text(readonly=True)
    audit_clean = fields.Boolean("Nothing to clean", compute="_compute_xero_audit")
    audit_note = fields.Text("Not cleaned", readonly=True)
    audit_accepted_by_id = fields.Many2one("res.users", "Accepted by", readonly=True)

    # ------------------------------------------------------------------ compute

    @api.depends("count_link", "count_create_xero", "count_create_odoo", "count_review")
    def _compute_nothing_to_do(self):
        for wizard in self:
            wizard.nothing_to_do = not (
                wizard.count_link
                or wizard.count_create_xero
                or wizard.count_create_odoo
                or wizard.count_review
            )

    @api.depends("connection_id", "state")
    def _compute_xero_audit(self):
        """Counted again at each reading of the first step; nothing after it."""
        audit = self.env["xero.data.audit"]
        for wizard in self:
            counts = dict.fromkeys(wizard._xero_audit_kinds, 0)
            if wizard.state == "audit" and wizard.company_id:
                counts = audit._xero_audit(wizard.company_id, wizard._xero_audit_kinds)
            for kind, count in counts.items():
                wizard[f"audit_{kind}"] = count
            wizard.audit_clean = not any(counts.values())

    # ------------------------------------------------------------------ actions

    def action_xero_audit_open(self):
        """Open the records to fix of the kind of problem the button names (its context's
        ``xero_audit``): a list, Odoo's merge wizard or the tax matrix."""
        self.ensure_one()
        self.env["xero.connection"]._check_xero_manager()
        kind = self.env.context.get("xero_audit")
        if kind not in self._xero_audit_kinds:
            raise UserError(self.env._("This wizard does not check %s.", kind))
        return self.env["xero.data.audit"]._xero_audit_action(self.company_id, kind)

    def action_xero_audit_refresh(self):
        """Count the problems again, after fixing some."""
        self.ensure_one()
        self.invalidate_recordset(["audit_clean", *self._xero_audit_fields()])
        return reopen(self)

    def action_xero_audit_continue(self):
        """Go on to the dry run; the problems left are accepted by the manager, and the
        wizard says which."""
        self.ensure_one()
        self._check_manager()
        counts = self.env["xero.data.audit"]._xero_audit(self.company_id, self._xero_audit_kinds)
        labels = self.fields_get(self._xero_audit_fields(), ["string"])
        left = [
            f"{labels[f'audit_{kind}']['string']}: {count}"
            for kind, count in counts.items()
            if count
        ]
        note = False
        if left:
            note = self.env._(
                "Went on without cleaning, as %(user)s accepted: %(left)s.",
                user=self.env.user.name,
                left="; ".join(left),
            )
        self.write(
            {
                "state": "draft",
                "audit_note": note,
                "audit_accepted_by_id": self.env.uid if left else False,
            }
        )
        return reopen(self)

    def action_go_live(self):
        """Go live in the background: reading every Xero record and linking and creating
        them takes minutes for tens of thousands; the window shows the progress and can
        be closed, and the manager is notified when it is done."""
        self.ensure_one()
        self._check_manager()
        self.write(
            {
                "state": "running",
                "progress": 0,
                "progress_note": self.env._("Waiting to start"),
                "requested_by_id": self.env.uid,
                "result": self.env._(
                    "Going live in the background: you may close this window, you will be "
                    "notified when it is done."
                ),
            }
        )
        self.env.ref("xero_connector.ir_cron_xero_golive")._trigger()
        return reopen(self)

    def action_refresh(self):
        """Show where going live stands now."""
        self.ensure_one()
        return reopen(self)

    # ------------------------------------------------------------------ business: background

    @api.model
    def _cron_xero_golive(self):
        """Cron: the go-lives asked for, each done and committed in turn."""
        cron = self.env["ir.cron"]
        for wizard in self.search([("state", "=", "running")]):
            cron._commit_progress(0)
            try:
                message, kind = wizard._xero_go_live(), "success"
            except (UserError, XeroError) as error:
                self.env.cr.rollback()
                self.env.invalidate_all()
                message = getattr(error, "message", None) or str(error)
                wizard.write({"state": "planned", "progress": 0, "result": message})
                kind = "danger"
            else:
                wizard._xero_progress(100, self.env._("Done"))
            wizard._xero_notify(message, kind)
            cron._commit_progress(1)

    def _xero_progress(self, percent, note):
        """Where going live stands, committed so the manager sees it move."""
        self.write({"progress": percent, "progress_note": note})
        self.env["ir.cron"]._commit_progress(0)

    def _xero_notify(self, message, kind):
        user = self.requested_by_id
        if user:
            user._bus_send(
                "simple_notification",
                {
                    "title": self.env["ir.model"]._get(self._name).name,
                    "message": message,
                    "type": kind,
                    "sticky": True,
                },
            )

    # ------------------------------------------------------------------ business

    def _xero_audit_fields(self):
        return [f"audit_{kind}" for kind in self._xero_audit_kinds]

    def _check_manager(self):
        self.env["xero.connection"]._check_xero_manager()
        if self.connection_id.state != "connected":
            raise UserError(self.env._("Connect the company to Xero first."))

    @api.model
    def _xero_counts(self, plan):
        return {
            "count_linked": plan["linked"],
            "count_link": len(plan["link"]),
            "count_create_xero": len(plan["create_xero"]),
            "count_create_odoo": len(plan["create_odoo"]),
            "count_review": len(plan["review"]),
        }

    @api.model
    def _xero_section(self, title, rows):
        """One heading of the dry run's list, with its first names."""
        shown = "".join(f"<li>{html.escape(row or '')}</li>" for row in rows[:PREVIEW])
        more = len(rows) - PREVIEW
        tail = f"<li>… {more}</li>" if more > 0 else ""
        return f"<h5>{html.escape(title)} ({len(rows)})</h5><ul>{shown}{tail}</ul>"
