// Seed experiment 2: a C function called from Go mallocs 128 MiB, touches
// it and drops the pointer. The record must name f1 and main.main.
// (The seed also imports net/http/pprof; it plays no part in the leak and
// is left out to keep the build small.)
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
//   void *p = malloc(128 * 1024 * 1024); // leaked on purpose
//   memset(p, '0', 128 * 1024 * 1024);
// }
import "C"

func main() {
	cs := C.CString("Hello from stdio")
	C.myprint(cs)
	C.f1()
	// C.free(unsafe.Pointer(cs)) is missing on purpose.
}
