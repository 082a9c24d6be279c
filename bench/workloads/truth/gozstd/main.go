// valyala/gozstd (cgo, the system's libzstd). "clean": one-shot
// compression, a streaming Writer released, a Reader released. "leak": a
// streaming Writer never released; its finalizer would free the C stream
// (ZSTD_freeCStream) had a garbage collection run.
package main

import (
	"bytes"
	"fmt"
	"io"
	"log"
	"os"

	"github.com/valyala/gozstd"
)

//go:noinline
func stream(data []byte, leak bool) int {
	var buf bytes.Buffer
	w := gozstd.NewWriter(&buf)
	if _, err := w.Write(data); err != nil {
		log.Fatal(err)
	}
	if err := w.Close(); err != nil {
		log.Fatal(err)
	}
	if leak {
		return buf.Len() // w never released
	}
	w.Release()
	r := gozstd.NewReader(&buf)
	out, err := io.ReadAll(r)
	if err != nil {
		log.Fatal(err)
	}
	r.Release()
	return len(out)
}

func main() {
	data := bytes.Repeat([]byte("cgoheap checks gozstd against valgrind. "), 20000)
	c := gozstd.Compress(nil, data)
	d, err := gozstd.Decompress(nil, c)
	if err != nil || !bytes.Equal(d, data) {
		log.Fatal("round trip failed: ", err)
	}
	fmt.Println(stream(data, os.Args[1] == "leak") > 0)
}
