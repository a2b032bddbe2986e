package intake

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"io"
	"sync"

	"golang.org/x/image/draw"
	"golang.org/x/image/webp"
)

type imageCodec struct {
	config func(io.Reader) (image.Config, error)
	decode func(io.Reader) (image.Image, error)
}

var imageCodecs = map[string]imageCodec{
	typeJPEG.MIME: {jpeg.DecodeConfig, jpeg.Decode},
	typePNG.MIME:  {png.DecodeConfig, png.Decode},
	typeWebP.MIME: {webp.DecodeConfig, webp.Decode},
}

// imageHeadLen is how far into the stripped image its dimensions must be found: far
// enough for a colour profile before them.
const imageHeadLen = 1 << 20

// decoded is a picture decoded, and the pixels it holds of the budget.
type decoded struct {
	img    image.Image
	pixels int64
}

// decodeImage decodes the image of type ft that r streams, after checking from its
// header that it has at most MaxPixels and taking that many from the instance's budget,
// so decoding never takes more memory than the limit allows. One that does not decode
// is refused. The caller gives the pixels back.
func (e *Evidence) decodeImage(ctx context.Context, r io.Reader, ft FileType) (decoded, error) {
	codec := imageCodecs[ft.MIME]
	br := bufio.NewReaderSize(r, imageHeadLen)
	head, _ := br.Peek(imageHeadLen)
	cfg, err := codec.config(bytes.NewReader(head))
	if err != nil {
		return decoded{}, &EvidenceRefusal{Reason: RefuseBadImage, Detail: "header: " + err.Error()}
	}
	px := int64(cfg.Width) * int64(cfg.Height)
	if px > e.limits.MaxPixels || cfg.Width <= 0 || cfg.Height <= 0 {
		return decoded{}, &EvidenceRefusal{Reason: RefuseImageSize, Detail: fmt.Sprintf("%d×%d pixels", cfg.Width, cfg.Height), Limit: e.limits.MaxPixels}
	}
	if err := e.pixels.acquire(ctx, px); err != nil {
		return decoded{}, err
	}
	img, err := codec.decode(br)
	if err != nil {
		e.pixels.release(px)
		return decoded{}, &EvidenceRefusal{Reason: RefuseBadImage, Detail: err.Error()}
	}
	return decoded{img, px}, nil
}

// pixelBudget bounds the pixels being decoded at once on this instance: a decoded
// picture is held until its thumbnail is made, and an upload can take minutes.
type pixelBudget struct {
	mu    sync.Mutex
	free  int64
	freed chan struct{} // closed, and replaced, whenever pixels are given back
}

func newPixelBudget(n int64) *pixelBudget {
	return &pixelBudget{free: n, freed: make(chan struct{})}
}

// acquire waits until n pixels are free (n is at most the whole budget).
func (b *pixelBudget) acquire(ctx context.Context, n int64) error {
	for {
		b.mu.Lock()
		if n <= b.free {
			b.free -= n
			b.mu.Unlock()
			return nil
		}
		freed := b.freed
		b.mu.Unlock()
		select {
		case <-freed:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

func (b *pixelBudget) release(n int64) {
	if n == 0 {
		return
	}
	b.mu.Lock()
	b.free += n
	close(b.freed)
	b.freed = make(chan struct{})
	b.mu.Unlock()
}

// thumbSide is the longest side of a thumbnail, in pixels.
const thumbSide = 240

// thumbnail is a small JPEG of img, turned as its EXIF orientation says, on white where
// the image is transparent.
func thumbnail(img image.Image, orientation int) ([]byte, error) {
	b := img.Bounds()
	w, h := b.Dx(), b.Dy()
	if orientation >= 5 { // these turn it by a quarter
		w, h = h, w
	}
	tw, th := thumbSide, thumbSide
	if w >= h {
		th = max(1, h*thumbSide/w)
	} else {
		tw = max(1, w*thumbSide/h)
	}
	if w <= thumbSide && h <= thumbSide {
		tw, th = w, h
	}
	// Scaled before it is turned: sw×sh is the thumbnail in the picture's own orientation.
	sw, sh := tw, th
	if orientation >= 5 {
		sw, sh = th, tw
	}
	// A photo is first brought down to twice the thumbnail's size the cheap way, so the
	// finer filter's working buffer is that of a small picture, not of 12 megapixels.
	src, sb := img, b
	if b.Dx() > 4*sw && b.Dy() > 4*sh {
		mid := image.NewRGBA(image.Rect(0, 0, 2*sw, 2*sh))
		draw.Draw(mid, mid.Bounds(), image.NewUniform(color.White), image.Point{}, draw.Src)
		draw.ApproxBiLinear.Scale(mid, mid.Bounds(), img, b, draw.Over, nil)
		src, sb = mid, mid.Bounds()
	}
	small := image.NewRGBA(image.Rect(0, 0, sw, sh))
	draw.Draw(small, small.Bounds(), image.NewUniform(color.White), image.Point{}, draw.Src)
	draw.CatmullRom.Scale(small, small.Bounds(), src, sb, draw.Over, nil)
	var out bytes.Buffer
	if err := jpeg.Encode(&out, orient(small, orientation), &jpeg.Options{Quality: 80}); err != nil {
		return nil, fmt.Errorf("thumbnail: %w", err)
	}
	return out.Bytes(), nil
}

// orient turns and mirrors m as EXIF orientation o says the picture is meant to be
// seen (1: as stored; 2–8: the seven other turns and mirrorings).
func orient(m *image.RGBA, o int) *image.RGBA {
	if o < 2 || o > 8 {
		return m
	}
	w, h := m.Bounds().Dx(), m.Bounds().Dy()
	ow, oh := w, h
	if o >= 5 {
		ow, oh = h, w
	}
	out := image.NewRGBA(image.Rect(0, 0, ow, oh))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			var nx, ny int
			switch o {
			case 2:
				nx, ny = w-1-x, y
			case 3:
				nx, ny = w-1-x, h-1-y
			case 4:
				nx, ny = x, h-1-y
			case 5:
				nx, ny = y, x
			case 6:
				nx, ny = h-1-y, x
			case 7:
				nx, ny = h-1-y, w-1-x
			case 8:
				nx, ny = y, w-1-x
			}
			out.SetRGBA(nx, ny, m.RGBAAt(x, y))
		}
	}
	return out
}
