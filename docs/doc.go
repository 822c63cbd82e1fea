// Package docs holds the protocol specification, PROTOCOL.md, which code
// comments cite as "PROTOCOL.md §n". Its test fails when a citation anywhere
// in the repository names a section the specification does not have, so a
// renumbered or removed section cannot leave comments pointing nowhere.
package docs
