import { registry } from "@web/core/registry";

registry.category("web_tour.tours").add("xero_connector_tests.manager_retries_a_failed_job", {
    steps: () => [
        {
            content: "The overview shows the organisation with one failed job",
            trigger: ".o_kanban_record:contains('Kauri Tools Ltd')",
        },
        {
            content: "Open the failed jobs from the overview",
            trigger: ".o_kanban_record button[name='action_open_failed_jobs']:contains('1')",
            run: "click",
        },
        {
            content: "The queue lists the refused customer with Xero's reason in plain words",
            trigger:
                ".o_list_view .o_data_row:contains('email address') td[name='record_name']:contains('Tour Bad Mail')",
            run: "click",
        },
        {
            content: "The job explains the refusal",
            trigger: ".o_form_view .alert-danger:contains('email address')",
        },
        {
            content: "... and names the field to fix",
            trigger: ".o_form_view .o_field_widget[name='error_field']:contains('Email')",
        },
        {
            content: "... and shows the payload sent to Xero",
            trigger: ".o_form_view .o_notebook .nav-link:contains('Payload')",
        },
        {
            content: "Open the customer",
            trigger: ".o_form_view button[name='action_open_record']",
            run: "click",
        },
        {
            content: "The customer shows the Xero error and a Resync button",
            trigger:
                ".o_form_view .alert-warning:contains('email address') button[name='action_xero_resync']",
        },
        {
            content: "Correct the email address",
            trigger: ".o_form_view div[name='email'] input",
            run: "edit tour.fixed@example.com",
        },
        {
            content: "Save",
            trigger: ".o_form_button_save",
            run: "click",
        },
        {
            content: "Saved",
            trigger: ".o_form_view .o_form_saved",
        },
        {
            content: "Saving was enough: the correction is being sent, no Resync to press",
            trigger:
                ".o_form_view:not(:has(.o_xero_sync_error)) .o_xero_sync_sending:contains('Sending')",
        },
    ],
});

registry.category("web_tour.tours").add("xero_connector_tests.xero_user_sees_the_status", {
    steps: () => [
        {
            content: "A Xero user sees the customer's Xero status",
            trigger:
                ".o_form_view .oe_stat_button[name='action_xero_open_links']:contains('Synced')",
            run: "click",
        },
        {
            content: "The link shows the Xero ID and the last sync",
            trigger: ".o_list_view .o_data_row:contains('Synced')",
        },
    ],
});

registry.category("web_tour.tours").add("xero_connector_tests.salesperson_sees_no_xero_status", {
    steps: () => [
        {
            content: "A salesperson without the Xero group opens the customer",
            trigger: ".o_form_view .o_field_widget[name='name']",
        },
        {
            content: "... and sees no Xero status",
            trigger: ".o_form_view:not(:has(.oe_stat_button[name='action_xero_open_links']))",
        },
    ],
});
