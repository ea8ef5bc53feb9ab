package assets

import (
	"bytes"
	"image"
	"image/png"
	"testing"
)

// The icons stay 8-bit, and the header's stays small: a 16-bit 512×512 icon decodes to 2 MB
// that the window would keep for a 20-pixel picture (docs/performance.md).
func TestIconsAreLean(t *testing.T) {
	for _, c := range []struct {
		name    string
		data    []byte
		maxSide int
	}{{"icon.png", Icon, 512}, {"icon-header.png", HeaderIcon, 64}} {
		img, err := png.Decode(bytes.NewReader(c.data))
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		switch img.(type) {
		case *image.NRGBA64, *image.RGBA64, *image.Gray16:
			t.Errorf("%s is 16 bits per channel: twice the memory for nothing visible", c.name)
		}
		if b := img.Bounds(); b.Dx() > c.maxSide || b.Dy() > c.maxSide {
			t.Errorf("%s is %dx%d, more than %d pixels a side", c.name, b.Dx(), b.Dy(), c.maxSide)
		}
	}
}
