package patrol

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"
)

// Screenshots are taken of what koban fetched, never of the live site:
// the captured HTML is written to a private folder and rendered by
// headless chromium with every network request refused, so that the
// browser reaches nothing the egress client would not (no private
// addresses, no second fetch the site could tell apart). Images and
// scripts the page loads from elsewhere are therefore missing: the
// screenshot shows the page's text and layout as captured.

// Shooter renders a captured page to a PNG.
type Shooter interface {
	Screenshot(ctx context.Context, html []byte) ([]byte, error)
}

// Chromium is a Shooter running a headless chromium binary.
type Chromium struct {
	Path    string        // the binary
	Timeout time.Duration // for one page; 0 is 30 s
}

// FindChromium returns a Chromium when a chromium (or google-chrome)
// binary is on the PATH, else nil: screenshots are then not taken.
func FindChromium() *Chromium {
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "headless_shell"} {
		if p, err := exec.LookPath(name); err == nil {
			return &Chromium{Path: p}
		}
	}
	return nil
}

// Screenshot renders html (at most 4 MiB of it) at 1280×2000 offline.
func (c *Chromium) Screenshot(ctx context.Context, html []byte) ([]byte, error) {
	timeout := c.Timeout
	if timeout <= 0 {
		timeout = 30 * time.Second
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	dir, err := os.MkdirTemp("", "koban-shot-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	page, shot := filepath.Join(dir, "page.html"), filepath.Join(dir, "shot.png")
	if err := os.WriteFile(page, html[:min(len(html), 4<<20)], 0o600); err != nil {
		return nil, err
	}
	args := []string{"--headless", "--disable-gpu", "--no-first-run", "--no-default-browser-check", "--disable-extensions",
		"--disable-background-networking", "--disable-sync", "--mute-audio", "--hide-scrollbars",
		// No network at all: every host name resolves to nothing, and no
		// proxy is looked up.
		"--host-resolver-rules=MAP * ~NOTFOUND", "--no-proxy-server", "--proxy-server=127.0.0.1:9",
		"--user-data-dir=" + filepath.Join(dir, "profile"), "--window-size=1280,2000", "--screenshot=" + shot,
		"--virtual-time-budget=3000"}
	if os.Geteuid() == 0 {
		args = append(args, "--no-sandbox") // chromium refuses to run its sandbox as root
	}
	cmd := exec.CommandContext(ctx, c.Path, append(args, "file://"+page)...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		return nil, fmt.Errorf("chromium: %w: %s", err, lastLine(stderr.String()))
	}
	png, err := os.ReadFile(shot)
	if err != nil {
		return nil, fmt.Errorf("chromium wrote no screenshot: %w", err)
	}
	return png, nil
}

func lastLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.LastIndexByte(s, '\n'); i >= 0 {
		s = s[i+1:]
	}
	return s[:min(len(s), 300)]
}
