// A known number of C allocations from several goroutines, each locked to
// its own thread so the work is spread over threads that never end, then
// an end chosen by the first argument: "return" (exit_group from the
// runtime), "exit" (os.Exit) or "kill" (SIGKILL to itself).
package main

// #include <stdlib.h>
import "C"

import (
	"os"
	"runtime"
	"sync"
	"syscall"
	"unsafe"
)

const workers = 4
const perWorker = 1000

func churn(n int) {
	for i := 0; i < n; i++ {
		p := C.malloc(C.size_t(16 + i%7))
		C.free(unsafe.Pointer(p))
	}
}

func main() {
	var done, hold sync.WaitGroup
	done.Add(workers)
	hold.Add(1)
	for w := 0; w < workers; w++ {
		go func() {
			runtime.LockOSThread()
			churn(perWorker)
			done.Done()
			hold.Wait()
		}()
	}
	done.Wait()
	how := "return"
	if len(os.Args) > 1 {
		how = os.Args[1]
	}
	switch how {
	case "exit":
		os.Exit(0)
	case "kill":
		syscall.Kill(os.Getpid(), syscall.SIGKILL)
		select {}
	}
}
