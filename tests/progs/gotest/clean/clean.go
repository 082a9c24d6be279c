// Package clean frees the C memory it uses; its test must pass under
// `go test -exec "cgoheap run --error-exitcode=N --"`.
package clean

// #include <stdlib.h>
// #include <string.h>
import "C"
import "unsafe"

// Greeting returns the length of a C copy of s, and frees the copy.
func Greeting(s string) int {
	cs := C.CString(s)
	defer C.free(unsafe.Pointer(cs))
	return int(C.strlen(cs))
}
