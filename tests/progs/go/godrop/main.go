// C memory that Go drops: the only pointers die with a returned frame, and
// the stack below is overwritten, so nothing can point at the block at exit.
package main

// #include <stdlib.h>
// #include <string.h>
//
// static void *fill(void *p, size_t n) {
//   memset(p, 7, n);
//   return p;
// }
import "C"
import "runtime"

//go:noinline
func drop() uintptr {
	p := C.malloc(4000)
	C.fill(p, 4000)
	return uintptr(p) & 0 // the pointer itself does not escape
}

// scrub overwrites the dead stack area where drop's frame was, so a stale
// copy of the pointer there cannot keep the block reachable.
//
//go:noinline
func scrub() byte {
	var buf [16384]byte
	for i := range buf {
		buf[i] = byte(i)
	}
	return buf[len(buf)-1]
}

func main() {
	drop()
	scrub()
	runtime.GC()
}
