import { registry } from "@web/core/registry";

// A Xero manager opens the Overview, checks the organisation's health now, reads the
// finding (webhooks not set up) and comes back: the card shows the check's date and
// its number of findings, and opens the check (test_health_check.py).

registry.category("web_tour.tours").add("xero_connector_tests.manager_checks_health", {
    steps: () => [
        {
            content: "No health check yet",
            trigger: ".o_kanban_record .o_xero_health:contains('not run yet')",
        },
        {
            content: "Check now",
            trigger: ".o_kanban_record .o_xero_health a:contains('Check now')",
            run: "click",
        },
        {
            content: "The check opens with its finding",
            trigger:
                ".o_form_view .o_field_widget[name=finding_ids] .o_data_row:contains('webhooks are not set up')",
        },
        {
            content: "Back to the Overview",
            trigger: ".o_breadcrumb a:contains('Overview')",
            run: "click",
        },
        {
            content: "The card shows the check: one thing to look at",
            trigger: ".o_kanban_record .o_xero_health:contains('1 to look at')",
        },
        {
            content: "It opens the check",
            trigger: ".o_kanban_record .o_xero_health a:contains('Health check')",
            run: "click",
        },
        {
            content: "The latest check, with its finding",
            trigger:
                ".o_form_view .o_field_widget[name=finding_ids] .o_data_row:contains('webhooks are not set up')",
        },
    ],
});
