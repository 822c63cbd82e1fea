// All text of the page comes from the translation files; t() of a key that
// a file lacks shows ⟦key⟧, which the tests look for.
import de from "./lang/de.json";
import en from "./lang/en.json";

export type Lang = "de" | "en";
export type Key = keyof typeof de;
const texts: Record<Lang, Record<string, string>> = { de, en };

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

export function translate(lang: Lang, key: Key, vars: Record<string, string | number> = {}): string {
  const s = texts[lang][key];
  if (s === undefined) return `⟦${key}⟧`;
  return s.replace(/\{(\w+)\}/g, (m, k: string) => (k in vars ? String(vars[k]) : m));
}
