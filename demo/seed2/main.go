// Demo: a C function that mallocs 128 MiB and never frees it (seed experiment 2).
package main

// gcc -O2 (cgo's default) deletes a malloc whose block is only written and
// then dropped, memset included; these flags keep the seed's code as written.

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
}
