import { registry } from "@web/core/registry";
import { stepUtils } from "@web_tour/tour_utils";

// The screens of the addon's description (static/description/screenshot_*.png), taken
// by test_screenshots.py: the step logs "xero-screenshot:<name>", the test captures the
// page and marks <body>, and the tour goes on.
export function screenshot(name) {
    return [
        {
            content: `Take the screenshot ${name}`,
            trigger: "body:not(:has(.o_loading_indicator, .o_notification))",
            run: async () => {
                // the graphs and the last rows settle (Chart.js draws in 0.4 s)
                await new Promise((resolve) => setTimeout(resolve, 600));
                console.log(`xero-screenshot:${name}`);
            },
        },
        {
            content: `The screenshot ${name} is taken`,
            trigger: `body[data-xero-screenshot='${name}']`,
        },
    ];
}

registry.category("web_tour.tours").add("xero_connector_tests.screenshots", {
    steps: () => [
        {
            content: "The Overview: what was sent to Xero in the last day, with its graph",
            trigger:
                ".o_kanban_record .o_xero_dashboard_graphs:contains('Sent to Xero, last 24 h') canvas",
        },
        {
            content: "... and the calls used today",
            trigger: ".o_kanban_record .o_xero_calls_used .o_progressbar",
        },
        ...screenshot("screenshot_1_overview"),
        {
            content: "Open the Configuration menu",
            trigger: ".o_menu_sections [data-menu-xmlid='xero_connector.menu_xero_configuration']",
            run: "click",
        },
        {
            content: "Open the Xero settings",
            trigger: ".dropdown-item[data-menu-xmlid='xero_connector.menu_xero_settings']",
            run: "click",
        },
        {
            content: "The Xero settings: the company is connected",
            trigger: ".settings_tab .tab[data-key='xero_connector'].selected",
        },
        {
            content: "... to its organisation",
            trigger: "#xero_connection:contains('Kauri Tools Ltd')",
        },
        ...screenshot("screenshot_2_settings"),
        stepUtils.showAppsMenuItem(),
        {
            content: "Back to the Xero app",
            trigger: ".o_app[data-menu-xmlid='xero_connector.menu_xero_root']",
            run: "click",
        },
        {
            content: "Open the invoices of orders",
            trigger: ".o_menu_sections [data-menu-xmlid='xero_connector.menu_xero_order_invoices']",
            run: "click",
        },
        {
            content: "Each order's invoice in Xero, with its status",
            trigger: ".o_list_view .o_data_row td[name='payment_status']:contains('Paid')",
        },
        ...screenshot("screenshot_3_invoices"),
        {
            content: "Open the invoice awaiting payment",
            trigger: ".o_data_row:contains('Awaiting payment') td[name='order_id']",
            run: "click",
        },
        {
            content: "Open its order",
            trigger: ".o_form_view .o_field_widget[name='order_id'] a",
            run: "click",
        },
        {
            content: "The order shows its Xero invoice, its status and the online invoice",
            trigger: ".o_form_view .o_field_widget[name='xero_online_url'] a[href*='/xero/pay/']",
        },
        {
            content: "... and its Xero invoices button",
            trigger: "button[name='action_xero_view_invoices']:contains('Xero invoices')",
        },
        ...screenshot("screenshot_4_order"),
    ],
});
