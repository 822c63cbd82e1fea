// Builds the web client into dist/: bundles with content-hash names,
// index.html that names them, a catalogue file per language beyond German
// and English (fetched only when chosen), SHA256SUMS, and the gzipped size
// of a first visit in every language; and the counsellor desk the same way
// into desk/dist/. `node build.mjs test` builds the unit tests into .test-build/.
import * as esbuild from "esbuild";
import { createHash } from "node:crypto";
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { gzipSync } from "node:zlib";

const here = new URL(".", import.meta.url).pathname;
const dist = join(here, "dist");
const deskDist = join(here, "desk", "dist");

// typage (age-encryption) reaches, from Encrypter and Decrypter, recipients
// the web client never makes or accepts (validRecipient takes age1pq1 only):
// P-256 tags and ML-KEM-768+P-256 hybrids (age1tag1, age1tagpq1), and
// passphrases (scrypt). Their curves and KDF were 34 of the app script's
// 153 KB (13 KB gzipped). ageUnused gives typage's recipients.js stand-ins
// that throw if ever called, so that path fails loudly instead of shipping;
// test/ageunused.test.ts proves both that and that age1pq1 still works.
// @noble/post-quantum's hybrid.js builds P-256 and P-384 KEMs at load time
// without marking them pure, so nothing could drop them: four marks here,
// and the build stops if the dependency no longer reads as expected.
const unusedIn = /[\\/]node_modules[\\/]age-encryption[\\/]dist[\\/]recipients\.js$/;
const hybridFile = /[\\/]node_modules[\\/]@noble[\\/]post-quantum[\\/]hybrid\.js$/;
// One stand-in module for the three imports, in recipients.js's names.
const unusedModule = `/* @__NO_SIDE_EFFECTS__ */ function absent(what) {
  const fail = () => { throw new Error("age-encryption: " + what + " is not part of the Lotse web client"); };
  return new Proxy(fail, { get: fail, apply: fail, construct: fail });
}
export const p256 = absent("P-256");
export const MLKEM768P256 = absent("ML-KEM-768+P-256");
export const scrypt = absent("scrypt");
export { MLKEM768X25519 } from "@noble/post-quantum/hybrid.js";
`;
const hybridPure = [
  "export const QSF_ml_kem768_p256 = ",
  "export const QSF_ml_kem1024_p384 = ",
  "const x25519kem = ",
  "export const KitchenSink_ml_kem768_x25519 = ",
];
const ageUnused = {
  name: "age-unused",
  setup(b) {
    b.onResolve({ filter: /^@noble\/(curves\/nist|hashes\/scrypt|post-quantum\/hybrid)\.js$/ }, (a) =>
      unusedIn.test(a.importer) ? { path: "absent", namespace: "age-unused", pluginData: dirname(a.importer) } : undefined);
    b.onLoad({ filter: /.*/, namespace: "age-unused" }, (a) =>
      ({ contents: unusedModule, loader: "js", resolveDir: a.pluginData }));
    b.onLoad({ filter: hybridFile }, (a) => {
      let src = readFileSync(a.path, "utf8");
      for (const s of hybridPure) {
        // Each is one line; its calls' arguments are calls too, so the whole
        // right side goes into a pure arrow, as hybrid.js does for the rest.
        const lines = src.split("\n").filter((l) => l.startsWith(s));
        if (lines.length !== 1 || !lines[0].endsWith(");")) throw new Error(`build: ${a.path} no longer has one line "${s}…);"`);
        src = src.replace(lines[0], s + "/* @__PURE__ */ (() => " + lines[0].slice(s.length, -1) + ")();");
      }
      return { contents: src, loader: "js" };
    });
  },
};

