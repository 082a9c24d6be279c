// bep/gowebp (cgo, libwebp's encoder built from the package's own C
// sources): encode a 256x256 image lossy and lossless (quality 0). Its API
// frees all it allocates, so "leak" adds the usual wrapper leak beside it:
// a C copy of each image's first 32 bytes, held by a Go struct that is
// dropped without freeing it.
package main

// #include <stdlib.h>
// #include <string.h>
import "C"
import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"log"
	"os"
	"unsafe"

	"github.com/bep/gowebp/libwebp"
	"github.com/bep/gowebp/libwebp/webpoptions"
)

type header struct{ c unsafe.Pointer }

//go:noinline
func keepHeader(b []byte) int {
	h := &header{c: C.malloc(C.size_t(len(b)))}
	C.memcpy(h.c, unsafe.Pointer(&b[0]), C.size_t(len(b)))
	return len(b) // h dropped, its C copy never freed
}

func main() {
	img := image.NewNRGBA(image.Rect(0, 0, 256, 256))
	for y := 0; y < 256; y++ {
		for x := 0; x < 256; x++ {
			img.Set(x, y, color.NRGBA{uint8(x), uint8(y), uint8(x ^ y), 255})
		}
	}
	sizes := []int{}
	for _, lossless := range []bool{false, true} {
		var buf bytes.Buffer
		o := webpoptions.EncodingOptions{Quality: 75, EncodingPreset: webpoptions.EncodingPresetPhoto, UseSharpYuv: true}
		if lossless {
			o = webpoptions.EncodingOptions{Quality: 0, EncodingPreset: webpoptions.EncodingPresetDefault}
		}
		if err := libwebp.Encode(&buf, img, o); err != nil {
			log.Fatal(err)
		}
		if os.Args[1] == "leak" {
			keepHeader(buf.Bytes()[:32])
		}
		sizes = append(sizes, buf.Len())
	}
	fmt.Println(len(sizes), sizes[0] > 0)
}
