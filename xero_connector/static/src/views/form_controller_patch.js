import { onWillDestroy } from "@odoo/owl";
import { user } from "@web/core/user";
import { patch } from "@web/core/utils/patch";
import { FormController } from "@web/views/form/form_controller";

// the channel a form asks for (the server gives the user's companies' channels instead)
const LIVE_REQUEST = "xero_connector.sync_state";
// the message naming the records whose Xero sync state changed: [[model, id], ...]
const LIVE_TYPE = "xero_connector/sync_state";

/**
 * A form open on a record whose Xero sync state changes (the queue sent it, Xero
 * refused it, a change came from Xero) shows the new state without a reload, unless
 * the user has unsaved changes: those are never thrown away.
 */
patch(FormController.prototype, {
    setup() {
        super.setup(...arguments);
        const bus = this.env.services.bus_service;
        if (!bus) {
            return;
        }
        const onSyncState = (payload) => this.onXeroSyncState(payload);
        let listening = false;
        user.hasGroup("base.group_user").then((isInternal) => {
            if (isInternal && !this.xeroDestroyed) {
                listening = true;
                bus.subscribe(LIVE_TYPE, onSyncState);
                bus.addChannel(LIVE_REQUEST);
            }
        });
        onWillDestroy(() => {
            this.xeroDestroyed = true;
            if (listening) {
                bus.unsubscribe(LIVE_TYPE, onSyncState);
                bus.deleteChannel(LIVE_REQUEST);
            }
        });
    },

    async onXeroSyncState({ records }) {
        const root = this.model.root;
        const named = records.some(
            ([resModel, resId]) => resModel === root?.resModel && resId === root?.resId,
        );
        if (!named || (await root.isDirty())) {
            return;
        }
        await root.load();
    },
});
