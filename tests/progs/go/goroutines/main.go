// C.CBytes in one goroutine and C.malloc in another: each leak must be
// attributed to its own goroutine's function and line.
package main

// #include <stdlib.h>
import "C"
import "sync"

var wg sync.WaitGroup

func cbytesWorker() {
	defer wg.Done()
	p := C.CBytes([]byte("0123456789abcdef0123456789abcdef")) // 32 bytes
	_ = p
}

func mallocWorker() {
	defer wg.Done()
	p := C.malloc(48)
	_ = p
}

func main() {
	wg.Add(2)
	go cbytesWorker()
	go mallocWorker()
	wg.Wait()
}
