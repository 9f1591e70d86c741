import { registry } from "@web/core/registry";

// A sales manager opens CRM > Reporting > Money from Xero: lifetime value by source,
// the cash-flow forecast's graph, then drills from the web source into one customer
// (test_money_reports.py plants the figures and checks them).

registry.category("web_tour.tours").add("xero_connector_tests.xero_money_reports", {
    steps: () => [
        {
            content: "Open the Reporting menu of CRM",
            trigger: ".o_main_navbar button:contains('Reporting')",
            run: "click",
        },
        {
            content: "Open Lifetime value by source",
            trigger: ".dropdown-item:contains('Lifetime value by source')",
            run: "click",
        },
        {
            content: "Customers and what they paid, by the source they came from",
            trigger: ".o_pivot tr:has(th:contains('Web (test)')):has(td:contains('215.00'))",
        },
        {
            content: "Open the Reporting menu again",
            trigger: ".o_main_navbar button:contains('Reporting')",
            run: "click",
        },
        {
            content: "Open the Cash-flow forecast",
            trigger: ".dropdown-item:contains('Cash-flow forecast')",
            run: "click",
        },
        {
            content: "The forecast's graph, week by week",
            trigger: ".o_graph_view .o_graph_renderer canvas",
        },
        {
            content: "Back to lifetime value",
            trigger: ".o_main_navbar button:contains('Reporting')",
            run: "click",
        },
        {
            content: "Open Lifetime value by source",
            trigger: ".dropdown-item:contains('Lifetime value by source')",
            run: "click",
        },
        {
            content: "Drill into the customers of the web source",
            trigger: ".o_pivot tr:has(th:contains('Web (test)')) td.o_pivot_cell_value:first",
            run: "click",
        },
        {
            content: "Open the one customer",
            trigger: ".o_list_view .o_data_row:contains('Acme (money)') td[name='partner_id']",
            run: "click",
        },
        {
            content: "What Acme paid, its margin and where it came from",
            trigger: ".o_form_view .o_field_widget[name='paid']:contains('215.00')",
        },
        {
            content: "The campaign that brought Acme",
            trigger: ".o_form_view .o_field_widget[name='campaign_id']:contains('Spring (test)')",
        },
        {
            content: "Open the customer itself",
            trigger: ".o_form_view button[name='action_xero_open_customer']",
            run: "click",
        },
        {
            content: "The customer's form",
            trigger: ".o_form_view .o_field_widget[name='name'] input:value('Acme (money)')",
        },
    ],
});
