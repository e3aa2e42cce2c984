package intake_test

import (
	"bytes"
	"maps"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/koban-project/koban/internal/intake"
)

func (e *env) stage(name string, data []byte) intake.Upload {
	e.t.Helper()
	u, err := e.svc.Stage(name, bytes.NewReader(data))
	if err != nil {
		e.t.Fatal(err)
	}
	return u
}

// A form with problems: Check tells every problem at once, the files' with
// the fields'; the accepted file is held (nothing stored), listed, and sent
// with the form the next time, when its report stores it; the held copy
// then goes.
func TestHeldFilesReachTheReport(t *testing.T) {
	e := newEnv(t)
	img := pngBytes(t)
	first := validSub()
	first.Description, first.Contact.Phone = "", "12"
	first.Files = []intake.Upload{e.stage("C:\\Users\\hanako\\sms.png", img), e.stage("virus.png", []byte("MZ\x90\x00 a program"))}
	got := problems(t, e.svc.Check(first, public))
	want := map[string]string{"description": "intake.error.description_required", "contact.phone": "intake.error.phone_short", "files.1": "intake.error.file_type"}
	if !maps.Equal(got, want) {
		t.Fatalf("Check: %v, want %v", got, want)
	}
	if !first.Files[0].Holdable() || first.Files[1].Holdable() {
		t.Fatal("Holdable: the picture is, the program is not")
	}
	token, err := e.svc.Hold("", first.Files)
	if err != nil {
		t.Fatal(err)
	}
	for _, u := range first.Files {
		u.Close()
	}
	held, err := e.svc.Held(token)
	if err != nil || len(held) != 1 || held[0].Name != "sms.png" || held[0].Size != int64(len(img)) {
		t.Fatalf("held %+v, %v", held, err)
	}
	if stored, temp := e.storedFiles(); len(stored) != 0 || temp != 0 {
		t.Fatalf("a refused form stored %d files and left %d temporary ones", len(stored), temp)
	}

	// The second try: the held file and a new one.
	again, gone, err := e.svc.HeldUploads(token, held)
	if err != nil || len(gone) != 0 || len(again) != 1 {
		t.Fatalf("held uploads %d, gone %v, %v", len(again), gone, err)
	}
	second := validSub()
	second.Files = append(again, e.stage("mail.txt", []byte("From: scam@example.com")))
	rc, err := e.svc.Submit(e.ctx, second, public)
	if err != nil {
		t.Fatal(err)
	}
	if err := e.svc.ReleaseHeld(token); err != nil {
		t.Fatal(err)
	}
	r := e.load(rc.ReportID)
	if len(r.Files) != 2 || r.Files[0].Name != "sms.png" || r.Files[0].SHA256 != sum(img) || r.Files[1].Name != "mail.txt" {
		t.Fatalf("report files %+v", r.Files)
	}
	if held, _ := e.svc.Held(token); len(held) != 0 {
		t.Fatalf("still held after the report: %+v", held)
	}
	if stored, temp := e.storedFiles(); len(stored) != 2 || temp != 0 {
		t.Fatalf("stored %d, temporary %d", len(stored), temp)
	}
	// A token that is gone yields nothing to send, and says so.
	if ups, gone, err := e.svc.HeldUploads(token, held); err != nil || len(ups) != 0 || len(gone) != 1 {
		t.Fatalf("released token: %d uploads, gone %v, %v", len(ups), gone, err)
	}
}

// The file sweep removes the files held for a form not sent again within
// the hour, and never the stored copy a report names, even of the same
// picture; a form still in use keeps its files.
func TestSweepRemovesExpiredHeldFiles(t *testing.T) {
	e := newEnv(t)
	img := pngBytes(t)
	abandoned, err := e.svc.Hold("", []intake.Upload{e.stage("sms.png", img)})
	if err != nil {
		t.Fatal(err)
	}
	inUse, err := e.svc.Hold("", []intake.Upload{e.stage("sms.png", img)})
	if err != nil {
		t.Fatal(err)
	}
	s := validSub()
	s.Files = []intake.Upload{e.stage("sms.png", img)}
	e.submit(s)
	old := time.Now().Add(-2 * time.Hour)
	os.Chtimes(filepath.Join(e.dir, "files", "held", abandoned), old, old)
	stored := filepath.Join(e.dir, "files", sum(img)[:2], sum(img)[2:4], sum(img))
	os.Chtimes(stored, old, old)

	n, err := e.svc.SweepOrphans(e.ctx, time.Now().Add(-time.Hour))
	if err != nil || n != 1 {
		t.Fatalf("sweep removed %d, %v; want the abandoned form's file", n, err)
	}
	if held, _ := e.svc.Held(abandoned); len(held) != 0 {
		t.Errorf("abandoned form still holds %+v", held)
	}
	if held, _ := e.svc.Held(inUse); len(held) != 1 {
		t.Errorf("form in use lost its file: %+v", held)
	}
	if !e.blobs.Has(sum(img)) {
		t.Error("the sweep removed the file a report names")
	}
	// Expired but not yet swept: not listed, not sent.
	os.Chtimes(filepath.Join(e.dir, "files", "held", inUse), old, old)
	if held, _ := e.svc.Held(inUse); len(held) != 0 {
		t.Errorf("expired token lists %+v", held)
	}
}
