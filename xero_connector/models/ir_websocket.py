from odoo import models

from .xero_link import LIVE_CHANNEL

# the channel a form asks for: the user's companies' channels are given instead
LIVE_REQUEST = "xero_connector.sync_state"


class IrWebsocket(models.AbstractModel):
    _inherit = "ir.websocket"

    def _build_bus_channel_list(self, channels):
        """Override of `bus` to let an internal user's open forms hear when the sync
        state of records of the user's companies changes (never a portal user's). The
        messages name records only, never figures: a salesperson's order form shows its
        pay link and "Paid in Xero" as soon as Xero says so."""
        channels = list(channels)  # the caller's list is left alone
        if LIVE_REQUEST in channels:
            channels.remove(LIVE_REQUEST)
            user = self.env.user
            if user._is_internal():
                channels.extend((company, LIVE_CHANNEL) for company in user.company_ids)
        return super()._build_bus_channel_list(channels)
