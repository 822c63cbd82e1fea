// The TypeScript reader as a filter for Go's tests (crypto/readers_test.go):
// one JSON request a line on stdin, {"pt":b64,"mailbox","mk":b64|null,"from"},
// one verdict a line on stdout, so that Go can demand that both readers
// agree on documents it makes up.
import { createInterface } from "node:readline";
import { verdict } from "./corpus.ts";

interface Request {
  pt: string;
  mailbox: string;
  mk: string | null;
  from: string;
}

const lines = createInterface({ input: process.stdin, crlfDelay: Infinity });
for await (const line of lines) {
  const r = JSON.parse(line) as Request;
  const pt = new Uint8Array(Buffer.from(r.pt, "base64"));
  const mk = r.mk === null ? null : new Uint8Array(Buffer.from(r.mk, "base64"));
  process.stdout.write(JSON.stringify(verdict(pt, { mailbox: r.mailbox, mk, from: r.from })) + "\n");
}
