// The team key a conversation seals to, pinned in memory for the life of
// the conversation (PROTOCOL.md §6.3, "Client rules for the team key").
// The server says which key is the team's; the pin makes it unable to say
// so twice for one epoch: a new key is accepted only with a newer epoch,
// which an honest server gets only from an admin's rotation. Nothing of it
// is stored on the device; a reload starts a new pin.

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
