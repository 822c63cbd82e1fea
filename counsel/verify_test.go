package counsel

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"filippo.io/age"

	"lotse/api/client"
	"lotse/crypto"
)

func newID(t *testing.T) *age.HybridIdentity {
	t.Helper()
	id, err := age.GenerateHybridIdentity()
	if err != nil {
		t.Fatal(err)
	}
	return id
}

// TestCheckKeyring covers the rules of PROTOCOL.md §3 "What counsel
// verifies", each broken once.
func TestCheckKeyring(t *testing.T) {
	me, other := newID(t), newID(t)
	team1, team2, forged := newID(t), newID(t), newID(t)
	members := []crypto.Member{{ID: "anna", Name: "Anna", Recipient: me.Recipient().String()}, {ID: "ben", Name: "Ben", Recipient: other.Recipient().String()}}
	ring := func(teams ...*age.HybridIdentity) *crypto.Keyring {
		k := &crypto.Keyring{V: 1, Members: members}
		for i, tm := range teams {
			k.Epochs = append(k.Epochs, crypto.EpochKey{Epoch: i + 1, Identity: tm.String()})
		}
		return k
	}
	r := func(id *age.HybridIdentity) string { return id.Recipient().String() }
	cfg := func(pins ...Pin) *Config {
		return &Config{ID: "anna", Recipient: r(me), Pins: pins}
	}
	served := func(epoch int, team *age.HybridIdentity, ids ...string) *client.Keyring {
		return &client.Keyring{Epoch: epoch, Recipient: r(team), Members: ids}
	}
	tests := []struct {
		name  string
		cfg   *Config
		ring  *crypto.Keyring
		k     *client.Keyring
		alarm string // "" for accepted
	}{
		{"first sight", cfg(), ring(team1), served(1, team1, "anna", "ben"), ""},
		{"pinned", cfg(Pin{1, r(team1)}), ring(team1), served(1, team1, "ben", "anna"), ""},
		{"new epoch", cfg(Pin{1, r(team1)}), ring(team1, team2), served(2, team2, "anna", "ben"), ""},
		{"join pin of epoch 2", cfg(Pin{2, r(team2)}), ring(team1, team2), served(2, team2, "anna", "ben"), ""},
		{"(a) pinned key replaced", cfg(Pin{1, r(team1)}), ring(forged), served(1, forged, "anna", "ben"), "epoch 1 was replaced"},
		{"(a) older epoch replaced", cfg(Pin{1, r(team1)}, Pin{2, r(team2)}), ring(forged, team2), served(2, team2, "anna", "ben"), "epoch 1 was replaced"},
		{"(b) rolled back", cfg(Pin{1, r(team1)}, Pin{2, r(team2)}), ring(team1), served(1, team1, "anna", "ben"), "ends at epoch 1"},
		{"server's epoch differs", cfg(Pin{1, r(team1)}), ring(team1), served(2, team1, "anna", "ben"), "says the keyring is epoch 2"},
		{"server's recipient differs", cfg(Pin{1, r(team1)}), ring(team1), served(1, forged, "anna", "ben"), "another team key"},
		{"(c) server lists another member", cfg(Pin{1, r(team1)}), ring(team1), served(1, team1, "anna", "eve"), "members"},
		{"(c) server lists fewer members", cfg(Pin{1, r(team1)}), ring(team1), served(1, team1, "anna"), "members"},
		{"not a member", &Config{ID: "carl", Recipient: r(newID(t))}, ring(team1), served(1, team1, "anna", "ben"), "does not list you"},
		{"my id with another key", &Config{ID: "anna", Recipient: r(other)}, ring(team1), served(1, team1, "anna", "ben"), "another key"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := checkKeyring(tc.cfg, tc.ring, tc.k)
			switch {
			case tc.alarm == "" && err != nil:
				t.Fatalf("refused: %v", err)
			case tc.alarm != "" && (err == nil || !IsAlarm(err)):
				t.Fatalf("got %v, want an alarm", err)
			case tc.alarm != "" && !strings.Contains(err.Error(), tc.alarm):
				t.Fatalf("alarm %q, want it to say %q", err, tc.alarm)
			}
		})
	}
}

