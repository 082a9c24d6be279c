// A Go wrapper that owns C memory, as cgo libraries write them: the
// argument says what happens to it before exit.
//
//	drop      dropped without Close: held by Go garbage only
//	finalizer the same, with a finalizer that would free it
//	global    still referenced from a package variable: reachable
//	first     dropped, a Go object of a span of its own (its address is its
//	          span's startAddr) after a collection freed spans before it
//	tiny      dropped, an 8-byte object without pointers (the C pointer as a
//	          uintptr, as cgo keeps a pointer to an incomplete C type) that
//	          Go's tiny allocator put in one 16-byte block beside a live one:
//	          still reachable, the block lives as long as either
package main

// #include <stdlib.h>
import "C"
import (
	"fmt"
	"os"
	"runtime"
	"unsafe"
)

type wrapper struct {
	buf  unsafe.Pointer
	size int
}

func newWrapper(n int) *wrapper {
	return &wrapper{buf: C.malloc(C.size_t(n)), size: n}
}

func (w *wrapper) Close() {
	C.free(w.buf)
	w.buf = nil
}

var kept *wrapper

// big enough for a span of its own (over 32 KiB)
type large struct {
	buf unsafe.Pointer
	pad [5000]uintptr
}

var sink interface{}

// Spans freed by a collection keep their runtime.mspan records, whose
// startAddr names where the next large object is likely to start.
//
//go:noinline
func freeSpans() {
	v := make([]*large, 64)
	for i := range v {
		v[i] = &large{}
	}
	sink = v
	sink = nil
	runtime.GC()
}

//go:noinline
func dropLarge() int {
	freeSpans()
	w := &large{}
	w.buf = C.malloc(4321)
	sink = w
	sink = nil
	return len(w.pad)
}

// handle is a C pointer in a Go object the collector does not scan.
type handle struct{ p uintptr }

var keptTiny *[1]uint64

//go:noinline
func dropTiny() int {
	for {
		a, h := new([1]uint64), new(handle)
		sink, sink = a, h // both on the heap
		// one block: a starts it (blocks are 16-byte aligned), h follows
		if at := uintptr(unsafe.Pointer(a)); at%16 == 0 && uintptr(unsafe.Pointer(h)) == at+8 {
			h.p = uintptr(C.malloc(4321))
			keptTiny, sink = a, nil
			return 4321
		}
	}
}

// A block big enough for glibc to mmap it, far above Go's heap: the C
// blocks' address range then spans Go's heap, whose pointers must still be
// told apart from C pointers. Reachable in every mode.
var big unsafe.Pointer

//go:noinline
func use(mode string) int {
	if mode == "first" {
		return dropLarge()
	}
	if mode == "tiny" {
		return dropTiny()
	}
	w := newWrapper(4321)
	switch mode {
	case "finalizer":
		runtime.SetFinalizer(w, (*wrapper).Close)
	case "global":
		kept = w
	}
	return w.size
}

func main() {
	big = C.malloc(1 << 20)
	closed := newWrapper(100) // closed properly: never reported
	closed.Close()
	n := use(os.Args[1])
	// The C frames of the last cgo call (the wrapper's C.malloc) leave a
	// copy of its pointer on the thread's system stack; whether the scan
	// sees that stale copy is another matter than Go garbage, so calls of
	// the same depth overwrite it.
	for i := 0; i < 4; i++ {
		C.free(C.malloc(16))
	}
	fmt.Println(n)
}
