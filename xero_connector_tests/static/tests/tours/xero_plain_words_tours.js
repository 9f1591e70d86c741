import { registry } from "@web/core/registry";

registry
    .category("web_tour.tours")
    .add("xero_connector_tests.manager_syncs_now_and_reads_the_log", {
        steps: () => [
            {
                content: "The overview shows the organisation",
                trigger: ".o_kanban_record:contains('Kauri Tools Ltd')",
            },
            {
                content: "Press Sync now",
                trigger: ".o_kanban_record button[name='action_xero_sync_now']",
                run: "click",
            },
            {
                content: "Odoo says at once what it did",
                trigger: ".o_notification:contains('sent 1 customer')",
            },
            {
                content: "Open the log",
                trigger: ".o_kanban_record button[name='action_open_logs']",
                run: "click",
            },
            {
                content: "The log says what happened to the customer, in plain words",
                trigger:
                    ".o_list_view .o_data_row td[name='summary']:contains('Created Tour Sync Now 0000 in Xero')",
            },
            {
                content: "... and what Sync now did",
                trigger: ".o_list_view .o_data_row td[name='summary']:contains('sent 1 customer')",
            },
            {
                content: "Open the call that sent the customer",
                trigger:
                    ".o_list_view .o_data_row td[name='summary']:contains('Sent 1 customer to Xero')",
                run: "click",
            },
            {
                content:
                    "The line reads in plain words, with the technical details for integrators",
                trigger:
                    ".o_form_view:has(.o_field_widget[name='summary']:contains('Sent 1 customer to Xero')) .o_field_widget[name='operation']:contains('create_contacts')",
            },
            {
                content: "... and the breadcrumb names the line in plain words",
                trigger: ".o_breadcrumb:contains('Sent 1 customer to Xero')",
            },
        ],
    });
