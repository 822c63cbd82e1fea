package api

import (
	"bytes"
	"encoding/base64"
	"testing"

	"lotse/api/wire"
)

// slowPostMessage is the general decoder's reading of a message body.
func slowPostMessage(body []byte) (int, []byte, bool) {
	var req wire.NewMessage
	if decodeJSON(body, &req) != nil || req.Epoch < 1 || len(req.Ciphertext) == 0 {
		return 0, nil, false
	}
	return req.Epoch, req.Ciphertext, true
}

func TestFastPostMessage(t *testing.T) {
	ct := base64.StdEncoding.EncodeToString([]byte("age-encryption.org/v1\n-> x"))
	tests := []struct {
		name string
		body string
		fast bool // the fast path takes it (else it falls back)
	}{
		{"plain", `{"epoch":1,"ciphertext":"` + ct + `"}`, true},
		{"keys swapped", `{"ciphertext":"` + ct + `","epoch":12}`, true},
		{"white space", " \n{ \"epoch\" :\t7 ,\r\n \"ciphertext\" : \"" + ct + "\" } \n", true},
		{"epoch zero", `{"epoch":0,"ciphertext":"` + ct + `"}`, false},
		{"negative epoch", `{"epoch":-1,"ciphertext":"` + ct + `"}`, false},
		{"leading zero", `{"epoch":01,"ciphertext":"` + ct + `"}`, false},
		{"fraction", `{"epoch":1.0,"ciphertext":"` + ct + `"}`, false},
		{"exponent", `{"epoch":1e0,"ciphertext":"` + ct + `"}`, false},
		{"huge epoch", `{"epoch":12345678901,"ciphertext":"` + ct + `"}`, false},
		{"epoch as string", `{"epoch":"1","ciphertext":"` + ct + `"}`, false},
		{"upper-case key", `{"Epoch":1,"ciphertext":"` + ct + `"}`, false},
		{"escaped key", `{"epo\u0063h":1,"ciphertext":"` + ct + `"}`, false},
		{"escaped base64", `{"epoch":1,"ciphertext":"\u0041` + ct[1:] + `"}`, false},
		{"duplicate key", `{"epoch":1,"epoch":2,"ciphertext":"` + ct + `"}`, false},
		{"unknown key", `{"epoch":1,"ciphertext":"` + ct + `","x":1}`, false},
		{"missing key", `{"epoch":1}`, false},
		{"empty ciphertext", `{"epoch":1,"ciphertext":""}`, false},
		{"padding inside", `{"epoch":1,"ciphertext":"QQ==QQ=="}`, false},
		{"not strict", `{"epoch":1,"ciphertext":"QR=="}`, false},
		{"newline in base64", `{"epoch":1,"ciphertext":"QUFB\nQUFB"}`, false},
		{"url alphabet", `{"epoch":1,"ciphertext":"-_-_"}`, false},
		{"trailing data", `{"epoch":1,"ciphertext":"` + ct + `"}{}`, false},
		{"trailing comma", `{"epoch":1,"ciphertext":"` + ct + `",}`, false},
		{"array", `[1,"` + ct + `"]`, false},
		{"empty", ``, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			epoch, got, release, ok := fastPostMessage([]byte(tt.body))
			if ok != tt.fast {
				t.Fatalf("fast path ok = %v, want %v", ok, tt.fast)
			}
			if !ok {
				return
			}
			defer release()
			wantEpoch, want, wantOK := slowPostMessage([]byte(tt.body))
			if !wantOK || epoch != wantEpoch || !bytes.Equal(got, want) {
				t.Errorf("fast path read (%d, %q), general decoder (%d, %q, ok %v)", epoch, got, wantEpoch, want, wantOK)
			}
		})
	}
}

// FuzzFastPostMessage checks that the fast path never accepts what the
// general decoder refuses and, where it accepts, reads the same.
func FuzzFastPostMessage(f *testing.F) {
	ct := base64.StdEncoding.EncodeToString([]byte("age-encryption.org/v1\n"))
	f.Add([]byte(`{"epoch":1,"ciphertext":"` + ct + `"}`))
	f.Add([]byte(` {"ciphertext":"QUJD" , "epoch":3 } `))
	f.Add([]byte(`{"epoch":1,"ciphertext":"QR=="}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		epoch, got, release, ok := fastPostMessage(body)
		if !ok {
			return
		}
		defer release()
		wantEpoch, want, wantOK := slowPostMessage(body)
		if !wantOK || epoch != wantEpoch || !bytes.Equal(got, want) {
			t.Fatalf("fast path read (%d, %x) from %q; general decoder (%d, %x, ok %v)", epoch, got, body, wantEpoch, want, wantOK)
		}
	})
}
