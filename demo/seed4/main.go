// Demo: Go's own heap profile does not see C memory; cgoheap does (seed experiment 4).
package main

// gcc -O2 (cgo's default) deletes a malloc whose block is only written and
// then dropped, memset included; these flags keep the seed's code as written.

// #cgo CFLAGS: -fno-builtin-malloc -fno-builtin-memset
// #include <stdio.h>
// #include <stdlib.h>
// #include <string.h>
//
// static void myprint(char* s) {
//   printf("%s\n", s);
// }
//
// static void f1() {
//   void *p = malloc(128 * 1024 * 1024); // leaked on purpose
//   memset(p, '0', 128 * 1024 * 1024);
// }
import "C"

import (
	"fmt"
	"os"
	"runtime"
	"runtime/pprof"
)

func main() {
	cs := C.CString("Hello from stdio")
	C.myprint(cs)
	C.f1()
	// The seed served net/http/pprof here; writing the same heap profile to a
	// file shows the same thing without a network: no C allocation in it.
	runtime.GC()
	f, err := os.Create("build/demo/seed4-go-heap.pb.gz")
	if err == nil {
		pprof.WriteHeapProfile(f)
		f.Close()
		fmt.Println("Go's own heap profile: build/demo/seed4-go-heap.pb.gz")
	}
}
