// Package deploy holds the files for running mailboxd in production — the
// systemd unit and its settings, nginx and Caddy in front of it, a Tor
// onion service — and the tests that check them: with each tool's own
// checker where it is installed (systemd-analyze, nginx -t, caddy
// validate, tor --verify-config; skipped with a message where not), by
// their settings against mailboxd's limits, and by running nginx in front
// of a real mailboxd. docs/DEPLOY.md explains them. The package has no
// code.
package deploy
