// The one translation scheme of both pages: a JSON catalogue per language
// (src/lang/ for the enquirer, desk/src/lang/ for the desk) with the same
// keys; {name} placeholders. A text a translation lacks reads in English (a
// person gets words they may know rather than a gap; catalogue_test.go
// fails on the gap); a key English lacks too shows as ⟦key⟧, which the
// tests look for. All text of a page comes from its catalogues.
//
// German and English are in the bundle: they are the service's own
// languages and the fallback while another catalogue loads or if it cannot.
// Every other language is a file of its own (lang-xx-HASH.json, named by
// build.mjs through __LANG_FILES__) that is fetched only when chosen, so a
// first visit carries one language's texts, not twelve.
import de from "./lang/de.json";
import en from "./lang/en.json";

/** A language of the service, named in itself; rtl: written right to left. */
export type Language = { readonly code: string; readonly name: string; readonly rtl: boolean };

/** The built-in languages, each named in itself, in the order the picker
 * shows them. */
const BUILT_IN = [
  { code: "de", name: "Deutsch", rtl: false },
  { code: "en", name: "English", rtl: false },
  { code: "fr", name: "Français", rtl: false },
  { code: "es", name: "Español", rtl: false },
  { code: "ro", name: "Română", rtl: false },
  { code: "bg", name: "Български", rtl: false },
  { code: "uk", name: "Українська", rtl: false },
  { code: "ru", name: "Русский", rtl: false },
  { code: "ar", name: "العربية", rtl: true },
  { code: "zh", name: "中文", rtl: false },
  { code: "vi", name: "Tiếng Việt", rtl: false },
  { code: "th", name: "ไทย", rtl: false },
] as const;

/** A language code: one of LANGUAGES (isLang checks it). */
export type Lang = string;
export type Vars = Record<string, string | number>;

// At most this many added languages are read from the page (mailboxd
// allows 8; content/added.go).
const maxAdded = 8;

/** addedLanguages reads the languages the operator added
 * (LOTSE_CONTENT_DIR/<code>/language.json), which mailboxd names in the
 * page as data-languages on #service: the bundle cannot list them without
 * changing its published hash. Whatever does not fit is left out. */
function addedLanguages(): Language[] {
  if (typeof document === "undefined") return [];
  return parseAddedLanguages(document.getElementById("service")?.dataset["languages"]);
}

/** parseAddedLanguages reads data-languages: a JSON list of
 * {code, name, rtl}; it keeps at most 8, each with a code of 2 or 3
 * letters that is not built in or listed before, a name of 1 to 64
 * characters and a boolean rtl. */
export function parseAddedLanguages(raw: string | undefined): Language[] {
  if (!raw || raw.length > 4096) return [];
  let list: unknown;
  try {
    list = JSON.parse(raw);
  } catch {
    return [];
  }
  if (!Array.isArray(list)) return [];
  const out: Language[] = [];
  for (const l of list as unknown[]) {
    if (out.length === maxAdded) break;
    if (typeof l !== "object" || l === null) continue;
    const { code, name, rtl } = l as Record<string, unknown>;
    if (typeof code !== "string" || !/^[a-z]{2,3}$/.test(code) || BUILT_IN.some((b) => b.code === code) || out.some((o) => o.code === code)) continue;
    if (typeof name !== "string" || name.trim() === "" || [...name].length > 64 || typeof rtl !== "boolean") continue;
    out.push({ code, name, rtl });
  }
  return out;
}

/** The languages of the service in the order the picker shows them: the
 * built-in ones, then those the operator added. */
export const LANGUAGES: readonly Language[] = [...BUILT_IN, ...addedLanguages()];

const CODES: readonly Lang[] = LANGUAGES.map((l) => l.code);

export function isLang(s: unknown): s is Lang {
  return typeof s === "string" && CODES.includes(s);
}

/** isRTL tells whether lang is written right to left. */
export function isRTL(lang: Lang): boolean {
  return LANGUAGES.some((l) => l.code === lang && l.rtl);
}

/** The browser's languages decide, in their order: the first whose
 * primary subtag is one of supported (all languages unless given);
 * English if none is. */
export function defaultLang(supported: readonly Lang[] = CODES): Lang {
  const langs = navigator.languages?.length ? navigator.languages : [navigator.language ?? ""];
  for (const tag of langs) {
    const base = tag.toLowerCase().split("-")[0];
    const found = supported.find((l) => l === base);
    if (found) return found;
  }
  return supported.includes("en") ? "en" : supported[0]!;
}

