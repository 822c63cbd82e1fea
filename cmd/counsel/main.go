// Command counsel is the counsellor's desktop of Lotse: it keeps the
// counsellor's personal key on this computer, runs the team's lifecycle
// (init, join, approve, remove) and the daily casework, on the command
// line or in the desk, a local web UI (counsel desk). See counsel help.
package main

import (
	"os"

	"lotse/counsel"
)

func main() {
	os.Exit(counsel.Main(os.Args[1:], counsel.StdIO(), counsel.Options{}))
}
