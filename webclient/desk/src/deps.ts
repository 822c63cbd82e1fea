// What a panel of the desk needs from the page: the API, the translator,
// dates, error texts and the confirm dialog. main.ts makes one and hands
// it to every panel, so that each does not take the same five arguments.
import type { Vars } from "../../src/i18n";
import type { DeskAPI } from "./api";
import type de from "./lang/de.json";

export type Key = keyof typeof de;

export interface PanelDeps {
  api: DeskAPI;
  t: (key: Key, vars?: Vars) => string;
  formatDate: (iso: string, withTime?: boolean) => string;
  errorText: (err: unknown) => string;
  confirm: (text: string, yes: string) => Promise<boolean>;
}
