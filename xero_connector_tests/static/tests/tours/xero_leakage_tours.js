import { registry } from "@web/core/registry";

// A sales manager opens Sales > Reporting > Revenue leakage, finds the order that was
// confirmed and never invoiced in Xero, and creates its invoice from the report: the
// case leaves the open cases (test_leakage.py checks Xero received the invoice).

registry.category("web_tour.tours").add("xero_connector_tests.xero_leakage_report", {
    steps: () => [
        {
            content: "Open the Reporting menu of Sales",
            trigger: ".o_main_navbar button:contains('Reporting')",
            run: "click",
        },
        {
            content: "Open Revenue leakage",
            trigger: ".dropdown-item:contains('Revenue leakage')",
            run: "click",
        },
        {
            content: "The open cases, by kind: open the kind Not invoiced in Xero",
            trigger: ".o_list_view .o_group_header:contains('Not invoiced in Xero')",
            run: "click",
        },
        {
            content: "The case says what is at risk and what fixes it",
            trigger:
                ".o_list_view .o_data_row:contains('Create the invoice in Xero.'):contains('398.00')",
        },
        {
            content: "Create the missing invoice from the report",
            trigger:
                ".o_list_view .o_data_row button[name='action_fix']:contains('Create the invoice')",
            run: "click",
        },
        {
            content: "Xero will have it within seconds",
            trigger: ".o_notification:contains('queued')",
        },
        {
            content: "The case is solved: no open case is left",
            trigger: ".o_list_view:not(:has(.o_data_row)):not(:has(.o_group_header))",
        },
    ],
});
