package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"filippo.io/age"

	"lotse/api/client"
	"lotse/crypto"
	"lotse/internal/mailboxdtest"
)

// usageError is a mistake in the command line, with a next step.
type usageError struct{ msg, hint string }

func (e *usageError) Error() string { return e.msg }
func (e *usageError) Hint() string  { return e.hint }

var errHelp = errors.New("help requested")

// options are the command line.
type options struct {
	addr        string
	setupToken  string
	statsURL    string
	pid         int
	db          string
	mailboxd    string
	dir         string
	clients     []int
	duration    time.Duration
	perClient   int
	jsonOut     bool
	fill        int
	fillPerMbox int
	fillCompact bool
	attachments int
}

// Bounds that keep a run finite.
const (
	maxClients     = 1024
	maxDuration    = 10 * time.Minute
	maxFill        = 5_000_000
	fsyncProbe     = 2 * time.Second
	requestTimeout = 30 * time.Second
)

func parseOptions(args []string, stderr io.Writer) (*options, error) {
	var o options
	fs := flag.NewFlagSet("mailbox-bench", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	clients := fs.String("clients", "1,16,64,256", "comma-separated `counts` of concurrent clients, one step each")
	fs.DurationVar(&o.duration, "duration", 10*time.Second, "`time` per step")
	fs.BoolVar(&o.jsonOut, "json", false, "print one JSON object per step")
	fs.IntVar(&o.perClient, "mailboxes-per-client", 4, "`mailboxes` each client writes to, in turn")
	fs.IntVar(&o.fill, "fill", 0, "store `N` messages directly through the mailbox package before the steps, and report RSS idle and working")
	fs.IntVar(&o.fillPerMbox, "fill-per-mailbox", 10, "`messages` per mailbox for --fill")
	fs.BoolVar(&o.fillCompact, "fill-compact", false, "compact the data file after --fill, as mailboxd's daily compaction would, before measuring")
	fs.IntVar(&o.attachments, "attachments", 0, "before the steps, upload an 8 MiB attachment to each of `N` mailboxes at once and report the time and mailboxd's peak memory (attach.go)")
	fs.StringVar(&o.mailboxd, "mailboxd", "", "mailboxd `binary` to start (default: go build ./cmd/mailboxd)")
	fs.StringVar(&o.dir, "dir", "", "`directory` for the data file (default: a new temporary one, removed at the end)")
	fs.StringVar(&o.addr, "addr", "", "measure a mailboxd already listening on this loopback `host:port` instead of starting one")
	fs.StringVar(&o.setupToken, "setup-token", "", "with --addr: the setup `token` of that fresh mailboxd")
	fs.StringVar(&o.statsURL, "stats-url", "", "with --addr: its LOTSE_DEBUG_STATS `URL`, for commits per second")
	fs.IntVar(&o.pid, "pid", 0, "with --addr: its process `id`, for RSS")
	fs.StringVar(&o.db, "db", "", "with --addr: its data `file`, for bytes per message and the fdatasync probe")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fmt.Fprintf(stderr, "usage: mailbox-bench [flags]\n\nMeasures a real mailboxd on loopback. Flags:\n\n")
			fs.SetOutput(stderr)
			fs.PrintDefaults()
			return nil, errHelp
		}
		return nil, &usageError{err.Error(), "run mailbox-bench -h for the flags"}
	}
	if fs.NArg() > 0 {
		return nil, &usageError{fmt.Sprintf("unexpected argument %q", fs.Arg(0)), "run mailbox-bench -h for the flags"}
	}
	for _, f := range strings.Split(*clients, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n < 1 || n > maxClients {
			return nil, &usageError{fmt.Sprintf("--clients: %q is not a count between 1 and %d", f, maxClients), "for example --clients 1,16,64,256"}
		}
		o.clients = append(o.clients, n)
	}
	if o.duration <= 0 || o.duration > maxDuration {
		return nil, &usageError{fmt.Sprintf("--duration must be between 0 and %v", maxDuration), ""}
	}
	if o.perClient < 1 || o.perClient > 64 {
		return nil, &usageError{"--mailboxes-per-client must be between 1 and 64", ""}
	}
	if o.fill < 0 || o.fill > maxFill {
		return nil, &usageError{fmt.Sprintf("--fill must be between 0 and %d", maxFill), ""}
	}
	if o.attachments < 0 || o.attachments > maxAttachmentUploads {
		return nil, &usageError{fmt.Sprintf("--attachments must be between 0 and %d", maxAttachmentUploads), ""}
	}
	if o.fillPerMbox < 1 || o.fillPerMbox > 1000 {
		return nil, &usageError{"--fill-per-mailbox must be between 1 and 1000", ""}
	}
	if o.addr != "" {
		if err := checkLoopback(o.addr); err != nil {
			return nil, err
		}
		if o.setupToken == "" {
			return nil, &usageError{"--addr needs --setup-token of that mailboxd", "start it with a fresh data file and LOTSE_SETUP_TOKEN, and the limits listed by mailbox-bench -h"}
		}
		if o.fill > 0 {
			return nil, &usageError{"--fill writes the data file directly and cannot be used with --addr", ""}
		}
	} else if o.setupToken != "" || o.statsURL != "" || o.pid != 0 || o.db != "" {
		return nil, &usageError{"--setup-token, --stats-url, --pid and --db go with --addr", ""}
	}
	if o.statsURL != "" {
		u, err := url.Parse(o.statsURL)
		if err != nil || u.Scheme != "http" {
			return nil, &usageError{"--stats-url must be an http URL", ""}
		}
		if ip := net.ParseIP(u.Hostname()); ip == nil || !ip.IsLoopback() {
			return nil, &usageError{fmt.Sprintf("refusing --stats-url %q: mailbox-bench talks to loopback addresses only", o.statsURL), ""}
		}
	}
	return &o, nil
}

