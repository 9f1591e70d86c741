import { registry } from "@web/core/registry";

registry
    .category("web_tour.tours")
    .add("xero_connector_tests.manager_goes_live_in_the_background", {
        steps: () => [
            {
                content: "The wizard opens under its name",
                trigger: ".modal .modal-title:contains('Go live with contacts')",
            },
            {
                content: "Contacts are not live yet: nothing says they are",
                trigger: ".modal:not(:has(.o_xero_already_live:visible))",
            },
            {
                content: "First the data to clean: customers without an e-mail are counted",
                trigger:
                    ".modal .o_xero_audit_emails button[name='action_xero_audit_open']:contains('Open')",
            },
            {
                content: "The manager goes on anyway",
                trigger:
                    ".modal button[name='action_xero_audit_continue']:contains('Go on anyway')",
                run: "click",
            },
            {
                content: "Confirm going on with data not clean",
                trigger: ".modal-footer button:contains('Ok')",
                run: "click",
            },
            {
                content: "Dry run",
                trigger: ".modal button[name='action_dry_run']",
                run: "click",
            },
            {
                content: "The dry run keeps the wizard's title and says what it will do",
                trigger: ".modal .modal-title:contains('Go live with contacts')",
            },
            {
                content: "... in the future tense",
                trigger: ".modal .o_field_widget[name='preview']:contains('To create in Xero')",
            },
            {
                content: "The test batch can be chosen: its field is visible",
                trigger: ".modal .o_field_widget[name='test_partner_ids'] input[placeholder]",
            },
            {
                content: "Go live",
                trigger: ".modal button[name='action_go_live']:contains('Go live')",
                run: "click",
            },
            {
                content: "Confirm",
                trigger: ".modal-footer button:contains('Ok')",
                run: "click",
            },
            {
                content: "It goes on in the background, with a progress bar",
                trigger: ".modal .o_xero_golive_progress .o_progressbar",
            },
            {
                content: "... and says the window may be closed",
                trigger: ".modal .alert:contains('in the background')",
            },
        ],
    });

registry
    .category("web_tour.tours")
    .add("xero_connector_tests.manager_reopens_go_live_on_a_live_connection", {
        steps: () => [
            {
                content: "The wizard says contacts are live already",
                trigger: ".modal .o_xero_already_live:contains('Contacts are live already')",
            },
            {
                content: "The data to clean comes first: go on anyway",
                trigger:
                    ".modal button[name='action_xero_audit_continue']:contains('Go on anyway')",
                run: "click",
            },
            {
                content: "Confirm going on with data not clean",
                trigger: ".modal-footer button:contains('Ok')",
                run: "click",
            },
            {
                content: "Dry run",
                trigger: ".modal button[name='action_dry_run']",
                run: "click",
            },
            {
                content: "No plain Go live on a live connection",
                trigger: ".modal .modal-footer:not(:has(button:contains('Go live')))",
            },
        ],
    });
