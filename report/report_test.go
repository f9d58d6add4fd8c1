package report

import (
	"bytes"
	"encoding/binary"
	"hash/crc32"
	"image"
	"image/color"
	"image/gif"
	"image/jpeg"
	"image/png"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/heartlink/heartlink"
)

const secret = "GPSLatitude 28.2446 serial-4711"

func picture() *image.RGBA {
	img := image.NewRGBA(image.Rect(0, 0, 32, 24))
	for x := range 32 {
		img.Set(x, x%24, color.RGBA{255, uint8(x * 8), 0, 255})
	}
	return img
}

// withEXIF is a JPEG with an APP1 (EXIF) segment holding secret.
func withEXIF(t *testing.T) []byte {
	var b bytes.Buffer
	require.NoError(t, jpeg.Encode(&b, picture(), nil))
	exif := append([]byte("Exif\x00\x00"), secret...)
	seg := binary.BigEndian.AppendUint16([]byte{0xFF, 0xE1}, uint16(len(exif)+2))
	out := append(append(append([]byte{}, b.Bytes()[:2]...), seg...), exif...)
	return append(out, b.Bytes()[2:]...)
}

// pngChunk is a PNG chunk of type typ holding data.
func pngChunk(typ string, data []byte) []byte {
	c := binary.BigEndian.AppendUint32(nil, uint32(len(data)))
	c = append(append(c, typ...), data...)
	return binary.BigEndian.AppendUint32(c, crc32.ChecksumIEEE(c[4:]))
}

// withText is a PNG with a tEXt chunk holding secret, and more bytes
// after its end.
func withText(t *testing.T) []byte {
	var b bytes.Buffer
	require.NoError(t, png.Encode(&b, picture()))
	const ihdrEnd = 8 + 25
	out := append(append([]byte{}, b.Bytes()[:ihdrEnd]...), pngChunk("tEXt", append([]byte("Comment\x00"), secret...))...)
	return append(append(out, b.Bytes()[ihdrEnd:]...), "appended "+secret...)
}

func TestCleanKeepsThePixelsAndNothingElse(t *testing.T) {
	for name, in := range map[string][]byte{"jpeg": withEXIF(t), "png": withText(t)} {
		t.Run(name, func(t *testing.T) {
			require.Contains(t, string(in), secret, "the test photo carries the secret")
			out, typ, err := Clean("photo", in)
			require.NoError(t, err)
			assert.Equal(t, "image/"+name, typ)
			assert.NotContains(t, string(out), "serial-4711")
			img, format, err := image.Decode(bytes.NewReader(out))
			require.NoError(t, err)
			assert.Equal(t, name, format)
			assert.Equal(t, picture().Bounds(), img.Bounds())
			if name == "png" {
				assert.Equal(t, picture().At(5, 5), color.RGBAModel.Convert(img.At(5, 5)), "PNG is lossless")
			}
		})
	}
}

func TestCleanRefuses(t *testing.T) {
	var g bytes.Buffer
	require.NoError(t, gif.Encode(&g, picture(), nil))
	// A PNG that says it is 10,000 × 10,000: 100 MP to decode.
	var huge bytes.Buffer
	huge.WriteString("\x89PNG\r\n\x1a\n")
	ihdr := binary.BigEndian.AppendUint32(nil, 10000)
	ihdr = binary.BigEndian.AppendUint32(ihdr, 10000)
	huge.Write(pngChunk("IHDR", append(ihdr, 8, 6, 0, 0, 0)))
	for _, tt := range []struct {
		name string
		in   []byte
		code string
	}{
		{"gif", g.Bytes(), heartlink.EUnsupported},
		{"text", []byte("hello, this is not a photo"), heartlink.EUnsupported},
		{"html", []byte("<html><script>alert(1)</script>"), heartlink.EUnsupported},
		{"empty", nil, heartlink.EUnsupported},
		{"truncated jpeg", withEXIF(t)[:300], heartlink.EInvalid},
		{"png header only", withText(t)[:40], heartlink.EInvalid},
		{"100 megapixels", huge.Bytes(), heartlink.EInvalid},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := Clean("photo[2]", tt.in)
			require.Error(t, err)
			assert.Equal(t, tt.code, heartlink.ErrorCode(err))
			assert.Equal(t, "photo[2]", heartlink.Problems(err)[0].Field)
		})
	}
}

func FuzzClean(f *testing.F) {
	var b bytes.Buffer
	png.Encode(&b, picture())
	f.Add(b.Bytes())
	b.Reset()
	jpeg.Encode(&b, picture(), nil)
	f.Add(b.Bytes())
	f.Add([]byte("\x89PNG\r\n\x1a\n"))
	f.Add([]byte("\xff\xd8\xff\xe0"))
	f.Fuzz(func(t *testing.T, in []byte) {
		out, typ, err := Clean("photo", in)
		if err != nil {
			if c := heartlink.ErrorCode(err); c != heartlink.EInvalid && c != heartlink.EUnsupported {
				t.Fatalf("%q: refused as %s: %v", in, c, err)
			}
			return
		}
		if _, format, err := image.Decode(bytes.NewReader(out)); err != nil || "image/"+format != typ {
			t.Fatalf("%q: cleaned to an unreadable %s (%s): %v", in, typ, format, err)
		}
	})
}

func TestDraftAndUpdateRules(t *testing.T) {
	d := Draft{Kind: "fire", Note: string(make([]rune, MaxNote+1))}
	problems := heartlink.Problems(d.Validate())
	var fields []string
	for _, p := range problems {
		fields = append(fields, p.Field)
	}
	assert.Equal(t, []string{"kind", "location", "note"}, fields, "every problem, each named")
	ok := Draft{Kind: Help, Location: &heartlink.Point{Lat: 28.2, Lng: 117}}
	assert.NoError(t, ok.Validate())

	assert.Equal(t, "forwarded_to", heartlink.Problems((&Update{Status: Forwarded}).Validate())[0].Field)
	assert.Equal(t, "status", heartlink.Problems((&Update{Status: Open}).Validate())[0].Field)
	assert.NoError(t, (&Update{Status: Resolved}).Validate())

	assert.NoError(t, MayChange(Open))
	assert.NoError(t, MayChange(Forwarded), "forwarded again, to someone else")
	assert.Equal(t, heartlink.EConflict, heartlink.ErrorCode(MayChange(Resolved)))

	at := time.Date(2026, 12, 2, 7, 0, 0, 0, time.UTC)
	r := Apply(Report{Status: Open, ForwardedTo: "police"}, Update{Status: Resolved, Note: "cleared"}, "coordinator:crd_a", at)
	assert.Equal(t, Report{Status: Resolved, ForwardedTo: "police", Outcome: "cleared", UpdatedBy: "coordinator:crd_a", UpdatedAt: at}, r,
		"resolving keeps whom it went to")
}
