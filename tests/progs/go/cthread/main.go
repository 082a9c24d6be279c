// A C thread, created by C code that Go called, leaks a block: its stack
// ends at start_thread, and goes on with where the thread was created, up
// to the Go line that called into C.
package main

// #include <pthread.h>
// #include <stdlib.h>
//
// static void *volatile sink;
//
// static void *worker(void *arg) {
//     sink = malloc(333); /* LEAK-thread */
//     sink = NULL;
//     return arg;
// }
//
// static __attribute__((noinline)) int spawn(void) {
//     pthread_t t;
//     if (pthread_create(&t, NULL, worker, NULL) != 0) /* CREATE-thread */
//         return -1;
//     return pthread_join(t, NULL);
// }
import "C"

func main() {
	if C.spawn() != 0 { // SPAWN-go
		panic("pthread_create failed")
	}
}
