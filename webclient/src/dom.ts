// The one way both pages build DOM: elements with attributes, listeners
// and text children. Text goes in as text nodes, never as markup, so data
// from the network or a decrypted message cannot become HTML.

export type Attrs = Record<string, string | boolean | ((e: Event) => void)>;
export type Child = Node | string | null | false;

/** h builds an element: a function attribute is a listener, true an empty
 * attribute, false none. */
export function h(tag: string, attrs: Attrs = {}, ...children: Child[]): HTMLElement {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (typeof v === "function") el.addEventListener(k, v);
    else if (v === true) el.setAttribute(k, "");
    else if (v !== false) el.setAttribute(k, v);
  }
  for (const c of children) if (c !== null && c !== false) el.append(c);
  return el;
}

/** byId finds an element the page's HTML must have; a missing one is a
 * programming error. */
export function byId<E extends HTMLElement = HTMLElement>(id: string): E {
  const e = document.getElementById(id);
  if (!e) throw new Error(`missing #${id}`);
  return e as E;
}
