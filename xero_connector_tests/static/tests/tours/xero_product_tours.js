import { registry } from "@web/core/registry";

const EXEMPT_ROW = ".o_data_row:contains('Exempt sales')";

registry.category("web_tour.tours").add("xero_connector_tests.manager_fixes_an_unmapped_tax", {
    steps: () => [
        {
            content: "Open the Configuration menu of the Xero app",
            trigger: ".o_menu_sections [data-menu-xmlid='xero_connector.menu_xero_configuration']",
            run: "click",
        },
        {
            content: "Open the tax map",
            trigger: ".dropdown-item[data-menu-xmlid='xero_connector.menu_xero_tax_map']",
            run: "click",
        },
        {
            content: "The 15% tax was proposed a Xero tax rate of 15%",
            trigger:
                ".o_data_row:contains('GST 15%') td[name='xero_tax_rate_id']:contains('OUTPUT2')",
        },
        {
            content: "Xero has two rates of 0%: the exempt tax is flagged, with the reason",
            trigger: `${EXEMPT_ROW} td[name='state']:contains('No Xero tax rate')`,
        },
        {
            content: "The reason says what to do",
            trigger: `${EXEMPT_ROW} td[name='note']:contains('choose one')`,
        },
        {
            content: "Choose its Xero tax rate",
            trigger: `${EXEMPT_ROW} td[name='xero_tax_rate_id']`,
            run: "click",
        },
        {
            content: "Look for Xero's zero-rated rate",
            trigger: ".o_selected_row td[name='xero_tax_rate_id'] input",
            run: "edit Zero",
        },
        {
            content: "Pick it",
            trigger: ".o-autocomplete--dropdown-item:contains('Zero Rated')",
            run: "click",
        },
        {
            content: "Save the row",
            trigger: ".o_list_button_save",
            run: "click",
        },
        {
            content: "The exempt tax is mapped now",
            trigger: `${EXEMPT_ROW} td[name='state']:contains('Mapped')`,
        },
    ],
});

registry.category("web_tour.tours").add("xero_connector_tests.salesperson_sees_the_stock_warning", {
    steps: () => [
        {
            content: "The quotation asks for what Xero has: no warning",
            trigger: ".o_form_view:not(:has(.o_xero_stock_warning:visible))",
        },
        {
            content: "Open the drill's line",
            trigger: ".o_data_row:contains('Cordless drill') td[name='product_uom_qty']",
            run: "click",
        },
        {
            content: "Ask for far more than Xero has",
            trigger: ".o_selected_row td[name='product_uom_qty'] input",
            run: "edit 999",
        },
        {
            content: "Leave the line",
            trigger: ".o_form_view .o_form_sheet",
            run: "click",
        },
        {
            content: "The line says how many Xero has",
            trigger: ".o_data_row td[name='xero_stock_warning']:contains('available in Xero')",
        },
        {
            content: "The order warns before it is invoiced",
            trigger: ".o_xero_stock_warning:contains('Not enough stock in Xero')",
        },
        {
            content: "Save the quotation anyway: it is a warning, not a refusal",
            trigger: ".o_form_button_save",
            run: "click",
        },
        {
            content: "Saved, and the warning stays",
            trigger: ".o_form_saved .o_xero_stock_warning:contains('Not enough stock in Xero')",
        },
    ],
});
