package counsel

import "strings"

// cliLang is "de" when the system's language (LC_ALL, LC_MESSAGES, LANG)
// is German, else "en". Prompts, output for people and hints follow it;
// error messages stay English, the language of the protocol and the logs,
// and --json output is the same in both.
func cliLang(getenv func(string) string) string {
	for _, v := range []string{"LC_ALL", "LC_MESSAGES", "LANG"} {
		if l := getenv(v); l != "" {
			if strings.HasPrefix(strings.ToLower(l), "de") {
				return "de"
			}
			return "en"
		}
	}
	return "en"
}

// tr returns the German text for an English one when lang is "de".
func tr(lang, s string) string {
	if lang == "de" {
		if g, ok := german[s]; ok {
			return g
		}
	}
	return s
}

// german holds the German text of every prompt, output line and hint,
// keyed by the English.
var german = map[string]string{
	// Prompts.
	"Passphrase: ": "Passwort: ",
	"New passphrase (at least 10 characters): ":                                          "Neues Passwort (mindestens 10 Zeichen): ",
	"The same passphrase again: ":                                                        "Noch einmal dasselbe Passwort: ",
	"Team fingerprint: %s\n":                                                             "Fingerabdruck des Teams: %s\n",
	"Is this exactly the team fingerprint your admin read out to you?":                   "Ist das genau der Fingerabdruck des Teams, den Ihre Admin Ihnen vorgelesen hat?",
	"Did they read out exactly these digits?":                                            "Hat die Person genau diese Ziffern vorgelesen?",
	"Remove %s from the team? A new team key is made.":                                   "%s aus dem Team entfernen? Das Team bekommt einen neuen Schlüssel.",
	"Delete case %s and every message in it, for everyone, for ever?":                    "Fall %s mit allen Nachrichten für alle und für immer löschen?",
	"%s (%s) has the fingerprint\n    %s\nCompare it with them by phone or in person.\n": "%s (%s) hat den Fingerabdruck\n    %s\nVergleichen Sie ihn mit der Person am Telefon oder persönlich.\n",
	"[y/N] ": "[j/N] ",

	// Output for people.
	"You are the team's first admin, id %s.\nYour fingerprint:  %s\nTeam fingerprint:  %s (epoch %d)\n": "Sie sind die erste Admin des Teams, Kennung %s.\nIhr Fingerabdruck:        %s\nFingerabdruck des Teams:  %s (Schlüssel Nr. %d)\n",
	"Put the team fingerprint on printed material and the public site.\n":                               "Drucken Sie den Fingerabdruck des Teams auf Ihr Material und zeigen Sie ihn auf der Webseite.\n",
	"Registered as %s, waiting for approval.\nYour fingerprint: %s\n":                                   "Angemeldet als %s. Sie warten auf die Freigabe.\nIhr Fingerabdruck: %s\n",
	"Read it to your admin by phone or in person; they run: counsel approve %s\n":                       "Lesen Sie ihn Ihrer Admin am Telefon oder persönlich vor. Sie gibt Sie frei mit: counsel approve %s\n",
	"Valid once, until %s. Give it to the newcomer in person or by a trusted channel.\n":                "Gilt einmal, bis %s. Geben Sie die Einladung nur persönlich oder auf einem sicheren Weg weiter.\n",
	"%s (%s) is now a member of the team.\n":                                                            "%s (%s) ist jetzt im Team.\n",
	"%s was removed. New team key: epoch %d, fingerprint %s\n":                                          "%s wurde entfernt. Neuer Schlüssel des Teams: Nr. %d, Fingerabdruck %s\n",
	"Update the team fingerprint on printed material and the public site.\n":                            "Ändern Sie den Fingerabdruck des Teams auf Ihrem Material und auf der Webseite.\n",
	"ID\tNAME\tROLE\tSTATE\tFINGERPRINT":                                                                "KENNUNG\tNAME\tROLLE\tSTAND\tFINGERABDRUCK",
	"Your fingerprint: %s\n":                                                                            "Ihr Fingerabdruck: %s\n",
	"Team fingerprint: %s (epoch %d, as last verified)\n":                                               "Fingerabdruck des Teams: %s (Schlüssel Nr. %d, zuletzt geprüft)\n",
	"No cases.\n": "Keine Fälle.\n",
	"ID\tSTATUS\tAWAITING REPLY\tASSIGNEE\tLAST ACTIVITY\tMESSAGES": "KENNUNG\tSTAND\tWARTET AUF ANTWORT\tBEI\tZULETZT AKTIV\tNACHRICHTEN",
	"yes":                          "ja",
	"Case %s · %s · %d messages\n": "Fall %s · %s · %d Nachrichten\n",
	"Enquirer":                     "Ratsuchende Person",
	"Counsellor %s":                "Beratung: %s",
	"!! WARNING: message %d %s. It is not shown.\n":                  "!! ACHTUNG: Nachricht %d wird nicht gezeigt. Sie ist beschädigt oder nicht echt (%s).\n",
	"(the same message again, shown above)\n":                        "(dieselbe Nachricht noch einmal, sie steht oben)\n",
	"Sent as message %d.\n":                                          "Gesendet als Nachricht %d.\n",
	"Case %s: %s, assigned to %s.\n":                                 "Fall %s: %s, bei %s.\n",
	"nobody":                                                         "niemandem",
	"Case %s was deleted.\n":                                         "Fall %s wurde gelöscht.\n",
	"Wrote %d bytes to %s.\n":                                        "%d Bytes in %s geschrieben.\n",
	"Open the desk in your browser:\n%s\n":                           "Öffnen Sie den Schreibtisch in Ihrem Browser:\n%s\n",
	"The desk is open in your browser. Press Ctrl+C here to end it.": "Der Schreibtisch ist in Ihrem Browser offen. Mit Strg+C hier beenden Sie ihn.",
	"Compacted the server's data file: %d → %d bytes, %d expired mailboxes purged, %d ms.\n": "Datendatei des Servers verdichtet: %d → %d Bytes, %d abgelaufene Postfächer gelöscht, %d ms.\n",
	AlarmAdvice: "Antworten Sie niemandem. Nehmen Sie niemanden ins Team auf und entfernen Sie niemanden. " +
		"Rufen Sie Ihre Admin an und vergleichen Sie den Fingerabdruck des Teams. " +
		"Vielleicht versucht der Server oder jemand, der ihn kontrolliert, die Nachrichten des Teams mitzulesen.",

	// Hints.
	"counsel %s -h shows the flags; flags come before arguments": "\"counsel %s -h\" zeigt die Optionen; Optionen stehen vor den Argumenten",
	"put flags before arguments: counsel %s [flags] %s":          "Optionen vor die Argumente: counsel %s [Optionen] %s",
	"usage: counsel %s [flags] %s":                               "Aufruf: counsel %s [Optionen] %s",
	"usage: counsel %s [flags] %s\n":                             "Aufruf: counsel %s [Optionen] %s\n",
	"counsel: desk closed":                                       "counsel: Schreibtisch geschlossen",

	// Flags (counsel COMMAND -h).
	"config directory (default: the user's config directory + /lotse-counsel)": "Konfigurationsordner (Standard: der Konfigurationsordner des Systems + /lotse-counsel)",
	"read the passphrase from this file instead of asking":                     "das Passwort aus dieser Datei lesen, statt zu fragen",
	"print one JSON object": "ein JSON-Objekt ausgeben",
	"approve only if the counsellor's fingerprint is this one": "nur freigeben, wenn der Fingerabdruck der Person dieser ist",
	"assign the case to nobody":                                "den Fall niemandem zuteilen",
	"do not ask":                                               "nicht nachfragen",
	"invite an admin instead of a counsellor":                  "eine Admin einladen statt einer Beraterin oder eines Beraters",
	"language of the reply (default: the enquirer's)":          "Sprache der Antwort (Standard: die der ratsuchenden Person)",
	"lock the desk after this long unused":                     "den Schreibtisch nach so langer Pause sperren",
	"only cases with this status: new, open or closed":         "nur Fälle mit diesem Stand: new, open oder closed",
	"print the address instead of opening the browser":         "die Adresse ausgeben, statt den Browser zu öffnen",
	"the invite from your admin":                               "die Einladung von Ihrer Admin",
	"the server's address":                                     "die Adresse des Servers",
	"the server's address, e.g. https://beratung.example.org":  "die Adresse des Servers, z. B. https://beratung.example.org",
	"the setup token from the server's log":                    "der Einrichtungs-Token aus dem Protokoll des Servers",
	"the team fingerprint your admin read out to you":          "der Fingerabdruck des Teams, den Ihre Admin Ihnen vorgelesen hat",
	"your name as colleagues and enquirers see it":             "Ihr Name, wie Kolleginnen und Ratsuchende ihn sehen",
	"Sets up the team as its first admin: registers you with the setup token,\n" +
		"makes the epoch-1 team key and puts the team's first keyring.\n" +
		"If init stopped after registering (e.g. the connection dropped), run the\n" +
		"same command again with the same --config and passphrase: it logs in and\n" +
		"puts the keyring, without registering again.": "Richtet das Team ein, mit Ihnen als erster Admin: counsel meldet Sie mit dem\n" +
		"Einrichtungs-Token an, erzeugt den ersten Schlüssel des Teams und speichert\n" +
		"den ersten Schlüsselbund.\n" +
		"Ist init nach der Anmeldung abgebrochen (zum Beispiel ohne Verbindung)? Dann\n" +
		"rufen Sie denselben Befehl noch einmal auf, mit demselben --config und Passwort.\n" +
		"counsel meldet Sie dann nur an und speichert den Schlüsselbund.",
	"\"counsel roster\" lists every counsellor":                                                                    "\"counsel roster\" zeigt alle Beraterinnen und Berater",
	"\"counsel roster\" lists the ids":                                                                             "\"counsel roster\" zeigt die Kennungen",
	"\"counsel roster\" lists the members":                                                                         "\"counsel roster\" zeigt die Mitglieder",
	"a case id is 32 hex digits; \"counsel cases\" lists them":                                                     "eine Fallkennung hat 32 Zeichen (0-9, a-f); \"counsel cases\" zeigt sie",
	"a removed counsellor joins again with a new invite and a new key":                                             "wer entfernt wurde, braucht eine neue Einladung und einen neuen Schlüssel",
	"ask another admin to remove you":                                                                              "bitten Sie eine andere Admin, Sie zu entfernen",
	"ask the admin for an invite and run \"counsel join\"":                                                         "bitten Sie die Admin um eine Einladung und nutzen Sie \"counsel join\"",
	"ask your team's admin; a removed counsellor needs a new invite and a new --config directory":                  "fragen Sie Ihre Admin; wer entfernt wurde, braucht eine neue Einladung und einen neuen --config-Ordner",
	"check the server address and your connection":                                                                 "prüfen Sie die Adresse des Servers und Ihre Verbindung",
	"choose a long passphrase, e.g. five words you can remember":                                                   "wählen Sie ein langes Passwort, zum Beispiel fünf Wörter, die Sie sich merken können",
	"choose a new file name; counsel never overwrites a backup":                                                    "wählen Sie einen neuen Dateinamen; counsel überschreibt nie eine Sicherung",
	"compare again by phone or in person; if it still differs, someone may have swapped the key: do not approve":   "vergleichen Sie noch einmal am Telefon oder persönlich; wenn er weiter nicht stimmt, wurde der Schlüssel vielleicht vertauscht: nicht freigeben",
	"copy it from the line \"mailboxd: setup token: …\" of the server's log":                                       "kopieren Sie ihn aus der Zeile \"mailboxd: setup token: …\" im Protokoll des Servers",
	"counsel help lists the commands":                                                                              "\"counsel help\" zeigt alle Befehle",
	"counsel init --server URL --setup TOKEN --name NAME":                                                          "counsel init --server URL --setup TOKEN --name NAME",
	"counsel join --server URL --invite CODE --name NAME":                                                          "counsel join --server URL --invite CODE --name NAME",
	"init had finished: run any command, e.g. \"counsel cases\", to use the team":                                  "init war schon fertig: nutzen Sie das Team mit einem anderen Befehl, z. B. \"counsel cases\"",
	"invites work once and for 72 hours; ask for a new one":                                                        "eine Einladung gilt einmal und 72 Stunden; bitten Sie um eine neue",
	"pass --fingerprint \"…\" as the counsellor read it out to you":                                                "geben Sie --fingerprint \"…\" an, so wie die Person ihn vorgelesen hat",
	"pass --passphrase-file F":                                                                                     "geben Sie --passphrase-file DATEI an",
	"pass --team-fingerprint \"…\" as your admin read it out to you":                                               "geben Sie --team-fingerprint \"…\" an, so wie Ihre Admin ihn vorgelesen hat",
	"pass --yes to delete without asking":                                                                          "mit --yes wird ohne Rückfrage gelöscht",
	"pass --yes to remove without asking":                                                                          "mit --yes wird ohne Rückfrage entfernt",
	"pass the server's address, e.g. --server https://beratung.example.org":                                        "geben Sie die Adresse des Servers an, z. B. --server https://beratung.example.org",
	"run \"counsel init\" (first admin) or \"counsel join\" (invited), or pass --config DIR":                       "nutzen Sie \"counsel init\" (erste Admin) oder \"counsel join\" (mit Einladung), oder geben Sie --config ORDNER an",
	"run the command again":                                                                                        "führen Sie den Befehl noch einmal aus",
	"set $EDITOR, or pipe the text into counsel reply":                                                             "setzen Sie $EDITOR oder leiten Sie den Text in counsel reply",
	"split it into two messages":                                                                                   "teilen Sie die Antwort in zwei Nachrichten",
	"tell an admin your fingerprint (\"counsel fingerprint\") by phone or in person; they run \"counsel approve\"": "lesen Sie einer Admin Ihren Fingerabdruck (\"counsel fingerprint\") am Telefon oder persönlich vor; sie gibt Sie mit \"counsel approve\" frei",
	"the case may have been deleted; \"counsel cases\" lists the cases":                                            "der Fall wurde vielleicht gelöscht; \"counsel cases\" zeigt die Fälle",
	"the config directory was mixed up; restore both files from the same backup":                                   "der Konfigurationsordner ist durcheinander; holen Sie beide Dateien aus derselben Sicherung zurück",
	"the desk locks at the latest after 15 minutes":                                                                "der Schreibtisch sperrt sich spätestens nach 15 Minuten",
	"the file holds the passphrase on its first line":                                                              "die Datei enthält das Passwort in der ersten Zeile",
	"the first admin puts it with \"counsel init\"":                                                                "die erste Admin legt ihn mit \"counsel init\" an",
	"the name your colleagues and enquirers see, e.g. --name \"Anna (Beratungsstelle Nord)\"":                      "der Name, den Kolleginnen und Ratsuchende sehen, z. B. --name \"Anna (Beratungsstelle Nord)\"",
	"the server does not know this counsellor, or they were removed":                                               "der Server kennt diese Person nicht, oder sie wurde entfernt",
	"this case cannot be answered safely; tell your admin":                                                         "auf diesen Fall kann nicht sicher geantwortet werden; sagen Sie es Ihrer Admin",
	"this needs an admin, or an admin has not approved you yet":                                                    "das darf nur eine Admin, oder eine Admin hat Sie noch nicht freigegeben",
	"type the passphrase you chose at init or join":                                                                "tippen Sie das Passwort, das Sie bei init oder join gewählt haben",
	"use another --config DIR for another counsellor or team":                                                      "nutzen Sie einen anderen --config-Ordner für eine andere Person oder ein anderes Team",
	"use another --config DIR for another counsellor; never delete an identity the team still uses":                "nutzen Sie einen anderen --config-Ordner für eine andere Person; löschen Sie nie einen Schlüssel, den das Team noch nutzt",
	"use new, open or closed":                                                                                      "nutzen Sie new, open oder closed",
	"wait a moment and try again":                                                                                  "warten Sie einen Moment und versuchen Sie es noch einmal",
	"write some text":                                                                                              "schreiben Sie einen Text",
	"write the text to standard input":                                                                             "geben Sie den Text über die Standardeingabe ein",
}

