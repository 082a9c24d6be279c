// A C.CString that is never freed, a malloc in a C function called from Go,
// and a malloc in a pthread created by C.
package main

/*
#include <stdlib.h>
#include <pthread.h>

__attribute__((noinline)) static void *c_alloc(size_t n)
{
	void *p = malloc(n);
	__asm__ volatile("" : : "r"(p) : "memory");
	return p;
}
static void *leak_from_c(void) { return c_alloc(33); }

__attribute__((noinline)) static void *thread_body(void *arg)
{
	void *p = malloc(55);
	__asm__ volatile("" : : "r"(p) : "memory");
	return p;
}
static void *leak_in_thread(void)
{
	pthread_t t;
	void *r = 0;
	pthread_create(&t, 0, thread_body, 0);
	pthread_join(t, &r);
	return r;
}
*/
import "C"

import "fmt"

var keep []interface{}

func main() {
	cs := C.CString("hello") // LEAK-CSTRING
	keep = append(keep, cs)
	p := C.leak_from_c() // LEAK-FROM-C
	q := C.leak_in_thread()
	keep = append(keep, p, q)
	fmt.Println("done")
}
