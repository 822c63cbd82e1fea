package api

import "testing"

// TestCounsellorOnline: the team is online exactly while a counsellor
// stream is open, whoever's session it belongs to; enquirer streams do
// not count.
func TestCounsellorOnline(t *testing.T) {
	h := newHub()
	if h.counsellorOnline() {
		t.Fatal("online with no stream")
	}
	enq := h.subscribeMailbox("0123456789abcdef0123456789abcdef")
	if h.counsellorOnline() {
		t.Error("an enquirer's stream makes the team online")
	}
	a := h.subscribeTeam([32]byte{1}, "c1")
	b := h.subscribeTeam([32]byte{2}, "c2")
	if !h.counsellorOnline() {
		t.Fatal("not online with two desks")
	}
	h.remove(a)
	if !h.counsellorOnline() {
		t.Error("not online with one desk left")
	}
	h.remove(b)
	if h.counsellorOnline() {
		t.Error("online after the last desk left")
	}
	h.remove(enq)
}
