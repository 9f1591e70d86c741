import { registry } from "@web/core/registry";
import { screenshot } from "@xero_connector_tests/../tests/tours/xero_screenshot_tours";

// The journeys of a new user, walked once more at the end of an issue (test_journeys.py):
// each screen is checked, then taken.

/** Fails when the text of ``selector`` shows one of ``amounts``. */
function noAmount(selector, amounts) {
    const text = document.querySelector(selector)?.innerText || "";
    for (const amount of amounts) {
        if (text.includes(amount)) {
            throw new Error(`${amount} shown in ${selector}: ${text}`);
        }
    }
}

const tours = registry.category("web_tour.tours");

tours.add("xero_connector_tests.journey_overview", {
    steps: () => [
        {
            content: "The Overview: the calls used today, on one line",
            trigger: ".o_kanban_record .o_xero_calls_used .o_progressbar",
        },
        ...screenshot("01_manager_overview"),
    ],
});

tours.add("xero_connector_tests.journey_settings", {
    steps: () => [
        {
            content: "Settings > Xero: the company is connected",
            trigger: ".settings_tab .tab[data-key='xero_connector'].selected",
        },
        {
            content: "... and says whether salespeople see Xero's figures",
            trigger: '.o_setting_box:contains("Salespeople see Xero\'s figures")',
        },
        ...screenshot("02_manager_settings"),
    ],
});

tours.add("xero_connector_tests.journey_changed_paid_order", {
    steps: () => [
        {
            content: "A paid order a line was cut from: still paid, with the credit to refund",
            trigger:
                ".o_form_view:has(div[name='xero_payment_status']:contains('Paid')) div[name='xero_amount_to_refund']",
        },
        {
            content: "... and the chatter says where the credit went",
            trigger: ".o-mail-Chatter .o-mail-Message:contains('stays with the customer in Xero')",
        },
        ...screenshot("03_manager_changed_paid_order"),
    ],
});

tours.add("xero_connector_tests.journey_won_deal", {
    steps: () => [
        {
            content: "The opportunity asks for a quotation",
            trigger: ".o-mail-Chatter .o-mail-Activity:contains('Convert to quote')",
        },
        {
            content: "The salesperson marks it won",
            trigger: ".o_form_view button[name='action_set_won_rainbowman']",
            run: "click",
        },
        {
            content: "It says what was made, with a link to the order, and the activity is done",
            trigger:
                ".o-mail-Chatter:not(:has(.o-mail-Activity:contains('Convert to quote'))) .o-mail-Message:contains('Won.'):contains('its invoice goes to Xero now') a[data-oe-model='sale.order']",
        },
        ...screenshot("04_salesperson_won_deal"),
    ],
});

tours.add("xero_connector_tests.journey_order_lines", {
    steps: () => [
        {
            content: "A confirmed order's lines, with their Xero stock and invoiced columns",
            trigger:
                ".o_form_view .o_field_one2many[name='order_line'] th[data-name='qty_invoiced']",
        },
        ...screenshot("05_manager_order_lines"),
    ],
});

function quoteTheOverdueCustomer(shown, hidden, name) {
    return [
        {
            content: "Choose the overdue customer on a new quotation",
            trigger: ".o_form_view .o_field_widget[name='partner_id'] input",
            run: "edit Ridgeway Builders",
        },
        {
            content: "... in the list",
            trigger: ".o-autocomplete--dropdown-item:contains('Ridgeway Builders')",
            run: "click",
        },
        {
            content: "The quotation says which invoices are overdue, and what to do",
            trigger: `.o_form_view .o_xero_overdue_warning:contains('days late'):contains('Ask them to pay')${shown}`,
            run: () => noAmount(".o_xero_overdue_warning", hidden),
        },
        ...screenshot(name),
        {
            content: "Save the quotation",
            trigger: ".o_form_button_save",
            run: "click",
        },
        {
            content: "The quotation is saved, and still says it",
            trigger: ".o_form_view:has(.o_form_saved) .o_xero_overdue_warning",
        },
    ];
}

tours.add("xero_connector_tests.journey_rep_quotes_overdue", {
    steps: () => quoteTheOverdueCustomer(":contains('owes')", [], "06_xero_rep_quotes_overdue"),
});

tours.add("xero_connector_tests.journey_plain_quotes_overdue", {
    steps: () =>
        quoteTheOverdueCustomer(
            ":contains('has overdue invoices')",
            ["228.85", "128.85"],
            "07_salesperson_quotes_overdue",
        ),
});

tours.add("xero_connector_tests.journey_plain_order", {
    steps: () => [
        {
            content: "The salesperson's part-paid order says what Xero did, without Xero's amounts",
            trigger: ".o-mail-Chatter .o-mail-Message:contains('Part payment received in Xero')",
            run: () => noAmount(".o-mail-Chatter", ["100.00", "128.85"]),
        },
        {
            content: "No paid or due figure on the form",
            trigger:
                ".o_form_view:not(:has(div[name='xero_amount_due'], div[name='xero_amount_paid']))",
        },
        ...screenshot("08_salesperson_part_paid_order"),
    ],
});

tours.add("xero_connector_tests.journey_customer_pays", {
    steps: () => [
        {
            content: "The customer's page of an invoiced order offers Pay now",
            trigger: ".o_xero_pay_now",
        },
        ...screenshot("09_customer_pay_now"),
    ],
});

tours.add("xero_connector_tests.journey_customer_paid", {
    steps: () => [
        {
            content: "The customer's page of a paid order says it is paid",
            trigger: ".o_xero_paid:contains('Paid on'):not(:has(.o_xero_pay_now))",
        },
        ...screenshot("10_customer_paid"),
    ],
});
