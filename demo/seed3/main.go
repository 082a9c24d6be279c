// Demo: the same leak in a thread that C created (seed experiment 3).
package main

// gcc -O2 (cgo's default) deletes a malloc whose block is only written and
// then dropped, memset included; these flags keep the seed's code as written.

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
//   void *p = malloc(128 * 1024 * 1024); // leaked on purpose
//   memset(p, '0', 128 * 1024 * 1024);
//   return NULL;
// }
//
// static void f2() {
//   pthread_t t;
//   pthread_create(&t, NULL, f1, NULL);
//   pthread_join(t, NULL); // so the thread runs before main returns
// }
import "C"

func main() {
	cs := C.CString("Hello from stdio")
	C.myprint(cs)
	C.f2()
}
