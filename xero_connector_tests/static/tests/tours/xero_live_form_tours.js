import { rpc } from "@web/core/network/rpc";
import { registry } from "@web/core/registry";

/** The queue's cron, run now as the scheduler would (the tour runs as an administrator). */
async function runQueue() {
    const [cron] = await rpc("/web/dataset/call_kw/ir.model.data/search_read", {
        model: "ir.model.data",
        method: "search_read",
        args: [
            [
                ["module", "=", "xero_connector"],
                ["name", "=", "ir_cron_xero_process_queue"],
            ],
            ["res_id"],
        ],
        kwargs: {},
    });
    await rpc("/web/dataset/call_kw/ir.cron/method_direct_trigger", {
        model: "ir.cron",
        method: "method_direct_trigger",
        args: [[cron.res_id]],
        kwargs: {},
    });
}

/** Marks the page: a reload would lose the mark. */
const markThePage = {
    content: "Mark the page (a reload would lose the mark)",
    trigger: ".o_form_view",
    run: () => {
        window.xeroLiveFormMark = true;
    },
};

const pageNotReloaded = {
    content: "The page was never reloaded",
    trigger: ".o_form_view",
    run: () => {
        if (!window.xeroLiveFormMark) {
            throw new Error("The page was reloaded");
        }
    },
};

function queueRuns(content) {
    return { content, trigger: ".o_form_view .o_form_saved", run: runQueue };
}

registry.category("web_tour.tours").add("xero_connector_tests.live_form_error_and_fix", {
    steps: () => [
        markThePage,
        {
            content: "The customer is synced",
            trigger: ".o_form_view .oe_stat_button:contains('Synced')",
        },
        {
            content: "Enter an email address Xero refuses",
            trigger: ".o_form_view div[name='email'] input",
            run: "edit live-without-at",
        },
        {
            content: "Save",
            trigger: ".o_form_button_save",
            run: "click",
        },
        {
            content: "The change is being sent",
            trigger: ".o_form_view:has(.o_form_saved) .oe_stat_button:contains('Sending')",
        },
        queueRuns("The queue runs while the form stays open"),
        {
            content: "The error appears by itself, with its Resync button",
            trigger:
                ".o_form_view .o_xero_sync_error:contains('email address') button[name='action_xero_resync']",
        },
        {
            content: "Correct the email address",
            trigger: ".o_form_view div[name='email'] input",
            run: "edit live.fixed@example.com",
        },
        {
            content: "Save the fix",
            trigger: ".o_form_button_save",
            run: "click",
        },
        {
            content: "The banner says the fix is being sent, and no longer asks for a Resync",
            trigger:
                ".o_form_view:has(.o_form_saved):not(:has(.o_xero_sync_error)) .o_xero_sync_sending",
        },
        queueRuns("The queue runs again"),
        {
            content: "The banner goes away by itself, and the customer is synced",
            trigger:
                ".o_form_view:not(:has(.o_xero_sync_sending, .o_xero_sync_error)) .oe_stat_button:contains('Synced')",
        },
        pageNotReloaded,
    ],
});

registry.category("web_tour.tours").add("xero_connector_tests.live_form_new_customer_synced", {
    steps: () => [
        markThePage,
        {
            content: "Name the new customer",
            trigger: ".o_form_view .o_field_widget[name='name'] input",
            run: "edit Live New Customer",
        },
        {
            content: "Save",
            trigger: ".o_form_button_save",
            run: "click",
        },
        {
            content: "The new customer is being sent",
            trigger: ".o_form_view:has(.o_form_saved) .oe_stat_button:contains('Sending')",
        },
        queueRuns("The queue runs while the form stays open"),
        {
            content: "The form turns Synced by itself",
            trigger: ".o_form_view .oe_stat_button:contains('Synced')",
        },
        pageNotReloaded,
    ],
});
