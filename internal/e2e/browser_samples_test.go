package e2e_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/koban-project/koban/internal/app/apptest"
	"github.com/koban-project/koban/internal/auth"
)

// TestBrowserSamples: an analyst in Chromium adds a sample on the samples
// page, reads its page once analysed (hashes, strings with a search, the
// family form) and the YARA rules page; axe-core on each page.
func TestBrowserSamples(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 120*time.Second)
	defer cancel()
	s := apptest.Start(t)
	const analyst, password = "malware.analyst@ncu.example.jp", "sakura-kaede-momiji-2024"
	s.AddUser(t, analyst, "ncu", auth.RoleAnalyst, password)
	file := filepath.Join(t.TempDir(), "invoice.exe")
	body := []byte(strings.Repeat("MZ\x00\x01 loader http://c2.evil-example.jp/gate.php ", 200))
	if err := os.WriteFile(file, body, 0o600); err != nil {
		t.Fatal(err)
	}

	p := browserStart(t, ctx, s.URL)
	browserOfficerSignIn(t, p, s, analyst, password)
	p.open("/samples", http.StatusOK)
	p.checkAxe("samples (/samples)")
	p.do("choose the sample", chromedp.SetUploadFiles(chromedp.CSS("#sample-file"), []string{file}))
	browserOfficerSubmit(t, p, "add the sample", "#sample-submit")
	if got := p.text("h1"); got != "invoice.exe" {
		t.Fatalf("the sample's page is titled %q", got)
	}
	sum := sha256.Sum256(body)
	if err := s.App.Malware.Analyse(ctx, hex.EncodeToString(sum[:])); err != nil {
		t.Fatal(err)
	}
	p.do("reload", chromedp.Reload())
	if got := p.text("#sample-state"); !strings.Contains(got, "解析済み") {
		t.Errorf("state %q", got)
	}
	if got := p.text("#sample-strings"); !strings.Contains(got, "c2.evil-example.jp") {
		t.Errorf("strings %q", got)
	}
	p.checkAxe("a sample (/samples/{id})")
	p.open("/samples/rules", http.StatusOK)
	p.checkAxe("YARA rules (/samples/rules)")
}
