// C blocks held live by goroutine stacks at exit, next to ones dropped:
// each of 4 goroutines keeps one C string it still uses after it blocks
// (a local, an address-taken array, the argument of a C call that
// sleeps, a local across a blocking read); 3 of them drop one before
// blocking. (The one that blocks in C drops none: the C frames of its
// thread may keep a stale copy, which no Go stack map describes.)
// Exact answer: 4 blocks still reachable (16 bytes each), 3 definitely
// lost (27 bytes each).
package main

/*
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static size_t sleep_holding(char *p) { sleep(100); return strlen(p); }
*/
import "C"

import (
	"os"
	"runtime"
	"sync"
	"unsafe"
)

var ready sync.WaitGroup
var block = make(chan struct{})
var sink uintptr

func keep(s string) *C.char { return C.CString(s) }

func drop(s string) { sink += uintptr(len(C.GoString(C.CString(s)))) }

//go:noinline
func fill(a *[2]*C.char) { a[0] = keep("held by array .") }

func heldByLocal() {
	p := keep("held by local .")
	drop("dropped by local goroutine")
	ready.Done()
	<-block
	C.free(unsafe.Pointer(p))
}

func heldByArray() {
	var a [2]*C.char
	fill(&a)
	drop("dropped by array goroutine")
	ready.Done()
	<-block
	C.free(unsafe.Pointer(a[0]))
}

func heldByCCall() {
	runtime.LockOSThread()
	p := keep("held by C call.")
	ready.Done()
	C.sleep_holding(p)
}

func heldAcrossRead(r *os.File) {
	p := keep("held over read.")
	drop("dropped by read goroutine.")
	ready.Done()
	var b [1]byte
	r.Read(b[:])
	C.free(unsafe.Pointer(p))
}

func main() {
	r, w, err := os.Pipe()
	if err != nil {
		panic(err)
	}
	ready.Add(4)
	go heldByLocal()
	go heldByArray()
	go heldByCCall()
	go heldAcrossRead(r)
	ready.Wait()
	runtime.Gosched()
	_ = w
	os.Exit(0)
}
