// The one translation scheme of both pages: a JSON catalogue per language
// (src/lang/ for the enquirer, desk/src/lang/ for the desk) with the same
// keys; {name} placeholders; a key a catalogue lacks shows as ⟦key⟧, which
// the tests look for. All text of a page comes from its catalogues.
import de from "./lang/de.json";
import en from "./lang/en.json";

export type Lang = "de" | "en";
export type Vars = Record<string, string | number>;

export function isLang(s: unknown): s is Lang {
  return s === "de" || s === "en";
}

/** The browser's languages decide, in their order: the first that is
 * German (de, de-*) or English (en, en-*); English if neither is listed. */
export function defaultLang(): Lang {
  const langs = navigator.languages?.length ? navigator.languages : [navigator.language ?? ""];
  for (const tag of langs) {
    const l = tag.toLowerCase();
    if (l === "de" || l.startsWith("de-")) return "de";
    if (l === "en" || l.startsWith("en-")) return "en";
  }
  return "en";
}

/** A page's catalogues: the German one's keys are the page's keys. */
export type Catalogues<K extends string> = Record<Lang, Record<K, string>>;

/** translator returns t(lang, key, vars) over a page's catalogues. */
export function translator<K extends string>(texts: Catalogues<K>): (lang: Lang, key: K, vars?: Vars) => string {
  return (lang, key, vars = {}) => {
    const s = (texts[lang] as Record<string, string | undefined>)[key];
    if (s === undefined) return `⟦${key}⟧`;
    return s.replace(/\{(\w+)\}/g, (m, k: string) => (k in vars ? String(vars[k]) : m));
  };
}

/** hasKey tells whether s names a text, for keys made from data. */
export function hasKey<K extends string>(texts: Catalogues<K>, s: string): s is K {
  return Object.hasOwn(texts.de, s);
}

// The enquirer's page.
export type Key = keyof typeof de;
export const translate = /* @__PURE__ */ translator<Key>({ de, en });
