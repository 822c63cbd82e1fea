// The organisations card of the team tab (counsel/desk_orgs.go): the
// server's organisations with this desk's pins of their team keys. A case
// goes by handover only to an organisation whose fingerprint a person
// confirmed with it out of band (PROTOCOL.md §9.1); admins of the front
// door also create organisations (the setup token shown once) and delete
// them.
import { h } from "../../src/dom";
import type { Org } from "./api";
import { busy } from "./busy";
import type { PanelDeps } from "./deps";

export class OrgsCard {
  private readonly title = h("h2");
  private readonly help = h("p", { class: "muted" });
  private readonly head = h("tr");
  private readonly body = h("tbody", { id: "orgs-body" });
  private readonly none = h("p", { class: "muted", id: "orgs-none", hidden: true });
  private readonly msg = h("p", { id: "orgs-msg", class: "notice", role: "status" });

  private readonly pinHelp = h("p", { id: "orgs-pin-help" });
  private readonly pinExpected = h("p", { class: "fp", id: "orgs-pin-expected", dir: "ltr" });
  private readonly pinLabel = h("label", { for: "orgs-pin-fp" });
  private readonly pinInput = h("input", { id: "orgs-pin-fp", inputmode: "numeric", autocomplete: "off", spellcheck: "false", maxlength: "64" }) as HTMLInputElement;
  private readonly pinCancel = h("button", { type: "button", class: "btn", id: "orgs-pin-cancel" }) as HTMLButtonElement;
  private readonly pinButton = h("button", { type: "submit", class: "btn primary", id: "orgs-pin-confirm" }) as HTMLButtonElement;
  private readonly pinError = h("p", { class: "error", role: "alert", id: "orgs-pin-error" });
  private readonly pinForm = h(
    "form",
    { id: "orgs-pin-form", class: "org-pin", hidden: true },
    this.pinHelp,
    this.pinExpected,
    this.pinLabel,
    this.pinInput,
    this.pinError,
    h("div", { class: "row" }, this.pinCancel, this.pinButton),
  ) as HTMLFormElement;
  private pinning: Org | null = null;

  private readonly offersTitle = h("h3");
  private readonly offers = h("ul", { id: "orgs-offers", class: "invite-list" });

  private readonly createTitle = h("h3");
  private readonly createHelp = h("p", { class: "muted" });
  private readonly slugLabel = h("label", { for: "org-slug" });
  private readonly slugInput = h("input", { id: "org-slug", autocomplete: "off", spellcheck: "false", maxlength: "32", pattern: "[a-z0-9-]{1,32}", required: true }) as HTMLInputElement;
  private readonly nameLabel = h("label", { for: "org-name" });
  private readonly nameInput = h("input", { id: "org-name", autocomplete: "off", maxlength: "64", required: true }) as HTMLInputElement;
  private readonly createButton = h("button", { type: "submit", class: "btn", id: "org-create" }) as HTMLButtonElement;
  private readonly tokenLabel = h("span");
  private readonly token = h("code", { id: "org-token", dir: "ltr" });
  private readonly tokenHelp = h("p", { class: "warning", id: "org-token-help" });
  private readonly tokenOut = h("div", { id: "org-token-out", hidden: true }, h("p", { class: "invite" }, this.tokenLabel, " ", this.token), this.tokenHelp);
  private readonly createForm = h(
    "form",
    { id: "org-create-form", class: "row" },
    this.slugLabel,
    this.slugInput,
    this.nameLabel,
    this.nameInput,
    this.createButton,
  ) as HTMLFormElement;
  private readonly createPart = h("div", { hidden: true, id: "org-create-part" }, this.createTitle, this.createHelp, this.createForm, this.tokenOut);

  readonly el = h(
    "div",
    { class: "card", id: "orgs-card" },
    this.title,
    this.help,
    h("table", { class: "roster orgs" }, h("thead", {}, this.head), this.body),
    this.none,
    this.pinForm,
    this.msg,
    this.offersTitle,
    this.offers,
    this.createPart,
  );

  /** The organisations as last loaded. */
  orgs: Org[] = [];
  private frontDoorAdmin = false;

  constructor(private readonly d: PanelDeps) {
    this.pinForm.addEventListener("submit", (e) => {
      e.preventDefault();
      void this.submitPin();
    });
    this.pinCancel.addEventListener("click", () => this.closePin());
    this.createForm.addEventListener("submit", (e) => {
      e.preventDefault();
      void this.create();
    });
  }

  async render(): Promise<void> {
    const { t } = this.d;
    this.title.textContent = t("orgs.title");
    this.help.textContent = t("orgs.help");
    this.head.replaceChildren(...(["orgs.name", "orgs.slug", "orgs.epoch", "orgs.fingerprint", "orgs.state"] as const).map((k) => h("th", {}, t(k))), h("th"));
    this.none.textContent = t("orgs.none");
    this.pinLabel.textContent = t("orgs.pintyped");
    this.pinCancel.textContent = t("common.cancel");
    this.pinButton.textContent = t("orgs.pin");
    this.createTitle.textContent = t("orgs.create");
    this.createHelp.textContent = t("orgs.createhelp");
    this.slugLabel.textContent = t("orgs.newslug");
    this.nameLabel.textContent = t("orgs.newname");
    this.createButton.textContent = t("orgs.createbutton");
    this.tokenLabel.textContent = t("orgs.token");
    this.offersTitle.textContent = t("orgs.offers");
    await Promise.all([this.load(), this.loadOffers()]);
  }

