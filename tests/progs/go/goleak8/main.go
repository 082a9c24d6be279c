// 8 goroutines each leak 100 C.CString: 800 blocks, all definitely lost.
package main

// #include <stdlib.h>
import "C"

import (
	"fmt"
	"sync"
)

func leak(g int, wg *sync.WaitGroup) {
	defer wg.Done()
	for i := 0; i < 100; i++ {
		p := C.CString(fmt.Sprintf("goroutine %d string %d", g, i))
		_ = p
	}
}

func main() {
	var wg sync.WaitGroup
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go leak(g, &wg)
	}
	wg.Wait()
}
