package mailboxdtest

// LoadEnv switches off or raises mailboxd's limits for a load from one
// address: the clients all come from 127.0.0.1, over more connections than
// one address may hold, and each writes thousands of messages, and the
// per-address, per-mailbox and server-wide limits,
// tested on their own elsewhere, would only stop the load. The proof of
// work is off. Storage and HTTP work are unchanged.
func LoadEnv() []string {
	return []string{
		"LOTSE_POW_DIFFICULTY=0",
		"LOTSE_CREATE_LIMIT=off",
		"LOTSE_ENQUIRER_LIMIT=off",
		"LOTSE_POST_LIMIT=off",
		"LOTSE_MAILBOXES_PER_HOUR=off",
		"LOTSE_CONNS_PER_ADDRESS=off",
		"LOTSE_MAILBOX_PER_HOUR=1000000000",
		"LOTSE_MAILBOX_MAX_MESSAGES=2147483647",
		"LOTSE_MAILBOX_MAX_BYTES=1099511627776",
	}
}
