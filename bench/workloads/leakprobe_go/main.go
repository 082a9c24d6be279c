// LeakSanitizer probe (Go): leaks 10 blocks from C.malloc on purpose. bench/run
// runs it with liblsan preloaded to record whether LSan reports leaks for Go.
package main

// #include <stdlib.h>
import "C"

import "fmt"

func leakOne() {
	p := C.malloc(100)
	*(*byte)(p) = 1
	// p goes out of scope: the block is definitely lost.
}

func main() {
	for i := 0; i < 10; i++ {
		leakOne()
	}
	fmt.Println("leakprobe: leaked 10 blocks")
}
