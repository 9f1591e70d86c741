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
