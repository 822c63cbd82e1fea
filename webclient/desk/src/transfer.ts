// Handing a case over to another organisation (PROTOCOL.md §9) in the
// desk: the offer (a pinned organisation, a note in the enquirer's
// language), its state on the case and in the inbox, withdrawing it, and
// at the receiving organisation the marks on the messages the enquirer's
// device forwarded. The word "hand over" in the thread's head (case.handover)
// is the assignment inside the team; this is "transfer" in the code.
import { h } from "../../src/dom";
import type { Case, Message, Org } from "./api";
import { busy } from "./busy";
import type { PanelDeps } from "./deps";

export interface TransferDeps extends PanelDeps {
  /** After an offer was sent or withdrawn: show the case again. */
  changed: (id: string) => Promise<void>;
}

export class Transfer {
  private readonly title = h("h2");
  private readonly help = h("p", { class: "muted" });
  private readonly orgLabel = h("label", { for: "transfer-org" });
  private readonly orgSelect = h("select", { id: "transfer-org", required: true }) as HTMLSelectElement;
  private readonly noneText = h("p", { class: "warning", id: "transfer-none", hidden: true });
  private readonly noteLabel = h("label", { for: "transfer-note" });
  private readonly noteHelp = h("p", { class: "muted", id: "transfer-note-help" });
  private readonly note = h("textarea", { id: "transfer-note", rows: "5", maxlength: "2000", required: true }) as HTMLTextAreaElement;
  private readonly error = h("p", { class: "error", role: "alert", id: "transfer-error" });
  private readonly cancel = h("button", { type: "button", class: "btn", id: "transfer-cancel" }) as HTMLButtonElement;
  private readonly send = h("button", { type: "submit", class: "btn primary", id: "transfer-send" }) as HTMLButtonElement;
  private readonly form = h(
    "form",
    { method: "dialog", id: "transfer-form" },
    this.title,
    this.help,
    this.orgLabel,
    this.orgSelect,
    this.noneText,
    this.noteLabel,
    this.noteHelp,
    this.note,
    this.error,
    h("div", { class: "row" }, this.cancel, this.send),
  ) as HTMLFormElement;
  readonly dialog = h("dialog", { id: "transfer-dialog", class: "wide" }, this.form) as HTMLDialogElement;
  private caseId = "";

  constructor(private readonly d: TransferDeps) {
    this.form.addEventListener("submit", (e) => {
      e.preventDefault();
      void this.submit();
    });
    this.cancel.addEventListener("click", () => this.dialog.close());
    this.orgSelect.addEventListener("change", () => {
      this.send.disabled = this.orgSelect.value === "";
      this.noneText.hidden = this.orgSelect.value !== "";
    });
  }

  /** open asks for the organisation and the note for case id; org
   * preselects one (a centre of the directory that names it). */
  async open(id: string, lang: string, org = ""): Promise<void> {
    const { t } = this.d;
    this.caseId = id;
    this.title.textContent = t("transfer.title", { id: id.slice(0, 8) });
    this.help.textContent = t("transfer.help");
    this.orgLabel.textContent = t("transfer.org");
    this.noteLabel.textContent = t("transfer.note");
    this.noteHelp.textContent = t("transfer.notehelp", { lang });
    this.cancel.textContent = t("common.cancel");
    this.send.textContent = t("transfer.send");
    this.error.textContent = "";
    this.note.value = "";
    let orgs: Org[] = [];
    try {
      orgs = (await this.d.api.orgs()).orgs;
    } catch (err) {
      this.error.textContent = this.d.errorText(err);
    }
    // Only organisations whose key a person confirmed can be chosen; the
    // others are listed with the reason, so nobody looks for them in vain.
    const others = orgs.filter((o) => o.pin !== "own");
    this.orgSelect.replaceChildren(
      ...others.map((o) =>
        h("option", { value: o.slug, disabled: o.pin !== "pinned" }, o.pin === "pinned" ? o.name : `${o.name} (${t(o.pin === "changed" ? "transfer.changed" : "transfer.unpinned")})`),
      ),
    );
    const pinned = others.filter((o) => o.pin === "pinned");
    // A centre's organisation is chosen only if it is pinned; never
    // another in its place.
    const chosen = org ? pinned.find((o) => o.slug === org) : pinned[0];
    if (chosen) this.orgSelect.value = chosen.slug;
    else this.orgSelect.value = "";
    this.noneText.hidden = chosen !== undefined;
    this.noneText.textContent = pinned.length === 0 ? t("transfer.nopinned") : t("transfer.centrenotpinned");
    this.send.disabled = chosen === undefined;
    this.dialog.showModal();
    this.note.focus();
  }

