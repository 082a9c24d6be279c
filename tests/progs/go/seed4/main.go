// Seed experiment 4 without its HTTP server (tests have no network): the
// pprof handlers are linked in as in the seed, both the C.CString and the
// 128 MiB malloc in f1 leak, and both must be reported.
//
// gcc -O2 (cgo's default) deletes a malloc whose block is only written and
// then dropped, memset included: f1 would compile to a bare "ret". The
// -fno-builtin-* flags in the preamble keep the seed's code as written
// (with only malloc kept, f1 would tail-call it and have no frame).
package main

// #cgo CFLAGS: -fno-builtin-malloc -fno-builtin-memset
// #include <stdio.h>
// #include <stdlib.h>
// #include <string.h>
//
// static void myprint(char* s) {
//   printf("%s\n", s);
// }
//
// static void f1() {
//   void *p = malloc(128 * 1024 * 1024);
//   memset(p, '0', 128 * 1024 * 1024);
// }
import "C"
import (
	"net/http"
	_ "net/http/pprof"
	"runtime"
)

func main() {
	cs := C.CString("Hello from stdio")
	C.myprint(cs)
	C.f1()
	// The seed blocks in http.ListenAndServe here; the handler table is
	// still built, and a GC runs so Go's own heap is busy at exit.
	_ = http.DefaultServeMux
	runtime.GC()
}
