package web_test

import (
	"bytes"
	"io"
	"mime/multipart"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/koban-project/koban/internal/app/apptest"
)

// formBody writes the fields in the order a browser does (the form's order:
// text first, files near the end, consent last) with the given files.
func formBody(fields map[string]string, files map[string]io.Reader) (string, io.Reader) {
	pr, pw := io.Pipe()
	mw := multipart.NewWriter(pw)
	go func() {
		for _, k := range []string{"kind", "category", "description", "prefecture", "contact_name", "contact_email"} {
			if v, ok := fields[k]; ok {
				mw.WriteField(k, v)
			}
		}
		for name, r := range files {
			fw, _ := mw.CreateFormFile("files", name)
			io.Copy(fw, r)
		}
		if v, ok := fields["consent"]; ok {
			mw.WriteField("consent", v)
		}
		pw.CloseWithError(mw.Close())
	}()
	return mw.FormDataContentType(), pr
}

// storedFiles lists the files in the file store but those held for a form
// (see heldFiles).
func storedFiles(t *testing.T, s *apptest.Server) []string {
	t.Helper()
	var out []string
	filepath.WalkDir(filepath.Join(s.Dir, "files"), func(p string, d os.DirEntry, err error) error {
		if err == nil && d.IsDir() && d.Name() == "held" {
			return filepath.SkipDir
		}
		if err == nil && !d.IsDir() {
			out = append(out, p)
		}
		return nil
	})
	return out
}

// heldFiles lists the files held for forms that came back with problems
// (their labels left out).
func heldFiles(t *testing.T, s *apptest.Server) []string {
	t.Helper()
	var out []string
	filepath.WalkDir(filepath.Join(s.Dir, "files", "held"), func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() && !strings.HasSuffix(p, ".label") {
			out = append(out, p)
		}
		return nil
	})
	return out
}

// A form over the size limit is refused with a 413, and shown again with
// what was typed, whether its size was announced or not.
func TestFormTooLargeKeepsInput(t *testing.T) {
	s := apptest.Start(t)
	limit := s.App.Intake.Limits().MaxBody()
	for _, announced := range []bool{true, false} {
		ct, rb := formBody(validForm, map[string]io.Reader{"video.png": io.MultiReader(bytes.NewReader(pngBytes), io.LimitReader(zeros{}, limit))})
		if announced {
			b, _ := io.ReadAll(rb)
			rb = bytes.NewReader(b)
		}
		req, _ := http.NewRequest("POST", s.URL+"/report", rb)
		req.Header.Set("Content-Type", ct)
		resp := must(s.Client().Do(req))
		page := body(t, resp)
		if resp.StatusCode != http.StatusRequestEntityTooLarge {
			t.Fatalf("announced %v: status %d, want 413", announced, resp.StatusCode)
		}
		for _, want := range []string{"送信する内容が大きすぎます", `value="山田 花子"`, `value="victim@example.jp"`, "偽の宅配SMS"} {
			if !strings.Contains(page, want) {
				t.Errorf("announced %v: the page shown again lacks %q", announced, want)
			}
		}
	}
	if left := storedFiles(t, s); len(left) != 0 {
		t.Errorf("files left on disk: %v", left)
	}
}

// Every file is checked before any is stored: a form whose second file is
// refused stores neither, and too many files are refused too.
func TestFormRefusedFilesStoreNothing(t *testing.T) {
	s := apptest.Start(t)
	ct, rb := formBody(validForm, map[string]io.Reader{"a.png": bytes.NewReader(pngBytes), "b.png": strings.NewReader("MZ\x90\x00 a program")})
	req, _ := http.NewRequest("POST", s.URL+"/report", rb)
	req.Header.Set("Content-Type", ct)
	resp := must(s.Client().Do(req))
	page := body(t, resp)
	if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(page, `value="山田 花子"`) {
		t.Fatalf("a refused file: status %d", resp.StatusCode)
	}
	files := map[string]io.Reader{}
	for _, n := range []string{"1.png", "2.png", "3.png", "4.png", "5.png", "6.png"} {
		files[n] = bytes.NewReader(append([]byte(n), pngBytes...)[len(n):])
	}
	ct, rb = formBody(validForm, files)
	req, _ = http.NewRequest("POST", s.URL+"/report", rb)
	req.Header.Set("Content-Type", ct)
	resp = must(s.Client().Do(req))
	if page := body(t, resp); resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(page, "添付できるファイルの数を超えています") {
		t.Fatalf("six files: status %d", resp.StatusCode)
	}
	if left := storedFiles(t, s); len(left) != 0 {
		t.Errorf("files left on disk by refused forms: %v", left)
	}
}

type zeros struct{}

func (zeros) Read(p []byte) (int, error) { clear(p); return len(p), nil }