func TestSameFingerprint(t *testing.T) {
	fp := crypto.Fingerprint(newID(t).Recipient().String())
	for _, tc := range []struct {
		typed string
		want  bool
	}{
		{fp, true},
		{strings.ReplaceAll(fp, " ", ""), true},
		{strings.ReplaceAll(fp, " ", "-"), true},
		// Pasted from right-to-left text: the format characters it
		// carries are ignored (PROTOCOL.md §1), no false alarm in join.
		{"\u200f" + fp + "\u200f", true},
		{"\u2067" + strings.ReplaceAll(fp, " ", "\u200b ") + "\u2069", true},
		{"\ufeff" + fp[:3] + "\u00ad" + fp[3:] + "\u200e", true},
		{"\u200f" + fp[:len(fp)-1] + "\u200f", false},
		{fp[:len(fp)-1], false},
		{fp[:len(fp)-1] + "x", false},
		{"", false},
		{"12345 12345 12345 12345 12345", fp == "12345 12345 12345 12345 12345"},
	} {
		if got := SameFingerprint(tc.typed, fp); got != tc.want {
			t.Errorf("SameFingerprint(%q) = %v, want %v", tc.typed, got, tc.want)
		}
	}
}

// TestFiles: the config directory is the owner's only, the identity is an
// age scrypt file, and text blocks are ciphertext to the own key.
func TestFiles(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "desk")
	if err := ensureDir(dir); err != nil {
		t.Fatal(err)
	}
	if _, err := newIdentityFile(dir, []byte("short"), 10); err == nil {
		t.Error("a short passphrase is accepted")
	}
	id, err := newIdentityFile(dir, []byte(testPassphrase), 10)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := newIdentityFile(dir, []byte(testPassphrase), 10); err == nil {
		t.Error("an identity is overwritten")
	}
	cfg := &Config{Server: "http://127.0.0.1:1", ID: "anna", Name: "Anna", Recipient: id.Recipient().String(), dir: dir}
	if err := cfg.Save(); err != nil {
		t.Fatal(err)
	}
	if err := saveBlocks(dir, cfg.Recipient, []Block{{Title: "Beratungsstelle", Body: "Frau Meier, Tel. 0123 456789"}}); err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(dir)
	if err != nil || fi.Mode().Perm() != 0o700 {
		t.Errorf("config directory mode %v, %v", fi.Mode().Perm(), err)
	}
	for _, f := range []string{identityFile, configFile, blocksFile} {
		fi, err := os.Stat(filepath.Join(dir, f))
		if err != nil || fi.Mode().Perm() != 0o600 {
			t.Errorf("%s: mode %v, %v", f, fi.Mode().Perm(), err)
		}
	}
	raw, _ := os.ReadFile(filepath.Join(dir, identityFile))
	if !bytes.Contains(raw, []byte("-> scrypt ")) || bytes.Contains(raw, []byte("AGE-SECRET-KEY")) {
		t.Error("identity.age is not a scrypt-encrypted age file")
	}
	if _, err := openIdentityFile(dir, []byte("not the passphrase")); err == nil || !strings.Contains(err.Error(), "wrong passphrase") {
		t.Errorf("wrong passphrase: %v", err)
	}
	got, err := openIdentityFile(dir, []byte(testPassphrase))
	if err != nil || got.String() != id.String() {
		t.Fatalf("open the identity: %v", err)
	}
	blocks, _ := os.ReadFile(filepath.Join(dir, blocksFile))
	if bytes.Contains(blocks, []byte("Meier")) {
		t.Error("text blocks are stored in plaintext")
	}
	bs, err := loadBlocks(dir, got)
	if err != nil || len(bs) != 1 || bs[0].Body != "Frau Meier, Tel. 0123 456789" {
		t.Errorf("blocks %v, %v", bs, err)
	}
	if _, err := loadBlocks(dir, newID(t)); err == nil {
		t.Error("text blocks open with another key")
	}
	loaded, err := LoadConfig(dir)
	if err != nil || loaded.ID != "anna" || loaded.Recipient != cfg.Recipient {
		t.Errorf("config %+v, %v", loaded, err)
	}
}

// TestCLILang: the system's language picks the catalogue.
func TestCLILang(t *testing.T) {
	for _, tc := range []struct{ env, want string }{
		{"de_DE.UTF-8", "de"}, {"de_AT", "de"}, {"en_GB.UTF-8", "en"}, {"C", "en"}, {"", "en"},
	} {
		got := cliLang(func(k string) string {
			if k == "LANG" {
				return tc.env
			}
			return ""
		})
		if got != tc.want {
			t.Errorf("LANG=%q: %s, want %s", tc.env, got, tc.want)
		}
	}
}
