// Two cards of the team tab: statistics for funders (everyone), and the
// cases deleted or purged in the retention period (admins).
import { h } from "../../src/dom";
import type { Block, DirectoryStatus } from "./api";
import { busy } from "./busy";
import { blockEditor, editedBlocks } from "./teamblocks";
import type { PanelDeps } from "./deps";

export class TeamCards {
  private readonly statsMsg = h("p", { id: "stats-msg", class: "notice", role: "status" });
  private readonly statsButton = h("button", { type: "button", class: "btn", id: "stats-export" }) as HTMLButtonElement;
  private readonly statsTitle = h("h2");
  private readonly statsHelp = h("p", { class: "muted" });
  private readonly deletedTitle = h("h2");
  private readonly deletedList = h("ul", { id: "deleted-list", class: "deleted-list" });
  readonly stats = h("div", { class: "card", id: "stats-card" }, this.statsTitle, this.statsHelp, h("div", { class: "row" }, this.statsButton), this.statsMsg);
  readonly deleted = h("div", { class: "card", id: "deleted-card", hidden: true }, this.deletedTitle, this.deletedList);
  private readonly dirTitle = h("h2");
  private readonly dirStatus = h("p", { id: "directory-status" });
  private readonly dirList = h("ul", { id: "directory-changed" });
  private readonly dirButton = h("button", { type: "button", class: "btn", id: "directory-confirm", hidden: true }) as HTMLButtonElement;
  private readonly dirMsg = h("p", { id: "directory-msg", class: "notice", role: "status" });
  readonly directory = h("div", { class: "card", id: "directory-card" }, this.dirTitle, this.dirStatus, this.dirList, h("div", { class: "row" }, this.dirButton), this.dirMsg);
  private dir: DirectoryStatus | null = null;
  private readonly blocksTitle = h("h2");
  private readonly blocksHelp = h("p", { class: "muted" });
  private readonly blocksList = h("ul", { id: "team-blocks-list", class: "blocks-list" });
  private readonly blocksAdd = h("button", { type: "button", class: "btn", id: "team-blocks-add" }) as HTMLButtonElement;
  private readonly blocksSave = h("button", { type: "button", class: "btn primary", id: "team-blocks-save" }) as HTMLButtonElement;
  private readonly blocksMsg = h("p", { id: "team-blocks-msg", class: "notice", role: "status" });
  readonly blocks = h("div", { class: "card", id: "team-blocks-card", hidden: true }, this.blocksTitle, this.blocksHelp, this.blocksList, h("div", { class: "row" }, this.blocksAdd, this.blocksSave), this.blocksMsg);

  constructor(
    private readonly d: PanelDeps,
    private readonly onBlocks: () => void,
  ) {
    this.statsButton.addEventListener("click", () => void this.exportStats());
    this.dirButton.addEventListener("click", () => void this.confirmDirectory());
    this.blocksAdd.addEventListener("click", () => {
      const li = this.blockEditor({ title: "", body: "" });
      this.blocksList.append(li);
      li.querySelector("input")?.focus();
    });
    this.blocksSave.addEventListener("click", () => void this.saveBlocks());
  }

  async render(admin: boolean): Promise<void> {
    const { t } = this.d;
    this.statsTitle.textContent = t("stats.title");
    this.statsHelp.textContent = t("stats.help");
    this.statsButton.textContent = t("stats.export");
    this.deletedTitle.textContent = t("deleted.title");
    this.deleted.hidden = !admin;
    this.dirTitle.textContent = t("directory.title");
    this.dirButton.textContent = t("directory.confirm");
    void this.loadDirectory(admin);
    this.blocks.hidden = !admin;
    if (!admin) return;
    this.blocksTitle.textContent = t("teamblocks.title");
    this.blocksHelp.textContent = t("teamblocks.help");
    this.blocksAdd.textContent = t("blocks.add");
    this.blocksSave.textContent = t("blocks.save");
    void this.loadBlocks();
    try {
      const rows = await this.d.api.teamActions();
      this.deletedList.replaceChildren(
        ...(rows.length === 0 ? [h("li", { class: "muted" }, t("deleted.none"))] : []),
        ...rows.map((r) =>
          h("li", {}, h("time", { datetime: r.at }, this.d.formatDate(r.at)), " ", t(r.action === "purged" ? "deleted.purged" : "deleted.deleted", { id: r.case.slice(0, 8), by: r.by_name || r.by })),
        ),
      );
    } catch (err) {
      this.deletedList.replaceChildren(h("li", { class: "error" }, this.d.errorText(err)));
    }
  }

