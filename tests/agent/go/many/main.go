// 16 goroutines doing C.CString/C.free; exactly one 7-byte string leaks per goroutine.
package main

/*
#include <stdlib.h>
*/
import "C"

import (
	"sync"
	"unsafe"
)

var keep []*C.char
var mu sync.Mutex

func main() {
	var wg sync.WaitGroup
	for g := 0; g < 16; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 20000; i++ {
				s := C.CString("some text that is longer")
				C.free(unsafe.Pointer(s))
			}
			leak := C.CString("leaked!")
			mu.Lock()
			keep = append(keep, leak)
			mu.Unlock()
		}()
	}
	wg.Wait()
}
