// Package crypto implements the cryptography of the Lotse protocol, version 1
// (PROTOCOL.md §1–5 and the login and proof of work of §6):
//
//   - digits (§1): normalising what a person types (every Unicode decimal
//     digit counts; white space, punctuation and invisible format
//     characters are ignored), Damm check
//     digits, generating and formatting pickup codes and passphrases;
//   - enquirer keys (§2): Argon2id and HKDF from pickup code and passphrase
//     to the mailbox id, the age hybrid identity, the auth key, the mailbox
//     key and the verifier the server stores;
//   - the team (§3): recipient fingerprints and the keyring, one age
//     ciphertext to the members that holds every epoch's team identity;
//   - message documents (§4): padding to bucket sizes, sealing to the team
//     and the enquirer, and the reader rules that turn a forged or mangled
//     document into a warning instead of a message;
//   - the ciphertext policy (§5): a strict parser of binary age v1 with
//     hybrid post-quantum stanzas only, which the server and the auditor
//     apply to everything stored;
//   - counsellor login challenges and the proof of work (§6).
//   - attachments (§10): files padded with zeros to an attachment bucket
//     and sealed like a message, their policy, the reader's checks against
//     the size and SHA-256 a document's reference gives, and that
//     reference's reader rules;
//   - records the team writes for itself (version 1.1, section 11): notes,
//     tags, text blocks, the directory and case pins, authenticated with a
//     MAC under a key derived from the epoch's team identity.
//
// All keys are age hybrid (ML-KEM-768 + X25519) keys; nothing here accepts
// an X25519, scrypt or armored age file where a Lotse one is expected.
//
// It does no I/O beyond reading randomness: no HTTP, no storage. Every
// derivation is covered by the known-answer vectors in testdata/, which are
// shared with the web client. Secrets are compared in constant time and
// temporary secret buffers are cleared, knowing that Go cannot guarantee
// that no copy remains; errors never contain a secret.
package crypto
