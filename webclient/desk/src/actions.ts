// Who assigned, closed or reopened the open case, as the server recorded
// it (counsel/actions.go, PROTOCOL.md §11.4). It is the server's word,
// shown as plain text under the case's heading.
import { h } from "../../src/dom";
import type { Vars } from "../../src/i18n";
import type { CaseAction } from "./api";
import type de from "./lang/de.json";

type Key = keyof typeof de;

const keys: Record<string, Key> = {
  assigned: "actions.assigned",
  unassigned: "actions.unassigned",
  closed: "actions.closed",
  reopened: "actions.reopened",
};

/** actionList is the case's actions, newest last, in a collapsed list. */
export function actionList(actions: CaseAction[], t: (key: Key, vars?: Vars) => string, formatDate: (iso: string) => string): HTMLElement {
  const items = actions.flatMap((a) => {
    const key = keys[a.action];
    if (!key) return [];
    const text = t(key, { by: a.by_name || a.by, to: a.to_name || a.to || "" });
    return [h("li", {}, h("time", { datetime: a.at }, formatDate(a.at)), " ", text)];
  });
  const el = h("details", { id: "thread-actions", class: "thread-actions" }, h("summary", {}, t("actions.summary", { n: items.length })), h("ol", {}, ...items));
  el.hidden = items.length === 0;
  return el;
}
