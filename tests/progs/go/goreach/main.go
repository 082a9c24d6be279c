// C memory whose pointers Go keeps in live data at exit (a package-level
// struct and a slice): still reachable, never lost.
package main

// #include <stdlib.h>
import "C"
import (
	"fmt"
	"unsafe"
)

type holder struct {
	name unsafe.Pointer
	bufs []unsafe.Pointer
}

var kept *holder

func main() {
	kept = &holder{name: unsafe.Pointer(C.CString("kept by a Go struct"))}
	for i := 0; i < 4; i++ {
		kept.bufs = append(kept.bufs, C.malloc(100))
	}
	fmt.Println(len(kept.bufs))
}
