// Leaks a C string, then calls C's exit(5) from Go: the C library's exit
// path runs instead of the Go runtime's.
package main

// #include <stdlib.h>
import "C"

func main() {
	cs := C.CString("leaked before exit(5)")
	_ = cs
	C.exit(5)
}
