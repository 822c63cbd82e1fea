// The enquirer's translation scheme: the browser's language as the first
// guess, right-to-left isolation of inserted values, English while a
// catalogue is not loaded, and loadLang keeping only known texts.
import { test } from "node:test";
import assert from "node:assert/strict";
import { defaultLang, isLang, isRTL, LANGUAGES, loaded, loadLang, translate, translator } from "../src/i18n.ts";
import de from "../src/lang/de.json";

function withLanguages<T>(langs: string[], f: () => T): T {
  const had = Object.getOwnPropertyDescriptor(globalThis, "navigator");
  Object.defineProperty(globalThis, "navigator", { value: { languages: langs, language: langs[0] ?? "" }, configurable: true });
  try {
    return f();
  } finally {
    if (had) Object.defineProperty(globalThis, "navigator", had);
    else delete (globalThis as { navigator?: unknown }).navigator;
  }
}

test("languages: twelve, each named in itself, Arabic alone right to left", () => {
  assert.equal(LANGUAGES.length, 12);
  assert.deepEqual(LANGUAGES.filter((l) => l.rtl).map((l) => l.code), ["ar"]);
  assert.ok(isRTL("ar") && !isRTL("fr"));
  assert.ok(isLang("th") && !isLang("tr") && !isLang("toString") && !isLang(null));
  assert.equal(new Set(LANGUAGES.map((l) => l.name)).size, 12);
});

test("defaultLang: the first browser language the service speaks", () => {
  const cases: Array<[string[], string]> = [
    [["ar-EG", "en"], "ar"],
    [["tr-TR", "ro-RO", "de"], "ro"],
    [["zh-Hans-CN"], "zh"],
    [["EN-gb"], "en"],
    [["tr", "ku"], "en"],
    [[], "en"],
  ];
  for (const [langs, want] of cases) assert.equal(withLanguages(langs, () => defaultLang()), want, langs.join(","));
  assert.equal(withLanguages(["fr-FR", "de"], () => defaultLang(["de", "en"])), "de", "limited to the languages given");
  assert.equal(withLanguages(["fr-FR"], () => defaultLang(["de", "en"])), "en");
});

test("translator: values isolated right to left only", () => {
  const texts = { de: { a: "Code {c}" }, en: { a: "code {c}" }, ar: { a: "الرمز {c}" } };
  const t = translator(texts);
  assert.equal(t("ar", "a", { c: "12345 67890" }), "الرمز \u206812345 67890\u2069");
  assert.equal(t("en", "a", { c: "12345 67890" }), "code 12345 67890");
  assert.equal(t("fr", "a", { c: 1 }), "code 1", "a language without a catalogue reads English");
});

test("loadLang: fetches once, keeps only known keys with string values", async () => {
  assert.ok(!loaded("fr"));
  assert.equal(translate("fr", "thread.send"), "Send", "English until loaded");
  const urls: string[] = [];
  const realFetch = globalThis.fetch;
  globalThis.fetch = (async (url: string) => {
    urls.push(url);
    return new Response(JSON.stringify({ "thread.send": "Envoyer", "thread.you": 7, "not.a.key": "x" }));
  }) as typeof fetch;
  try {
    await loadLang("fr");
    await loadLang("fr");
    await assert.rejects(loadLang("th"), /no catalogue/);
  } finally {
    globalThis.fetch = realFetch;
  }
  assert.deepEqual(urls, ["/lang-fr-0000TEST.json"]);
  assert.ok(loaded("fr"));
  assert.equal(translate("fr", "thread.send"), "Envoyer");
  assert.equal(translate("fr", "thread.you"), "You", "a non-string is dropped; English stands in");
  assert.equal(translate("fr", "not.a.key" as keyof typeof de), "⟦not.a.key⟧");
});

test("loadLang: the operator's catalogue named on the page wins, German in the bundle included", async () => {
  const g = globalThis as unknown as { document?: unknown };
  const service = { dataset: { catalogueDe: "/lang-de-0PERATOR.json" } as Record<string, string> };
  g.document = { getElementById: (id: string) => (id === "service" ? service : null) };
  const urls: string[] = [];
  const realFetch = globalThis.fetch;
  let answer: Response | Error = new Response(JSON.stringify({ "thread.send": "Jetzt senden" }));
  globalThis.fetch = (async (url: string) => {
    urls.push(url);
    if (answer instanceof Error) throw answer;
    return answer;
  }) as typeof fetch;
  try {
    assert.ok(!loaded("de"), "German waits for the operator's texts");
    await loadLang("de");
    assert.ok(loaded("de"));
    assert.equal(translate("de", "thread.send"), "Jetzt senden");
    assert.equal(translate("de", "thread.you"), de["thread.you"], "the rest stays as built");
    // English has no operator file: nothing to fetch. A failed fetch of a
    // bundled language leaves the bundled texts.
    assert.ok(loaded("en"));
    service.dataset["catalogueEn"] = "/lang-en-0PERATOR.json";
    answer = new Error("offline");
    await loadLang("en");
    assert.ok(loaded("en"));
    assert.equal(translate("en", "thread.send"), "Send");
  } finally {
    globalThis.fetch = realFetch;
    delete g.document;
  }
  assert.deepEqual(urls, ["/lang-de-0PERATOR.json", "/lang-en-0PERATOR.json"]);
});