// checkLoopback refuses every target that is not a loopback IP address:
// a load test must never hit someone else's server.
func checkLoopback(hostport string) error {
	host, _, err := net.SplitHostPort(hostport)
	if err != nil {
		return &usageError{fmt.Sprintf("%q is not host:port", hostport), "for example 127.0.0.1:8080"}
	}
	ip := net.ParseIP(host)
	if ip == nil || !ip.IsLoopback() {
		return &usageError{fmt.Sprintf("refusing %q: mailbox-bench targets loopback addresses only", hostport), "run mailboxd on 127.0.0.1"}
	}
	return nil
}

// rssPeak is the highest VmRSS and RssAnon seen during a step, in MB.
type rssPeak struct{ all, anon float64 }

// step is one line of the result, with exactly the fields of the issue.
type step struct {
	Clients             int     `json:"clients"`
	SubmissionsPerS     float64 `json:"submissions_per_s"`
	P50Ms               float64 `json:"p50_ms"`
	P99Ms               float64 `json:"p99_ms"`
	Errors              int64   `json:"errors"`
	RSSMB               float64 `json:"rss_mb"`
	DiskBytesPerMessage float64 `json:"disk_bytes_per_message"`
	CommitsPerS         float64 `json:"commits_per_s"`
	FdatasyncPerS       float64 `json:"fdatasync_per_s"`
}

