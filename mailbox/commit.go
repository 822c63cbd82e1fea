package mailbox

import (
	"errors"
	"fmt"
	"runtime/debug"
	"syscall"

	bolt "go.etcd.io/bbolt"
)

// Group commit.
//
// One goroutine owns every write transaction. When it is idle, the first
// write to arrive starts a transaction at once (one client waits for one
// commit, with no batching delay); while that commit is being synced,
// later writes queue up and all of them, up to maxBatch, share the next
// transaction and its fsync. A write is acknowledged only after the
// transaction holding it has been committed with fsync.
//
// A write is an op in two phases so that one writer's failure never costs
// the others their commit. The check phase only reads and validates; a
// refusal there (a domain error such as a full mailbox) has had no effect,
// so the op simply drops out of the batch. The apply phase writes; if it
// fails (a bbolt error or a panic, never a domain rule), the transaction
// holds a partial write, so the batch is rolled back and run again without
// that op. Ops are therefore pure functions of the transaction and of what
// they captured (time and randomness are drawn before submitting), and
// running one again gives the same result.

// maxBatch bounds the writes sharing one transaction.
const maxBatch = 256

// An op checks its preconditions in tx, returning an error to refuse with
// no effect, or an apply func that does the writes.
type op func(tx *bolt.Tx) (apply func() error, err error)

type request struct {
	op    op           // a write that may share a transaction
	alone func() error // or work that runs between transactions (Compact)
	done  chan error
}

// panicError carries a panic in an op to the writer's goroutine, which
// panics again: a panic is a programmer error and must not pass silently.
type panicError struct {
	value any
	stack []byte
}

func (p *panicError) Error() string {
	return fmt.Sprintf("mailbox: panic in write: %v\n%s", p.value, p.stack)
}

// write submits o and waits until it is durable or refused.
func (s *Store) write(o op) error {
	return s.submit(&request{op: o, done: make(chan error, 1)})
}

// exclusive runs fn in the committer between two transactions, so no write
// runs concurrently with it.
func (s *Store) exclusive(fn func() error) error {
	return s.submit(&request{alone: fn, done: make(chan error, 1)})
}

// submit hands r to the committer and waits for its answer.
func (s *Store) submit(r *request) error {
	s.closeMu.RLock()
	if s.closed {
		s.closeMu.RUnlock()
		return ErrClosed
	}
	s.reqs <- r
	s.closeMu.RUnlock()
	err := <-r.done
	if p, ok := err.(*panicError); ok {
		panic(p.Error())
	}
	return err
}

// commitLoop is the committer: it runs until Close closes reqs and every
// request queued before has been answered.
func (s *Store) commitLoop() {
	defer close(s.done)
	batch := make([]*request, 0, maxBatch)
	for r := range s.reqs {
		batch = append(batch[:0], r)
		var next *request // an exclusive request that ended the gathering
	gather:
		for r.op != nil && len(batch) < maxBatch {
			select {
			case q, ok := <-s.reqs:
				if !ok {
					break gather
				}
				if q.alone != nil {
					next = q
					break gather
				}
				batch = append(batch, q)
			default:
				break gather
			}
		}
		if r.op != nil {
			s.commitBatch(batch)
		} else {
			r.done <- r.alone()
		}
		if next != nil {
			next.done <- next.alone()
		}
		clear(batch)
	}
}

// commitBatch runs the ops of batch in one transaction and answers each.
func (s *Store) commitBatch(batch []*request) {
	errs := make([]error, len(batch))
	failed := make([]bool, len(batch)) // apply failed: left out of reruns
	for s.tryBatch(batch, errs, failed) {
	}
	for i, r := range batch {
		r.done <- errs[i]
	}
}

// tryBatch runs the ops not yet failed in one transaction, recording each
// op's outcome in errs. If an apply fails, it marks that op failed, rolls
// back and reports rerun; otherwise it commits, if anything was applied.
func (s *Store) tryBatch(batch []*request, errs []error, failed []bool) (rerun bool) {
	fail := func(err error) {
		for i := range batch {
			if !failed[i] && errs[i] == nil {
				errs[i] = err
			}
		}
	}
	for i := range batch {
		if !failed[i] {
			errs[i] = nil
		}
	}
	defer func() { s.epochMemo = epochMemo{} }()
	tx, err := s.db.Begin(true)
	if err != nil {
		fail(diskError("begin write", err))
		return false
	}
	applied := 0
	for i, r := range batch {
		if failed[i] {
			continue
		}
		apply, err := safeCheck(r.op, tx)
		if err == nil {
			err = safeApply(apply)
			if err == nil {
				applied++
				continue
			}
		}
		errs[i] = err
		if _, isPanic := err.(*panicError); !isPanic && apply == nil {
			continue // refused by the check phase: no effect on tx
		}
		failed[i] = true
		tx.Rollback()
		return true
	}
	if applied == 0 {
		tx.Rollback()
		return false
	}
	if err := tx.Commit(); err != nil {
		// Nothing of this transaction is durable: every applied op fails.
		fail(diskError("commit", err))
		return false
	}
	s.commits.Add(1)
	s.writes.Add(uint64(applied))
	return false
}

func safeCheck(o op, tx *bolt.Tx) (apply func() error, err error) {
	defer func() {
		if v := recover(); v != nil {
			apply, err = nil, &panicError{v, debug.Stack()}
		}
	}()
	return o(tx)
}

func safeApply(apply func() error) (err error) {
	defer func() {
		if v := recover(); v != nil {
			err = &panicError{v, debug.Stack()}
		}
	}()
	if err := apply(); err != nil {
		return diskError("write", err)
	}
	return nil
}

// diskError adds context to a bbolt error and turns a full disk into
// ErrStorageFull, the one storage failure a client can act on (retry
// later). Other causes stay opaque: they are logged, not shown.
func diskError(what string, err error) error {
	if errors.Is(err, syscall.ENOSPC) || errors.Is(err, syscall.EDQUOT) {
		return fmt.Errorf("mailbox: %s: %w", what, ErrStorageFull)
	}
	return fmt.Errorf("mailbox: %s: %v", what, err)
}
