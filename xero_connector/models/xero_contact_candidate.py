from odoo import fields, models


class XeroContactCandidate(models.Model):
    """One possible match of a contact to review: a Xero contact or an Odoo partner."""

    _name = "xero.contact.candidate"
    _description = "Possible match of a contact to review"

    # ------------------------------------------------------------------ fields

    review_id = fields.Many2one("xero.contact.review", required=True, ondelete="cascade")
    company_id = fields.Many2one(related="review_id.company_id", store=True)
    partner_id = fields.Many2one("res.partner", "Customer", ondelete="cascade")
    xero_id = fields.Char("Xero ContactID")
    name = fields.Char()
    email = fields.Char()
    linked_partner_id = fields.Many2one(
        "res.partner", "Already linked to", help="The partner this Xero contact is linked to."
    )
    linked = fields.Boolean("Already linked", help="This partner is linked to another contact.")

    # ------------------------------------------------------------------ actions

    def action_choose(self):
        """Link the reviewed record with this candidate."""
        self.ensure_one()
        return self.review_id._xero_link_candidate(self)
