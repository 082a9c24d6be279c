// A cgo program that frees everything: 16 goroutines doing C.CString/free,
// C.CBytes/free and C-side malloc/free. No leak may be reported.
// -fno-builtin-malloc: gcc -O2 would otherwise delete churn's
// malloc/memset/free altogether.
package main

// #cgo CFLAGS: -fno-builtin-malloc
// #include <stdlib.h>
// #include <string.h>
//
// static void churn(int n) {
//   for (int i = 0; i < n; i++) {
//     char *p = malloc(16 + i);
//     memset(p, 1, 16 + i);
//     free(p);
//   }
// }
import "C"
import (
	"fmt"
	"sync"
	"unsafe"
)

func worker(id int, wg *sync.WaitGroup) {
	defer wg.Done()
	for i := 0; i < 200; i++ {
		s := C.CString(fmt.Sprintf("worker %d iteration %d", id, i))
		C.free(unsafe.Pointer(s))
		b := C.CBytes(make([]byte, 64+i))
		C.free(b)
		m := C.malloc(C.size_t(8 + i))
		C.free(m)
		C.churn(4)
	}
}

func main() {
	var wg sync.WaitGroup
	for i := 0; i < 16; i++ {
		wg.Add(1)
		go worker(i, &wg)
	}
	wg.Wait()
	fmt.Println("done")
}
