import { registry } from "@web/core/registry";

registry
    .category("web_tour.tours")
    .add("xero_connector_tests.manager_finds_a_customer_in_linked_records", {
        steps: () => [
            {
                content: "The linked records list opens",
                trigger: ".o_list_view .o_data_row",
            },
            {
                content: "Type the customer's name in the search",
                trigger: ".o_searchview_input",
                run: "edit Ridgeway",
            },
            {
                content: "Search the records by their name",
                trigger: ".o_searchview_autocomplete .o-dropdown-item:contains('Record')",
                run: "click",
            },
            {
                content: "The search is on the record's name",
                trigger: ".o_searchview_facet:contains('Record'):contains('Ridgeway')",
            },
            {
                content: "The customer's link is found",
                trigger: ".o_list_view .o_data_row:contains('Ridgeway Builders')",
            },
            {
                content: "... and not the other customer's",
                trigger: ".o_list_view:not(:has(.o_data_row:contains('Harbour Timber')))",
            },
        ],
    });

registry
    .category("web_tour.tours")
    .add("xero_connector_tests.admin_sets_invoicing_in_xero_settings", {
        steps: () => [
            {
                content: "The Xero settings are shown",
                trigger: ".settings_tab .tab[data-key='xero_connector'].selected",
            },
            {
                content:
                    "They hold an Invoices block, beside the connection and the synchronisation",
                trigger: ".app_settings_block[data-key='xero_connector'] h2:contains('Invoices')",
            },
            {
                content: "Odoo's Discounts setting is pointed to there, off for now",
                trigger:
                    "#xero_discounts:contains('Xero receives each line') input[type='checkbox']:not(:checked)",
            },
            {
                content: "The invoicing options wait for invoicing in Xero to be on",
                trigger:
                    ".app_settings_block[data-key='xero_connector']:not(:has(#xero_invoice_status))",
            },
            {
                content: "Invoice orders in Xero",
                trigger: "#xero_sync_invoices input[type='checkbox']",
                run: "click",
            },
            {
                content: "Every choice of when orders are invoiced is there to read",
                trigger:
                    "#xero_sync_invoices .o_field_radio[name='xero_invoice_trigger']:contains('Both: orders confirmed, and opportunities at a stage')",
            },
            {
                content: "Invoice orders when they are confirmed",
                trigger:
                    "#xero_sync_invoices:contains('When an order is confirmed') input[data-value='confirm']",
                run: "click",
            },
            {
                content: "Invoices are made as drafts finance approves in Xero",
                trigger:
                    "#xero_invoice_status:contains('Draft: finance approves it in Xero') input[data-value='DRAFT']",
                run: "click",
            },
            {
                content: "Xero emails the approved invoices",
                trigger:
                    "#xero_invoice_email:contains('Xero emails the approved invoice') input[data-value='xero']",
                run: "click",
            },
            {
                content: "The rounding account is there too",
                trigger: "#xero_invoice_accounts .o_field_widget[name='xero_rounding_account_id']",
            },
            {
                content: "Turn Odoo's discounts on, from the Xero settings",
                trigger: "#xero_discounts input[type='checkbox']",
                run: "click",
            },
            {
                content: "Save (a new group for the users: the page reloads)",
                trigger: ".o_form_button_save",
                run: "click",
                expectUnloadPage: true,
            },
            {
                content: "Saved: the settings read back as chosen",
                trigger:
                    ".o-settings-form-view:not(:has(.o_dirty_warning)) #xero_invoice_status input[data-value='DRAFT']:checked",
            },
            {
                content: "... discounts on",
                trigger: "#xero_discounts input[type='checkbox']:checked",
            },
        ],
    });
