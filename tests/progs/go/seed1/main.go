// Seed experiment 1: C.CString without C.free. The 17-byte string
// ("Hello from stdio" plus its NUL) is definitely lost at exit.
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
	// C.free(unsafe.Pointer(cs)) is missing on purpose.
}
