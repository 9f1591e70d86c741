import { rpc } from "@web/core/network/rpc";
import { registry } from "@web/core/registry";

/** The given crons run now, in order, as the scheduler would (the tour runs as an administrator). */
export async function runCrons(...names) {
    for (const name of names) {
        const [cron] = await rpc("/web/dataset/call_kw/ir.model.data/search_read", {
            model: "ir.model.data",
            method: "search_read",
            args: [
                [
                    ["module", "=", "xero_connector"],
                    ["name", "=", name],
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
}

/** What the test set up: the sandbox's admin address and the order. */
async function livePayment() {
    const [param] = await rpc("/web/dataset/call_kw/ir.config_parameter/search_read", {
        model: "ir.config_parameter",
        method: "search_read",
        args: [[["key", "=", "xero_connector_tests.live_payment"]], ["value"]],
        kwargs: {},
    });
    return JSON.parse(param.value);
}

/** The accountant records a payment of the order's invoice on the sandbox (all that is
 * due without an amount), its clock moves on, and Odoo's poll and queue run. */
async function payInXero(amount) {
    const { admin, tenant, order } = await livePayment();
    const [invoice] = await rpc("/web/dataset/call_kw/xero.order.invoice/search_read", {
        model: "xero.order.invoice",
        method: "search_read",
        args: [[["order_id", "=", order]], ["id"]],
        kwargs: {},
    });
    const [link] = await rpc("/web/dataset/call_kw/xero.link/search_read", {
        model: "xero.link",
        method: "search_read",
        args: [
            [
                ["res_model", "=", "xero.order.invoice"],
                ["res_id", "=", invoice.id],
            ],
            ["xero_id"],
        ],
        kwargs: {},
    });
    const body = { invoice_id: link.xero_id };
    if (amount) {
        body.amount = amount;
    }
    // another origin: sent as a simple request, its answer unread
    await fetch(`${admin}/tenants/${tenant}/payments`, {
        method: "POST",
        mode: "no-cors",
        body: JSON.stringify(body),
    });
    await fetch(`${admin}/clock`, {
        method: "POST",
        mode: "no-cors",
        body: JSON.stringify({ advance_seconds: 5 }),
    });
    await runCrons("ir_cron_xero_poll", "ir_cron_xero_process_queue");
}

/** The queue's cron, run now. */
const runQueue = () => runCrons("ir_cron_xero_process_queue");

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

registry.category("web_tour.tours").add("xero_connector_tests.live_form_payments", {
    steps: () => [
        markThePage,
        {
            content: "The order is confirmed; its invoice waits in the queue",
            trigger: ".o_form_view .o_form_saved",
            run: () => runCrons("ir_cron_xero_process_queue", "ir_cron_xero_process_queue"),
        },
        {
            content: "Xero approved the invoice: its pay link shows by itself",
            trigger:
                ".o_form_view:has(div[name='xero_payment_status']:contains('Awaiting payment')) div[name='xero_online_url'] a",
        },
        {
            content: "The customer pays part of it in Xero",
            trigger: ".o_form_view .o_form_saved",
            run: () => payInXero(100),
        },
        {
            content: "Part-paid shows by itself",
            trigger: ".o_form_view div[name='xero_payment_status']:contains('Part-paid')",
        },
        {
            content: "The customer pays the rest",
            trigger: ".o_form_view .o_form_saved",
            run: () => payInXero(),
        },
        {
            content: "Paid in Xero shows by itself",
            trigger:
                ".o_form_view:has(.ribbon:contains('Paid in Xero')) div[name='xero_payment_status']:contains('Paid')",
        },
        pageNotReloaded,
    ],
});

registry.category("web_tour.tours").add("xero_connector_tests.live_form_paid_for_a_salesperson", {
    steps: () => [
        markThePage,
        {
            content: "The salesperson's order awaits payment: its pay link is shown",
            trigger: ".o_form_view:not(:has(.ribbon)) div[name='xero_online_url'] a",
            // the salesperson checks the link the customer got (it opens Xero's invoice)
            run: async () => {
                const link = document.querySelector("div[name='xero_online_url'] a");
                await fetch(link.href, { mode: "no-cors" });
            },
        },
        {
            content: "The customer pays: Paid in Xero shows by itself, the pay link goes",
            trigger:
                ".o_form_view:has(.ribbon:contains('Paid in Xero')):not(:has(div[name='xero_online_url'] a))",
            timeout: 30000,
        },
        pageNotReloaded,
    ],
});
