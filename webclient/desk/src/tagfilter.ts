// The inbox's tag filter: counsel finds the cases the team gave a tag
// (their tag records, decrypted and verified there), and the inbox shows
// only those until the filter is cleared.
import { h } from "../../src/dom";
import type { Vars } from "../../src/i18n";
import type { DeskAPI } from "./api";
import type de from "./lang/de.json";

type Key = keyof typeof de;

export class TagFilter {
  private ids: Set<string> | null = null;
  private readonly input = h("input", { id: "tag-filter", maxlength: "40", autocomplete: "off", spellcheck: "false" }) as HTMLInputElement;
  private readonly clear = h("button", { type: "button", class: "btn ghost", id: "tag-filter-clear", hidden: true }) as HTMLButtonElement;
  private readonly status = h("span", { id: "tag-filter-status", class: "muted", role: "status" });
  readonly el: HTMLElement;

  constructor(
    private readonly api: DeskAPI,
    private readonly t: (key: Key, vars?: Vars) => string,
    private readonly errorText: (err: unknown) => string,
    private readonly onChange: () => void,
  ) {
    this.el = h("form", { class: "tag-filter row", submit: (e) => (e.preventDefault(), void this.apply()) }, this.input, this.clear, this.status);
    this.clear.addEventListener("click", () => this.reset());
  }

  /** Whether case id passes the filter. */
  has(id: string): boolean {
    return this.ids === null || this.ids.has(id);
  }

  render(): void {
    this.input.placeholder = this.t("tagfilter.placeholder");
    this.input.setAttribute("aria-label", this.t("tagfilter.placeholder"));
    this.clear.textContent = this.t("tagfilter.clear");
  }

  private async apply(): Promise<void> {
    const tag = this.input.value.trim().toLowerCase();
    if (!tag) return this.reset();
    this.status.textContent = this.t("tagfilter.busy");
    try {
      const ids = await this.api.casesTagged(tag);
      this.ids = new Set(ids);
      this.status.textContent = this.t("tagfilter.count", { n: ids.length, tag });
      this.clear.hidden = false;
    } catch (err) {
      this.status.textContent = this.errorText(err);
      return;
    }
    this.onChange();
  }

  private reset(): void {
    this.ids = null;
    this.input.value = "";
    this.status.textContent = "";
    this.clear.hidden = true;
    this.onChange();
  }
}