/** A page's catalogues: the German one's keys are the page's keys; a
 * language without a catalogue reads English. */
export type Catalogues<K extends string> = { de: Record<K, string>; en: Record<K, string> } & Partial<Record<Lang, Record<K, string>>>;

// Right to left, an inserted value (a number, a date, a name, a code) is
// isolated so that its own direction holds and groups of digits keep their
// order: FIRST STRONG ISOLATE … POP DIRECTIONAL ISOLATE.
const FSI = "\u2068";
const PDI = "\u2069";

/** translator returns t(lang, key, vars) over a page's catalogues. */
export function translator<K extends string>(texts: Catalogues<K>): (lang: Lang, key: K, vars?: Vars) => string {
  return (lang, key, vars = {}) => {
    const s = (texts[lang] as Record<string, string | undefined> | undefined)?.[key] ?? (texts.en as Record<string, string | undefined>)[key];
    if (s === undefined) return `⟦${key}⟧`;
    const rtl = isRTL(lang);
    return s.replace(/\{(\w+)\}/g, (m, k: string) => (k in vars ? (rtl ? FSI + String(vars[k]) + PDI : String(vars[k])) : m));
  };
}

/** hasKey tells whether s names a text, for keys made from data. */
export function hasKey<K extends string>(texts: Catalogues<K>, s: string): s is K {
  return Object.hasOwn(texts.de, s);
}

// ---- the enquirer's page ----------------------------------------------------

export type Key = keyof typeof de;

const enquirer: Catalogues<Key> = { de, en };
export const translate = /* @__PURE__ */ translator<Key>(enquirer);

declare const __LANG_FILES__: Partial<Record<Lang, string>>;

// A catalogue file is small; anything larger is not one.
const maxCatalogue = 64 << 10;

// The operator's catalogues (LOTSE_CONTENT_DIR/<lang>/webclient.json,
// merged by mailboxd into the built one and named by its own hash) are
// named in the page, data-catalogue-<lang> on #service, since the bundle's
// __LANG_FILES__ cannot change without changing the bundle's hash. They win
// over the built ones, German and English included.
function operatorFile(lang: Lang): string | undefined {
  if (typeof document === "undefined") return undefined;
  return document.getElementById("service")?.dataset["catalogue" + lang.charAt(0).toUpperCase() + lang.slice(1)];
}

// The languages whose operator catalogue has been fetched.
const fetched = new Set<Lang>();

/** loaded tells whether lang's texts are at hand: for German and English,
 * also the operator's if there are any. */
export function loaded(lang: Lang): boolean {
  return enquirer[lang] !== undefined && (fetched.has(lang) || operatorFile(lang) === undefined);
}

/** loadLang fetches lang's catalogue once. It keeps only the keys the
 * German catalogue has and only strings, so a damaged or foreign file
 * cannot add texts; it throws if the file cannot be had, unless lang is in
 * the bundle, whose texts then stand. */
export async function loadLang(lang: Lang): Promise<void> {
  if (loaded(lang)) return;
  const url = operatorFile(lang) ?? __LANG_FILES__[lang];
  let data: Record<string, unknown>;
  try {
    data = await fetchCatalogue(url);
  } catch (e) {
    if (enquirer[lang] === undefined) throw e;
    fetched.add(lang);
    return;
  }
  const out: Partial<Record<Key, string>> = { ...enquirer[lang] };
  for (const k of Object.keys(de) as Key[]) {
    const v = data[k];
    if (typeof v === "string") out[k] = v;
  }
  enquirer[lang] = out as Record<Key, string>;
  fetched.add(lang);
}

async function fetchCatalogue(url: string | undefined): Promise<Record<string, unknown>> {
  if (!url || !/^\/lang-[a-z]{2,3}-[A-Z0-9]{8}\.json$/.test(url)) throw new Error("no catalogue");
  const res = await fetch(url, { credentials: "omit", cache: "no-store", redirect: "error" });
  if (!res.ok) throw new Error("catalogue: " + res.status);
  const raw = await res.text();
  if (raw.length > maxCatalogue) throw new Error("catalogue too large");
  const data: unknown = JSON.parse(raw);
  if (typeof data !== "object" || data === null || Array.isArray(data)) throw new Error("catalogue is not an object");
  return data as Record<string, unknown>;
}
