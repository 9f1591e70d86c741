import { deserializeDate, formatDate } from "@web/core/l10n/dates";
import { rpc } from "@web/core/network/rpc";
import { registry } from "@web/core/registry";
import { formatDate as formatShown } from "@web/views/fields/formatters";

// A salesperson (not in the Xero groups) sells a monthly subscription: the quotation's
// line is marked Recurring, billed every month from a few days ahead; confirmed, the
// order's Subscription tab says it runs and when Xero bills next. Once Xero generated
// the first invoice (test_subscription_tour.py moves the sandbox's clock past its date
// and Odoo reads Xero), the order offers Xero's online invoice, where the customer pays.

const { DateTime } = luxon;

const tours = registry.category("web_tour.tours");

const CUSTOMER = "Ridgeway Joinery";
const PRODUCT = "Website care";
// the first invoice: a few days ahead
const DAYS_AHEAD = 5;
const firstInvoiceDay = () => DateTime.now().startOf("day").plus({ days: DAYS_AHEAD });

/** The text a readonly field of the form shows. */
function shown(name) {
    return document.querySelector(`.o_form_view .o_field_widget[name='${name}']`)?.innerText.trim();
}

const openSubscriptionTab = {
    content: "Open the Subscription tab",
    trigger: ".o_form_view .o_notebook .nav-link[name='xero_subscription']",
    run: "click",
};

tours.add("xero_connector_tests.xero_subscription_quote", {
    steps: () => [
        {
            content: "The quotations: start a new one",
            trigger: ".o_list_view .o_list_button_add",
            run: "click",
        },
        {
            content: "Choose the customer",
            trigger: ".o_form_view .o_field_widget[name='partner_id'] input",
            run: `edit ${CUSTOMER}`,
        },
        {
            content: "... in the list",
            trigger: `.o-autocomplete--dropdown-item:contains('${CUSTOMER}')`,
            run: "click",
        },
        {
            content: "A one-line quotation: no Subscription tab yet",
            trigger:
                ".o_form_view:has(.o_field_widget[name='partner_id'] input:value('" +
                CUSTOMER +
                "')):not(:has(.o_notebook .nav-link[name='xero_subscription']))",
        },
        {
            content: "Add a product",
            trigger: ".o_field_widget[name='order_line'] .o_field_x2many_list_row_add a",
            run: "click",
        },
        {
            content: "Look for the website care plan",
            trigger: ".o_selected_row .o_field_widget[name='product_template_id'] input",
            run: `edit ${PRODUCT}`,
        },
        {
            content: "... and pick it",
            trigger: `.o-autocomplete--dropdown-item:contains('${PRODUCT}')`,
            run: "click",
        },
        {
            content: "The line has the product's price, and is billed once for now",
            trigger:
                ".o_selected_row:has(td[name='price_unit'] input:value('80.00')) td[name='xero_recurring'] input:not(:checked)",
        },
        {
            content: "Switch the line's Recurring toggle on",
            trigger: ".o_selected_row td[name='xero_recurring'] .o_boolean_toggle",
            run: "click",
        },
        {
            content: "The line is recurring",
            trigger: ".o_data_row td[name='xero_recurring'] input:checked",
        },
        {
            content: "The order has a Subscription tab now",
            trigger: ".o_form_view .o_notebook .nav-link[name='xero_subscription']",
        },
        openSubscriptionTab,
        {
            content: "Bill every 1 ...",
            trigger: ".o_form_view .o_field_widget[name='xero_recurring_interval'] input",
            run: "edit 1",
        },
        {
            content: "... month: open the periods",
            trigger:
                ".o_form_view .o_field_widget[name='xero_recurring_unit'] .o_select_menu_toggler",
            run: "click",
        },
        {
            content: "... and pick Months",
            trigger: ".o_select_menu_menu .o_select_menu_item:contains('Months')",
            run: "click",
        },
        {
            content: `The first invoice on a date ${DAYS_AHEAD} days ahead`,
            trigger: ".o_form_view .o_field_widget[name='xero_recurring_start'] .o_input",
            // typed as the user's date format has it (the form then shows it its way)
            run: async (helpers) => {
                await helpers.edit(formatDate(firstInvoiceDay()));
                await helpers.press("Enter");
            },
        },
        {
            content: "The schedule reads: every 1 month, from that date, nothing in the past",
            trigger:
                ".o_form_view:not(:has(.o_xero_back_dated:visible)) .o_field_widget[name='xero_recurring_interval'] input",
            run: () => {
                const every = document.querySelector(
                    ".o_form_view .o_field_widget[name='xero_recurring_interval'] input",
                ).value;
                const unit = document.querySelector(
                    ".o_form_view .o_field_widget[name='xero_recurring_unit'] input",
                ).value;
                // shown the form's way (e.g. "Dec 11") once typed in
                const start = shown("xero_recurring_start");
                const expected = formatShown(firstInvoiceDay());
                if (every !== "1" || unit !== "Months" || start !== expected) {
                    throw new Error(
                        `Every ${every} ${unit} from ${start}: expected every 1 Months from ${expected}`,
                    );
                }
            },
        },
        {
            content: "Confirm the order",
            trigger: ".o_statusbar_buttons button[name='action_confirm']:visible",
            run: "click",
        },
        {
            content: "The order is confirmed",
            trigger:
                ".o_form_view:has(.o_form_saved) .o_statusbar_status button.o_arrow_button_current:contains('Sales Order')",
        },
        openSubscriptionTab,
        {
            content: "The subscription is running",
            trigger:
                ".o_form_view .o_field_widget[name='xero_subscription_state']:contains('Running')",
        },
        {
            content: "Xero bills first on the chosen date",
            trigger: ".o_form_view .o_field_widget[name='xero_next_invoice_date']",
            run: () => {
                const next = shown("xero_next_invoice_date");
                const expected = formatShown(firstInvoiceDay());
                if (next !== expected || shown("xero_recurring_start") !== expected) {
                    throw new Error(`Next Xero invoice ${next}, expected ${expected}`);
                }
            },
        },
        {
            content: "No invoice yet, and no pay link",
            trigger:
                ".o_form_view:not(:has(.o_field_widget[name='xero_online_url'] a)) .o_field_widget[name='xero_subscription_invoices']:contains('0')",
        },
    ],
});

