import * as hoot from "@odoo/hoot-dom";
import { browser } from "@web/core/browser/browser";
import { registry } from "@web/core/registry";

// what the tour service keeps of the running tour (web_tour/static/src/js/tour_state.js)
const CURRENT_TOUR = "current_tour";
const CURRENT_INDEX = "current_tour.index";
// how far from what it shows the tour's pointer stands (Odoo places it 6 px away)
const POINTER_REACH = 40;

async function waitFor(what, probe, timeout = 15000) {
    const end = Date.now() + timeout;
    for (;;) {
        const found = probe();
        if (found) {
            return found;
        }
        if (Date.now() > end) {
            throw new Error(`Timed out waiting for ${what} (${whereTheTourIs()})`);
        }
        await new Promise((resolve) => setTimeout(resolve, 50));
    }
}

/** Where the running tour stands, and what its pointer says: for a failure's message. */
function whereTheTourIs() {
    const index = browser.localStorage.getItem(CURRENT_INDEX);
    const pointer = document.querySelector(".o_tour_pointer .o_tour_pointer_content");
    const says = pointer ? `its pointer says "${pointer.textContent}"` : "no pointer shown";
    return `the tour ${browser.localStorage.getItem(CURRENT_TOUR)} is at step ${Number(index) + 1}, ${says}`;
}

function near(pointer, element) {
    const a = pointer.getBoundingClientRect();
    const b = element.getBoundingClientRect();
    const dx = Math.max(0, a.left - b.right, b.left - a.right);
    const dy = Math.max(0, a.top - b.bottom, b.top - a.bottom);
    return dx <= POINTER_REACH && dy <= POINTER_REACH;
}

/**
 * A new user following a guided tour: clicks ``entry`` (the selectors of what they
 * click to start it, in order), then, step after step, reads the tooltip of what the
 * tour's pointer shows and clicks it, until the tour ends. Checks that each step's
 * pointer stood by its element with the step's text, that the steps gone through are
 * ``expected`` (their ids) and that the tour ended after the last; then says "test
 * successful".
 */
async function followGuidedTour({ tour, entry, expected }) {
    for (const selector of entry) {
        const element = await waitFor(selector, () => hoot.queryFirst(selector, { visible: true }));
        await hoot.click(element);
    }
    await waitFor(
        `the tour ${tour} to start`,
        () => browser.localStorage.getItem(CURRENT_TOUR) === tour,
    );
    const steps = registry.category("web_tour.tours").get(tour).steps();
    const seen = [];
    while (browser.localStorage.getItem(CURRENT_TOUR) === tour) {
        const index = Number(browser.localStorage.getItem(CURRENT_INDEX));
        const step = steps[index];
        const where = `step ${index + 1} (${step.id}): ${step.trigger}`;
        // the pointer stands by the step's element, its tooltip saying the step's text
        const element = await waitFor(where, () => {
            const found = hoot.queryFirst(step.trigger, { visible: true });
            const pointer = document.querySelector(".o_tour_pointer");
            const tooltip = pointer?.querySelector(".o_tour_pointer_content")?.textContent;
            return (
                found && pointer && near(pointer, found) && tooltip.includes(step.content) && found
            );
        });
        seen.push(step.id);
        await hoot.click(element);
        await waitFor(
            `the tour to go on after ${where}`,
            () => {
                const current = browser.localStorage.getItem(CURRENT_TOUR);
                return (
                    current !== tour || Number(browser.localStorage.getItem(CURRENT_INDEX)) > index
                );
            },
            3000,
        );
    }
    if (JSON.stringify(seen) !== JSON.stringify(expected)) {
        throw new Error(
            `The tour went through ${seen.join(", ")}; expected ${expected.join(", ")}`,
        );
    }
    if (seen.at(-1) !== steps.at(-1).id) {
        throw new Error(`The tour ended at ${seen.at(-1)}, before its last step`);
    }
    console.log("test successful");
}

/** The user opens their user menu: "How the Xero sync works" is there when ``shown``. */
async function lookInUserMenu({ shown }) {
    await hoot.click(await waitFor("the user menu", () => hoot.queryFirst(".o_user_menu button")));
    await waitFor("the user menu's items", () =>
        hoot.queryFirst(".dropdown-item[data-menu=preferences]"),
    );
    const entry = hoot.queryFirst(".dropdown-item[data-menu=xero_how_the_sync_works]");
    if (Boolean(entry) !== shown) {
        throw new Error(`The user menu ${shown ? "lacks" : "shows"} How the Xero sync works`);
    }
    console.log("test successful");
}

registry
    .category("xero_connector_tests.drivers")
    .add("follow_guided_tour", followGuidedTour)
    .add("look_in_user_menu", lookInUserMenu);
