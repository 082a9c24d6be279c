// Package cleak leaks from a C function of its cgo preamble: under
// `go test -exec cgoheap ...` (a stripped test binary) the report must
// still name that function.
package cleak

/*
#include <stdlib.h>
static char *make_buf(int n) { return malloc(n); } // LEAK-make_buf
*/
import "C"

// Leak asks C for 77 bytes and forgets them.
func Leak() { _ = C.make_buf(77) }
