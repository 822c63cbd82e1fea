package api

import (
	"container/heap"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"io"
	"sync"
	"time"
)

// limiter is a token bucket per client address. It keys on an HMAC of the
// address under a key that is random, held only in memory and replaced
// (with every bucket) each day, so the map never holds an address and a
// memory image links one day's requests at most.
type limiter struct {
	rate Rate
	now  func() time.Time
	max  int

	mu      sync.Mutex
	key     []byte
	keyDay  int64
	buckets map[[32]byte]*bucket
}

type bucket struct {
	tokens float64
	last   time.Time
}

func newLimiter(r Rate, now func() time.Time) *limiter {
	return &limiter{rate: r, now: now, max: 1 << 16, buckets: make(map[[32]byte]*bucket)}
}

// allow takes a token for addr, or says how long until one is there.
func (l *limiter) allow(addr string) (bool, time.Duration) {
	if l.rate.N < 0 {
		return true, 0
	}
	now := l.now()
	l.mu.Lock()
	defer l.mu.Unlock()
	k := l.keyOf(addr, now)
	n := float64(l.rate.N)
	perToken := max(l.rate.Per/time.Duration(l.rate.N), time.Nanosecond)
	b, ok := l.buckets[k]
	if !ok {
		l.makeRoom(now)
		b = &bucket{tokens: n, last: now}
		l.buckets[k] = b
	}
	if el := now.Sub(b.last); el > 0 {
		b.tokens = min(n, b.tokens+float64(el)/float64(perToken))
		b.last = now
	}
	if b.tokens >= 1 {
		b.tokens--
		return true, 0
	}
	return false, time.Duration((1 - b.tokens) * float64(perToken))
}

// refund gives back the token a request of addr took, for a request that
// turned out not to count (PROTOCOL.md §9.5). A bucket that is gone, or
// went with the day's key, is full already.
func (l *limiter) refund(addr string) {
	if l.rate.N < 0 {
		return
	}
	now := l.now()
	l.mu.Lock()
	defer l.mu.Unlock()
	if b, ok := l.buckets[l.keyOf(addr, now)]; ok {
		b.tokens = min(float64(l.rate.N), b.tokens+1)
	}
}

// keyOf is addr's bucket key under the day's key, which it replaces (with
// every bucket) when the day has changed. l.mu is held.
func (l *limiter) keyOf(addr string, now time.Time) [32]byte {
	if day := now.Unix() / 86400; l.key == nil || day != l.keyDay {
		l.key = make([]byte, 32)
		if _, err := io.ReadFull(rand.Reader, l.key); err != nil {
			panic("api: crypto/rand failed: " + err.Error())
		}
		l.keyDay = day
		clear(l.buckets)
	}
	m := hmac.New(sha256.New, l.key)
	io.WriteString(m, addr)
	var k [32]byte
	m.Sum(k[:0])
	return k
}

// makeRoom drops full buckets (they carry no information), and if that is
// not enough, arbitrary ones: a flood of addresses then resets others'
// buckets rather than locking everyone out.
func (l *limiter) makeRoom(now time.Time) {
	if len(l.buckets) < l.max {
		return
	}
	for k, b := range l.buckets {
		if now.Sub(b.last) >= l.rate.Per {
			delete(l.buckets, k)
		}
	}
	for k := range l.buckets {
		if len(l.buckets) < l.max {
			break
		}
		delete(l.buckets, k)
	}
}

// onceSet remembers used values (proof-of-work challenges, login nonces)
// until they expire. Callers record a value only after checking the
// answer it came with, so the set holds only what someone paid for with a
// correct answer. It never fails shut: when it is full it forgets the
// value that expires soonest, whose replay is the most a flood that
// solved max challenges within their lifetime can buy.
type onceSet struct {
	now func() time.Time
	max int

	mu   sync.Mutex
	seen map[string]time.Time
	exp  expiryHeap
}

func newOnceSet(max int, now func() time.Time) *onceSet {
	return &onceSet{now: now, max: max, seen: make(map[string]time.Time)}
}

// spent reports whether v was recorded, without recording it: the cheap
// check before an expensive one.
func (o *onceSet) spent(v []byte) bool {
	o.mu.Lock()
	defer o.mu.Unlock()
	_, ok := o.seen[string(v)]
	return ok
}

