package patrol_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/koban-project/koban/internal/auth"
	"github.com/koban-project/koban/internal/patrol"
)

var pngMagic = []byte("\x89PNG\r\n\x1a\n")

func chromium(t *testing.T) *patrol.Chromium {
	t.Helper()
	c := patrol.FindChromium()
	if c == nil {
		t.Fatal("chromium is not installed (bash .ci/run installs it)")
	}
	return c
}

// A captured page is rendered offline: the screenshot is a PNG, and the
// page's own requests (an image on another server) never leave.
func TestScreenshotOffline(t *testing.T) {
	var hits atomic.Int32
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { hits.Add(1) }))
	defer other.Close()
	html := fmt.Sprintf(`<html><body><h1>高収入 即日即金</h1><img src="%s/track.png"><script>fetch(%q)</script></body></html>`, other.URL, other.URL+"/beacon")
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	png, err := chromium(t).Screenshot(ctx, []byte(html))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(png, pngMagic) || len(png) < 1000 {
		t.Errorf("not a PNG of a page: %d bytes", len(png))
	}
	if n := hits.Load(); n != 0 {
		t.Errorf("the page reached another server %d times", n)
	}
}

// With a shooter, a capture of an HTML page comes with its screenshot in
// the file store.
func TestCaptureWithScreenshot(t *testing.T) {
	e := newEnv(t)
	e.svc.SetShooter(chromium(t))
	analyst := e.officer("pref-13", auth.RoleAnalyst)
	it, _ := e.svc.CreateItem(e.ctx, analyst, patrol.ItemInput{Kind: patrol.KindURL, Target: e.site.URL + "/job"})
	for end := e.clock.Now().Add(10 * time.Second); e.clock.Now().Before(end); e.clock.Advance(time.Second) {
		e.jobs.RunOnce(e.ctx)
	}
	v, err := e.svc.Item(e.ctx, analyst, it.ID)
	if err != nil || len(v.Captures) != 1 || v.Captures[0].ScreenshotSHA256 == "" {
		t.Fatalf("capture = %+v, %v", v, err)
	}
	r, err := e.blobs.Open(v.Captures[0].ScreenshotSHA256)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(r)
	r.Close()
	if !bytes.HasPrefix(b, pngMagic) {
		t.Error("the screenshot kept is not a PNG")
	}
}
