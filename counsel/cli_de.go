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
