from odoo import models

from ..const import GROUP_MANAGER, GROUP_USER

# the groups the guided tours "How the sync works" ask about as the web client starts
TOUR_GROUPS = (GROUP_USER, GROUP_MANAGER, "sales_team.group_sale_salesman")


class IrHttp(models.AbstractModel):
    _inherit = "ir.http"

    def session_info(self):
        """Override of `web`: the web client knows at once whether the user may follow a
        guided tour of the sync (a Xero manager, or a Xero user who sells), so that the
        user menu's entry is there from the first time it is opened."""
        info = super().session_info()
        if self.env.user._is_internal():
            info["groups"].update({group: self.env.user.has_group(group) for group in TOUR_GROUPS})
        return info
