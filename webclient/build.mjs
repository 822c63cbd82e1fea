// Builds the web client into dist/: bundles with content-hash names,
// index.html that names them, SHA256SUMS, and the gzipped size of a first
// visit. `node build.mjs test` builds the unit tests into .test-build/.
import * as esbuild from "esbuild";
import { createHash } from "node:crypto";
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { basename, join } from "node:path";
import { gzipSync } from "node:zlib";

const here = new URL(".", import.meta.url).pathname;
const dist = join(here, "dist");

if (process.argv[2] === "test") {
  const out = join(here, ".test-build");
  rmSync(out, { recursive: true, force: true });
  const tests = readdirSync(join(here, "test")).filter((f) => f.endsWith(".test.ts"));
  await esbuild.build({
    entryPoints: tests.map((f) => join(here, "test", f)),
    bundle: true, platform: "node", format: "esm", target: "node20",
    outdir: out, outExtension: { ".js": ".mjs" }, logLevel: "warning",
  });
  process.exit(0);
}

const escapeHTML = (s) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");

for (const f of readdirSync(dist, { withFileTypes: true })) {
  if (f.name !== ".gitkeep") rmSync(join(dist, f.name), { recursive: true, force: true });
}
const result = await esbuild.build({
  entryPoints: { app: "src/main.ts", worker: "src/worker.ts", style: "src/app.css" },
  absWorkingDir: here,
  bundle: true, minify: true, format: "iife", target: ["chrome100", "firefox100", "safari15"],
  outdir: dist, entryNames: "[name]-[hash]", metafile: true, legalComments: "linked",
  logLevel: "warning", charset: "utf8",
});
const outputs = Object.keys(result.metafile.outputs).map((p) => basename(p));
const find = (re) => {
  const f = outputs.filter((o) => re.test(o));
  if (f.length !== 1) throw new Error(`build: want one output matching ${re}, got ${f}`);
  return "/" + f[0];
};
const de = JSON.parse(readFileSync(join(here, "src/lang/de.json"), "utf8"));
const en = JSON.parse(readFileSync(join(here, "src/lang/en.json"), "utf8"));
const html = readFileSync(join(here, "src/index.html"), "utf8")
  .replace("{{WORKER}}", find(/^worker-[A-Z0-9]+\.js$/))
  .replace("{{JS}}", find(/^app-[A-Z0-9]+\.js$/))
  .replace("{{CSS}}", find(/^style-[A-Z0-9]+\.css$/))
  .replace("{{TITLE}}", escapeHTML(de.title))
  .replace("{{EXIT}}", escapeHTML(de.exit))
  .replace("{{NOSCRIPT_DE}}", escapeHTML(de.noscript))
  .replace("{{NOSCRIPT_EN}}", escapeHTML(en.noscript));
if (html.includes("{{")) throw new Error("build: index.html has an unfilled placeholder");
writeFileSync(join(dist, "index.html"), html);

const files = readdirSync(dist).filter((f) => f !== ".gitkeep" && f !== "SHA256SUMS").sort();
let sums = "";
let total = 0;
let gz = 0;
const rows = [];
for (const f of files) {
  const b = readFileSync(join(dist, f));
  sums += `${createHash("sha256").update(b).digest("hex")}  ${f}\n`;
  if (f.endsWith(".LEGAL.txt")) continue;
  const z = gzipSync(b, { level: 9 }).length;
  total += b.length;
  gz += z;
  rows.push(`  ${f.padEnd(28)} ${String(b.length).padStart(8)} B  ${String(z).padStart(7)} B gzipped`);
}
writeFileSync(join(dist, "SHA256SUMS"), sums);
console.log("webclient: built dist/:\n" + rows.join("\n"));
console.log(`webclient: first visit (page, script, style and worker): ${(gz / 1024).toFixed(1)} KB gzipped (${(total / 1024).toFixed(1)} KB raw); target < 80 KB`);