if (process.argv[2] === "test") {
  const out = join(here, ".test-build");
  rmSync(out, { recursive: true, force: true });
  const tests = readdirSync(join(here, "test")).filter((f) => f.endsWith(".test.ts"));
  await esbuild.build({
    entryPoints: tests.map((f) => join(here, "test", f)),
    bundle: true, platform: "node", format: "esm", target: "node20",
    outdir: out, outExtension: { ".js": ".mjs" }, logLevel: "warning",
    // One catalogue file for the unit tests of loadLang, which stub fetch.
    define: { __LANG_FILES__: JSON.stringify({ fr: "/lang-fr-0000TEST.json" }) },
    // The tests run the age the page ships.
    plugins: [ageUnused],
  });
  process.exit(0);
}

const escapeHTML = (s) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");

// bundle empties dir (but its .gitkeep, which lets go:embed find the
// folder in a fresh clone), bundles entryPoints into it with content-hash
// names, and writes index.html from template with fill(find), where find
// names the one output matching a pattern.
async function bundle(dir, entryPoints, template, fill, define = {}, plugins = []) {
  for (const f of readdirSync(dir, { withFileTypes: true })) {
    if (f.name !== ".gitkeep") rmSync(join(dir, f.name), { recursive: true, force: true });
  }
  const result = await esbuild.build({
    entryPoints,
    absWorkingDir: here,
    bundle: true, minify: true, format: "iife", target: ["chrome100", "firefox100", "safari15"],
    outdir: dir, entryNames: "[name]-[hash]", metafile: true, legalComments: "linked",
    logLevel: "warning", charset: "utf8", define: { __LANG_FILES__: "{}", ...define }, plugins,
  });
  const outputs = Object.keys(result.metafile.outputs).map((p) => basename(p));
  const find = (re) => {
    const f = outputs.filter((o) => re.test(o));
    if (f.length !== 1) throw new Error(`build: want one output matching ${re}, got ${f}`);
    return "/" + f[0];
  };
  const html = fill(readFileSync(join(here, template), "utf8"), find);
  if (html.includes("{{")) throw new Error(`build: ${template} has an unfilled placeholder`);
  writeFileSync(join(dir, "index.html"), html);
}

// sums writes dir's SHA256SUMS and returns its files' sizes, raw and
// gzipped, without the licence texts and without the files skip names
// (the catalogues, which a visit loads one at most).
function sums(dir, skip = () => false) {
  const files = readdirSync(dir).filter((f) => f !== ".gitkeep" && f !== "SHA256SUMS").sort();
  let out = "";
  let total = 0;
  let gz = 0;
  const rows = [];
  for (const f of files) {
    const b = readFileSync(join(dir, f));
    out += `${createHash("sha256").update(b).digest("hex")}  ${f}\n`;
    if (f.endsWith(".LEGAL.txt") || skip(f)) continue;
    const z = gzipSync(b, { level: 9 }).length;
    total += b.length;
    gz += z;
    rows.push(`  ${f.padEnd(28)} ${String(b.length).padStart(8)} B  ${String(z).padStart(7)} B gzipped`);
  }
  writeFileSync(join(dir, "SHA256SUMS"), out);
  return { rows, total, gz };
}

