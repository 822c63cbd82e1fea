// The team's shared text blocks (counsel/teamblocks.go): written by
// admins, offered to everyone beside their personal blocks. Blocks of a
// record that is not the team's never arrive; its alarm does.
import { h } from "../../src/dom";
import type { Block, DeskAPI, TeamBlockList } from "./api";

export class TeamBlocks {
  blocks: Block[] = [];
  alarms: TeamBlockList["alarms"] = [];

  async load(api: DeskAPI): Promise<void> {
    const tb = await api.teamBlocks();
    this.blocks = tb.blocks;
    this.alarms = tb.alarms;
  }

  /** The options of the block menu: the team's, in a group of their own,
   * with values "t0", "t1", …; none when the team has none. */
  options(label: string): HTMLElement[] {
    if (this.blocks.length === 0) return [];
    return [h("optgroup", { label }, ...this.blocks.map((b, i) => h("option", { value: `t${i}` }, b.title)))];
  }

  /** The block a menu value names, if it is a team block. */
  get(value: string): Block | undefined {
    return value.startsWith("t") ? this.blocks[Number(value.slice(1))] : undefined;
  }
}

/** blockEditor is one block's row in an editing list (the personal blocks'
 * dialog, the team tab's card): its name, its text in a textarea of rows
 * lines, and a button that takes the row out. */
export function blockEditor(t: (key: "blocks.name" | "blocks.text" | "blocks.delete") => string, b: Block, rows: number): HTMLElement {
  const title = h("input", { "aria-label": t("blocks.name"), placeholder: t("blocks.name"), maxlength: "200" }) as HTMLInputElement;
  title.value = b.title;
  const body = h("textarea", { rows: String(rows), "aria-label": t("blocks.text"), placeholder: t("blocks.text") }) as HTMLTextAreaElement;
  body.value = b.body;
  const li = h("li", { class: "block" }, title, body);
  li.append(h("button", { type: "button", class: "btn danger", click: () => li.remove() }, t("blocks.delete")));
  return li;
}

/** editedBlocks reads the rows of an editing list: a row without a name
 * is named by the start of its text; an empty row is left out. */
export function editedBlocks(list: HTMLElement): Block[] {
  const out: Block[] = [];
  for (const li of list.querySelectorAll("li")) {
    const title = li.querySelector("input")?.value.trim() ?? "";
    const body = li.querySelector("textarea")?.value ?? "";
    if (title || body.trim()) out.push({ title: title || body.trim().slice(0, 40), body });
  }
  return out;
}