  /** The organisation's offers and what became of them. */
  private async loadOffers(): Promise<void> {
    const { t } = this.d;
    try {
      const list = await this.d.api.transfers();
      this.offers.replaceChildren(
        ...(list.length === 0 ? [h("li", { class: "muted" }, t("orgs.nooffers"))] : []),
        ...list.map((o) =>
          h(
            "li",
            { "data-offer": o.case, "data-state": o.state },
            h("span", { class: "cid" }, o.case.slice(0, 8)),
            " ",
            t(o.state === "completed" ? "orgs.offercompleted" : o.state === "declined" ? "orgs.offerdeclined" : "orgs.offeroffered", { org: o.org }),
            " ",
            h("span", { class: "muted" }, this.d.formatDate(o.since)),
          ),
        ),
      );
    } catch (err) {
      this.offers.replaceChildren(h("li", { class: "error" }, this.d.errorText(err)));
    }
  }

  /** load reads the organisations again; it never throws. */
  async load(): Promise<void> {
    try {
      const r = await this.d.api.orgs();
      this.orgs = r.orgs;
      this.frontDoorAdmin = r.front_door_admin;
    } catch (err) {
      this.msg.textContent = this.d.errorText(err);
      return;
    }
    this.createPart.hidden = !this.frontDoorAdmin;
    const others = this.orgs.filter((o) => o.pin !== "own");
    this.none.hidden = others.length > 0;
    this.body.replaceChildren(...this.orgs.map((o) => this.row(o)));
  }

  private row(o: Org): HTMLElement {
    const { t } = this.d;
    const state =
      o.pin === "changed"
        ? h("td", { class: "warning", "data-state": o.pin }, t("orgs.changed", { fp: o.confirmed ?? "" }))
        : h("td", { "data-state": o.pin }, t(o.pin === "own" ? "orgs.own" : o.pin === "pinned" ? "orgs.pinned" : "orgs.unpinned"));
    const actions = h("td", {});
    if (o.pin === "unpinned" || o.pin === "changed") {
      actions.append(h("button", { type: "button", class: "btn", "data-pin": o.slug, click: () => this.openPin(o) }, t("orgs.pin")));
    }
    if (this.frontDoorAdmin && !o.front_door) {
      actions.append(h("button", { type: "button", class: "btn danger", "data-delete-org": o.slug, click: () => void this.remove(o) }, t("orgs.delete")));
    }
    return h(
      "tr",
      { "data-org": o.slug },
      h("td", {}, o.name),
      h("td", { dir: "ltr" }, o.slug),
      h("td", {}, String(o.epoch)),
      h("td", { class: "fp", dir: "ltr" }, o.fingerprint),
      state,
      actions,
    );
  }

  private openPin(o: Org): void {
    this.pinning = o;
    this.pinHelp.textContent = this.d.t("orgs.pinhelp", { name: o.name });
    this.pinExpected.textContent = o.fingerprint;
    this.pinInput.value = "";
    this.pinError.textContent = "";
    this.pinForm.hidden = false;
    this.pinInput.focus();
  }

  private closePin(): void {
    this.pinning = null;
    this.pinForm.hidden = true;
  }

  private async submitPin(): Promise<void> {
    const o = this.pinning;
    if (!o) return;
    this.pinError.textContent = "";
    const pinErrorText = (err: unknown): string => ((err as { code?: string }).code === "fingerprint_mismatch" ? this.d.t("orgs.mismatch") : this.d.errorText(err));
    await busy(this.pinButton, this.pinError, pinErrorText, async () => {
      await this.d.api.pinOrg(o.slug, this.pinInput.value);
      this.closePin();
      this.msg.textContent = this.d.t("orgs.pinnednow", { name: o.name });
      await this.load();
    });
  }

  private async create(): Promise<void> {
    this.msg.textContent = "";
    this.tokenOut.hidden = true;
    await busy(this.createButton, this.msg, this.d.errorText, async () => {
      const c = await this.d.api.createOrg(this.slugInput.value.trim(), this.nameInput.value.trim());
      // Shown this once: counsel keeps no copy.
      this.token.textContent = c.setup;
      this.tokenHelp.textContent = this.d.t("orgs.tokenhelp", { when: this.d.formatDate(c.expires), slug: c.slug });
      this.tokenOut.hidden = false;
      this.slugInput.value = this.nameInput.value = "";
    });
  }

  private async remove(o: Org): Promise<void> {
    const { t } = this.d;
    if (!(await this.d.confirm(t("orgs.deleteask", { name: o.name }), t("orgs.delete")))) return;
    try {
      await this.d.api.deleteOrg(o.slug);
      this.msg.textContent = t("orgs.deleted", { name: o.name });
    } catch (err) {
      this.msg.textContent = this.d.errorText(err);
    }
    await this.load();
  }
}
