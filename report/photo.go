package report

import (
	"bytes"
	"image"
	"image/jpeg"
	"image/png"
	"net/http"

	"github.com/heartlink/heartlink"
)

// Upload is one photo of a report as it is kept: cleaned already (see
// Clean), with its content type.
type Upload struct {
	Data        []byte
	ContentType string
}

// MaxPixels bounds a photo's width × height: a phone camera's 48 MP is
// refused, its usual 12 MP taken. Decoding costs memory by pixels, not by
// bytes, so a small file must not be allowed to unpack into gigabytes.
const MaxPixels = 24_000_000

// Clean checks that data, uploaded as photo field, is a JPEG or PNG image
// no larger than MaxPixels, and returns it re-encoded from its pixels
// alone, with its content type. Re-encoding drops everything else a file
// carries: EXIF (the camera's position, time, serial number), comments,
// text chunks and anything appended. The report keeps its own place; a
// photo keeps none. Orientation tags go too; phones that rotate the
// pixels themselves (most) are unaffected.
func Clean(field string, data []byte) ([]byte, string, error) {
	sniffed := http.DetectContentType(data)
	if sniffed != "image/jpeg" && sniffed != "image/png" {
		return nil, "", heartlink.FieldError(heartlink.EUnsupported, field, "a photo must be a JPEG or PNG image, not %s", sniffed)
	}
	cfg, format, err := image.DecodeConfig(bytes.NewReader(data))
	if err != nil {
		return nil, "", heartlink.FieldError(heartlink.EInvalid, field, "the photo is not a readable %s image", sniffed)
	}
	if cfg.Width <= 0 || cfg.Height <= 0 || cfg.Width*cfg.Height > MaxPixels {
		return nil, "", heartlink.FieldError(heartlink.EInvalid, field, "the photo is %d×%d pixels; at most %d megapixels are taken", cfg.Width, cfg.Height, MaxPixels/1_000_000)
	}
	img, _, err := image.Decode(bytes.NewReader(data))
	if err != nil {
		return nil, "", heartlink.FieldError(heartlink.EInvalid, field, "the photo is not a readable %s image", sniffed)
	}
	var out bytes.Buffer
	switch format {
	case "jpeg":
		err = jpeg.Encode(&out, img, &jpeg.Options{Quality: 85})
	case "png":
		err = (&png.Encoder{CompressionLevel: png.BestSpeed}).Encode(&out, img)
	default:
		return nil, "", heartlink.FieldError(heartlink.EUnsupported, field, "a photo must be a JPEG or PNG image")
	}
	if err != nil {
		return nil, "", err
	}
	return out.Bytes(), "image/" + format, nil
}
