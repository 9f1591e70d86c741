from odoo import models

from ..const import GROUP_USER
from .xero_link import LIVE_CHANNEL

# the channel a form asks for: the user's companies' channels are given instead
LIVE_REQUEST = "xero_connector.sync_state"


class IrWebsocket(models.AbstractModel):
    _inherit = "ir.websocket"

    def _build_bus_channel_list(self, channels):
        """Override of `bus` to let a Xero user's open forms hear when the sync state of
        records of the user's companies changes (never a portal user's)."""
        channels = list(channels)  # the caller's list is left alone
        if LIVE_REQUEST in channels:
            channels.remove(LIVE_REQUEST)
            user = self.env.user
            if user._is_internal() and user.has_group(GROUP_USER):
                channels.extend((company, LIVE_CHANNEL) for company in user.company_ids)
        return super()._build_bus_channel_list(channels)