  private async submit(): Promise<void> {
    const { t } = this.d;
    const note = this.note.value.trim();
    const org = this.orgSelect.value;
    if (!note) {
      this.error.textContent = t("transfer.empty");
      return;
    }
    if (!org || !this.caseId) return;
    const name = this.orgSelect.selectedOptions[0]?.textContent ?? org;
    if (!(await this.d.confirm(t("transfer.confirm", { name }), t("transfer.send")))) return;
    this.error.textContent = "";
    const errorText = (err: unknown): string => {
      const code = (err as { code?: string }).code;
      return code === "org_changed" ? t("transfer.changedlong") : code === "org_unpinned" ? t("transfer.nopinned") : this.d.errorText(err);
    };
    await busy(this.send, this.error, errorText, async () => {
      await this.d.api.offerTransfer(this.caseId, org, note);
      this.dialog.close();
      await this.d.changed(this.caseId);
    });
  }

  /** state is the line about the case's offer under its title, with a
   * button to withdraw an open one; null without an offer. */
  state(c: Case): HTMLElement | null {
    const { t } = this.d;
    const o = c.handover;
    if (!o) return null;
    const since = this.d.formatDate(o.since);
    const declined = o.state === "declined";
    const line = h("p", { id: "transfer-state", class: declined ? "notice" : "warning", "data-state": o.state }, t(declined ? "transfer.declined" : "transfer.offered", { org: o.org, since }));
    if (!declined) {
      line.append(
        " ",
        h("button", { type: "button", class: "btn ghost", id: "transfer-withdraw", click: () => void this.withdraw(c.id) }, t("transfer.withdraw")),
      );
    }
    return line;
  }

  private async withdraw(id: string): Promise<void> {
    const { t } = this.d;
    if (!(await this.d.confirm(t("transfer.withdrawconfirm"), t("transfer.withdraw")))) return;
    try {
      await this.d.api.withdrawTransfer(id);
    } catch {
      // onAPIError showed it; the case is shown as the server has it
    }
    await this.d.changed(id);
  }

  /** tag is the inbox's mark of a case with an offer, or of one that
   * came by handover; null for neither. */
  tag(c: Case): HTMLElement | null {
    const o = c.handover;
    if (c.forwarded) return h("span", { class: "tag forwarded" }, this.d.t("transfer.tagforwarded", { date: this.d.formatDate(c.forwarded.date, false) }));
    if (!o) return null;
    return h("span", { class: "tag transfer" }, this.d.t(o.state === "declined" ? "transfer.tagdeclined" : "transfer.tagoffered", { org: o.org }));
  }

  /** forwarded is the notice above a thread that came by handover. */
  forwarded(c: Case): HTMLElement | null {
    const f = c.forwarded;
    if (!f) return null;
    return h("p", { id: "thread-forwarded", class: "warning" }, this.d.t("transfer.forwarded", { n: f.count, date: this.d.formatDate(f.date, false) }));
  }

  /** messageTags mark a forwarded message and a reply that offered a
   * handover. */
  messageTags(m: Message, c: Case): HTMLElement[] {
    const { t } = this.d;
    const out: HTMLElement[] = [];
    if (m.forwarded && c.forwarded) {
      out.push(h("span", { class: "tag warn forwarded", title: t("transfer.forwardedhint") }, t("transfer.forwardedtag", { date: this.d.formatDate(c.forwarded.date, false) })));
    }
    if (m.offer) {
      out.push(h("span", { class: "tag transfer", title: t("transfer.offerhint", { fp: m.offer.fingerprint, epoch: m.offer.epoch }) }, t("transfer.offertag", { name: m.offer.name })));
    }
    return out;
  }
}
