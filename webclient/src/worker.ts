// The worker runs what takes long, so the page never freezes: Argon2id for
// the enquirer's keys (64 MiB, PROTOCOL.md §2) and the proof of work for a
// new mailbox (§6). It keeps nothing between requests.
import { argon2id } from "hash-wasm";
import { ARGON2, saltFor } from "./protocol";

interface Scope {
  onmessage: ((e: MessageEvent) => void) | null;
  postMessage(m: unknown, transfer?: Transferable[]): void;
}
const scope = self as unknown as Scope;

export type Request =
  | { op: "kdf"; code: string; passphrase: string }
  | { op: "pow"; challenge: Uint8Array; difficulty: number };

export type Reply =
  | { op: "kdf"; seed: Uint8Array }
  | { op: "pow"; nonce: Uint8Array }
  | { op: "progress"; tries: number }
  | { op: "error"; message: string };

function leadingZeros(h: Uint8Array, n: number): boolean {
  for (let i = 0; n > 0; i++) {
    if (n >= 8) {
      if (h[i] !== 0) return false;
      n -= 8;
      continue;
    }
    return h[i]! >> (8 - n) === 0;
  }
  return true;
}

const powSalt = new TextEncoder().encode("lotse/v1 pow");

async function solve(challenge: Uint8Array, difficulty: number): Promise<Uint8Array> {
  const nonce = crypto.getRandomValues(new Uint8Array(8));
  if (difficulty === 0) return nonce;
  const view = new DataView(nonce.buffer);
  let n = view.getBigUint64(0);
  const pw = new Uint8Array(challenge.length + 8);
  pw.set(challenge);
  for (let tries = 1; ; tries++) {
    view.setBigUint64(0, n);
    pw.set(nonce, challenge.length);
    const h = (await argon2id({
      password: pw, salt: powSalt, iterations: 1, memorySize: 1024, parallelism: 1, hashLength: 32, outputType: "binary",
    })) as Uint8Array;
    if (leadingZeros(h, difficulty)) return nonce;
    if (tries % 16 === 0) scope.postMessage({ op: "progress", tries } satisfies Reply);
    n = (n + 1n) & 0xffffffffffffffffn;
  }
}

scope.onmessage = async (e: MessageEvent) => {
  const req = e.data as Request;
  try {
    if (req.op === "kdf") {
      const seed = (await argon2id({
        password: req.passphrase, salt: saltFor(req.code), ...ARGON2, outputType: "binary",
      })) as Uint8Array;
      scope.postMessage({ op: "kdf", seed } satisfies Reply, [seed.buffer as ArrayBuffer]);
    } else if (req.op === "pow") {
      if (!(req.difficulty >= 0 && req.difficulty <= 24) || req.challenge.length > 1024) {
        throw new Error("proof of work out of range");
      }
      const nonce = await solve(req.challenge, req.difficulty);
      scope.postMessage({ op: "pow", nonce } satisfies Reply);
    }
  } catch (err) {
    scope.postMessage({ op: "error", message: String(err) } satisfies Reply);
  }
};
