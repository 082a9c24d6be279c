// Leaks a C string, then os.Exit(3): deferred code and the normal return
// path are skipped, the leak must still be reported and the status kept.
package main

// #include <stdlib.h>
import "C"
import "os"

func main() {
	cs := C.CString("leaked before os.Exit")
	_ = cs
	os.Exit(3)
}
