// Two cards of the team tab: statistics for funders (everyone), and the
// cases deleted or purged in the retention period (admins).
import { h } from "../../src/dom";
import type { Vars } from "../../src/i18n";
import type { DeskAPI } from "./api";
import type de from "./lang/de.json";

type Key = keyof typeof de;

export class TeamCards {
  private readonly statsMsg = h("p", { id: "stats-msg", class: "notice", role: "status" });
  private readonly statsButton = h("button", { type: "button", class: "btn", id: "stats-export" }) as HTMLButtonElement;
  private readonly statsTitle = h("h2");
  private readonly statsHelp = h("p", { class: "muted" });
  private readonly deletedTitle = h("h2");
  private readonly deletedList = h("ul", { id: "deleted-list", class: "deleted-list" });
  readonly stats = h("div", { class: "card", id: "stats-card" }, this.statsTitle, this.statsHelp, h("div", { class: "row" }, this.statsButton), this.statsMsg);
  readonly deleted = h("div", { class: "card", id: "deleted-card", hidden: true }, this.deletedTitle, this.deletedList);

  constructor(
    private readonly api: DeskAPI,
    private readonly t: (key: Key, vars?: Vars) => string,
    private readonly formatDate: (iso: string) => string,
    private readonly errorText: (err: unknown) => string,
  ) {
    this.statsButton.addEventListener("click", () => void this.exportStats());
  }

  async render(admin: boolean): Promise<void> {
    const { t } = this;
    this.statsTitle.textContent = t("stats.title");
    this.statsHelp.textContent = t("stats.help");
    this.statsButton.textContent = t("stats.export");
    this.deletedTitle.textContent = t("deleted.title");
    this.deleted.hidden = !admin;
    if (!admin) return;
    try {
      const rows = await this.api.teamActions();
      this.deletedList.replaceChildren(
        ...(rows.length === 0 ? [h("li", { class: "muted" }, t("deleted.none"))] : []),
        ...rows.map((r) =>
          h("li", {}, h("time", { datetime: r.at }, this.formatDate(r.at)), " ", t(r.action === "purged" ? "deleted.purged" : "deleted.deleted", { id: r.case.slice(0, 8), by: r.by_name || r.by })),
        ),
      );
    } catch (err) {
      this.deletedList.replaceChildren(h("li", { class: "error" }, this.errorText(err)));
    }
  }

  private async exportStats(): Promise<void> {
    this.statsButton.disabled = true;
    this.statsMsg.textContent = this.t("stats.busy");
    try {
      const blob = await this.api.statsCSV();
      const url = URL.createObjectURL(blob);
      const a = h("a", { href: url, download: "lotse-statistics.csv", hidden: true });
      document.body.append(a);
      a.click();
      a.remove();
      setTimeout(() => URL.revokeObjectURL(url), 60_000);
      this.statsMsg.textContent = this.t("stats.done");
    } catch (err) {
      this.statsMsg.textContent = this.errorText(err);
    } finally {
      this.statsButton.disabled = false;
    }
  }
}
