// Writes a known text to stdout (some through C's stdio, some through Go)
// and copies stdin to stdout, so passthrough can be checked byte for byte.
package main

// #include <stdio.h>
// #include <stdlib.h>
//
// static void cprint(const char *s) {
//   fputs(s, stdout);
//   fflush(stdout);
// }
import "C"
import (
	"fmt"
	"io"
	"os"
	"unsafe"
)

func main() {
	for i := 0; i < 50; i++ {
		fmt.Printf("go line %d: %s\n", i, "the quick brown fox")
		s := C.CString(fmt.Sprintf("c line %d\twith a tab\n", i))
		C.cprint(s)
		C.free(unsafe.Pointer(s))
	}
	if len(os.Args) > 1 && os.Args[1] == "cat" {
		io.Copy(os.Stdout, os.Stdin)
	}
	fmt.Fprintln(os.Stderr, "stderr line")
}