// use records v until expires and reports whether it was fresh: the
// atomic check-and-record.
func (o *onceSet) use(v []byte, expires time.Time) bool {
	o.mu.Lock()
	defer o.mu.Unlock()
	if _, ok := o.seen[string(v)]; ok {
		return false
	}
	now := o.now()
	for o.exp.Len() > 0 && (!now.Before(o.exp[0].expires) || len(o.seen) >= o.max) {
		e := heap.Pop(&o.exp).(onceEntry)
		delete(o.seen, e.key)
	}
	o.seen[string(v)] = expires
	heap.Push(&o.exp, onceEntry{key: string(v), expires: expires})
	return true
}

type onceEntry struct {
	key     string
	expires time.Time
}

// expiryHeap orders entries by expiry, soonest first (container/heap).
type expiryHeap []onceEntry

func (h expiryHeap) Len() int           { return len(h) }
func (h expiryHeap) Less(i, j int) bool { return h[i].expires.Before(h[j].expires) }
func (h expiryHeap) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *expiryHeap) Push(x any)        { *h = append(*h, x.(onceEntry)) }
func (h *expiryHeap) Pop() any {
	old := *h
	e := old[len(old)-1]
	*h = old[:len(old)-1]
	return e
}

// sessions holds counsellor sessions in memory only, keyed by SHA-256 of
// the token so that a memory image does not hold usable tokens.
type sessions struct {
	now func() time.Time
	max int

	mu sync.Mutex
	m  map[[32]byte]*session
}

type session struct {
	counsellor string
	created    time.Time
	seen       time.Time
}

func newSessions(now func() time.Time) *sessions {
	return &sessions{now: now, max: 1 << 14, m: make(map[[32]byte]*session)}
}

func (s *session) expired(now time.Time) bool {
	return !now.Before(s.seen.Add(sessionIdle)) || !now.Before(s.created.Add(sessionMax))
}

// maxSessionsPerCounsellor bounds one counsellor's share of the table: a
// new login past it ends that counsellor's oldest session, so that nobody
// holding one account (a pending counsellor among them) can fill the table
// that the rest of the team needs. Eight is one per device with room.
const maxSessionsPerCounsellor = 8

// create starts a session and returns its token and absolute expiry; ok is
// false when the table is full of live sessions.
func (s *sessions) create(counsellor string) (token string, expires time.Time, ok bool) {
	var raw [32]byte
	if _, err := io.ReadFull(rand.Reader, raw[:]); err != nil {
		panic("api: crypto/rand failed: " + err.Error())
	}
	token = base64.RawURLEncoding.EncodeToString(raw[:])
	clear(raw[:])
	now := s.now()
	s.mu.Lock()
	defer s.mu.Unlock()
	var oldest [32]byte
	var oldestAt time.Time
	own := 0
	for k, v := range s.m {
		if v.counsellor != counsellor {
			continue
		}
		if v.expired(now) {
			delete(s.m, k)
			continue
		}
		if own++; own == 1 || v.created.Before(oldestAt) {
			oldest, oldestAt = k, v.created
		}
	}
	if own >= maxSessionsPerCounsellor {
		delete(s.m, oldest)
	}
	if len(s.m) >= s.max {
		for k, v := range s.m {
			if v.expired(now) {
				delete(s.m, k)
			}
		}
		if len(s.m) >= s.max {
			return "", time.Time{}, false
		}
	}
	s.m[sha256.Sum256([]byte(token))] = &session{counsellor: counsellor, created: now, seen: now}
	return token, now.Add(sessionMax), true
}

// get looks a token up; touch refreshes the idle timer.
func (s *sessions) get(token string, touch bool) (key [32]byte, counsellor string, ok bool) {
	key = sha256.Sum256([]byte(token))
	now := s.now()
	s.mu.Lock()
	defer s.mu.Unlock()
	se, ok := s.m[key]
	if !ok {
		return key, "", false
	}
	if se.expired(now) {
		delete(s.m, key)
		return key, "", false
	}
	if touch {
		se.seen = now
	}
	return key, se.counsellor, true
}

// valid reports whether the session is still live, without touching it.
func (s *sessions) valid(key [32]byte) bool {
	now := s.now()
	s.mu.Lock()
	defer s.mu.Unlock()
	se, ok := s.m[key]
	if ok && se.expired(now) {
		delete(s.m, key)
		return false
	}
	return ok
}

func (s *sessions) end(key [32]byte) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.m, key)
}

// endCounsellor ends every session of a counsellor.
func (s *sessions) endCounsellor(id string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for k, se := range s.m {
		if se.counsellor == id {
			delete(s.m, k)
		}
	}
}
