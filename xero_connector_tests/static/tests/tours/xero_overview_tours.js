import { registry } from "@web/core/registry";

registry.category("web_tour.tours").add("xero_connector_tests.administrator_reads_the_overview", {
    steps: () => [
        {
            content: "The organisation says loudly that it is the local sandbox",
            trigger:
                ".o_kanban_record .o_xero_sandbox_marker:contains('Local sandbox, not real Xero')",
        },
        {
            content: "What was sent to Xero in the last day, with its graph",
            trigger:
                ".o_kanban_record .o_xero_dashboard_graphs:contains('Sent to Xero, last 24 h') canvas",
        },
        {
            content: "... two customers",
            trigger:
                ".o_kanban_record .o_xero_dashboard_graphs:contains('Sent to Xero') span:contains('2')",
        },
        {
            content: "The calls used today against the day's budget",
            trigger: ".o_kanban_record .o_xero_calls_used .o_progressbar",
        },
        {
            content: "The failure, by reason",
            trigger: ".o_kanban_record .o_xero_failures:contains('1')",
        },
        {
            content: "How long the oldest work has waited",
            trigger: ".o_kanban_record:contains('Oldest waiting work')",
        },
    ],
});