  private async exportStats(): Promise<void> {
    this.statsMsg.textContent = this.d.t("stats.busy");
    await busy(this.statsButton, this.statsMsg, this.d.errorText, async () => {
      const blob = await this.d.api.statsCSV();
      const url = URL.createObjectURL(blob);
      const a = h("a", { href: url, download: "lotse-statistics.csv", hidden: true });
      document.body.append(a);
      a.click();
      a.remove();
      setTimeout(() => URL.revokeObjectURL(url), 60_000);
      this.statsMsg.textContent = this.d.t("stats.done");
    });
  }

  /** The directory against the confirmed list; an admin may confirm it
   * for the team as it is shown. */
  private async loadDirectory(admin: boolean): Promise<void> {
    const { t } = this.d;
    try {
      this.dir = await this.d.api.centresStatus();
    } catch (err) {
      this.dirStatus.textContent = this.d.errorText(err);
      return;
    }
    const d = this.dir;
    const vars = { n: d.changed.length, total: d.total };
    this.dirStatus.textContent = d.changed.length === 0 ? t(d.team ? "directory.teamok" : "directory.deskok", vars) : t(d.team ? "directory.teamchanged" : "directory.deskchanged", vars);
    if (d.older_epoch) this.dirStatus.textContent += ` ${t("directory.olderepoch")}`;
    this.dirList.replaceChildren(...d.changed.map((c) => h("li", {}, c.name)));
    this.dirButton.hidden = !admin || (d.team && !d.older_epoch && d.changed.length === 0);
  }

  private async confirmDirectory(): Promise<void> {
    const d = this.dir;
    if (!d) return;
    const { t } = this.d;
    if (!(await this.d.confirm(t("directory.confirmask", { n: d.changed.length, total: d.total }), t("directory.confirm")))) return;
    this.dirMsg.textContent = "";
    await busy(this.dirButton, this.dirMsg, this.d.errorText, async () => {
      await this.d.api.confirmCentres(d.digest);
      this.dirMsg.textContent = t("directory.confirmed", { total: d.total });
      await this.loadDirectory(true);
    });
  }

  /** A team block's row in the card (teamblocks.ts). */
  private blockEditor(b: Block): HTMLElement {
    return blockEditor(this.d.t, b, 3);
  }

  private async loadBlocks(): Promise<void> {
    try {
      const tb = await this.d.api.teamBlocks();
      this.blocksList.replaceChildren(...tb.blocks.map((b) => this.blockEditor(b)));
      this.blocksMsg.textContent = [...tb.alarms.map((a) => a.reason), tb.older_epoch ? this.d.t("teamblocks.olderepoch") : ""].join(" ").trim();
    } catch (err) {
      this.blocksMsg.textContent = this.d.errorText(err);
    }
  }

  private async saveBlocks(): Promise<void> {
    const next = editedBlocks(this.blocksList);
    await busy(this.blocksSave, this.blocksMsg, this.d.errorText, async () => {
      const tb = await this.d.api.saveTeamBlocks(next);
      this.blocksList.replaceChildren(...tb.blocks.map((b) => this.blockEditor(b)));
      this.blocksMsg.textContent = this.d.t("teamblocks.saved", { n: tb.blocks.length });
      this.onBlocks();
    });
  }
}
