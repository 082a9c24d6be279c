// A Go heap of N 128-byte objects with pointers (default 8M: 1 GiB), a
// linked list kept live from a global, and one C block it holds, for the
// cost of reading the Go heap at exit (the "go runtime" phase of -v).
package main

// #include <stdlib.h>
import "C"

import (
	"fmt"
	"os"
	"strconv"
	"unsafe"
)

type node struct {
	next *node
	c    unsafe.Pointer
	pad  [14]uintptr
}

var head *node

func main() {
	n := 8 << 20
	if len(os.Args) > 1 {
		if v, err := strconv.Atoi(os.Args[1]); err == nil && v > 0 {
			n = v
		}
	}
	for i := 0; i < n; i++ {
		head = &node{next: head}
	}
	head.c = C.malloc(64)
	fmt.Println(n, unsafe.Sizeof(node{}))
}
