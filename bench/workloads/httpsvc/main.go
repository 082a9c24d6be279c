// A Go HTTP service that uses C memory on every request, for bench/service.
// GET /item/KEY looks KEY up in a C-side cache of 4096 slots (one lock); a
// miss builds a value of 64..4159 bytes in C and frees the slot's old value.
// Each request also copies its key with C.CString and frees it. The live C
// heap stays steady (at most 4096 values plus the runtime's own blocks) while
// allocations and frees go on at the request rate. Listens on argv[1].
package main

// #include <stdlib.h>
// #include <string.h>
// #include <stdint.h>
// #include <pthread.h>
//
// #define SLOTS 4096
// struct entry { uint64_t hash; size_t len; char *value; };
// static struct entry cache[SLOTS];
// static pthread_mutex_t cache_lock = PTHREAD_MUTEX_INITIALIZER;
//
// static uint64_t hash_key(const char *k) {
//   uint64_t h = 1469598103934665603ull;
//   for (; *k; k++) h = (h ^ (unsigned char)*k) * 1099511628211ull;
//   return h;
// }
//
// __attribute__((noinline)) static char *build_value(uint64_t h, size_t *len) {
//   size_t n = 64 + (size_t)(h % 4096);
//   char *v = malloc(n);
//   if (v) memset(v, (int)(h & 0x7f), n);
//   *len = n;
//   return v;
// }
//
// // Returns the value's length; fills the slot on a miss.
// static size_t lookup(const char *key) {
//   uint64_t h = hash_key(key);
//   struct entry *e = &cache[h % SLOTS];
//   size_t n;
//   pthread_mutex_lock(&cache_lock);
//   if (!e->value || e->hash != h) {
//     free(e->value);
//     e->hash = h;
//     e->value = build_value(h, &e->len);
//   }
//   n = e->len;
//   pthread_mutex_unlock(&cache_lock);
//   return n;
// }
import "C"

import (
	"fmt"
	"net/http"
	"os"
	"strings"
	"unsafe"
)

func item(w http.ResponseWriter, r *http.Request) {
	key := C.CString(strings.TrimPrefix(r.URL.Path, "/item/"))
	n := C.lookup(key)
	C.free(unsafe.Pointer(key))
	fmt.Fprintf(w, "%d\n", int(n))
}

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: httpsvc ADDR")
		os.Exit(2)
	}
	http.HandleFunc("/item/", item)
	if err := http.ListenAndServe(os.Args[1], nil); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
