package counsel

import (
	"bytes"
	"crypto/rand"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"strings"

	"filippo.io/age"

	"lotse/crypto"
	"lotse/domain"
	"lotse/internal/bounded"
)

// Files in the config directory.
const (
	configFile   = "counsel.json"
	identityFile = "identity.age"
	blocksFile   = "blocks.age"

	maxConfigFile   = 4 << 20
	maxIdentityFile = 64 << 10
	minPassphrase   = 10
	maxPassphrase   = 1024
)

// Pin is a team key the desk has accepted for an epoch (PROTOCOL.md §3).
type Pin struct {
	Epoch     int    `json:"epoch"`
	Recipient string `json:"recipient"`
}

// Config is counsel.json: who this desk is and what it has verified.
// Nothing in it is secret; the identity is in identity.age.
type Config struct {
	Server    string `json:"server"`
	ID        string `json:"id"`
	Name      string `json:"name"`
	Recipient string `json:"recipient"`
	// Pins are every (epoch, team recipient) this desk has accepted, in
	// epoch order.
	Pins []Pin `json:"pins"`
	// Members are the members of the last keyring this desk verified.
	Members []crypto.Member `json:"members"`
	// InsecureHTTP is set when init or join was told, with
	// --insecure-http, to use plain HTTP to a server beyond loopback.
	InsecureHTTP bool `json:"insecure_http,omitempty"`
	// Org is the organisation init or join set up with --org (PROTOCOL.md §8),
	// whose team key the desk checks; "" is the front door.
	Org string `json:"org,omitempty"`

	dir string
}

// DefaultDir is the user's config directory plus "lotse-counsel".
func DefaultDir() (string, error) {
	d, err := userConfigDir(runtime.GOOS, os.Getenv)
	if err != nil {
		return "", errorf(mErrFindConfigDir, err)
	}
	return filepath.Join(d, "lotse-counsel"), nil
}

// Dir is the config directory the config was read from.
func (c *Config) Dir() string { return c.dir }

// LoadConfig reads counsel.json from dir.
func LoadConfig(dir string) (*Config, error) {
	b, err := readBounded(filepath.Join(dir, configFile), maxConfigFile)
	if errors.Is(err, os.ErrNotExist) {
		return nil, &hintError{
			err:  errorf(mErrNoConfig, dir),
			hint: mHintRunInitOrJoin,
		}
	}
	if err != nil {
		return nil, errorf(mErrReadConfig, err)
	}
	c := &Config{}
	if err := json.Unmarshal(b, c); err != nil {
		return nil, errorf(mErrParseConfig, filepath.Join(dir, configFile), err)
	}
	if _, err := domain.ParseCounsellorID(c.ID); c.Server == "" || err != nil || c.Org != "" && !validSlug(c.Org) {
		return nil, errorf(mErrConfigIncomplete, filepath.Join(dir, configFile))
	}
	for i, p := range c.Pins {
		if p.Epoch < 1 || i > 0 && p.Epoch <= c.Pins[i-1].Epoch {
			return nil, errorf(mErrConfigPinsUnordered, filepath.Join(dir, configFile))
		}
	}
	c.dir = dir
	return c, nil
}

func validSlug(s string) bool {
	_, err := domain.ParseSlug(s)
	return err == nil
}

// Save writes counsel.json atomically with mode 0600.
func (c *Config) Save() error {
	b, err := json.MarshalIndent(c, "", "  ")
	if err != nil {
		return errorf(mErrWriteConfig, err)
	}
	return writeFileAtomic(filepath.Join(c.dir, configFile), append(b, '\n'))
}

// HighestPin is the newest pinned epoch, 0 if none.
func (c *Config) HighestPin() int {
	if len(c.Pins) == 0 {
		return 0
	}
	return c.Pins[len(c.Pins)-1].Epoch
}

// ensureDir creates dir with mode 0700 and refuses one that others can
// read or write.
func ensureDir(dir string) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return errorf(mErrCreateConfigDir, err)
	}
	fi, err := os.Stat(dir)
	if err != nil {
		return errorf(mErrStatConfigDir, err)
	}
	if fi.Mode().Perm()&0o077 != 0 {
		if err := os.Chmod(dir, 0o700); err != nil {
			return errorf(mErrConfigDirOpenToOthers, dir, err)
		}
	}
	return nil
}

// writeFileAtomic writes a file readable by its owner only and renames it
// into place, so a crash never leaves half a file.
func writeFileAtomic(path string, data []byte) error {
	dir := filepath.Dir(path)
	f, err := os.CreateTemp(dir, ".tmp-*")
	if err != nil {
		return errorf(mErrWriteFile, filepath.Base(path), err)
	}
	tmp := f.Name()
	defer os.Remove(tmp)
	if err := f.Chmod(0o600); err != nil {
		f.Close()
		return errorf(mErrWriteFile, filepath.Base(path), err)
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return errorf(mErrWriteFile, filepath.Base(path), err)
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return errorf(mErrWriteFile, filepath.Base(path), err)
	}
	if err := f.Close(); err != nil {
		return errorf(mErrWriteFile, filepath.Base(path), err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return errorf(mErrWriteFile, filepath.Base(path), err)
	}
	return nil
}

// readBounded reads a file of at most limit bytes (bounded.ReadAll); what
// was read of a refused file is cleared, as it may be a secret.
func readBounded(path string, limit int64) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	b, err := bounded.ReadAll(f, limit)
	if err != nil {
		clear(b)
		if _, ok := err.(*bounded.TooLargeError); ok {
			return nil, errorf(mErrFileTooLarge, filepath.Base(path), limit)
		}
		return nil, err
	}
	return b, nil
}

