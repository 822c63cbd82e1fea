package counsel

import "sync"

var pageSecrets sync.Map // *Desk → string

// pageSecret is a page session of d for requests made by tests, as a page
// gets one for its one-time address.
func pageSecret(d *Desk) string {
	if s, ok := pageSecrets.Load(d); ok {
		return s.(string)
	}
	s, _ := pageSecrets.LoadOrStore(d, d.newPage())
	return s.(string)
}
