import { registry } from "@web/core/registry";

/** The chatter of the open record, in plain text. */
function chatterText() {
    return document.querySelector(".o-mail-Chatter")?.innerText || "";
}

registry.category("web_tour.tours").add("xero_connector_tests.plain_seller_sees_no_xero_figures", {
    steps: () => [
        {
            content: "The salesperson opens their order: the chatter says what Xero did",
            trigger: ".o-mail-Chatter .o-mail-Message:contains('received in Xero')",
        },
        {
            content: "... the invoice made, its total (the order's own) and its status",
            trigger:
                ".o-mail-Chatter .o-mail-Message:contains('created'):contains('Awaiting payment')",
        },
        {
            content: "... and no amount Xero holds: neither paid, nor due, nor overdue",
            trigger: ".o-mail-Chatter .o-mail-Message:contains('Part payment received in Xero')",
            run: () => {
                const text = chatterText();
                for (const amount of ["100.00", "128.85"]) {
                    if (text.includes(amount)) {
                        throw new Error(`Xero's amount ${amount} shown: ${text}`);
                    }
                }
            },
        },
        {
            content: "No paid or due figure on the form either",
            trigger:
                ".o_form_view:not(:has(div[name='xero_amount_due'], div[name='xero_amount_paid']))",
        },
    ],
});

registry
    .category("web_tour.tours")
    .add("xero_connector_tests.plain_seller_is_warned_when_quoting", {
        steps: () => [
            {
                content:
                    "Quoting the overdue customer: the quotation says which invoice, and what to do",
                trigger:
                    ".o_form_view .o_xero_overdue_warning:contains('has overdue invoices in Xero'):contains('days late'):contains('Ask them to pay')",
                run: () => {
                    const text = document.querySelector(".o_xero_overdue_warning").innerText;
                    if (text.includes("228.85") || text.includes("128.85")) {
                        throw new Error(`Xero's amount shown to the salesperson: ${text}`);
                    }
                },
            },
        ],
    });
