// Leaks 10 C.CString, then kills itself with SIGKILL: all 10 are lost
// (the last one's pointer was dropped before the kill, though a copy may
// stay in a slot of a frame that is still live).
package main

// #include <stdlib.h>
import "C"

import (
	"fmt"
	"syscall"
)

func main() {
	for i := 0; i < 10; i++ {
		p := C.CString(fmt.Sprintf("string %d", i))
		_ = p
	}
	syscall.Kill(syscall.Getpid(), syscall.SIGKILL)
}
