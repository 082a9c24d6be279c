// A cgo program for `cgoheap run go run .`: it leaks a C.CString and
// prints "gorun ok". The go tool that builds it, its compiler and its
// linker run under cgoheap too.
package main

/*
#include <stdlib.h>
*/
import "C"
import "fmt"

func leak() {
	s := C.CString("leaked by go run") // LEAK-gorun
	_ = s
}

func main() {
	leak()
	fmt.Println("gorun ok")
}