// scryptWorkFactor is the cost of new identity files: scrypt with
// N = 2^17, r = 8 (128 MiB, 1.6 s on this shared 2-core machine under
// load, 0.8 s at 2^16, 3.6 s at age's default 2^18: BenchmarkUnlockIdentity,
// README). 2^18 missed the 2 s unlock target on a busy modest machine and
// took 256 MiB; 2^17 keeps a guess at 128 MiB and over a second of a core,
// which with a passphrase of at least 10 characters stays out of reach of
// offline guessing. Files written at 2^18 still open: age reads any factor
// up to 2^22. Tests lower it through Options to keep many unlocks fast.
const scryptWorkFactor = 17

// newIdentityFile generates a personal hybrid identity and writes it to
// dir/identity.age encrypted with the passphrase (age scrypt).
func newIdentityFile(dir string, passphrase []byte, workFactor int) (*age.HybridIdentity, error) {
	if err := checkNewIdentity(dir, passphrase); err != nil {
		return nil, err
	}
	id, err := age.GenerateHybridIdentity()
	if err != nil {
		return nil, errorf(mErrGenerateIdentity, err)
	}
	if err := writeIdentityFile(dir, id, passphrase, workFactor); err != nil {
		return nil, err
	}
	return id, nil
}

// checkNewIdentity is what newIdentityFile checks before it generates.
func checkNewIdentity(dir string, passphrase []byte) error {
	if err := checkNewPassphrase(passphrase); err != nil {
		return err
	}
	if _, err := os.Stat(filepath.Join(dir, identityFile)); err == nil {
		return &hintError{
			err:  errorf(mErrDirHasIdentity, dir),
			hint: mHintOtherConfigDirIdentity,
		}
	}
	return nil
}

// writeIdentityFile encrypts id with the passphrase (age scrypt, the slow
// part) into dir/identity.age.
func writeIdentityFile(dir string, id *age.HybridIdentity, passphrase []byte, workFactor int) error {
	r, err := age.NewScryptRecipient(string(passphrase))
	if err != nil {
		return errorf(mErrEncryptIdentity, err)
	}
	if workFactor > 0 {
		r.SetWorkFactor(workFactor)
	}
	var buf bytes.Buffer
	w, err := age.Encrypt(&buf, r)
	if err != nil {
		return errorf(mErrEncryptIdentity, err)
	}
	secret := []byte(id.String() + "\n")
	_, err = w.Write(secret)
	clear(secret)
	if err == nil {
		err = w.Close()
	}
	if err != nil {
		return errorf(mErrEncryptIdentity, err)
	}
	return writeFileAtomic(filepath.Join(dir, identityFile), buf.Bytes())
}

// errWrongPassphrase is a passphrase that does not open identity.age.
var errWrongPassphrase = errorf(mErrWrongPassphrase)

// openIdentityFile decrypts dir/identity.age with the passphrase.
func openIdentityFile(dir string, passphrase []byte) (*age.HybridIdentity, error) {
	b, err := readBounded(filepath.Join(dir, identityFile), maxIdentityFile)
	if err != nil {
		return nil, errorf(mErrReadIdentity, err)
	}
	si, err := age.NewScryptIdentity(string(passphrase))
	if err != nil {
		return nil, errorf(mErrOpenIdentity, err)
	}
	r, err := age.Decrypt(bytes.NewReader(b), si)
	if err != nil {
		var nm *age.NoIdentityMatchError
		if errors.As(err, &nm) {
			return nil, &hintError{err: errWrongPassphrase, hint: mHintTypePassphrase}
		}
		return nil, errorf(mErrOpenIdentity, err)
	}
	pt, err := bounded.ReadAll(r, maxIdentityFile)
	if err != nil {
		clear(pt)
		return nil, errorf(mErrOpenIdentity, err)
	}
	defer clear(pt)
	id, err := age.ParseHybridIdentity(strings.TrimSpace(string(pt)))
	if err != nil {
		return nil, errorf(mErrNotHybridIdentity)
	}
	return id, nil
}

func checkNewPassphrase(p []byte) error {
	n := len([]rune(string(p)))
	if n < minPassphrase {
		return &hintError{
			err:  errorf(mErrPassphraseTooShort, n, minPassphrase),
			hint: mHintLongPassphrase,
		}
	}
	if len(p) > maxPassphrase {
		return errorf(mErrPassphraseTooLong, maxPassphrase)
	}
	return nil
}

// randomToken returns b64url of 32 random bytes.
func randomBytes(n int) []byte {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic("counsel: crypto/rand failed: " + err.Error())
	}
	return b
}

// LastPin is the newest team key this desk has accepted, if any.
func (c *Config) LastPin() (Pin, bool) {
	if len(c.Pins) == 0 {
		return Pin{}, false
	}
	return c.Pins[len(c.Pins)-1], true
}
