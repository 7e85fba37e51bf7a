/** @odoo-module **/
// License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import publicWidget from "@web/legacy/js/public/public_widget";
import { debounce } from "@web/core/utils/timing";

/**
 * The History page's partner search suggests, as the accountant types, the
 * company's partners that match (at most twenty, from the server); choosing
 * one opens its history, its id in the URL. Without JavaScript the form
 * searches on the server and lists the matches as links.
 */
publicWidget.registry.AccountantPartnerSearch = publicWidget.Widget.extend({
    selector: ".o_accountant_partner_search",
    events: {
        input: "_onInput",
        change: "_onChange",
    },

    start() {
        this.ids = new Map();
        this._suggest = debounce(this._suggest.bind(this), 250);
        return this._super(...arguments);
    },

    _onInput() {
        this._suggest(this.el.value.trim());
    },

    _onChange() {
        const id = this.ids.get(this.el.value);
        if (id) {
            const url = new URL(this.el.form.action, window.location.origin);
            url.search = new URLSearchParams({ partner_id: id }).toString();
            window.location.assign(url.toString());
        }
    },

    async _suggest(search) {
        const url = new URL(this.el.dataset.searchUrl, window.location.origin);
        url.search = new URLSearchParams({ search }).toString();
        const response = await fetch(url, { headers: { Accept: "application/json" } });
        if (!response.ok) {
            return;
        }
        const partners = await response.json();
        const datalist = document.getElementById(this.el.getAttribute("list"));
        this.ids = new Map();
        datalist.replaceChildren(
            ...partners.map(({ id, name }) => {
                // Two partners of the same name: choosing it searches both.
                this.ids.set(name, this.ids.has(name) ? null : id);
                const option = document.createElement("option");
                option.value = name;
                return option;
            })
        );
    },
});
