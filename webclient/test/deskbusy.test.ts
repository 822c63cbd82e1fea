// A desk button while its request runs (desk/src/busy.ts).
import { test } from "node:test";
import assert from "node:assert/strict";
import { busy } from "../desk/src/busy.ts";

test("desk busy: the button is off while the work runs, on again after", async () => {
  const button = { disabled: false };
  const msg = { textContent: "earlier" as string | null };
  let during: boolean | undefined;
  const ok = await busy(button, msg, () => "never", async () => {
    during = button.disabled;
  });
  assert.equal(ok, true);
  assert.equal(during, true);
  assert.equal(button.disabled, false);
  assert.equal(msg.textContent, "earlier", "success leaves the message alone");
});

test("desk busy: a failure is said in the message, the button on again", async () => {
  const button = { disabled: false };
  const msg = { textContent: "" as string | null };
  const ok = await busy(button, msg, (err) => `text of ${(err as Error).message}`, async () => {
    throw new Error("boom");
  });
  assert.equal(ok, false);
  assert.equal(button.disabled, false);
  assert.equal(msg.textContent, "text of boom");
});
