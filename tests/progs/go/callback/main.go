// Go calls C, which calls back into Go, which leaks a C.CString: the
// leak's stack goes from the callback through the C function into the Go
// code that called it.
package main

/*
extern void goCallback(void);
static void c_calls_back(void) { goCallback(); }
*/
import "C"
import "fmt"

//export goCallback
func goCallback() {
	p := C.CString("leaked in a callback")
	_ = p
}

func main() {
	C.c_calls_back()
	fmt.Println("ok")
}
