// Package wire holds the request and response bodies of Lotse's HTTP API,
// version 1 (PROTOCOL.md §6), as Go types: the handlers in package api answer
// with them and decode into them, and package api/client sends and reads the
// same types, so the JSON contract is written down once. The TypeScript types
// of the web client (webclient/src/wire.ts) are generated from this package
// by ./gen, and a test fails when they are stale.
//
// The package holds only encoding/json-friendly types: what a value must
// look like to be valid (ids, names, epochs) is checked by the handlers, not
// here. The decoders below only keep apart what JSON tells apart and Go
// zero values would not (an absent field and an empty one, null and "").
package wire

//go:generate go run ./gen

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"reflect"
)

// Bytes is a byte string that travels as standard base64 with padding
// (PROTOCOL.md §6: every "b64" field).
//
// It marshals like []byte; it decodes strictly, refusing line breaks, stray
// bits and the URL alphabet, so that each value has one encoding.
//
// A JSON string that is not such base64 is a *json.UnmarshalTypeError of
// Type Bytes and Value "string", which encoding/json completes with the
// field's name: the server turns it into "<field>: not standard base64".
// null leaves a Bytes as it is.
type Bytes []byte

// UnmarshalJSON implements json.Unmarshaler.
func (b *Bytes) UnmarshalJSON(data []byte) error {
	if string(data) == "null" {
		return nil
	}
	if len(data) < 2 || data[0] != '"' {
		return &json.UnmarshalTypeError{Value: jsonKind(data), Type: bytesType}
	}
	s := data[1 : len(data)-1]
	if bytes.IndexByte(s, '\\') >= 0 {
		// Escapes are legal JSON, if odd in base64; unquote them first.
		var u string
		if err := json.Unmarshal(data, &u); err != nil {
			return err
		}
		s = []byte(u)
	}
	v, ok := decodeBase64(s)
	if !ok {
		return &json.UnmarshalTypeError{Value: "string", Type: bytesType}
	}
	*b = v
	return nil
}

var bytesType = reflect.TypeFor[Bytes]()

// decodeBase64 decodes standard base64 with padding, strictly. The result
// is never nil, so that "" stays apart from an absent field.
func decodeBase64(s []byte) ([]byte, bool) {
	// Strict still skips CR and LF; they are not part of the encoding.
	if bytes.ContainsAny(s, "\r\n") {
		return nil, false
	}
	v := make([]byte, base64.StdEncoding.DecodedLen(len(s)))
	n, err := base64.StdEncoding.Strict().Decode(v, s)
	if err != nil {
		return nil, false
	}
	return v[:n], true
}

// jsonKind names the JSON type of a value as encoding/json's errors do.
func jsonKind(data []byte) string {
	switch {
	case len(data) == 0:
		return "value"
	case data[0] == '{':
		return "object"
	case data[0] == '[':
		return "array"
	case data[0] == '"':
		return "string"
	case data[0] == 't' || data[0] == 'f':
		return "bool"
	default:
		return "number"
	}
}

// FieldError is a field whose JSON type is right but whose form a wire type
// cannot carry, e.g. an empty status in a CasePatch. Want says what the
// field takes; the server answers 400 with "<Field>: <Want>".
type FieldError struct {
	Field string
	Want  string
}

func (e *FieldError) Error() string { return e.Field + ": " + e.Want }

// decodeStrict decodes one JSON value as the server reads request bodies:
// unknown fields are an error. The custom decoders below use it so that
// their inner decoding is as strict as the outer one.
func decodeStrict(data []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	return dec.Decode(v)
}

// ErrorBody is the body of every error answer (PROTOCOL.md §6): a code from
// the protocol's table and human text that never holds a secret.
type ErrorBody struct {
	Error   string `json:"error"`   // e.g. "stale_epoch"
	Message string `json:"message"` // for people, not for programs
}

// MessageEvent is the data of "event: message" on
// GET /api/v1/mailbox/events (PROTOCOL.md §6): the mailbox has message Seq.
type MessageEvent struct {
	Seq uint64 `json:"seq"`
}

// CaseEvent is the data of "event: case" on GET /api/v1/events
// (PROTOCOL.md §6): case ID changed; Seq is its newest message, 0 once it
// is deleted.
type CaseEvent struct {
	ID  string `json:"id"`
	Seq uint64 `json:"seq"`
}
