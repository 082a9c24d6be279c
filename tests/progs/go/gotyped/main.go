// C blocks held by fields of Go objects kept in globals: one with a malloc
// header (over 512 bytes, with pointers), one large object (its type in
// its span), one small object (no type kept for it). Each block has its
// own size, so a report's records tell them apart.
package main

// #include <stdlib.h>
import "C"
import (
	"fmt"
	"unsafe"
)

type holder struct {
	p   unsafe.Pointer
	pad [600]byte
}

type big struct {
	p   unsafe.Pointer
	pad [40000]byte
}

type small struct {
	p unsafe.Pointer
	n int
}

var (
	keptHolder *holder
	keptBig    *big
	keptSmall  *small
)

func main() {
	keptHolder = &holder{p: C.malloc(111)}
	keptBig = &big{p: C.malloc(222)}
	keptSmall = &small{p: C.malloc(333), n: 1}
	fmt.Println(len(keptHolder.pad), len(keptBig.pad), keptSmall.n)
}
