package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/pprof"
	"time"

	"lotse/mailbox"
)

// serveDebugStats serves GET /debug/stats, the store's commit counters as
// {"commits":N,"writes":N}, and Go's profiles under /debug/pprof/, on a separate listener on 127.0.0.1 only. It
// runs only with LOTSE_DEBUG_STATS=1 (for mailbox-bench): the counters
// say how busy the service is, which is nobody's business by default.
func serveDebugStats(store *mailbox.Store, stderr io.Writer) (stop func(), err error) {
	ln, err := net.Listen("tcp", debugStatsListen)
	if err != nil {
		return nil, err
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /debug/stats", func(w http.ResponseWriter, r *http.Request) {
		commits, writes := store.Stats()
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Cache-Control", "no-store")
		json.NewEncoder(w).Encode(struct {
			Commits uint64 `json:"commits"`
			Writes  uint64 `json:"writes"`
		}{commits, writes})
	})
	// Profiles of the running server, for the same opt-in benchmark runs.
	mux.HandleFunc("GET /debug/pprof/", pprof.Index)
	mux.HandleFunc("GET /debug/pprof/profile", pprof.Profile)
	hs := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second, ReadTimeout: 5 * time.Second, WriteTimeout: 2 * time.Minute}
	go hs.Serve(ln)
	fmt.Fprintf(stderr, "mailboxd: debug stats on http://%s/debug/stats\n", ln.Addr())
	return func() { hs.Close() }, nil
}
