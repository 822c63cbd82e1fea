// The age the page ships (build.mjs, ageUnused): typage without P-256 and
// scrypt. What the web client uses still works; what it never uses fails
// loudly instead of quietly doing something else. These tests are built
// with the same plugin, so they fail if it drops too much or too little.
import { test } from "node:test";
import assert from "node:assert/strict";
import { Decrypter, Encrypter, generateHybridIdentity, identityToRecipient } from "age-encryption";
import { bech32Encode } from "../src/protocol.ts";

const absent = (what: string) => new RegExp(`age-encryption: ${what} is not part of the Lotse web client`);
const b64 = (n: number, fill: number) => Buffer.from(new Uint8Array(n).fill(fill)).toString("base64").replace(/=+$/, "");

test("age: a hybrid (age1pq1) recipient seals and opens as before", async () => {
  const id = await generateHybridIdentity();
  const e = new Encrypter();
  e.addRecipient(await identityToRecipient(id));
  const sealed = await e.encrypt("hello");
  const d = new Decrypter();
  d.addIdentity(id);
  assert.equal(await d.decrypt(sealed, "text"), "hello");
});

test("age: P-256 tag recipients (age1tag1, age1tagpq1) are refused when sealing", async () => {
  const tag = bech32Encode("age1tag", new Uint8Array(33).fill(2));
  const tagpq = bech32Encode("age1tagpq", new Uint8Array(1249).fill(2));
  for (const [r, what] of [[tag, "P-256"], [tagpq, "ML-KEM-768\\+P-256"]] as const) {
    const e = new Encrypter();
    e.addRecipient(r);
    await assert.rejects(e.encrypt("hello"), absent(what), r.slice(0, 10));
  }
});

test("age: a passphrase (scrypt) is refused when sealing and when opening", async () => {
  const e = new Encrypter();
  e.setPassphrase("correct horse");
  await assert.rejects(e.encrypt("hello"), absent("scrypt"));

  // A well-formed scrypt stanza gets as far as the key derivation.
  const file = new TextEncoder().encode(
    `age-encryption.org/v1\n-> scrypt ${b64(16, 1)} 10\n${b64(32, 2)}\n--- ${b64(32, 3)}\n` + "x".repeat(16 + 17));
  const d = new Decrypter();
  d.addPassphrase("correct horse");
  await assert.rejects(d.decrypt(file), absent("scrypt"));
});

test("age: a P-256 stanza beside ours is skipped, as typage does", async () => {
  const id = await generateHybridIdentity();
  const other = { wrapFileKey: () => [{ args: ["p256tag", b64(4, 1), b64(65, 4)], body: new Uint8Array(32) }] };
  const e = new Encrypter();
  e.addRecipient(other as never);
  e.addRecipient(await identityToRecipient(id));
  const sealed = await e.encrypt("hello");
  const d = new Decrypter();
  d.addIdentity(id);
  assert.equal(await d.decrypt(sealed, "text"), "hello");
});
