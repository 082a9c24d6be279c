// Leaks a C string, then a C function dereferences NULL. The C side first
// restores the default SIGSEGV action (the Go runtime would otherwise turn
// the fault into a Go crash report and exit 2), so the process dies by the
// signal itself: status 128+11.
package main

// #include <signal.h>
// #include <stdlib.h>
//
// static int crash(int *p) {
//   signal(SIGSEGV, SIG_DFL);
//   return *p;
// }
import "C"

func main() {
	cs := C.CString("leaked before SIGSEGV")
	_ = cs
	C.crash(nil)
}
