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
