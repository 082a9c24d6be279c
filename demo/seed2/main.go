// Demo: a C function that mallocs 128 MiB and never frees it (seed experiment 2).
package main

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
