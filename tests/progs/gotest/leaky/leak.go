// Package leaky has a function that forgets to free a C string; its test
// must fail under `go test -exec "cgoheap run --error-exitcode=N --"`.
package leaky

// #include <stdlib.h>
// #include <string.h>
import "C"

// Greeting returns the length of a C copy of s, which it never frees.
func Greeting(s string) int {
	cs := C.CString(s)
	return int(C.strlen(cs))
}
