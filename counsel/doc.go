// Package counsel is the counsellor's desktop of Lotse: it keeps the
// counsellor's personal key on this computer, runs the team's lifecycle
// (init, join, approve, remove) and the daily casework, on the command
// line or in the desk, a web UI served on 127.0.0.1.
//
// The package has three layers, one set of files each; the layers below
// never print, parse flags or speak HTTP:
//
//   - the domain: config.go (counsel.json, identity.age), session.go
//     (unlock, login, wipe), keyring.go (verification and pins, the
//     alarm), setup.go (init, join), team.go (roster, invite, approve,
//     remove), thread.go (decrypting a case, replying), casepin.go
//     (each case's first document, pinned), centres_pin.go (the
//     referral directory as this desk confirmed it), blocks.go (text
//     blocks), backup.go (backup, compaction). Functions return values
//     and errors of errors.go: counsel's own words as message ids, a
//     hint with a next step, or an AlarmError.
//   - the command line: cli.go (Main and withSession, the one path of
//     every command: parse, check, unlock, run, wipe, print JSON or
//     text), cli_commands.go (the table of commands) and terminal.go
//     (nothing from the server or an enquirer reaches the terminal as a
//     control character).
//   - the desk: desk.go (the server's life: start, lock, unlock, live
//     events), desk_routes.go (its guards and ServeMux routes),
//     desk_wire.go (its larger answers) and desk_centres.go (the
//     referral directory); the page itself is webclient/desk.
//
// Everything said to people comes from the message catalogues in lang/
// (i18n.go); messages.go names their ids for the code.
package counsel
