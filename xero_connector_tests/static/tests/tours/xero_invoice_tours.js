import { registry } from "@web/core/registry";

registry.category("web_tour.tours").add("xero_connector_tests.salesperson_confirms_an_order", {
    steps: () => [
        {
            content: "The quotation is not invoiced yet: no Xero invoice",
            trigger: ".o_form_view:not(:has(button[name='action_xero_view_invoices']:visible))",
        },
        {
            content: "Confirm the order",
            trigger: ".o_statusbar_buttons button[name='action_confirm']",
            run: "click",
        },
        {
            content: "The order is confirmed",
            trigger: ".o_statusbar_status button.o_arrow_button_current:contains('Sales Order')",
        },
    ],
});

registry.category("web_tour.tours").add("xero_connector_tests.salesperson_sees_the_xero_invoice", {
    steps: () => [
        {
            content: "The order offers Xero's online invoice, where the customer pays",
            trigger: ".o_field_widget[name='xero_online_url'] a[href*='/xero/pay/']",
        },
        {
            content: "Nothing is left to invoice: no Create Xero invoice button",
            trigger: ".o_form_view:not(:has(button[name='action_xero_invoice']:visible))",
        },
        {
            content: "Open the order's Xero invoice",
            trigger: "button[name='action_xero_view_invoices']:contains('Xero invoices')",
            run: "click",
        },
        {
            content: "The invoice has Xero's number",
            trigger: ".o_form_view .oe_title:contains('INV-')",
        },
        {
            content: "Its status in Xero: awaiting payment",
            trigger: ".o_field_widget[name='status']:contains('Awaiting payment')",
        },
        {
            content: "Its pay link",
            trigger: ".o_field_widget[name='pay_url'] a[href*='/xero/pay/']",
        },
        {
            content: "It is synced",
            trigger: ".o_statusbar_status button.o_arrow_button_current:contains('Synced')",
        },
    ],
});

registry.category("web_tour.tours").add("xero_connector_tests.manager_reads_why_it_failed", {
    steps: () => [
        {
            content: "The order says why its Xero invoice was not made, and where to fix it",
            trigger:
                ".o_xero_invoice_problem:contains('Export 0% has no Xero tax rate yet'):contains('Tax map')",
        },
    ],
});

registry.category("web_tour.tours").add("xero_connector_tests.manager_maps_the_export_tax", {
    steps: () => [
        {
            content: "Open the Configuration menu of the Xero app",
            trigger: ".o_menu_sections [data-menu-xmlid='xero_connector.menu_xero_configuration']",
            run: "click",
        },
        {
            content: "Open the tax map",
            trigger: ".dropdown-item[data-menu-xmlid='xero_connector.menu_xero_tax_map']",
            run: "click",
        },
        {
            content: "Choose the Xero tax rate of the export tax",
            trigger: ".o_data_row:contains('Export 0%') td[name='xero_tax_rate_id']",
            run: "click",
        },
        {
            content: "Look for Xero's zero-rated rate",
            trigger: ".o_selected_row td[name='xero_tax_rate_id'] input",
            run: "edit Zero",
        },
        {
            content: "Pick it",
            trigger: ".o-autocomplete--dropdown-item:contains('Zero Rated')",
            run: "click",
        },
        {
            content: "Save the row",
            trigger: ".o_list_button_save",
            run: "click",
        },
        {
            content: "The export tax is mapped",
            trigger: ".o_data_row:contains('Export 0%') td[name='state']:contains('Mapped')",
        },
    ],
});

registry.category("web_tour.tours").add("xero_connector_tests.manager_resyncs_the_invoice", {
    steps: () => [
        {
            content: "Send the order's invoice again, now that the tax is mapped",
            trigger: ".o_xero_invoice_problem button[name='action_xero_resync_invoices']",
            run: "click",
        },
        {
            content: "Queued: it is sent within seconds",
            trigger: ".o_notification:contains('Queued for Xero')",
        },
    ],
});

registry.category("web_tour.tours").add("xero_connector_tests.salesperson_sees_the_order_sent", {
    steps: () => [
        {
            content: "Xero emailed the invoice: the order shows it sent",
            trigger: ".o_field_widget[name='xero_payment_status']:contains('Sent')",
        },
        {
            content: "Everything is still due",
            trigger: ".o_field_widget[name='xero_amount_due']:contains('457.70')",
        },
        {
            content: "No payment yet: no payments button, no Paid ribbon",
            trigger:
                ".o_form_view:not(:has(button[name='action_xero_view_payments']:visible)):not(:has(.ribbon:contains('Paid in Xero')))",
        },
    ],
});

registry.category("web_tour.tours").add("xero_connector_tests.salesperson_sees_the_order_paid", {
    steps: () => [
        {
            content: "The payment recorded in Xero turned the order paid",
            trigger: ".o_field_widget[name='xero_payment_status']:contains('Paid')",
        },
        {
            content: "The order carries the Paid in Xero ribbon",
            trigger: ".ribbon:contains('Paid in Xero')",
        },
        {
            content: "The salesperson was told, in the chatter",
            trigger: ".o-mail-Message:contains('received in Xero'):contains('paid in full')",
        },
        {
            content: "Open the order's payments in Xero",
            trigger: "button[name='action_xero_view_payments']:contains('Xero payments')",
            run: "click",
        },
        {
            content: "The payment, with its amount and reference",
            trigger: ".o_data_row:contains('457.70'):contains('Payment'):contains('Bank deposit')",
        },
    ],
});
