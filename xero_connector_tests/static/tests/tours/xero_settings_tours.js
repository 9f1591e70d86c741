import { registry } from "@web/core/registry";
import { stepUtils } from "@web_tour/tour_utils";

const XERO_MENU = "[data-menu-xmlid='xero_connector.menu_xero_root']";

registry.category("web_tour.tours").add("xero_connector_tests.admin_finds_xero_settings", {
    steps: () => [
        stepUtils.showAppsMenuItem(),
        {
            content: "The Xero app is in the apps menu of an administrator",
            trigger: `.o_app${XERO_MENU}`,
            run: "click",
        },
        {
            content: "It opens the overview, which says that no company is connected yet",
            trigger: ".o_view_nocontent:contains('No company is connected to Xero yet')",
        },
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
            content: "The Xero settings are shown",
            trigger: ".settings_tab .tab[data-key='xero_connector'].selected",
        },
        {
            content: "The connection block shows its state and the Connect button",
            trigger:
                "#xero_connection:contains('Not connected') button[name='action_xero_connect']",
        },
        {
            content: "The Xero block holds the access setting",
            trigger:
                ".app_settings_block[data-key='xero_connector'] #xero_access:contains('Who sees Xero data')",
        },
        {
            content: "Open the users from the Xero block",
            trigger: "#xero_access button:contains('Manage users')",
            run: "click",
        },
        {
            content: "The users list is shown",
            trigger: ".o_list_view .o_data_row",
        },
    ],
});

registry.category("web_tour.tours").add("xero_connector_tests.rep_sees_no_xero_menu", {
    steps: () => [
        stepUtils.showAppsMenuItem(),
        {
            content: "A salesperson has the Sales app",
            trigger: ".o_app[data-menu-xmlid='sale.sale_menu_root']",
        },
        {
            content: "... but no Xero app",
            trigger: `.o-dropdown--menu:not(:has(${XERO_MENU}))`,
        },
    ],
});
