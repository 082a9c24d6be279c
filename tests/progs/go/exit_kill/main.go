// Leaks a C string, then SIGKILLs itself: no exit handler runs anywhere,
// yet the leak must be reported and the status be 128+9.
package main

// #include <stdlib.h>
import "C"
import (
	"os"
	"syscall"
	"time"
)

func main() {
	cs := C.CString("leaked before SIGKILL")
	_ = cs
	syscall.Kill(os.Getpid(), syscall.SIGKILL)
	time.Sleep(10 * time.Second) // never reached: the signal is fatal
}
