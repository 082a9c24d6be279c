// A service-like cgo program for the --http cases, driven by commands read
// from the FIFO named by its argument, one per line; each is acknowledged
// on stdout, so a test knows when it took effect:
//   keep N SIZE   keepBlocks: N blocks of SIZE bytes with C.malloc, kept,
//                 then settle(): 2048 malloc+free pairs, more than the agent
//                 batches per thread before it publishes per-stack counts
//                 (commands run on the main thread: LockOSThread in init)
//   drop N        frees the N most recent kept blocks
//   leak N SIZE   leakBlocks: N blocks of SIZE bytes with C.malloc, dropped
//                 at once (definitely lost), then settle()
//   sigs          prints "sigusr1 N": the SIGUSR1s received so far
//   churn SECS    four goroutines malloc and free for SECS seconds while a
//                 fifth makes new stacks (so the stack table grows meanwhile)
//   exit CODE     prints a summary line and exits with CODE
package main

// #include <stdlib.h>
// #include <string.h>
//
// static void *churn_block(size_t n) {
//   void *p = malloc(n);
//   if (p) memset(p, 1, n);
//   return p;
// }
//
// // A new stack for each path: 16 levels, each through one of two calls.
// static void spread(int level, unsigned path);
// __attribute__((noinline)) static void spread_a(int l, unsigned p) { spread(l + 1, p); __asm__ volatile(""); }
// __attribute__((noinline)) static void spread_b(int l, unsigned p) { spread(l + 1, p); __asm__ volatile(""); }
// __attribute__((noinline)) static void spread(int level, unsigned path) {
//   if (level == 16) { free(malloc(8)); return; }
//   if (path >> level & 1) spread_a(level, path); else spread_b(level, path);
//   __asm__ volatile("");
// }
import "C"

import (
	"bufio"
	"fmt"
	"os"
	"os/signal"
	"runtime"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
	"unsafe"
)

func init() {
	runtime.LockOSThread()
}

func settle() {
	for i := 0; i < 2048; i++ {
		C.free(C.malloc(1))
	}
}

var kept []unsafe.Pointer

func keepBlocks(n, size int) {
	for i := 0; i < n; i++ {
		kept = append(kept, C.malloc(C.size_t(size)))
	}
}

//go:noinline
func leakBlocks(n, size int) {
	for i := 0; i < n; i++ {
		C.malloc(C.size_t(size)) // dropped
	}
}

var sigusr1 atomic.Int64

// countSignals counts SIGUSR1s: none may be lost while the program is checked.
func countSignals() {
	c := make(chan os.Signal, 1024)
	signal.Notify(c, syscall.SIGUSR1)
	go func() {
		for range c {
			sigusr1.Add(1)
		}
	}()
}

func churnWorker(until time.Time, count *int) {
	var ring [64]unsafe.Pointer
	for i := 0; time.Now().Before(until); i++ {
		j := i % len(ring)
		if ring[j] != nil {
			C.free(ring[j])
		}
		ring[j] = C.churn_block(C.size_t(16 + i%4000))
		*count++
	}
	for _, p := range ring {
		if p != nil {
			C.free(p)
		}
	}
}

func churn(secs int) int {
	until := time.Now().Add(time.Duration(secs) * time.Second)
	counts := make([]int, 4)
	var wg sync.WaitGroup
	for w := range counts {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			churnWorker(until, &counts[w])
		}(w)
	}
	wg.Add(1)
	go func() {
		defer wg.Done()
		for p := 0; p < 1<<16 && time.Now().Before(until); p++ {
			C.spread(0, C.uint(p))
			if p%16 == 0 {
				time.Sleep(time.Millisecond) // new stacks all along the churn
			}
		}
	}()
	wg.Wait()
	total := 0
	for _, c := range counts {
		total += c
	}
	return total
}

func main() {
	f, err := os.Open(os.Args[1])
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	countSignals()
	in := bufio.NewScanner(f)
	for in.Scan() {
		var cmd string
		var a, b int
		fmt.Sscan(in.Text(), &cmd, &a, &b)
		switch cmd {
		case "keep":
			keepBlocks(a, b)
			settle()
		case "drop":
			for i := 0; i < a && len(kept) > 0; i++ {
				C.free(kept[len(kept)-1])
				kept = kept[:len(kept)-1]
			}
		case "leak":
			leakBlocks(a, b)
			settle()
		case "sigs":
			fmt.Printf("sigusr1 %d\n", sigusr1.Load())
		case "churn":
			churn(a)
		case "exit":
			fmt.Printf("bye with %d blocks kept\n", len(kept))
			os.Exit(a)
		}
		fmt.Printf("ok %s %d\n", cmd, len(kept))
	}
}
