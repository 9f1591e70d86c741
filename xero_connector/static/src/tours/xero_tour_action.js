import { Component } from "@odoo/owl";
import { DropdownItem } from "@web/core/dropdown/dropdown_item";
import { _t } from "@web/core/l10n/translation";
import { registry } from "@web/core/registry";
import { user } from "@web/core/user";
import { useService } from "@web/core/utils/hooks";
import { MANAGER_TOUR, SALES_TOUR, XERO_APP, saveTourFacts } from "./xero_guided_tours";

const XERO_USER = "xero_connector.group_xero_user";
const XERO_MANAGER = "xero_connector.group_xero_manager";
const SALESPERSON = "sales_team.group_sale_salesman";
// Sales > Orders shows the confirmed orders 80 at a time, the latest first
const ORDERS_PAGE = 80;
// the reports other parts of the addon add, found by their menu (they may not be there)
const REPORTS = ["health-check", "leakage"];

/**
 * The client action behind "How the sync works": starts the guided tour of who you are
 * (a Xero manager: the manager's; anyone else: the salesperson's), or the one its
 * ``tour`` parameter names, in Odoo's manual mode, where the user is.
 */
async function startGuidedTour(env, action) {
    const manager = await user.hasGroup(XERO_MANAGER);
    const kind = action.params?.tour || (manager ? "manager" : "sales");
    if (!(await mayFollowTour(kind))) {
        env.services.notification.add(
            _t(
                "The tour of the Xero sync is for Xero managers, and for salespeople who see Xero's figures.",
            ),
            { type: "warning" },
        );
        return;
    }
    const tourName = kind === "manager" ? MANAGER_TOUR : SALES_TOUR;
    const facts = kind === "manager" ? await managerFacts(env) : await salesFacts(env);
    saveTourFacts(tourName, facts);
    await env.services.tour_service.startTour(tourName, {
        mode: "manual",
        redirect: false,
        rainbowManMessage:
            kind === "manager"
                ? _t("You know how the sync works. The one-page help is on the Overview.")
                : _t("You know where your orders stand in Xero."),
    });
}

/** The order the salesperson's tour opens: the latest invoiced one of the first page
 * of their orders (none: the tour shows where orders and their Xero invoices are). */
async function salesFacts(env) {
    const orders = await env.services.orm.searchRead(
        "sale.order",
        [["state", "=", "sale"]],
        ["name", "xero_invoice_count"],
        { limit: ORDERS_PAGE, order: "date_order desc, id desc" },
    );
    const invoiced = orders.find((order) => order.xero_invoice_count);
    if (!invoiced) {
        return {};
    }
    const [order] = await env.services.orm.read(
        "sale.order",
        [invoiced.id],
        ["name", "xero_payment_status", "xero_online_url", "xero_invoice_problem"],
    );
    return {
        order: {
            name: order.name,
            status: Boolean(order.xero_payment_status),
            payLink: Boolean(order.xero_online_url),
            problem: Boolean(order.xero_invoice_problem),
            invoices: true,
        },
    };
}

/** Whether the manager sees Settings, the Overview's first organisation and what
 * failed there, and the reports' menus. */
async function managerFacts(env) {
    const [connection] = await env.services.orm.searchRead(
        "xero.connection",
        [["state", "!=", "draft"]],
        ["job_error_count"],
        { limit: 1 },
    );
    return {
        settings: user.isSystem,
        connected: Boolean(connection),
        failed: Boolean(connection?.job_error_count),
        reports: reportMenus(env.services.menu),
    };
}

/** Where each report's menu is, for this user: its app, the section of the app's bar
 * holding it, the menu. In the Xero app first, else wherever it is. */
function reportMenus(menus) {
    const all = menus.getAll();
    const parents = new Map();
    for (const menu of all) {
        for (const child of menu.children || []) {
            parents.set(child, menu);
        }
    }
    const found = [];
    for (const key of REPORTS) {
        const word = key.split("-")[0];
        const candidates = all.filter(
            (menu) =>
                menu.xmlid?.startsWith("xero_connector.") &&
                menu.xmlid.includes(word) &&
                menu.actionID &&
                !menu.children?.length,
        );
        const inXero = (menu) => appOf(menu, parents).xmlid === XERO_APP;
        candidates.sort((a, b) => inXero(b) - inXero(a));
        const menu = candidates[0];
        if (!menu) {
            continue;
        }
        const path = [];
        let node = parents.get(menu.id);
        while (node && node.id !== "root") {
            path.unshift(node);
            node = parents.get(node.id);
        }
        const [app, section] = path;
        found.push({
            key,
            app: app.xmlid,
            appName: app.name,
            section: section?.xmlid,
            sectionName: section?.name,
            menu: menu.xmlid,
        });
    }
    return found.sort((a, b) => (b.app === XERO_APP) - (a.app === XERO_APP));
}

function appOf(menu, parents) {
    let node = menu;
    while (parents.get(node.id) && parents.get(node.id).id !== "root") {
        node = parents.get(node.id);
    }
    return node;
}

/** Whether the user may follow the tour ``kind`` ("manager": the one of who they are):
 * the salesperson's needs Sales and Xero's figures on orders. */
async function mayFollowTour(kind) {
    if (!(await user.hasGroup(XERO_USER))) {
        return false;
    }
    return (
        (kind === "manager" && (await user.hasGroup(XERO_MANAGER))) ||
        (await user.hasGroup(SALESPERSON))
    );
}

registry.category("actions").add("xero_connector.guided_tour", startGuidedTour);

/** Whether the user may follow a tour (a Xero manager, or a Xero user who sells),
 * known when the web client starts, for the user menu's entry. */
const xeroTourEntryService = {
    start() {
        const entry = { shown: false };
        mayFollowTour("manager").then((yes) => (entry.shown = yes));
        return entry;
    },
};
registry.category("services").add("xero_connector_tour_entry", xeroTourEntryService);

registry.category("user_menuitems").add("xero_connector_how_the_sync_works", (env) => ({
    type: "item",
    id: "xero_how_the_sync_works",
    description: _t("How the Xero sync works"),
    show: () => env.services.xero_connector_tour_entry.shown,
    callback: () => env.services.action.doAction("xero_connector.action_xero_guided_tour"),
    sequence: 25,
}));

/** On the Overview's gear menu: the tour new salespeople take, for a manager to know it. */
export class XeroSalesTourCogItem extends Component {
    static template = "xero_connector.SalesTourCogItem";
    static props = {};
    static components = { DropdownItem };

    setup() {
        this.action = useService("action");
    }

    startSalesTour() {
        return this.action.doAction("xero_connector.action_xero_guided_tour_sales");
    }
}

registry.category("cogMenu").add("xero_connector_sales_tour", {
    Component: XeroSalesTourCogItem,
    groupNumber: 50,
    isDisplayed: async ({ config, searchModel }) =>
        searchModel.resModel === "xero.connection" &&
        config.viewType === "kanban" &&
        config.actionType === "ir.actions.act_window" &&
        (await mayFollowTour("sales")),
});