// servedPage is index.html as mailboxd serves it with the default site
// texts (content/defaults/*/strings.json): the service name in the title
// and brand, and every language's data-* texts and no-JavaScript section,
// as api/static.go's withSite writes them. They are about a tenth of a
// first visit, so the budget counts them.
function servedPage(index) {
  const langs = [...readFileSync(join(here, "../content/languages.go"), "utf8")
    .matchAll(/^\t\{"([a-z]{2})", "[^"]+", (?:true|false)\},$/gm)].map((m) => m[1]);
  if (langs[0] !== "de" || langs[1] !== "en") throw new Error(`build: content/languages.go lists ${langs}, not German and English first`);
  const strings = Object.fromEntries(langs.map((l) =>
    [l, JSON.parse(readFileSync(join(here, "../content/defaults", l, "strings.json"), "utf8"))]));
  const goEscape = (s) => s.replace(/[&'<>"]/g, (c) => ({ "&": "&amp;", "'": "&#39;", "<": "&lt;", ">": "&gt;", '"': "&#34;" })[c]);
  const fallbacks = (l) => (l === "de" ? ["de", "en"] : l === "en" ? ["en", "de"] : [l, "en", "de"]);
  const esc = (l, key) => goEscape(fallbacks(l).map((f) => strings[f][key]).find((v) => v !== undefined) ?? "");
  const marks = [/<title>[^<]*<\/title>/, `<p class="brand" id="brand"></p>`, `<div id="service" hidden></div>`, /<noscript>[^]*<\/noscript>/];
  for (const m of marks) if (!index.match(m)) throw new Error(`build: index.html lacks ${m}, which mailboxd fills`);
  const name = esc("de", "service_name");
  let data = `<div id="service" hidden`;
  let noscript = `<noscript><div class="noscript">`;
  for (const l of langs) {
    for (const [a, key] of [["name", "service_name"], ["hours", "office_hours"], ["answer", "answer_time"]]) data += ` data-${a}-${l}="${esc(l, key)}"`;
    const base = `/info/${l}/`;
    noscript += `<section lang="${l}"><h1>${esc(l, "app_noscript_title")}</h1><p>${esc(l, "app_noscript")}</p><p>${esc(l, "app_noscript_tor")}</p>` +
      `<p>${esc(l, "office_hours")} ${esc(l, "answer_time")}</p><p>${esc(l, "app_noscript_more")}</p><ul>` +
      `<li><a href="${base}">${esc(l, "app_noscript_info")}</a></li><li><a href="${base}safety">${esc(l, "app_noscript_safety")}</a></li>` +
      `<li><a href="${base}centres">${esc(l, "app_noscript_centres")}</a></li></ul></section>`;
  }
  return index.replace(marks[0], () => `<title>${name}</title>`).replace(marks[1], () => `<p class="brand" id="brand">${name}</p>`)
    .replace(marks[2], () => data + `></div>`).replace(marks[3], () => noscript + `</div></noscript>`);
}

const de = JSON.parse(readFileSync(join(here, "src/lang/de.json"), "utf8"));

// Every catalogue as a file named by its content hash. i18n.ts learns the
// names beyond German and English through __LANG_FILES__; German and
// English are in the bundle, and their files are what mailboxd checks an
// operator's webclient.json against and merges it into (api/static.go).
const allCatalogues = readdirSync(join(here, "src/lang"))
  .map((f) => /^([a-z]{2})\.json$/.exec(f)?.[1])
  .filter((l) => l)
  .sort()
  .map((lang) => {
    const body = JSON.stringify(JSON.parse(readFileSync(join(here, "src/lang", lang + ".json"), "utf8")));
    const hash = createHash("sha256").update(body).digest("hex").slice(0, 8).toUpperCase();
    return { lang, name: `lang-${lang}-${hash}.json`, body };
  });
const catalogues = allCatalogues.filter((c) => c.lang !== "de" && c.lang !== "en");
const langFiles = Object.fromEntries(catalogues.map((c) => [c.lang, "/" + c.name]));

// The attachment code (src/attachchunk.ts) is a script of its own, loaded
// when the person first writes or reads (attachload.ts), not on a first
// visit. It uses the app's own age, protocol.ts, api.ts and dom.ts, which
// the app hands over on self.lotseShared, instead of a second copy.
const attachFiles = /[\\/]src[\\/](attachchunk|attachui|attachapi|attach|imageclean)\.ts$/;
const shared = {
  name: "lotse-shared",
  setup(b) {
    b.onResolve({ filter: /^(age-encryption|\.\/api|\.\/dom|\.\/protocol)$/ }, (a) =>
      attachFiles.test(a.importer) ? { path: a.path, namespace: "lotse-shared" } : undefined);
    b.onLoad({ filter: /.*/, namespace: "lotse-shared" }, (a) =>
      ({ contents: `module.exports = self.lotseShared[${JSON.stringify(a.path)}];`, loader: "js" }));
  },
};

await bundle(dist, { app: "src/main.ts", worker: "src/worker.ts", attach: "src/attachchunk.ts", style: "src/app.css" }, "src/index.html", (html, find) =>
  html
    .replace("{{WORKER}}", find(/^worker-[A-Z0-9]+\.js$/))
    .replace("{{ATTACH}}", find(/^attach-[A-Z0-9]+\.js$/))
    .replace("{{JS}}", find(/^app-[A-Z0-9]+\.js$/))
    .replace("{{CSS}}", find(/^style-[A-Z0-9]+\.css$/))
    // The title, the brand, #service and <noscript> stay empty here:
    // mailboxd writes the operator's texts into them (api/static.go,
    // withSite), and mailbox-audit web checks that nothing else differs.
    .replace("{{EXIT}}", escapeHTML(de.exit)),
  { __LANG_FILES__: JSON.stringify(langFiles) }, [shared, ageUnused]);
for (const c of allCatalogues) writeFileSync(join(dist, c.name), c.body);
const isCatalogue = (f) => /^lang-[a-z]{2}-[A-Z0-9]{8}\.json$/.test(f);
const isAttach = (f) => /^attach-[A-Z0-9]{8}\.js$/.test(f);
const web = sums(dist, (f) => isCatalogue(f) || isAttach(f));
console.log("webclient: built dist/:\n" + web.rows.join("\n"));
const built = readFileSync(join(dist, "index.html"));
const served = Buffer.from(servedPage(built.toString("utf8")));
const pageGrowth = gzipSync(served, { level: 9 }).length - gzipSync(built, { level: 9 }).length;
const visit = web.gz + pageGrowth;
console.log(`webclient: index.html as served with the default texts: ${served.length} B, ${(pageGrowth / 1024).toFixed(1)} KB more gzipped than as built`);
console.log(`webclient: first visit as served (page, script, style and worker): ${(visit / 1024).toFixed(1)} KB gzipped (${((web.total - built.length + served.length) / 1024).toFixed(1)} KB raw); target < 80 KB`);
for (const f of readdirSync(dist).filter(isAttach)) {
  console.log(`webclient: ${f}, loaded when the person first writes or reads: ${(gzipSync(readFileSync(join(dist, f)), { level: 9 }).length / 1024).toFixed(1)} KB gzipped`);
}
// A first visit in another language adds that language's catalogue.
// e2e's TestLanguagesBrowser measures the same from a running mailboxd
// (with Go's gzip, a few hundred bytes apart) and stays the authority.
const sizes = [["de", 0], ["en", 0], ...catalogues.map((c) => [c.lang, gzipSync(c.body, { level: 9 }).length])];
let worst = 0;
for (const [lang, z] of sizes) {
  const total = visit + z;
  worst = Math.max(worst, total);
  console.log(`  first visit in ${lang}: ${(total / 1024).toFixed(1)} KB gzipped${z ? ` (catalogue ${(z / 1024).toFixed(1)} KB)` : " (in the bundle)"}`);
}
if (worst >= 80 * 1024) throw new Error(`build: a first visit is ${(worst / 1024).toFixed(1)} KB gzipped; the budget is 80 KB`);

// The counsellor desk, served by counsel on 127.0.0.1 (desk/desk.go).
await bundle(deskDist, { desk: "desk/src/main.ts", style: "desk/src/desk.css" }, "desk/src/index.html", (html, find) =>
  html.replace("{{JS}}", find(/^desk-[A-Z0-9]+\.js$/)).replace("{{CSS}}", find(/^style-[A-Z0-9]+\.css$/)));
const dk = sums(deskDist);
console.log("webclient: built desk/dist/:\n" + dk.rows.join("\n"));
