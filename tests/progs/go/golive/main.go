// C blocks held live by goroutine stacks at exit, next to ones dropped:
// each of 4 goroutines keeps one C string it still uses after it blocks
// (a local, an address-taken array, the argument of a C call that
// sleeps, a local across a blocking read); 3 of them drop one before
// blocking. (The one that blocks in C drops none: the C frames of its
// thread may keep a stale copy, which no Go stack map describes.) main
// exits only once that thread sleeps in the kernel: its Done comes before
// the call, and on its way into sleep() the C code holds the string in a
// register, which then names the root instead of the call's frame.
// Exact answer: 4 blocks still reachable (16 bytes each), 3 definitely
// lost (27 bytes each).
package main

/*
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

static int sleeper;
static size_t sleep_holding(char *p)
{
	__atomic_store_n(&sleeper, (int)syscall(SYS_gettid), __ATOMIC_RELEASE);
	sleep(100);
	return strlen(p);
}
static int sleeper_tid(void) { return __atomic_load_n(&sleeper, __ATOMIC_ACQUIRE); }
*/
import "C"

import (
	"bytes"
	"fmt"
	"os"
	"runtime"
	"sync"
	"time"
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

// waitAsleep waits (at most 10 s) until heldByCCall's thread sleeps in the
// kernel: state S in its /proc stat, after the ")" that ends its name.
func waitAsleep() {
	for i := 0; i < 10000; i++ {
		if tid := C.sleeper_tid(); tid != 0 {
			b, _ := os.ReadFile(fmt.Sprintf("/proc/self/task/%d/stat", tid))
			if at := bytes.LastIndexByte(b, ')'); at >= 0 && bytes.HasPrefix(b[at:], []byte(") S")) {
				return
			}
		}
		time.Sleep(time.Millisecond)
	}
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
	waitAsleep()
	runtime.Gosched()
	_ = w
	os.Exit(0)
}
