// Seed experiment 3: the 128 MiB malloc happens in a thread that C code
// created, so its stack holds C frames only (f1, start_thread, clone).
// Unlike the seed, f2 joins the thread so the malloc surely happens
// before the program exits.
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
// #include <pthread.h>
//
// static void myprint(char* s) {
//   printf("%s\n", s);
// }
//
// static void *f1(void *q) {
//   void *p = malloc(128 * 1024 * 1024);
//   memset(p, '0', 128 * 1024 * 1024);
//   return NULL;
// }
//
// static void f2() {
//   pthread_t t;
//   pthread_create(&t, NULL, f1, NULL);
//   pthread_join(t, NULL);
// }
import "C"

func main() {
	cs := C.CString("Hello from stdio")
	C.myprint(cs)
	C.f2()
	// C.free(unsafe.Pointer(cs)) is missing on purpose.
}
