// Workload (b): cgo allocation traffic.
//
//	cgo [GOROUTINES [OPS_TOTAL]]     defaults: 4 goroutines, 1,000,000 operations
//
// Each goroutine alternates two operations, half of OPS_TOTAL each overall:
//   - C.CString of a Go string, touched in C, then C.free (the usual cgo idiom);
//   - a call into C that mallocs a buffer, fills it and frees it.
//
// Every allocation is freed: the program has no leaks.
package main

/*
#include <stdlib.h>
#include <string.h>

// Allocates, uses and frees a buffer inside C, as a C library would.
static __attribute__((noinline)) size_t scratch_work(size_t n)
{
	unsigned char *p = malloc(n);
	if (!p)
		return 0;
	memset(p, (int)(n & 0xff), n);
	size_t sum = p[0] + p[n - 1];
	free(p);
	return sum;
}

static __attribute__((noinline)) size_t string_len(const char *s)
{
	return strlen(s);
}
*/
import "C"

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync"
	"unsafe"
)

func cstringRoundTrip(s string) int {
	cs := C.CString(s)
	n := int(C.string_len(cs))
	C.free(unsafe.Pointer(cs))
	return n
}

func worker(id, ops int, words []string, total *uint64, mu *sync.Mutex) {
	var sum uint64
	for i := 0; i < ops; i++ {
		if i%2 == 0 {
			sum += uint64(cstringRoundTrip(words[(i+id)%len(words)]))
		} else {
			// Sizes 16..4111, deterministic.
			sum += uint64(C.scratch_work(C.size_t(16 + (i*37+id*101)%4096)))
		}
	}
	mu.Lock()
	*total += sum
	mu.Unlock()
}

func parseArg(i int, def int) int {
	if len(os.Args) <= i {
		return def
	}
	v, err := strconv.Atoi(os.Args[i])
	if err != nil || v <= 0 {
		fmt.Fprintf(os.Stderr, "cgo: bad argument %q\n", os.Args[i])
		os.Exit(2)
	}
	return v
}

func main() {
	goroutines := parseArg(1, 4)
	ops := parseArg(2, 1000000)
	words := make([]string, 64)
	for i := range words {
		words[i] = strings.Repeat("x", 8+i*13)
	}
	var total uint64
	var mu sync.Mutex
	var wg sync.WaitGroup
	for g := 0; g < goroutines; g++ {
		wg.Add(1)
		go func(id int) {
			defer wg.Done()
			worker(id, ops/goroutines, words, &total, &mu)
		}(g)
	}
	wg.Wait()
	fmt.Printf("cgo: %d goroutines x %d ops, checksum %d\n", goroutines, ops/goroutines, total)
}
