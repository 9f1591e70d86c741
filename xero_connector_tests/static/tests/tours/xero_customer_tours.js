import { registry } from "@web/core/registry";

registry.category("web_tour.tours").add("xero_connector_tests.rep_sees_overdue_customer", {
    steps: () => [
        {
            content: "Open the filters",
            trigger: ".o_control_panel_actions .o_searchview_dropdown_toggler",
            run: "click",
        },
        {
            content: "Filter the customers overdue in Xero",
            trigger: ".o_filter_menu .dropdown-item:contains('Overdue in Xero')",
            run: "click",
        },
        {
            content: "Close the filters",
            trigger: ".o_control_panel_actions .o_searchview_dropdown_toggler",
            run: "click",
        },
        {
            content: "Show the customers as cards",
            trigger: ".o_switch_view.o_kanban",
            run: "click",
        },
        {
            content: "The overdue customer is flagged on its card",
            trigger: ".o_kanban_record:contains('Ledger 0000') .badge:contains('Overdue in Xero')",
            run: "click",
        },
        {
            content: "Open its Xero tab",
            trigger: ".o_notebook .nav-link:contains('Xero')",
            run: "click",
        },
        {
            content: "The balances are shown",
            trigger: ".o_field_widget[name='xero_amount_overdue']:contains('1,099.00')",
        },
        {
            content: "... with the invoice history",
            trigger:
                ".o_field_widget[name='xero_invoice_ids'] .o_data_row:contains('Awaiting payment')",
        },
    ],
});

registry.category("web_tour.tours").add("xero_connector_tests.seller_sees_no_xero_figures", {
    steps: () => [
        {
            content: "The salesperson opens the customer",
            trigger: ".o_form_view .o_field_widget[name='name']",
        },
        {
            content: "... and finds no Xero tab and no figure",
            trigger: ".o_form_view .o_notebook:not(:has(.nav-link:contains('Xero')))",
        },
    ],
});
