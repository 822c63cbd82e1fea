// The team's memory of the open case: notes and tags, end-to-end
// encrypted by counsel (counsel/teammemory.go). A record that is not the
// team's arrives as an alarm and is shown as one, never as a note. The
// panel is collapsed by default so that the conversation keeps its room.
import { h } from "../../src/dom";
import type { Vars } from "../../src/i18n";
import type { CaseMemory, DeskAPI } from "./api";
import { busy } from "./busy";
import type de from "./lang/de.json";

type Key = keyof typeof de;

export interface MemoryDeps {
  api: DeskAPI;
  t: (key: Key, vars?: Vars) => string;
  lang: () => string;
  formatDate: (iso: string) => string;
  errorText: (err: unknown) => string;
}

export class MemoryPanel {
  readonly el: HTMLDetailsElement;
  private readonly summary = h("summary", { id: "memory-summary" });
  private readonly alarms = h("div", { id: "memory-alarms" });
  private readonly tags = h("ul", { id: "memory-tags", class: "memory-tags" });
  private readonly tagInput = h("input", { id: "memory-tag-input", maxlength: "40", autocomplete: "off" }) as HTMLInputElement;
  private readonly notes = h("ol", { id: "memory-notes", class: "memory-notes" });
  private readonly noteText = h("textarea", { id: "memory-note-text", rows: "2", maxlength: "8000" }) as HTMLTextAreaElement;
  private readonly error = h("p", { id: "memory-error", class: "error", role: "status" });
  private readonly help = h("p", { class: "muted" });
  private readonly tagAdd = h("button", { type: "submit", class: "btn", id: "memory-tag-add" }) as HTMLButtonElement;
  private readonly noteSave = h("button", { type: "submit", class: "btn primary", id: "memory-note-save" }) as HTMLButtonElement;
  private caseId = "";
  private memory: CaseMemory | null = null;

  constructor(private readonly deps: MemoryDeps) {
    const tagForm = h("form", { class: "row memory-tag-form", submit: (e) => (e.preventDefault(), void this.addTag()) }, this.tagInput, this.tagAdd);
    const noteForm = h("form", { class: "memory-note-form", submit: (e) => (e.preventDefault(), void this.saveNote()) }, this.noteText, h("div", { class: "row" }, this.noteSave));
    this.el = h("details", { id: "memory", class: "memory" }, this.summary, this.help, this.alarms, this.tags, tagForm, this.notes, noteForm, this.error) as HTMLDetailsElement;
  }

  /** show loads the memory of case id; the panel keeps its open state. */
  async show(id: string): Promise<void> {
    if (id !== this.caseId) {
      this.caseId = id;
      this.memory = null;
      this.noteText.value = "";
      this.error.textContent = "";
    }
    this.render();
    try {
      const m = await this.deps.api.memory(id);
      if (id === this.caseId) this.memory = m;
    } catch (err) {
      if (id === this.caseId) this.error.textContent = this.deps.errorText(err);
    }
    if (id === this.caseId) this.render();
  }

  render(): void {
    const { t } = this.deps;
    const m = this.memory;
    this.help.textContent = t("memory.help");
    this.tagInput.placeholder = t("memory.tagplaceholder");
    this.tagInput.setAttribute("aria-label", t("memory.tagplaceholder"));
    this.noteText.placeholder = t("memory.noteplaceholder");
    this.noteText.setAttribute("aria-label", t("memory.noteplaceholder"));
    this.tagAdd.textContent = t("memory.tagadd");
    this.noteSave.textContent = t("memory.notesave");
    const tags = m?.tags ?? [];
    this.summary.textContent = t("memory.summary", { n: m?.notes.length ?? 0, tags: tags.length ? tags.join(", ") : t("memory.notags") });
    if (m && m.alarms.length) this.summary.append(" ", h("span", { class: "tag warn" }, "!"));
    this.alarms.replaceChildren(
      ...(m?.alarms ?? []).map((a) => h("p", { class: "warning memory-alarm", role: "alert" }, t("memory.alarm", { reason: this.deps.lang() === "de" && a.reason_de ? a.reason_de : a.reason }))),
    );
    this.tags.replaceChildren(
      ...tags.map((tag) =>
        h("li", { class: "tag" }, tag, " ", h("button", { type: "button", class: "linkish", "aria-label": t("memory.tagremove", { tag }), click: () => void this.removeTag(tag) }, "×")),
      ),
    );
    this.notes.replaceChildren(
      ...(m && m.notes.length === 0 ? [h("li", { class: "muted" }, t("memory.nonotes"))] : []),
      ...(m?.notes ?? []).map((n) =>
        h(
          "li",
          { class: "memory-note" },
          h(
            "div",
            { class: "head" },
            t("memory.by", { name: n.author_name || n.author, date: this.deps.formatDate(n.written) }),
            n.older_epoch ? h("span", { class: "tag warn", title: t("memory.older_epoch_hint") }, t("memory.older_epoch")) : false,
          ),
          h("p", { class: "body" }, n.text),
        ),
      ),
    );
  }

  private async addTag(): Promise<void> {
    const tag = this.tagInput.value.trim().toLowerCase();
    if (!tag || !this.memory) return;
    if (await this.saveTags([...this.memory.tags.filter((x) => x !== tag), tag])) this.tagInput.value = "";
  }

  private async removeTag(tag: string): Promise<void> {
    if (!this.memory) return;
    await this.saveTags(this.memory.tags.filter((x) => x !== tag));
  }

  private async saveTags(tags: string[]): Promise<boolean> {
    const id = this.caseId;
    this.error.textContent = "";
    try {
      const m = await this.deps.api.setTags(id, tags);
      if (id === this.caseId) this.memory = m;
      this.render();
      return true;
    } catch (err) {
      this.error.textContent = this.deps.errorText(err);
      return false;
    }
  }

  private async saveNote(): Promise<void> {
    const id = this.caseId;
    const text = this.noteText.value.trim();
    if (!text || !id || this.noteSave.disabled) return;
    this.error.textContent = "";
    await busy(this.noteSave, this.error, this.deps.errorText, async () => {
      const m = await this.deps.api.addNote(id, text);
      if (id === this.caseId) {
        this.memory = m;
        this.noteText.value = "";
      }
      this.render();
    });
  }
}
