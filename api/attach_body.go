package api

import (
	"io"
	"sync"
	"time"

	"github.com/valyala/fasthttp"
)

// extendDeadline gives the connection another read timeout, within
// maxUploadTime of start.
func (s *Server) extendDeadline(ctx *fasthttp.RequestCtx, start time.Time) {
	d := time.Now().Add(s.cfg.ReadTimeout)
	if limit := start.Add(maxUploadTime); d.After(limit) {
		d = limit
	}
	ctx.Conn().SetReadDeadline(d)
}

// Reading an attachment's body (up to 8 MiB + 64 KiB) under the body
// budget (admission.go).
//
// Small bodies grow one buffer in 16 KiB steps, copying as they go; for
// 8 MiB that would copy about half a gigabyte per upload, and growing by
// doubling instead leaves as much garbage behind as the body is long,
// which the collector frees only later. So a large body arrives in 64 KiB
// pieces from a pool, each taken from the budget as it is needed, and is
// copied once into a buffer of exactly its length at the end. That buffer
// takes over the pieces' share of the budget, and the pieces go back to
// the pool for the next upload: the budget counts every byte of a body,
// never what the client announced, and the pool holds at most what the
// budget let in at once. (Taking the budget twice over would need twice
// the budget for one upload, and at the smallest memory budget an 8 MiB
// attachment would never fit.)
//
// 8 MiB do not arrive within the read timeout (10 s) over a phone's
// connection or Tor. An upload's deadline moves on by the read timeout
// with every 64 KiB piece that arrives, up to maxUploadTime in all: a
// client that trickles is still cut off, one that sends is not.

// maxUploadTime bounds one upload's body, however steadily it arrives:
// 8 MiB at 14 KB/s.
const maxUploadTime = 10 * time.Minute

const bodyPiece = 64 << 10

var bodyPieces = sync.Pool{New: func() any { return new([bodyPiece]byte) }}

func (s *Server) readLargeBody(ctx *fasthttp.RequestCtx, stream io.Reader, limit int) (taken int64, aerr *apiError) {
	var pieces []*[bodyPiece]byte
	defer func() {
		for _, p := range pieces {
			bodyPieces.Put(p)
		}
	}()
	start := time.Now()
	n := 0
	for {
		if n == len(pieces)*bodyPiece {
			if n > 0 {
				s.extendDeadline(ctx, start)
			}
			if aerr := s.takeBody(ctx, bodyPiece); aerr != nil {
				return taken, aerr
			}
			taken += bodyPiece
			pieces = append(pieces, bodyPieces.Get().(*[bodyPiece]byte))
		}
		m, rerr := stream.Read(pieces[len(pieces)-1][n%bodyPiece:])
		n += m
		done, aerr := bodyRead(ctx, n, limit, rerr)
		if aerr != nil {
			return taken, aerr
		}
		if done {
			break
		}
	}
	body := make([]byte, n)
	for i, p := range pieces {
		copy(body[i*bodyPiece:], p[:min(bodyPiece, n-i*bodyPiece)])
	}
	// The last piece's unused rest goes back.
	s.bodies.give(taken - int64(n))
	taken = int64(n)
	ctx.Request.SetBodyRaw(body)
	return taken, nil
}
