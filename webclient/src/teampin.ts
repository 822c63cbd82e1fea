// The team key a conversation seals to, pinned in memory for the life of
// the conversation (PROTOCOL.md §6.3, "Client rules for the team key").
// The server says which key is the team's; the pin makes it unable to say
// so twice for one epoch: a new key is accepted only with a newer epoch,
// which an honest server gets only from an admin's rotation. Nothing of it
// is stored on the device; a reload starts a new pin. A conversation
// handed over to another organisation (§9) starts its pin
// from the reply document the enquirer agreed to, not from the server.
import { offerFor } from "./handover";
import type { ThreadEntry } from "./protocol";

/** TeamKey is what a conversation last sealed to. */
export interface TeamKey {
  epoch: number;
  recipient: string;
}

/** TeamKeyChangedError: the server offered a different team recipient
 * without a newer epoch. Nothing may be sealed to it. */
export class TeamKeyChangedError extends Error {
  constructor(readonly pinned: TeamKey, readonly offered: TeamKey) {
    super(`team key changed at epoch ${offered.epoch} (pinned epoch ${pinned.epoch})`);
  }
}

/**
 * checkPin returns the pin after accepting offered, or throws
 * TeamKeyChangedError. The first key of a conversation is taken as it is
 * (trust on first use; the fingerprint is there to compare); the same key
 * again is fine whatever epoch it names; a different key needs a strictly
 * higher epoch. An epoch never goes back down in the pin.
 */
export function checkPin(pin: TeamKey | null, offered: TeamKey): TeamKey {
  if (!pin) return { epoch: offered.epoch, recipient: offered.recipient };
  if (offered.recipient === pin.recipient) return { epoch: Math.max(pin.epoch, offered.epoch), recipient: pin.recipient };
  if (offered.epoch > pin.epoch) return { epoch: offered.epoch, recipient: offered.recipient };
  throw new TeamKeyChangedError(pin, offered);
}

/**
 * handoverKey is the team key of a conversation that now belongs to
 * organisation org after a handover: the epoch and recipient named by the
 * newest reply document that offered it to org, or null if none did (a
 * conversation that never moved). It is the conversation's first pin; the
 * server's key for org replaces it only with a newer epoch (checkPin), as
 * any team key.
 */
export function handoverKey(entries: readonly ThreadEntry[], org: string): TeamKey | null {
  const o = offerFor(entries, org);
  return o ? { epoch: o.epoch, recipient: o.recipient } : null;
}
