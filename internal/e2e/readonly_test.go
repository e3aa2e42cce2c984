package e2e_test

// TestReadOnlyDataFolder: a data folder that stops taking files (a mount
// turned read-only, a full disk) takes koban out of the load balancer:
// /readyz answers 503 until the folder is writable again. Before, /readyz
// stayed 200 while every upload failed with a 500.
//
// Root ignores permission bits, so when the tests run as root (CI does)
// koban runs as the unprivileged user "nobody", for whom a folder without
// write permission is read-only in earnest. Top-level names here start with
// "readonly".

import (
	"bytes"
	"context"
	"io"
	"mime/multipart"
	"net/http"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"syscall"
	"testing"
	"time"
)

func TestReadOnlyDataFolder(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the real binary; skipped with -short")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	// A folder of our own that another user can enter: t.TempDir is 0700.
	base, err := os.MkdirTemp("", "koban-readonly-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(base) })
	if err := os.Chmod(base, 0o755); err != nil {
		t.Fatal(err)
	}
	bin := crashBuild(t, ctx, base)
	data := filepath.Join(base, "data")
	if err := os.Mkdir(data, 0o700); err != nil {
		t.Fatal(err)
	}
	var cred *syscall.Credential
	if os.Geteuid() == 0 {
		nobody, err := user.Lookup("nobody")
		if err != nil {
			t.Fatalf("running as root, koban must run as nobody here: %v", err)
		}
		uid, _ := strconv.Atoi(nobody.Uid)
		gid, _ := strconv.Atoi(nobody.Gid)
		cred = &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}
		if err := os.Chown(data, uid, gid); err != nil {
			t.Fatal(err)
		}
	}

	addr := crashFreePort(t)
	var stderr bytes.Buffer
	cmd := exec.CommandContext(ctx, bin, "serve")
	cmd.Env = crashEnv(data, addr, base)
	cmd.Stderr = &stderr
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: cred}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { cmd.Wait(); close(done) }()
	t.Cleanup(func() { cmd.Process.Kill(); <-done })
	s := &crashServer{cmd: cmd, url: "http://" + addr, done: done}
	client := &http.Client{Timeout: 10 * time.Second}
	if err := crashWaitReady(ctx, client, s); err != nil {
		t.Fatalf("koban not ready: %v\n%s", err, stderr.String())
	}

	readyz := func() int {
		res, err := client.Get(s.url + "/readyz")
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, res.Body)
		res.Body.Close()
		return res.StatusCode
	}
	upload := func() int {
		var body bytes.Buffer
		mw := multipart.NewWriter(&body)
		mw.WriteField("report", `{"kind":"tip","description":"偽サイトのスクリーンショットを添付します"}`)
		fw, _ := mw.CreateFormFile("files", "memo.txt")
		io.WriteString(fw, "偽サイト https://readonly-check.example.com/ の記録 "+time.Now().String())
		mw.Close()
		res, err := client.Post(s.url+"/api/v1/public/reports", mw.FormDataContentType(), &body)
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, res.Body)
		res.Body.Close()
		return res.StatusCode
	}
	if code := upload(); code != http.StatusCreated {
		t.Fatalf("upload while writable: %d\n%s", code, stderr.String())
	}

	dirs := []string{data, filepath.Join(data, "files"), filepath.Join(data, "files", "tmp")}
	for _, d := range dirs {
		if err := os.Chmod(d, 0o500); err != nil {
			t.Fatal(err)
		}
	}
	restore := func() {
		for _, d := range dirs {
			os.Chmod(d, 0o700)
		}
	}
	t.Cleanup(restore)
	if code := readyz(); code != http.StatusServiceUnavailable {
		t.Errorf("readyz with a read-only data folder: %d, want 503", code)
	}
	if code := upload(); code == http.StatusCreated {
		t.Errorf("an upload into a read-only folder got a receipt")
	}

	restore()
	if code := readyz(); code != http.StatusOK {
		t.Errorf("readyz once writable again: %d, want 200\n%s", code, stderr.String())
	}
}
