// DataDog/zstd (cgo, the system's libzstd). "clean": one-shot compression,
// a streaming Writer and Reader, a Ctx, all closed. "leak": a streaming
// Writer (C: a ZSTD_CStream) dropped without Close; the Writer has no
// finalizer, so only Go garbage holds that C memory.
package main

import (
	"bytes"
	"fmt"
	"io"
	"log"
	"os"

	"github.com/DataDog/zstd"
)

//go:noinline
func stream(data []byte, leak bool) int {
	var buf bytes.Buffer
	w := zstd.NewWriter(&buf)
	if _, err := w.Write(data); err != nil {
		log.Fatal(err)
	}
	if leak {
		if err := w.Flush(); err != nil {
			log.Fatal(err)
		}
		return buf.Len() // w never closed
	}
	if err := w.Close(); err != nil {
		log.Fatal(err)
	}
	r := zstd.NewReader(&buf)
	out, err := io.ReadAll(r)
	if err != nil {
		log.Fatal(err)
	}
	r.Close()
	return len(out)
}

func main() {
	data := bytes.Repeat([]byte("cgoheap checks zstd against valgrind. "), 20000)
	c, err := zstd.Compress(nil, data)
	if err != nil {
		log.Fatal(err)
	}
	d, err := zstd.Decompress(nil, c)
	if err != nil || !bytes.Equal(d, data) {
		log.Fatal("round trip failed: ", err)
	}
	ctx := zstd.NewCtx()
	c2, err := ctx.Compress(nil, data)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(len(c) == len(c2), stream(data, os.Args[1] == "leak") > 0)
}
