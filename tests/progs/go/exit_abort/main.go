// Leaks a C string, then C calls abort(). With GOTRACEBACK=crash the Go
// runtime re-raises SIGABRT, so the process dies by it (status 128+6).
package main

// #include <stdlib.h>
//
// static void die(void) {
//   abort();
// }
import "C"

func main() {
	cs := C.CString("leaked before abort")
	_ = cs
	C.die()
}
