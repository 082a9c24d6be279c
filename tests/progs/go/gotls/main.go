// Per-thread C state on threads Go started: each goroutine locks its
// thread and leaves one block in a __thread variable and one under a
// pthread key, as libraries do with their per-thread error state
// (libgit2). Those blocks stay reachable through the thread's TLS.
package main

/*
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

static __thread char *tls_state;
static pthread_key_t key;
static pthread_once_t once = PTHREAD_ONCE_INIT;
static void make_key(void) { pthread_key_create(&key, NULL); }

static void set_thread_state(int i)
{
	pthread_once(&once, make_key);
	if (!tls_state)
		tls_state = calloc(1, 40);
	if (!pthread_getspecific(key))
		pthread_setspecific(key, calloc(1, 56));
	tls_state[0] = (char)i;
}
*/
import "C"

import (
	"runtime"
	"sync"
)

func main() {
	const n = 8
	var ready, done sync.WaitGroup
	ready.Add(n)
	block := make(chan struct{})
	for i := 0; i < n; i++ {
		go func(i int) {
			runtime.LockOSThread()
			C.set_thread_state(C.int(i))
			ready.Done()
			<-block
		}(i)
	}
	ready.Wait()
	// Threads without a locked goroutine too: plain Ms that ran cgo calls.
	done.Add(n)
	for i := 0; i < n; i++ {
		go func(i int) {
			C.set_thread_state(C.int(i))
			done.Done()
		}(i)
	}
	done.Wait()
}
