package web_test

import (
	"crypto/sha256"
	"encoding/hex"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"testing"

	"github.com/koban-project/koban/internal/app/apptest"
	"github.com/koban-project/koban/internal/auth"
)

// A damaged evidence file is never delivered as if intact: the download is
// cut off before its end, so the officer's browser reports a failed download
// instead of saving a file that differs from what the reporter sent.
func TestDamagedEvidenceDownloadIsCutOff(t *testing.T) {
	s := apptest.Start(t)
	s.AddUser(t, "tokyo@mpd.example", "pref-13", auth.RoleIntake, pw)
	path := submit(t, s, validForm)
	receipt := receiptRe.FindStringSubmatch(body(t, must(s.Client().Get(s.URL+path))))[1]
	c := s.Login(t, "tokyo@mpd.example", pw)
	id := reportIDFromQueue(t, body(t, must(c.Get(s.URL+"/queue"))), receipt)
	m := regexp.MustCompile(`/reports/` + id + `/files/(\d+)`).FindStringSubmatch(body(t, must(c.Get(s.URL+"/reports/"+id))))
	if m == nil {
		t.Fatal("no file link")
	}

	sum := sha256.Sum256(pngBytes)
	hexSum := hex.EncodeToString(sum[:])
	onDisk := filepath.Join(s.Dir, "files", hexSum[:2], hexSum[2:4], hexSum)
	damaged := append([]byte(nil), pngBytes...)
	damaged[len(damaged)/2] ^= 0x01
	if err := os.WriteFile(onDisk, damaged, 0o600); err != nil {
		t.Fatal(err)
	}

	resp, err := c.Get(s.URL + m[0])
	if err != nil {
		return // refused outright: fine
	}
	defer resp.Body.Close()
	got, err := io.ReadAll(resp.Body)
	if resp.StatusCode == http.StatusOK && err == nil {
		t.Fatalf("damaged evidence delivered as a complete download (%d bytes)", len(got))
	}
}