const usageDE = `counsel ist der Schreibtisch der Beraterinnen und Berater von Lotse.

Aufruf: counsel BEFEHL [Optionen] [Argumente]   (Optionen vor den Argumenten)

Team:
  init     --server URL --setup TOKEN --name NAME   das Team als erste Admin einrichten
  join     --server URL --invite CODE --name NAME [--team-fingerprint FP]
  invite   [--admin]                 eine Einladung erstellen (Admins)
  approve  [--fingerprint FP] ID     jemanden nach dem Vergleich der Fingerabdrücke freigeben (Admins)
  remove   [--yes] ID                jemanden entfernen: neuer Schlüssel des Teams (Admins)
  roster                             alle Beraterinnen und Berater mit Fingerabdruck
  fingerprint                        Ihr Fingerabdruck und der des Teams

Fälle:
  cases    [--status new|open|closed]
  read     ID
  reply    [--lang de] ID            Text von der Standardeingabe, oder $EDITOR im Terminal
  close ID, reopen ID, delete [--yes] ID
  assign   ID KENNUNG | assign --none ID

Weiteres:
  desk     [--no-browser]            den Schreibtisch im Browser öffnen
  backup   DATEI                     eine Sicherung der Daten des Servers schreiben (Admins)
  compact                            die Datendatei des Servers jetzt verdichten (Admins)

Optionen aller Befehle: --config ORDNER (Standard: der Konfigurationsordner des Systems),
--passphrase-file DATEI (statt einer Frage nach dem Passwort), --json (ein JSON-Objekt auf der Standardausgabe).
`