tours.add("xero_connector_tests.xero_subscription_first_invoice", {
    steps: () => [
        {
            content: "Open the subscription's order from the quotations",
            trigger: `.o_list_view .o_data_row:contains('${CUSTOMER}') td[name='partner_id']`,
            run: "click",
        },
        {
            content: "The order offers Xero's online invoice of its first invoice",
            trigger:
                ".o_form_view .o_field_widget[name='xero_online_url'] a[href^='http']:contains(\"Xero's online invoice\")",
        },
        openSubscriptionTab,
        {
            content: "Xero's first invoice is the order's",
            trigger:
                ".o_form_view .o_field_widget[name='xero_subscription_invoices']:contains('1')",
        },
        {
            content: "The subscription still runs, and Xero bills next a month after the first",
            trigger:
                ".o_form_view .o_field_widget[name='xero_subscription_state']:contains('Running')",
            run: async () => {
                const [order] = await rpc("/web/dataset/call_kw/sale.order/search_read", {
                    model: "sale.order",
                    method: "search_read",
                    args: [[["partner_id.name", "=", CUSTOMER]], ["xero_recurring_start"]],
                    kwargs: {},
                });
                const first = deserializeDate(order.xero_recurring_start);
                const expected = formatShown(first.plus({ months: 1 }));
                const next = shown("xero_next_invoice_date");
                if (next !== expected || shown("xero_recurring_start") !== formatShown(first)) {
                    throw new Error(`Next Xero invoice ${next}, expected ${expected}`);
                }
            },
        },
    ],
});