// fillResult is the --fill report.
type fillResult struct {
	StoredMessages int64   `json:"stored_messages"`
	Mailboxes      int     `json:"mailboxes"`
	FillPerS       float64 `json:"fill_per_s"`
	Compacted      bool    `json:"compacted"`
	RSSIdleMB      float64 `json:"rss_idle_mb"`
	RSSWorkingMB   float64 `json:"rss_working_mb"`
	AnonIdleMB     float64 `json:"rss_anon_idle_mb"`    // RssAnon: without mapped data-file pages
	AnonWorkingMB  float64 `json:"rss_anon_working_mb"` // peak over the steps
	DiskBytes      int64   `json:"disk_bytes"`
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	o, err := parseOptions(args, stderr)
	if err != nil {
		return err
	}
	say := func(format string, a ...any) {
		if !o.jsonOut {
			fmt.Fprintf(stdout, format+"\n", a...)
		} else {
			fmt.Fprintf(stderr, "mailbox-bench: "+format+"\n", a...)
		}
	}

	var srv *server
	setupToken := o.setupToken
	if o.addr == "" {
		dir := o.dir
		if dir == "" {
			if dir, err = os.MkdirTemp("", "mailbox-bench-"); err != nil {
				return err
			}
			defer os.RemoveAll(dir)
		} else if err := os.MkdirAll(dir, 0o700); err != nil {
			return err
		}
		bin := o.mailboxd
		if bin == "" {
			say("building ./cmd/mailboxd …")
			if bin, err = buildMailboxd(); err != nil {
				return err
			}
			defer mailboxdtest.Cleanup()
		}
		setupToken = randomToken()
		srv = newServer(bin, dir+"/lotse.db", setupToken, stderr)
		if err := srv.start(); err != nil {
			return err
		}
		defer srv.stop()
		say("mailboxd %s, data file %s", srv.addr, srv.db)
		say("limits for the run: proof of work off; per-address, per-mailbox and server-wide caps off or raised (%s), so that the clients measure storage, not the limiter", strings.Join(mailboxdtest.LoadEnv(), " "))
	} else {
		srv = &server{addr: o.addr, pid: o.pid, db: o.db, statsURL: o.statsURL}
	}
	base := "http://" + srv.addr

	hc := &http.Client{Transport: &http.Transport{
		MaxIdleConns: 2 * maxClients, MaxIdleConnsPerHost: 2 * maxClients, DisableCompression: true,
		IdleConnTimeout: time.Minute,
	}}
	c, err := client.New(base, client.WithHTTPClient(hc))
	if err != nil {
		return err
	}
	setupCtx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	tm, err := setUpTeam(setupCtx, c, setupToken)
	if err != nil {
		return fmt.Errorf("set up the team: %v", err)
	}
	say("generating ciphertexts with crypto.SealDocument (age, two hybrid recipients) …")
	pool, err := newPool(tm)
	if err != nil {
		return err
	}
	say("ciphertexts: %s, mean %.0f bytes", pool.describe(), pool.mean())

	var fr *fillResult
	if o.fill > 0 {
		say("filling %d messages directly through the mailbox package (mailboxd stopped meanwhile; fast path, not through HTTP) …", o.fill)
		srv.stop()
		if o.fillCompact {
			say("… then compacting the data file, as mailboxd's daily compaction would")
		}
		fr, err = fill(ctx, srv.db, o.fill, o.fillPerMbox, pool, tm.epoch, o.fillCompact)
		if err != nil {
			return fmt.Errorf("fill: %v", err)
		}
		if err := srv.start(); err != nil {
			return err
		}
		say("filled %d messages in %d mailboxes (%.0f/s); mailboxd restarted at %s", fr.StoredMessages, fr.Mailboxes, fr.FillPerS, srv.addr)
		base = "http://" + srv.addr
		if c, err = client.New(base, client.WithHTTPClient(hc)); err != nil {
			return err
		}
		select {
		case <-time.After(3 * time.Second):
		case <-ctx.Done():
			return ctx.Err()
		}
		fr.RSSIdleMB, _ = rssMB(srv.pid)
		fr.AnonIdleMB, _ = anonMB(srv.pid)
	}

	maxC := slices.Max(o.clients)
	say("creating %d mailboxes (%d clients × %d) …", max(maxC*o.perClient, o.attachments), maxC, o.perClient)
	createCtx, cancelCreate := context.WithTimeout(ctx, 2*time.Minute)
	defer cancelCreate()
	boxes, err := createMailboxes(createCtx, c, tm, pool, max(maxC*o.perClient, o.attachments))
	if err != nil {
		return fmt.Errorf("create mailboxes: %v", err)
	}
	if o.attachments > 0 {
		say("uploading an 8 MiB attachment to each of %d mailboxes at once …", o.attachments)
		ar, err := attachmentStep(ctx, srv, c, tm, boxes, o.attachments)
		if err != nil {
			return fmt.Errorf("attachments: %v", err)
		}
		if o.jsonOut {
			b, _ := json.Marshal(ar)
			fmt.Fprintln(stdout, string(b))
		} else {
			fmt.Fprintf(stdout, "\n%d concurrent uploads of %d bytes: all stored in %.2f s after %d retries (503 busy from the body budget); mailboxd RSS %.1f MB before, peak %.1f MB (own memory %.1f MB)\n",
				ar.Uploads, ar.BytesEach, ar.Seconds, ar.Retries, ar.RSSBeforeMB, ar.RSSPeakMB, ar.AnonPeakMB)
		}
	}
	stored := int64(len(boxes))
	if fr != nil {
		stored += fr.StoredMessages
	}

	fsync := -1.0
	if srv.db != "" {
		if fsync, err = fdatasyncRate(srv.db+".fsync-probe", fsyncProbe); err != nil {
			return fmt.Errorf("fdatasync probe: %v", err)
		}
		say("raw fdatasync rate of the data file's disk: %.0f/s (4 KiB write + fdatasync, one at a time, %v)", fsync, fsyncProbe)
	}
	say("load average at start: %s (the machine is shared; the clients run on the same 2 cores as mailboxd)", loadavg())
	if !o.jsonOut {
		fmt.Fprintf(stdout, "\n| clients | submissions/s | p50 ms | p99 ms | errors | RSS MB | of it own memory MB | disk bytes/message | commits/s | writes/commit | fdatasync/s |\n|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n")
	}
	var peakRSS, peakAnon float64
	for _, n := range o.clients {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		st, wpc, ok, rss, err := runStep(ctx, srv, hc, base, boxes[:n*o.perClient], n, pool, o.duration)
		if err != nil {
			return err
		}
		stored += ok
		st.FdatasyncPerS = round1(fsync)
		st.RSSMB = round1(rss.all)
		peakRSS = max(peakRSS, rss.all)
		peakAnon = max(peakAnon, rss.anon)
		if srv.db != "" {
			if b, err := allocatedBytes(srv.db); err == nil {
				st.DiskBytesPerMessage = round1(float64(b) / float64(stored))
			}
		}
		if o.jsonOut {
			b, _ := json.Marshal(st)
			fmt.Fprintln(stdout, string(b))
		} else {
			fmt.Fprintf(stdout, "| %d | %.0f | %.2f | %.2f | %d | %.1f | %.1f | %.0f | %.0f | %.1f | %.0f |\n",
				st.Clients, st.SubmissionsPerS, st.P50Ms, st.P99Ms, st.Errors, st.RSSMB, rss.anon, st.DiskBytesPerMessage, st.CommitsPerS, wpc, st.FdatasyncPerS)
		}
	}
	say("load average at end: %s", loadavg())
	if fr != nil {
		fr.RSSWorkingMB = round1(peakRSS)
		fr.AnonWorkingMB = round1(peakAnon)
		if b, err := allocatedBytes(srv.db); err == nil {
			fr.DiskBytes = b
		}
		if o.jsonOut {
			b, _ := json.Marshal(fr)
			fmt.Fprintln(stdout, string(b))
		} else {
			fmt.Fprintf(stdout, "\n%d messages stored (%d in %d mailboxes by --fill%s): mailboxd RSS idle %.1f MB (own memory %.1f MB), working (peak over the steps) %.1f MB (own memory %.1f MB); data file %.2f GB allocated\n",
				stored, fr.StoredMessages, fr.Mailboxes, map[bool]string{true: ", then compacted", false: ""}[fr.Compacted],
				fr.RSSIdleMB, fr.AnonIdleMB, fr.RSSWorkingMB, fr.AnonWorkingMB, float64(fr.DiskBytes)/1e9)
		}
	}
	return nil
}

