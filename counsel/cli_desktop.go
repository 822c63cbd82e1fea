package counsel

import (
	"errors"
	"strings"
)

// What differs between the desktops counsel runs on (Windows, macOS,
// Linux and the BSDs): how to open the system's browser and which editor
// to start when neither $VISUAL nor $EDITOR is set. The functions take
// GOOS as an argument so that the Windows and macOS answers are tested on
// any system; the callers pass runtime.GOOS. The config directory follows
// os.UserConfigDir's rules (README, "Getting counsel", lists it per system).

// browserCommand is the program and arguments that open url in the
// system's default browser. No shell is involved, so the desk's URL with
// its token is passed as one argument on every system ("cmd /c start"
// would read & and ^ in it).
func browserCommand(goos, url string) []string {
	switch goos {
	case "darwin":
		return []string{"open", url}
	case "windows":
		return []string{"rundll32", "url.dll,FileProtocolHandler", url}
	default:
		return []string{"xdg-open", url}
	}
}

// defaultEditor is the editor for `counsel reply` on a terminal without
// $VISUAL or $EDITOR: one that every installation of the system has and
// that returns only when its window or session ends. Windows has no vi;
// Notepad is there on every version. (On Windows 11 a Notepad started
// from an already open Notepad window can return at once; counsel then
// finds the reply empty and says so: set EDITOR, for example to
// "notepad++ -multiInst -nosession" or "code --wait".)
func defaultEditor(goos string) string {
	if goos == "windows" {
		return "notepad"
	}
	return "vi"
}

// userConfigDir is os.UserConfigDir's answer for goos, with the
// environment from getenv: %AppData% on Windows, ~/Library/Application
// Support on macOS, $XDG_CONFIG_HOME or ~/.config elsewhere. A relative
// path is refused, as the standard library does, so that counsel never
// keeps its keys relative to wherever it was started.
func userConfigDir(goos string, getenv func(string) string) (string, error) {
	var dir string
	switch goos {
	case "windows":
		dir = getenv("AppData")
		if dir == "" {
			return "", errors.New("%AppData% is not defined")
		}
	case "darwin", "ios":
		home := getenv("HOME")
		if home == "" {
			return "", errors.New("$HOME is not defined")
		}
		dir = home + "/Library/Application Support"
	case "plan9":
		home := getenv("home")
		if home == "" {
			return "", errors.New("$home is not defined")
		}
		dir = home + "/lib"
	default:
		dir = getenv("XDG_CONFIG_HOME")
		if dir == "" {
			home := getenv("HOME")
			if home == "" {
				return "", errors.New("neither $XDG_CONFIG_HOME nor $HOME are defined")
			}
			dir = home + "/.config"
		} else if !strings.HasPrefix(dir, "/") {
			return "", errors.New("path in $XDG_CONFIG_HOME is relative")
		}
	}
	return dir, nil
}