// germanErrors holds the German text of every error counsel shows on the
// command line, keyed by the English format (see errorf), and of what
// counsel was doing when the server failed (apiError). "Schlüsselbund"
// is the keyring, "Schlüssel Nr. N" the epoch, as in the desk.
var germanErrors = map[string]string{
	// What counsel was doing.
	"backup":             "Sicherung",
	"change the case":    "Fall ändern",
	"compact":            "Datendatei verdichten",
	"create the invite":  "Einladung erstellen",
	"delete the case":    "Fall löschen",
	"fetch the case":     "Fall laden",
	"fetch the keyring":  "Schlüsselbund laden",
	"fetch the team key": "Schlüssel des Teams laden",
	"list the cases":     "Fälle laden",
	"log in":             "Anmelden",
	"put the keyring":    "Schlüsselbund speichern",
	"read the roster":    "Liste des Teams laden",
	"register":           "Registrieren",
	"send the reply":     "Antwort senden",
	"%s: %s":             "%s: Der Server meldet einen Fehler: %s",
	"%s: %v":             "%s: %v",

	// Command line and flags.
	"missing command":                                 "Befehl fehlt",
	"unknown command %q":                              "unbekannter Befehl %q",
	"flag provided but not defined: %s":               "unbekannte Option %s",
	"flag needs an argument: %s":                      "die Option %s braucht einen Wert",
	"bad flag syntax: %s":                             "falsch geschriebene Option: %s",
	"invalid value %s":                                "ungültiger Wert %s",
	"invalid boolean value %s":                        "ungültiger Wert %s",
	"flag %s after the arguments":                     "die Option %s steht hinter den Argumenten",
	"%s takes %d argument(s), got %d":                 "%s braucht %d Argument(e), bekommen: %d",
	"init needs --server and --setup":                 "init braucht --server und --setup",
	"join needs --server and --invite":                "join braucht --server und --invite",
	"missing --name":                                  "--name fehlt",
	"the name must be one line of at most 100 bytes":  "der Name muss eine Zeile sein, höchstens 100 Bytes lang",
	"unknown status %q":                               "unbekannter Stand %q",
	"%q is not a case id":                             "%q ist keine Fallkennung",
	"%q is not a counsellor id":                       "%q ist keine Kennung einer Beraterin oder eines Beraters",
	"%q is not a language tag":                        "%q ist kein Sprachkürzel",
	"--lock-after %v is outside 1m to 15m":            "--lock-after %v liegt nicht zwischen 1m und 15m",
	"standard input is not a terminal":                "die Standardeingabe ist kein Terminal",
	"read the answer: %v":                             "Antwort lesen: %v",
	"not confirmed":                                   "nicht bestätigt",
	"not confirmed: standard input is not a terminal": "nicht bestätigt: die Standardeingabe ist kein Terminal",
	"editor: %v":                                      "Editor: %v",
	"editor %s: %v":                                   "Editor %s: %v",
	"desk: listen: %v":                                "Schreibtisch: Start fehlgeschlagen: %v",
	"desk: listens only on the loopback address":      "Schreibtisch: er läuft nur auf der lokalen Adresse (127.0.0.1)",
	"the desk is locked":                              "der Schreibtisch ist gesperrt",

	// Passphrase and identity.
	"no passphrase: standard input is not a terminal":             "kein Passwort: die Standardeingabe ist kein Terminal",
	"read the passphrase file: %v":                                "Passwort-Datei lesen: %v",
	"read the passphrase: %v":                                     "Passwort lesen: %v",
	"the two passphrases differ":                                  "die beiden Passwörter sind verschieden",
	"wrong passphrase":                                            "falsches Passwort",
	"the passphrase is too short: %d characters, at least %d":     "das Passwort ist zu kurz: %d Zeichen, nötig sind mindestens %d",
	"the passphrase is longer than %d bytes":                      "das Passwort ist länger als %d Bytes",
	"generate the identity: %v":                                   "Schlüssel erzeugen: %v",
	"encrypt the identity: %v":                                    "Schlüssel verschlüsseln: %v",
	"read the identity: %v":                                       "Schlüsseldatei lesen: %v",
	"open the identity: %v":                                       "Schlüsseldatei öffnen: %v",
	"open the identity: the file does not hold a hybrid identity": "Schlüsseldatei öffnen: in der Datei steht kein passender Schlüssel",
	"identity.age does not belong to counsel.json":                "identity.age gehört nicht zu counsel.json",

	// Config directory and files.
	"find the config directory: %v":   "Konfigurationsordner finden: %v",
	"create the config directory: %v": "Konfigurationsordner anlegen: %v",
	"config directory: %v":            "Konfigurationsordner: %v",
	"config directory %s is readable by others and cannot be restricted: %v": "andere können den Konfigurationsordner %s lesen, und counsel kann das nicht ändern: %v",
	"no counsellor set up in %s":                          "in %s ist niemand eingerichtet",
	"%s already holds a counsellor":                       "in %s ist schon jemand eingerichtet",
	"%s already holds an identity":                        "in %s liegt schon ein Schlüssel",
	"read the config: %v":                                 "Konfiguration lesen: %v",
	"read the config %s: %v":                              "Konfiguration %s lesen: %v",
	"the config %s lacks the server or the counsellor id": "in der Konfiguration %s fehlt der Server oder Ihre Kennung",
	"the config %s: pinned epochs are not in order":       "Konfiguration %s: die gespeicherten Schlüssel des Teams sind nicht in der richtigen Reihenfolge",
	"write the config: %v":                                "Konfiguration schreiben: %v",
	"write %s: %v":                                        "%s schreiben: %v",
	"%s is larger than %d bytes":                          "%s ist größer als %d Bytes",

	// Team.
	"the setup token is wrong":   "der Einrichtungs-Token ist falsch",
	"the team is already set up": "das Team ist schon eingerichtet",
	"the invite is not valid":    "die Einladung gilt nicht",
	"generate the team key: %v":  "Schlüssel des Teams erzeugen: %v",
	"login refused: the server does not know this counsellor, or they were removed from the team": "Anmeldung abgelehnt: der Server kennt Sie nicht, oder Sie wurden aus dem Team entfernt",
	"the server's roster does not list this counsellor":                                           "Sie fehlen in der Liste des Teams auf dem Server",
	"the team has no keyring yet":                                                                 "das Team hat noch keinen Schlüsselbund",
	"you are not approved yet":                                                                    "Sie sind noch nicht freigegeben",
	"no counsellor %q":                                                                            "niemand mit der Kennung %q",
	"counsellor %s has a malformed key: %v":                                                       "%s hat einen fehlerhaften Schlüssel: %v",
	"counsellor %s is already a member":                                                           "%s ist schon im Team",
	"counsellor %s was removed":                                                                   "%s wurde aus dem Team entfernt",
	"counsellor %s's key already belongs to member %s":                                            "der Schlüssel von %s gehört schon zu %s aus dem Team",
	"the fingerprint does not match counsellor %s's key: not approved":                            "der Fingerabdruck passt nicht zum Schlüssel von %s: nicht freigegeben",
	"you cannot remove yourself":                                                                  "Sie können sich nicht selbst entfernen",
	"counsellor %q is not a member of the keyring":                                                "%q steht nicht im Schlüsselbund des Teams",
	"another admin changed the keyring at the same time":                                          "eine andere Admin hat gleichzeitig den Schlüsselbund geändert",

	// Alarms (after "counsel: ALARM: ").
	"the server serves a malformed team key":                                                                                     "der Server zeigt einen fehlerhaften Schlüssel des Teams",
	"the server's team key has fingerprint %s, not the %s your admin gave you":                                                   "der Schlüssel des Teams auf dem Server hat den Fingerabdruck %s, nicht %s von Ihrer Admin",
	"the server sent a login challenge that is not of the protocol's form; counsel refused to answer it":                         "der Server hat bei der Anmeldung eine falsche Aufgabe geschickt; counsel hat sie nicht beantwortet",
	"the server has no keyring, but this desk has accepted team keys up to epoch %d":                                             "der Server hat keinen Schlüsselbund, aber dieser Schreibtisch kennt schon Schlüssel des Teams bis Nr. %d",
	"the keyring the server serves cannot be opened with your key (%v)":                                                          "der Schlüsselbund vom Server lässt sich mit Ihrem Schlüssel nicht öffnen (%v)",
	"the server shows enquirers team key epoch %d with fingerprint %s, but the keyring's newest is epoch %d with fingerprint %s": "der Server zeigt Ratsuchenden den Schlüssel Nr. %d mit dem Fingerabdruck %s, aber der neueste im Schlüsselbund ist Nr. %d mit dem Fingerabdruck %s",
	"the keyring lists your id with another key than yours":                                                                      "im Schlüsselbund steht Ihre Kennung mit einem fremden Schlüssel",
	"the keyring does not list you as a member":                                                                                  "im Schlüsselbund fehlen Sie",
	"the keyring ends at epoch %d, but this desk has accepted epoch %d":                                                          "der Schlüsselbund endet bei Schlüssel Nr. %d, aber dieser Schreibtisch kennt schon Nr. %d",
	"the team key of epoch %d was replaced: accepted fingerprint %s, now %s":                                                     "der Schlüssel Nr. %d des Teams wurde ausgetauscht: bekannt war der Fingerabdruck %s, jetzt ist es %s",
	"the keyring's newest epoch %d is older than the accepted epoch %d":                                                          "der neueste Schlüssel im Schlüsselbund (Nr. %d) ist älter als der bekannte (Nr. %d)",
	"the server says the keyring is epoch %d, but it holds epoch %d, or another team key":                                        "der Server nennt Schlüssel Nr. %d, aber im Schlüsselbund steht Nr. %d oder ein anderer Schlüssel",
	"the keyring's members (%s) differ from the members the server lists (%s)":                                                   "im Schlüsselbund stehen andere Personen (%s) als in der Liste des Servers (%s)",

	// Cases and replies.
	"the enquirer's first message could not be read, so there is no key to reply to": "die erste Nachricht der ratsuchenden Person ist nicht lesbar, darum fehlt der Schlüssel für die Antwort",
	"the enquirer's key: %v":                 "Schlüssel der ratsuchenden Person: %v",
	"the reply is empty":                     "die Antwort ist leer",
	"the reply is not UTF-8 text":            "die Antwort ist kein UTF-8-Text",
	"the reply is %d bytes long, at most %d": "die Antwort ist %d Bytes lang, erlaubt sind höchstens %d",
	"the reply is longer than %d bytes":      "die Antwort ist länger als %d Bytes",
	"the reply is too long":                  "die Antwort ist zu lang",
	"%s exists":                              "%s gibt es schon",
	"create the backup: %v":                  "Sicherung anlegen: %v",
	"write the backup: %v":                   "Sicherung schreiben: %v",
}
