// Demo: C.CString without C.free (seed experiment 1).
package main

// #include <stdio.h>
// #include <stdlib.h>
//
// static void myprint(char* s) {
//   printf("%s\n", s);
// }
import "C"

func main() {
	cs := C.CString("Hello from stdio")
	C.myprint(cs)
	// The C.free(unsafe.Pointer(cs)) that belongs here is missing: a leak.
}