func round1(f float64) float64 { return float64(int64(f*10+0.5)) / 10 }

func round2(f float64) float64 { return float64(int64(f*100+0.5)) / 100 }

func randomToken() string {
	b := make([]byte, 32)
	rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// team is what the bench knows of the team it set up.
type team struct {
	epoch     int
	recipient *age.HybridRecipient
}

// setUpTeam registers an admin with the setup token, logs in and puts the
// epoch-1 keyring, all through api/client.
func setUpTeam(ctx context.Context, c *client.Client, setupToken string) (*team, error) {
	tm, err := mailboxdtest.SetUpTeam(ctx, c, setupToken, "Bench")
	if err != nil {
		return nil, err
	}
	return &team{epoch: 1, recipient: tm.Key.Recipient()}, nil
}

// pool holds real ciphertexts, generated once, and their request bodies.
type pool struct {
	cts    [][]byte
	bodies [][]byte // {"epoch":1,"ciphertext":"…"}
	first  []byte   // a first document (carries the enquirer's recipient)
}

// bucketMix is the share of each plaintext bucket: most counselling
// messages are short; a few are long.
var bucketMix = []struct{ size, weight int }{{1024, 10}, {2048, 6}, {4096, 3}, {8192, 1}}

func newPool(tm *team) (*pool, error) {
	enq, err := age.GenerateHybridIdentity()
	if err != nil {
		return nil, err
	}
	mbox := make([]byte, 16)
	rand.Read(mbox)
	mk := make([]byte, 32)
	rand.Read(mk)
	doc := func(bodyLen int, first bool) (*crypto.Document, error) {
		d, err := mailboxdtest.MessageDoc(hex.EncodeToString(mbox), base64.StdEncoding.EncodeToString(mk), crypto.FromEnquirer,
			strings.Repeat("Guten Tag, ich brauche Hilfe. ", bodyLen/30+1)[:bodyLen])
		if err != nil {
			return nil, err
		}
		if first {
			d.Recipient = enq.Recipient().String()
		}
		return d, nil
	}
	p := &pool{}
	for _, b := range bucketMix {
		for range b.weight * 4 {
			// A body that fills about three quarters of the bucket.
			d, err := doc(b.size*3/4-400, false)
			if err != nil {
				return nil, err
			}
			ct, err := crypto.SealDocument(d, tm.recipient, enq.Recipient())
			if err != nil {
				return nil, err
			}
			body, _ := json.Marshal(client.NewMessage{Epoch: tm.epoch, Ciphertext: ct})
			p.cts = append(p.cts, ct)
			p.bodies = append(p.bodies, body)
		}
	}
	// Interleave sizes so that every client sends the mix.
	order := make([]int, len(p.cts))
	for i := range order {
		order[i] = i
	}
	for i := range order {
		j := i + int(randUint32()%uint32(len(order)-i))
		order[i], order[j] = order[j], order[i]
	}
	cts, bodies := make([][]byte, len(order)), make([][]byte, len(order))
	for i, j := range order {
		cts[i], bodies[i] = p.cts[j], p.bodies[j]
	}
	p.cts, p.bodies = cts, bodies
	d, err := doc(200, true)
	if err != nil {
		return nil, err
	}
	if p.first, err = crypto.SealDocument(d, tm.recipient, enq.Recipient()); err != nil {
		return nil, err
	}
	return p, nil
}

func randUint32() uint32 {
	var b [4]byte
	rand.Read(b[:])
	return uint32(b[0]) | uint32(b[1])<<8 | uint32(b[2])<<16 | uint32(b[3])<<24
}

func (p *pool) mean() float64 {
	n := 0
	for _, c := range p.cts {
		n += len(c)
	}
	return float64(n) / float64(len(p.cts))
}

func (p *pool) describe() string {
	counts := map[int]int{}
	for _, c := range p.cts {
		counts[len(c)]++
	}
	var parts []string
	for _, b := range bucketMix {
		// Two hybrid stanzas make a 3,184-byte header; one payload chunk
		// adds 16 bytes of nonce and 16 of tag (PROTOCOL.md §5).
		l := 3184 + 16 + b.size + 16
		parts = append(parts, fmt.Sprintf("%d× %d B (%d B bucket)", counts[l], l, b.size))
	}
	return strings.Join(parts, ", ")
}

// box is a mailbox the bench writes to.
type box struct {
	id     string
	bearer string
}

// newBox draws a mailbox id and auth key at random: the server sees
// exactly what it sees from a real client (an id, a verifier, a bearer), but
// the bench skips the 64 MiB Argon2id per mailbox that a real client runs
// once, on the enquirer's device.
func newBox() (box, [32]byte) {
	m := mailboxdtest.RandomMailbox()
	return box{id: m.ID, bearer: m.Bearer()}, m.Verifier
}

func createMailboxes(ctx context.Context, c *client.Client, tm *team, p *pool, n int) ([]box, error) {
	boxes := make([]box, n)
	var next atomic.Int64
	err := mailboxdtest.Parallel(16, func(int) error {
		for {
			i := int(next.Add(1) - 1)
			if i >= n || ctx.Err() != nil {
				return nil
			}
			b, verifier := newBox()
			_, err := c.CreateMailbox(ctx, client.NewMailbox{ID: b.id, Verifier: verifier[:], Epoch: tm.epoch, Message: p.first})
			if err != nil {
				return err
			}
			boxes[i] = b
		}
	})
	if err != nil {
		return nil, err
	}
	return boxes, ctx.Err()
}

// runStep runs n clients for d; client i writes to its own mailboxes in
// turn. It returns the step's figures, the mean writes per commit, the
// count of acknowledged messages and the peak RSS seen.
func runStep(ctx context.Context, srv *server, hc *http.Client, base string, boxes []box, n int, p *pool, d time.Duration) (step, float64, int64, rssPeak, error) {
	st := step{Clients: n}
	url := base + "/api/v1/mailbox/messages"
	c0, w0, statsErr := srv.stats()
	per := len(boxes) / n
	lat := make([][]time.Duration, n)
	var errs atomic.Int64
	var firstErr atomic.Value
	stepCtx, cancel := context.WithTimeout(ctx, d)
	defer cancel()

	rssDone := pollRSS(srv.pid, 100*time.Millisecond, stepCtx.Done())

	start := time.Now()
	// A failed post is counted and the client goes on: none returns an error.
	_ = mailboxdtest.Parallel(n, func(i int) error {
		mine := boxes[i*per : (i+1)*per]
		k := i * 7
		for stepCtx.Err() == nil {
			b := mine[k%len(mine)]
			body := p.bodies[k%len(p.bodies)]
			k++
			t0 := time.Now()
			err := post(stepCtx, hc, url, b.bearer, body)
			el := time.Since(t0)
			if err != nil {
				if stepCtx.Err() != nil {
					return nil // cut off by the end of the step: not counted
				}
				errs.Add(1)
				firstErr.CompareAndSwap(nil, err)
				continue
			}
			lat[i] = append(lat[i], el)
		}
		return nil
	})
	elapsed := time.Since(start)
	peak := rssDone()
	c1, w1, _ := srv.stats()

	all := slices.Concat(lat...)
	slices.Sort(all)
	ok := int64(len(all))
	st.SubmissionsPerS = round1(float64(ok) / elapsed.Seconds())
	if len(all) > 0 {
		st.P50Ms = round2(float64(all[len(all)/2]) / 1e6)
		st.P99Ms = round2(float64(all[min(len(all)-1, len(all)*99/100)]) / 1e6)
	}
	st.Errors = errs.Load()
	if e, _ := firstErr.Load().(error); e != nil {
		fmt.Fprintf(os.Stderr, "mailbox-bench: %d clients: %d errors, first: %v\n", n, st.Errors, e)
	}
	wpc := 0.0
	if statsErr == nil && c1 > c0 {
		st.CommitsPerS = round1(float64(c1-c0) / elapsed.Seconds())
		wpc = float64(w1-w0) / float64(c1-c0)
	} else {
		st.CommitsPerS = -1
	}
	return st, wpc, ok, peak, nil
}

// post sends one pre-encoded message body. Bodies are encoded once up
// front so that the clients, which share the machine with mailboxd, spend
// as little CPU as they can.
func post(ctx context.Context, hc *http.Client, url, bearer string, body []byte) error {
	ctx, cancel := context.WithTimeout(ctx, requestTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+bearer)
	resp, err := hc.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 4096))
	if err != nil {
		return err
	}
	if resp.StatusCode != http.StatusCreated {
		return fmt.Errorf("status %d: %.200s", resp.StatusCode, b)
	}
	return nil
}
