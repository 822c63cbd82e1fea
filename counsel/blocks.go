package counsel

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"unicode/utf8"

	"filippo.io/age"

	"lotse/crypto"
	"lotse/internal/bounded"
)

// Text blocks are the counsellor's reusable reply snippets. They may name
// local partner organisations, contacts and addresses, so they stay on
// this desktop, in blocks.age in the config directory, encrypted with age
// to the counsellor's own recipient: readable only with the unlocked
// identity, never sent to the server, never plaintext on disk.

// Block is one text block.
type Block struct {
	Title string `json:"title"`
	Body  string `json:"body"`
}

const (
	maxBlocks     = 200
	maxBlockTitle = 200
	maxBlockBody  = 16000
	maxBlocksFile = 8 << 20
)

func checkBlocks(bs []Block) error {
	if len(bs) > maxBlocks {
		return fmt.Errorf("at most %d text blocks", maxBlocks)
	}
	for i, b := range bs {
		if b.Title == "" || len(b.Title) > maxBlockTitle || !utf8.ValidString(b.Title) {
			return fmt.Errorf("text block %d: the title must be 1 to %d bytes", i+1, maxBlockTitle)
		}
		if len(b.Body) > maxBlockBody || !utf8.ValidString(b.Body) {
			return fmt.Errorf("text block %d: the text must be at most %d bytes", i+1, maxBlockBody)
		}
	}
	return nil
}

// Blocks decrypts the counsellor's text blocks.
func (s *Session) Blocks() ([]Block, error) {
	s.mu.Lock()
	id := s.id
	s.mu.Unlock()
	if id == nil {
		return nil, errLocked
	}
	return loadBlocks(s.cfg.dir, id)
}

// SaveBlocks replaces the counsellor's text blocks; they are encrypted to
// the counsellor's own recipient, so saving needs no identity.
func (s *Session) SaveBlocks(bs []Block) error {
	return saveBlocks(s.cfg.dir, s.cfg.Recipient, bs)
}

// loadBlocks decrypts blocks.age; none yet is an empty list.
func loadBlocks(dir string, id age.Identity) ([]Block, error) {
	b, err := readBounded(filepath.Join(dir, blocksFile), maxBlocksFile)
	if errors.Is(err, os.ErrNotExist) {
		return []Block{}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read the text blocks: %v", err)
	}
	r, err := age.Decrypt(bytes.NewReader(b), id)
	if err != nil {
		return nil, fmt.Errorf("open the text blocks: %v", err)
	}
	pt, err := bounded.ReadAll(r, maxBlocksFile)
	if err != nil {
		clear(pt)
		return nil, fmt.Errorf("open the text blocks: %v", err)
	}
	defer clear(pt)
	var bs []Block
	if err := json.Unmarshal(pt, &bs); err != nil {
		return nil, errors.New("open the text blocks: not a list of text blocks")
	}
	if bs == nil {
		bs = []Block{}
	}
	return bs, nil
}

// saveBlocks encrypts the blocks to the counsellor's own recipient.
func saveBlocks(dir, recipient string, bs []Block) error {
	if err := checkBlocks(bs); err != nil {
		return err
	}
	r, err := crypto.ParseRecipient(recipient)
	if err != nil {
		return err
	}
	pt, err := json.Marshal(bs)
	if err != nil {
		return err
	}
	defer clear(pt)
	var out bytes.Buffer
	w, err := age.Encrypt(&out, r)
	if err != nil {
		return fmt.Errorf("encrypt the text blocks: %v", err)
	}
	if _, err := w.Write(pt); err != nil {
		return fmt.Errorf("encrypt the text blocks: %v", err)
	}
	if err := w.Close(); err != nil {
		return fmt.Errorf("encrypt the text blocks: %v", err)
	}
	return writeFileAtomic(filepath.Join(dir, blocksFile), out.Bytes())
}
