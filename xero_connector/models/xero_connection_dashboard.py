import json
from datetime import timedelta

from odoo import fields, models
from odoo.fields import Domain

from ..const import GROUP_MANAGER, GROUP_USER

# hours of movement the Overview draws, one bar each
GRAPH_HOURS = 24
# failure reasons the Overview lists, most frequent first
TOP_FAILURES = 5


class XeroConnection(models.Model):
    """The Overview of each organisation: what moved, calls used, failures, the queue's
    age, what an administrator checks in the morning. Every figure is one grouped query
    over the sync log or the queue, whatever their size."""

    # one file per domain of settings, as core splits a model (account_journal_dashboard)
    _inherit = "xero.connection"  # pylint: disable=consider-merging-classes-inherited

    # ------------------------------------------------------------------ fields

    dashboard_out_graph = fields.Text(compute="_compute_dashboard_moved")
    dashboard_in_graph = fields.Text(compute="_compute_dashboard_moved")
    dashboard_moved_out = fields.Integer("Sent to Xero (24 h)", compute="_compute_dashboard_moved")
    dashboard_moved_in = fields.Integer("Read from Xero (24 h)", compute="_compute_dashboard_moved")
    dashboard_calls_used = fields.Integer("Calls used today", compute="_compute_dashboard_queue")
    dashboard_failures = fields.Json(compute="_compute_dashboard_queue")
    dashboard_queue_age = fields.Char("Oldest waiting work", compute="_compute_dashboard_queue")
    # revenue leakage: the open cases of the daily check
    dashboard_at_risk = fields.Monetary(
        "Revenue at risk",
        compute="_compute_dashboard_at_risk",
        currency_field="company_currency_id",
        groups=GROUP_USER,
    )
    dashboard_at_risk_count = fields.Integer(
        "Cases of revenue leakage", compute="_compute_dashboard_at_risk", groups=GROUP_USER
    )
    # the health check: the latest check of the organisation, its date and findings
    health_check_id = fields.Many2one(
        "xero.health.check",
        "Latest health check",
        compute="_compute_health_check",
        groups=GROUP_MANAGER,
    )
    health_check_date = fields.Date(
        "Health checked on", compute="_compute_health_check", groups=GROUP_MANAGER
    )
    health_finding_count = fields.Integer(
        "Health check findings", compute="_compute_health_check", groups=GROUP_MANAGER
    )

    # ------------------------------------------------------------------ compute

    def _compute_dashboard_moved(self):
        """Records moved each hour of the last day, each way (log lines of a record)."""
        now = fields.Datetime.now().replace(minute=0, second=0, microsecond=0)
        start = now - timedelta(hours=GRAPH_HOURS - 1)
        # grouped by the hours of UTC, as stored (the labels are in the user's time)
        groups = (
            self.env["xero.sync.log"]
            .sudo()
            .with_context(tz="UTC")
            ._read_group(
                Domain("connection_id", "in", self.ids)
                & Domain("create_date", ">=", start)
                & Domain("res_model", "!=", False)
                & Domain("outcome", "=", "ok"),
                ["connection_id", "direction", "create_date:hour"],
                ["__count"],
            )
        )
        counts = {
            (connection.id, direction, hour): count for connection, direction, hour, count in groups
        }
        hours = [start + timedelta(hours=n) for n in range(GRAPH_HOURS)]
        for connection in self:
            for direction, graph, total in (
                ("out", "dashboard_out_graph", "dashboard_moved_out"),
                ("in", "dashboard_in_graph", "dashboard_moved_in"),
            ):
                values = [counts.get((connection.id, direction, hour), 0) for hour in hours]
                connection[total] = sum(values)
                connection[graph] = json.dumps(
                    [
                        {
                            "key": direction,
                            "values": [
                                {
                                    "label": fields.Datetime.context_timestamp(
                                        connection, hour
                                    ).strftime("%H:00"),
                                    "value": value,
                                    "type": "past",
                                }
                                for hour, value in zip(hours, values, strict=True)
                            ],
                        }
                    ]
                )

    def _compute_dashboard_at_risk(self):
        figures = self.env["xero.leakage.case"]._xero_at_risk("connection_id", self.ids)
        for connection in self:
            amount, count = figures.get(connection.id, (0.0, 0))
            connection.dashboard_at_risk = amount
            connection.dashboard_at_risk_count = count

    def action_xero_open_leakage(self):
        """The open cases of revenue leakage of this organisation."""
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "xero_connector.action_xero_leakage_case"
        )
        action["domain"] = [("connection_id", "=", self.id)]
        return action

    def _compute_dashboard_queue(self):
        """Calls used today against the day's budget, failures by reason, and how long the
        oldest pending job has waited."""
        jobs = self.env["xero.sync.job"].sudo()
        failures = jobs._read_group(
            [("connection_id", "in", self.ids), ("state", "=", "error")],
            ["connection_id", "failure_type"],
            ["__count"],
        )
        reasons = dict(jobs._fields["failure_type"]._description_selection(self.env))
        oldest = dict(
            jobs._read_group(
                [("connection_id", "in", self.ids), ("state", "=", "pending")],
                ["connection_id"],
                ["create_date:min"],
            )
        )
        now = fields.Datetime.now()
        for connection in self:
            connection.dashboard_calls_used = max(
                connection.day_limit - connection.day_calls_left, 0
            )
            mine = sorted(
                ((count, kind) for owner, kind, count in failures if owner == connection),
                reverse=True,
            )[:TOP_FAILURES]
            connection.dashboard_failures = [
                {"reason": reasons.get(kind) or self.env._("Other"), "count": count}
                for count, kind in mine
            ]
            since = oldest.get(connection)
            connection.dashboard_queue_age = (
                _age(self.env, now - since) if since else self.env._("Nothing waiting")
            )

    # ------------------------------------------------------------------ the health check

    def _compute_health_check(self):
        checks = self.env["xero.health.check"].sudo()
        latest = dict(
            checks._read_group([("connection_id", "in", self.ids)], ["connection_id"], ["id:max"])
        )
        for connection in self:
            check = checks.browse(latest.get(connection) or ())
            connection.health_check_id = check
            connection.health_check_date = check.date
            connection.health_finding_count = check.finding_count

    def action_xero_health_check(self):
        """Check this organisation's sync now (one call to Xero): the check opens."""
        self.ensure_one()
        self._check_xero_manager()
        check = self.env["xero.health.check"]._xero_run(self)
        return self._xero_health_action(check)

    def action_xero_open_health_check(self):
        """The latest health check of this organisation, or its checks when none was made."""
        self.ensure_one()
        return self._xero_health_action(self.health_check_id)

    def _xero_health_action(self, check):
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "xero_connector.action_xero_health_check"
        )
        action["domain"] = [("connection_id", "=", self.id)]
        if check:
            action |= {"res_id": check.id, "view_mode": "form", "views": [[False, "form"]]}
        return action


def _age(env, delta):
    minutes = int(delta.total_seconds() // 60)
    if minutes < 1:
        return env._("Under a minute")
    if minutes < 120:
        return env._("%s min", minutes)
    return env._("%s h", minutes // 60)
