// A Go library built as -buildmode=c-archive or c-shared and called from
// C (../main.c): C memory allocated under exported Go functions.
package main

/*
#include <stdlib.h>
#include <string.h>

static char *helper_dup(const char *s) { return strdup(s); }
*/
import "C"
import "unsafe"

// C memory held by Go globals: still reachable at exit, through a Go
// object (kept's array, a holder: over 512 bytes, its type in a malloc
// header from Go 1.22) or directly (keptPtr).
type holder struct {
	p   unsafe.Pointer
	pad [600]byte
}

var (
	kept       []unsafe.Pointer
	keptPtr    unsafe.Pointer
	keptHolder *holder
)

//export GoLeak
func GoLeak() {
	p := C.CString("lost under an exported Go function")
	_ = p
}

//export GoKeep
func GoKeep() {
	kept = append(kept, C.malloc(48))
	keptPtr = C.malloc(16)
	keptHolder = &holder{p: C.malloc(700)}
}

//export GoHelper
func GoHelper() {
	s := C.CString("x")
	C.free(unsafe.Pointer(s))
	d := C.helper_dup(C.CString("lost by a C helper called from Go"))
	_ = d
}

func main() {}
